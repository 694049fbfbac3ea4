// The clock's schedule is CAF's (simple_actor_clock) behind one mutex; only
// arming the timer needs the first io thread, and a timeout that is not the
// earliest (a new heartbeat, 30 s out) needs no arming at all.
#include "net/io_clock.hpp"

#include <boost/asio/post.hpp>

namespace signaling::net {

io_clock::io_clock(boost::asio::io_context& io)
  : io_(io), state_(std::make_shared<timer_state>(io)) {
  state_->owner = this;
}

io_clock::~io_clock() {
  stop();
}

void io_clock::stop() {
  std::lock_guard<std::recursive_mutex> guard{state_->mutex};
  if (state_->owner == nullptr)
    return;
  state_->owner = nullptr;
  super::cancel_all();
  // The timer belongs to io_'s thread; a wait still pending finds the clock
  // gone and does nothing.
}

void io_clock::arm_locked() {
  if (state_->owner == nullptr || schedule().empty())
    return;
  auto due = schedule().begin()->first;
  if (due >= state_->armed_for)
    return;
  state_->armed_for = due;
  if (io_.get_executor().running_in_this_thread()) {
    wait_locked(due);
    return;
  }
  boost::asio::post(io_, [state = state_] {
    std::lock_guard<std::recursive_mutex> guard{state->mutex};
    if (state->owner != nullptr && state->armed_for != time_point::max())
      state->owner->wait_locked(state->armed_for);
  });
}

void io_clock::wait_locked(time_point due) {
  state_->timer.expires_at(due);
  state_->timer.async_wait([state = state_](boost::system::error_code ec) {
    if (!ec)
      on_timer(state);
  });
}

void io_clock::on_timer(const std::shared_ptr<timer_state>& state) {
  std::lock_guard<std::recursive_mutex> guard{state->mutex};
  auto* self = state->owner;
  if (self == nullptr || self->now() < state->armed_for)
    return; // stopped, or re-armed for an earlier deadline meanwhile
  state->armed_for = time_point::max();
  self->trigger_expired_timeouts();
  self->arm_locked();
}

void io_clock::set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                                    std::uint64_t id) {
  locked([&] { super::set_ordinary_timeout(t, self, type, id); });
}

void io_clock::set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                                 std::uint64_t id) {
  locked([&] { super::set_multi_timeout(t, self, type, id); });
}

void io_clock::set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) {
  locked([&] { super::set_request_timeout(t, self, id); });
}

void io_clock::cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) {
  locked([&] { super::cancel_ordinary_timeout(self, type); });
}

void io_clock::cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) {
  locked([&] { super::cancel_request_timeout(self, id); });
}

void io_clock::cancel_timeouts(caf::abstract_actor* self) {
  locked([&] { super::cancel_timeouts(self); });
}

void io_clock::schedule_message(time_point t, caf::strong_actor_ptr receiver,
                                caf::mailbox_element_ptr content) {
  locked([&] { super::schedule_message(t, std::move(receiver), std::move(content)); });
}

void io_clock::schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                                caf::message content) {
  locked(
    [&] { super::schedule_message(t, std::move(target), std::move(sender), std::move(content)); });
}

void io_clock::cancel_all() {
  locked([&] { super::cancel_all(); });
}

} // namespace signaling::net
