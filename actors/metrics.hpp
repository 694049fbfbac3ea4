// The metrics of one server: relaxed atomics that actors and net/ count, and
// the table of descriptors that renders them as Prometheus text (/metrics).
#pragma once

#include "schema/error_code.hpp"
#include "schema/limits.hpp"
#include "schema/message_types.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace signaling::actors {

/// Monotonic totals; many writers, one reader (the scrape), so relaxed.
using counter = std::atomic<std::uint64_t>;

/// Values that go up and down.
using gauge = std::atomic<std::int64_t>;

inline void count(counter& total, std::uint64_t n = 1) noexcept {
  total.fetch_add(n, std::memory_order_relaxed);
}

inline void add(gauge& value, std::int64_t n) noexcept {
  value.fetch_add(n, std::memory_order_relaxed);
}

/// A Prometheus histogram over integer observations (nanoseconds, peers):
/// one counter per bucket, no lock, no allocation. `units_per_base_unit`
/// turns the integer unit into the base unit rendered (1e9 nanoseconds make
/// a second).
template <std::size_t Buckets>
class histogram {
public:
  using bounds_type = std::array<std::uint64_t, Buckets>;

  constexpr histogram(bounds_type upper_bounds, double units_per_base_unit) noexcept
    : upper_bounds_(upper_bounds), units_per_base_unit_(units_per_base_unit) {
    // nop
  }

  void observe(std::uint64_t value) noexcept {
    std::size_t index = 0;
    while (index < Buckets && value > upper_bounds_[index])
      ++index;
    count(counts_[index]);
    count(sum_, value);
  }

  [[nodiscard]] const bounds_type& upper_bounds() const noexcept { return upper_bounds_; }

  [[nodiscard]] double units_per_base_unit() const noexcept { return units_per_base_unit_; }

  /// Observations in bucket `index` alone (not cumulative); index Buckets is
  /// the +Inf bucket.
  [[nodiscard]] std::uint64_t in_bucket(std::size_t index) const noexcept {
    return counts_[index].load(std::memory_order_relaxed);
  }

  /// The sum of the observations, in the integer unit.
  [[nodiscard]] std::uint64_t sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
  bounds_type upper_bounds_;
  double units_per_base_unit_;
  std::array<counter, Buckets + 1> counts_{};
  counter sum_{0};
};

/// The states of a session that /metrics tells apart.
enum class session_state_kind : std::uint8_t {
  /// Serving a connection (or about to: started, resuming).
  attached,
  /// Its connection was lost; waiting out the resume grace.
  detached,
};

inline constexpr std::array<std::string_view, 2> session_state_names{"attached", "detached"};

/// The steady clock as net/ stamps frames, in nanoseconds (0: no stamp).
[[nodiscard]] inline std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// Everything one server counts. Owned by the server (tools/ makes it) and
/// shared by the actors and net/ through metrics_ptr, so two servers in one
/// process keep apart. Families with a fixed label set are arrays indexed
/// by the protocol's enums.
struct server_metrics {
  // -- connections and sockets -------------------------------------------------

  /// Connection actors alive.
  gauge connections_open{0};
  /// WebSocket sockets still held by net/, which may outlive their
  /// connection actor while a close handshake or a last write finishes.
  gauge sockets_open{0};
  /// Connection actors started (upgrades that completed).
  counter connections_accepted_total{0};
  /// TCP connections closed at accept: their address held its limit.
  counter connections_refused_total{0};
  /// Close frames the server sent, counted as net/ hands each to the socket,
  /// by code (schema::close_codes order).
  std::array<counter, schema::close_codes.size()> closes_total{};
  /// Payload bytes of WebSocket data frames read and written.
  counter received_bytes_total{0};
  counter sent_bytes_total{0};

  // -- sessions and rooms ------------------------------------------------------

  std::array<gauge, session_state_names.size()> sessions_open{};
  gauge rooms_open{0};
  counter rooms_created_total{0};
  /// The member count of a room right after each join.
  histogram<11> room_size{{{1, 2, 3, 4, 5, 8, 10, 20, 50, 100, 500}}, 1.0};

  // -- messages ----------------------------------------------------------------

  std::array<counter, schema::client_type_count> messages_received_total{};
  std::array<counter, schema::server_type_count> messages_sent_total{};
  /// Relays a room accepted, and the frames it delivered for them.
  counter relays_total{0};
  counter relay_deliveries_total{0};
  /// From net/ reading a relay's frame to net/ handing the relayed frame to
  /// the recipient's socket, in nanoseconds.
  histogram<14> relay_latency{
    {{10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000,
      10'000'000, 25'000'000, 100'000'000, 500'000'000, 1'000'000'000}},
    1e9};
  /// Error frames, by code (index code - 1).
  std::array<counter, schema::error_code_count> errors_total{};
  counter messages_rate_limited_total{0};

  // -- execution ---------------------------------------------------------------

  /// Frames an actor on one thread queued on a socket served by another.
  counter frames_across_threads_total{0};
  /// Actors woken from a thread that serves no sockets (start, shutdown).
  counter wakeups_across_threads_total{0};
  /// The deepest mailbox the server actor saw at its last look.
  gauge mailbox_depth_max{0};

  // -- process -----------------------------------------------------------------

  /// Seconds since the epoch when the process started.
  double process_start_time_seconds = 0;

  // -- construction ------------------------------------------------------------

  server_metrics();

  server_metrics(const server_metrics&) = delete;
  server_metrics& operator=(const server_metrics&) = delete;

  // -- counting ----------------------------------------------------------------

  void count_error(schema::error_code code) noexcept;

  void count_close(schema::close_code code) noexcept;

  void count_received(schema::client_type type) noexcept {
    count(messages_received_total[static_cast<std::size_t>(type)]);
  }

  void count_sent(schema::server_type type) noexcept {
    count(messages_sent_total[static_cast<std::size_t>(type)]);
  }

  /// A relayed frame read at `read_at_ns` (steady_now_ns) is on its way.
  void observe_relay_latency(std::int64_t read_at_ns) noexcept;

  [[nodiscard]] gauge& sessions_in(session_state_kind state) noexcept {
    return sessions_open[static_cast<std::size_t>(state)];
  }

  void set_mailbox_depth_max(std::int64_t depth) noexcept {
    mailbox_depth_max.store(depth, std::memory_order_relaxed);
  }

  [[nodiscard]] std::uint64_t errors(schema::error_code code) const noexcept;
};

using metrics_ptr = std::shared_ptr<server_metrics>;

/// Resident set size of this process in bytes (0 if unknown).
[[nodiscard]] std::int64_t process_resident_bytes();

/// /metrics: every metric of the descriptor table, in Prometheus text
/// format 0.0.4, read now.
[[nodiscard]] std::string render_prometheus(const server_metrics& metrics);

} // namespace signaling::actors
