// The outgoing frames of one WebSocket. Every way a socket ends (abort, a
// close, the 1013 slow-reader close, a failed write) goes through end() or
// drop_pending(), which never touch the in-flight frame.
#include "net/write_queue.hpp"

#include <cassert>

namespace signaling::net {

namespace {

std::size_t text_bytes(const outgoing_frame& frame) noexcept {
  return frame.text ? frame.text->size() : 0;
}

} // namespace

write_queue::push_result write_queue::push(outgoing_frame frame) {
  if (ended_)
    return push_result::refused;
  if (frame.what == outgoing_frame::kind::close) {
    ended_ = true;
  } else if (queued_bytes_ + text_bytes(frame) > max_bytes_) {
    drop_pending();
    ended_ = true;
    frames_.push_back(outgoing_frame::make_close(schema::close_code::overloaded));
    return push_result::overflowed;
  }
  queued_bytes_ += text_bytes(frame);
  frames_.push_back(std::move(frame));
  return push_result::queued;
}

const outgoing_frame* write_queue::next() {
  if (in_flight_ || frames_.empty())
    return nullptr;
  in_flight_ = true;
  return &frames_.front();
}

outgoing_frame write_queue::complete() {
  assert(in_flight_ && !frames_.empty());
  in_flight_ = false;
  auto frame = std::move(frames_.front());
  frames_.pop_front();
  queued_bytes_ -= text_bytes(frame);
  return frame;
}

void write_queue::end() {
  drop_pending();
  ended_ = true;
}

void write_queue::drop_pending() {
  auto keep = in_flight_ ? std::size_t{1} : std::size_t{0};
  for (auto i = frames_.begin() + static_cast<std::ptrdiff_t>(keep); i != frames_.end(); ++i)
    queued_bytes_ -= text_bytes(*i);
  frames_.erase(frames_.begin() + static_cast<std::ptrdiff_t>(keep), frames_.end());
}

} // namespace signaling::net
