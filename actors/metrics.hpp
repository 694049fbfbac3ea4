// Process-wide counters for /metrics. Plain relaxed atomics: each is written
// by many actors and read only by the HTTP handler.
#pragma once

#include <atomic>
#include <cstdint>

namespace signaling::actors {

struct server_metrics {
  std::atomic<std::int64_t> connections_open{0};
  /// WebSocket sockets still held by net/, which may outlive their
  /// connection actor while a close handshake or a last write finishes.
  std::atomic<std::int64_t> sockets_open{0};
  std::atomic<std::int64_t> sessions_open{0};
  std::atomic<std::uint64_t> connections_total{0};
  /// TCP connections closed at accept: their address held its limit.
  std::atomic<std::uint64_t> connections_refused_total{0};
  std::atomic<std::int64_t> rooms_open{0};
  std::atomic<std::uint64_t> rooms_created_total{0};
  std::atomic<std::uint64_t> frames_received_total{0};
  std::atomic<std::uint64_t> messages_relayed_total{0};
  std::atomic<std::uint64_t> errors_sent_total{0};
  std::atomic<std::uint64_t> messages_rate_limited_total{0};
  /// Frames an actor on one thread queued on a socket served by another.
  std::atomic<std::uint64_t> frames_across_threads_total{0};
  /// Actors woken from a thread that serves no sockets (start, shutdown).
  std::atomic<std::uint64_t> wakeups_across_threads_total{0};

  static server_metrics& instance() {
    static server_metrics metrics;
    return metrics;
  }
};

inline void count(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

} // namespace signaling::actors
