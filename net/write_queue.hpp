// The outgoing frames of one WebSocket, without the socket: bounded in bytes,
// one write in flight, and an in-flight entry that outlives every way the
// socket can end, because the kernel may still be reading its buffer.
#pragma once

#include "schema/limits.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace signaling::net {

/// One queued write: a text frame, a ping (with its payload in `text`), or
/// the final close.
struct outgoing_frame {
  enum class kind { text, ping, close };

  kind what = kind::text;
  std::shared_ptr<const std::string> text;
  schema::close_code code = schema::close_code::normal;
  /// A relayed text frame's read time (actors::steady_now_ns); 0: none.
  std::int64_t read_at_ns = 0;

  static outgoing_frame make_text(std::shared_ptr<const std::string> text,
                                  std::int64_t read_at_ns = 0) {
    return {kind::text, std::move(text), schema::close_code::normal, read_at_ns};
  }

  /// A ping whose payload the client's pong echoes.
  static outgoing_frame make_ping(std::shared_ptr<const std::string> payload) {
    return {kind::ping, std::move(payload), schema::close_code::normal, 0};
  }

  static outgoing_frame make_close(schema::close_code code) {
    return {kind::close, nullptr, code, 0};
  }
};

class write_queue {
public:
  /// What push did with a frame.
  enum class push_result {
    /// Queued behind others (or the caller may start it with next()).
    queued,
    /// Past the byte limit: everything not yet in flight was dropped and a
    /// close with close_code::overloaded queued in its place.
    overflowed,
    /// A close was queued or the socket ended before: nothing more is sent.
    refused,
  };

  explicit write_queue(std::size_t max_bytes) : max_bytes_(max_bytes) {
    // nop
  }

  push_result push(outgoing_frame frame);

  /// The frame to write now, marked in flight; nullptr while one is in
  /// flight or nothing waits. The frame (and its text) stays alive until
  /// complete().
  const outgoing_frame* next();

  /// The in-flight write finished (well or not); the frame it wrote. Only
  /// valid while in_flight().
  outgoing_frame complete();

  /// The socket is gone: drop every frame not in flight and refuse more.
  /// The in-flight frame stays until its write completes.
  void end();

  [[nodiscard]] bool in_flight() const noexcept { return in_flight_; }

  /// Whether a close was queued or the socket ended.
  [[nodiscard]] bool ended() const noexcept { return ended_; }

  /// Text bytes queued or in flight.
  [[nodiscard]] std::size_t queued_bytes() const noexcept { return queued_bytes_; }

  /// Frames queued or in flight.
  [[nodiscard]] std::size_t size() const noexcept { return frames_.size() - head_; }

private:
  /// Drops every frame behind the in-flight one.
  void drop_pending();

  std::size_t max_bytes_;
  /// Frames from head_ on; frames_[head_] is the in-flight frame while
  /// in_flight_. A vector, not a deque: libstdc++'s deque allocates 576
  /// bytes even when empty, for each of thousands of idle connections.
  std::vector<outgoing_frame> frames_;
  std::size_t head_ = 0;
  std::size_t queued_bytes_ = 0;
  bool in_flight_ = false;
  bool ended_ = false;
};

} // namespace signaling::net
