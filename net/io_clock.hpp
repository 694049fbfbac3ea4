// CAF's actor clock (delayed sends, request timeouts) on an asio timer of
// the first io thread, in place of CAF's clock thread, which every new
// timeout woke: a heartbeat armed per connection cost a futex wake-up and a
// context switch each.
#pragma once

#include <caf/detail/simple_actor_clock.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <mutex>

namespace signaling::net {

class io_clock : public caf::detail::simple_actor_clock {
public:
  using super = caf::detail::simple_actor_clock;

  /// Fires timeouts on `io`'s thread.
  explicit io_clock(boost::asio::io_context& io);

  ~io_clock() override;

  /// Drops every pending timeout; later ones are ignored.
  void stop();

  // -- caf::actor_clock --------------------------------------------------------

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            std::uint64_t id) override;
  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         std::uint64_t id) override;
  void set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) override;
  void cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) override;
  void cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) override;
  void cancel_timeouts(caf::abstract_actor* self) override;
  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override;
  void schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                        caf::message content) override;
  void cancel_all() override;

private:
  /// What the timer's handlers share with the clock; they may run after the
  /// clock is gone (a cancelled wait completes later), so they hold this.
  struct timer_state {
    explicit timer_state(boost::asio::io_context& io) : timer(io) {
      // nop
    }

    /// Guards the clock's schedule and everything here. Recursive: shipping
    /// a timeout may release an actor whose cleanup cancels its timeouts.
    std::recursive_mutex mutex;
    boost::asio::steady_timer timer;
    /// Null once stopped.
    io_clock* owner = nullptr;
    /// The deadline the timer waits for; max(): none.
    time_point armed_for = time_point::max();
  };

  /// Changes the schedule under the mutex; a change may bring the earliest
  /// timeout forward.
  template <class Change>
  void locked(Change change) {
    std::lock_guard<std::recursive_mutex> guard{state_->mutex};
    if (state_->owner == nullptr)
      return;
    change();
    arm_locked();
  }

  /// With the mutex held: has the timer wait for the earliest timeout.
  void arm_locked();
  void wait_locked(time_point due);
  static void on_timer(const std::shared_ptr<timer_state>& state);

  boost::asio::io_context& io_;
  std::shared_ptr<timer_state> state_;
};

} // namespace signaling::net
