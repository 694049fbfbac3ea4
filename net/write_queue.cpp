// The outgoing frames of one WebSocket. Every way a socket ends (abort, a
// close, the 1013 slow-reader close, a failed write) goes through end() or
// drop_pending(), which never touch the in-flight frame.
#include "net/write_queue.hpp"

#include <cassert>

namespace signaling::net {

namespace {

/// Slots an empty queue keeps.
constexpr std::size_t idle_capacity = 8;

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
  if (in_flight_ || head_ == frames_.size())
    return nullptr;
  in_flight_ = true;
  return &frames_[head_];
}

outgoing_frame write_queue::complete() {
  assert(in_flight_ && head_ < frames_.size());
  in_flight_ = false;
  auto frame = std::move(frames_[head_++]);
  queued_bytes_ -= text_bytes(frame);
  if (head_ == frames_.size()) {
    // Empty: an idle connection keeps a few slots, not a burst's worth.
    frames_.clear();
    head_ = 0;
    if (frames_.capacity() > idle_capacity)
      frames_.shrink_to_fit();
  } else if (head_ > idle_capacity && head_ > frames_.size() / 2) {
    frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  return frame;
}

void write_queue::end() {
  drop_pending();
  ended_ = true;
}

void write_queue::drop_pending() {
  auto keep = head_ + (in_flight_ ? std::size_t{1} : std::size_t{0});
  for (auto i = frames_.begin() + static_cast<std::ptrdiff_t>(keep); i != frames_.end(); ++i)
    queued_bytes_ -= text_bytes(*i);
  frames_.erase(frames_.begin() + static_cast<std::ptrdiff_t>(keep), frames_.end());
}

} // namespace signaling::net
