// Gives memory back to the system after a burst of connections has ended.
// glibc keeps the heap pages it freed for reuse, so without this a server's
// resident size stays at its peak for good after a spike of clients.
#pragma once

#include "actors/metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace signaling::net {

class memory_trimmer : public std::enable_shared_from_this<memory_trimmer> {
public:
  /// Trims once at least this many sockets closed since the peak.
  static constexpr std::int64_t closed_sockets_per_trim = 1000;

  /// `heartbeat`: how long an ended connection's actor may still be held
  /// by its pending heartbeat timer; a second trim follows that long after
  /// the first, when those are freed too.
  memory_trimmer(boost::asio::io_context& io, std::chrono::milliseconds heartbeat,
                 actors::metrics_ptr metrics);

  void start();

private:
  void schedule();
  void tick();
  void trim(std::int64_t closed);

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds heartbeat_;
  /// Counts the open sockets.
  actors::metrics_ptr metrics_;
  /// The most sockets open at once since the last trim.
  std::int64_t peak_ = 0;
  /// When the follow-up trim is due, if one is.
  std::optional<std::chrono::steady_clock::time_point> follow_up_;
};

} // namespace signaling::net
