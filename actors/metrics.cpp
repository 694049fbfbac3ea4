// The descriptor table of every metric and its Prometheus rendering: adding a
// metric is a field in server_metrics and one row here.
#include "actors/metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

namespace signaling::actors {

namespace {

// -- the process, read from /proc ----------------------------------------------

std::int64_t open_fds() {
  auto* directory = opendir("/proc/self/fd");
  if (directory == nullptr)
    return 0;
  std::int64_t result = 0;
  while (auto* entry = readdir(directory))
    if (entry->d_name[0] != '.')
      ++result;
  closedir(directory);
  // The descriptor that reads the directory is not one of the server's.
  return result - 1;
}

/// The boot time plus the process's start in clock ticks after boot
/// (/proc/self/stat field 22); the current time if /proc cannot tell.
double start_time_seconds() {
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
  std::ifstream stat_file{"/proc/self/stat"};
  std::string stat{std::istreambuf_iterator<char>{stat_file}, {}};
  // The command name (field 2) may hold spaces: count fields after its ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return now.count();
  std::istringstream fields{stat.substr(close + 2)};
  std::string field;
  for (int index = 3; index < 22 && fields >> field; ++index) {
    // nop
  }
  double ticks = 0;
  if (!(fields >> ticks))
    return now.count();
  std::ifstream system_stat{"/proc/stat"};
  std::string key;
  double boot_time = 0;
  while (system_stat >> key) {
    if (key == "btime" && system_stat >> boot_time)
      return boot_time + ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return now.count();
}

// -- rendering -----------------------------------------------------------------

enum class metric_type { counter, gauge, histogram };

constexpr std::string_view to_string(metric_type type) {
  switch (type) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

void append_number(std::string& out, double x) {
  // The shortest fixed text that reads back as the same double: 0.00001,
  // not 1.0000000000000001e-05.
  std::array<char, 32> buffer{};
  auto [end, error] =
    std::to_chars(buffer.data(), buffer.data() + buffer.size(), x, std::chars_format::fixed);
  out.append(buffer.data(), error == std::errc{} ? end : buffer.data());
}

/// The samples of one family: `name[{label="value"}] number` lines.
class sample_writer {
public:
  sample_writer(std::string& out, std::string_view name, std::string_view label)
    : out_(out), name_(name), label_(label) {
    // nop
  }

  void value(std::uint64_t x) { line({}, {}, std::to_string(x)); }

  void value(std::int64_t x) { line({}, {}, std::to_string(x)); }

  void value(const counter& x) { value(x.load(std::memory_order_relaxed)); }

  void value(const gauge& x) { value(x.load(std::memory_order_relaxed)); }

  void value(double x) {
    std::string text;
    append_number(text, x);
    line({}, {}, text);
  }

  void labeled(std::string_view label_value, std::int64_t x) {
    line(label_, label_value, std::to_string(x));
  }

  void labeled(std::string_view label_value, const counter& x) {
    line(label_, label_value, std::to_string(x.load(std::memory_order_relaxed)));
  }

  void labeled(std::string_view label_value, const gauge& x) {
    labeled(label_value, x.load(std::memory_order_relaxed));
  }

  /// One sample per element of `family`, labeled by `name_of(index)`.
  template <class Family, class NameOf>
  void each(const Family& family, NameOf name_of) {
    for (std::size_t index = 0; index < family.size(); ++index)
      labeled(name_of(index), family[index]);
  }

  /// Cumulative `_bucket{le=...}` lines, then `_sum` and `_count`; the count
  /// is the +Inf bucket's, so the lines agree even while others observe.
  template <std::size_t Buckets>
  void histogram(const actors::histogram<Buckets>& x) {
    std::uint64_t cumulative = 0;
    std::string bound;
    for (std::size_t index = 0; index <= Buckets; ++index) {
      cumulative += x.in_bucket(index);
      bound.clear();
      if (index < Buckets)
        append_number(bound,
                      static_cast<double>(x.upper_bounds()[index]) / x.units_per_base_unit());
      else
        bound = "+Inf";
      line("_bucket", "le", bound, std::to_string(cumulative));
    }
    std::string sum;
    append_number(sum, static_cast<double>(x.sum()) / x.units_per_base_unit());
    line("_sum", {}, {}, sum);
    line("_count", {}, {}, std::to_string(cumulative));
  }

private:
  void line(std::string_view label, std::string_view label_value, std::string_view number) {
    line({}, label, label_value, number);
  }

  void line(std::string_view suffix, std::string_view label, std::string_view label_value,
            std::string_view number) {
    out_.append(name_).append(suffix);
    if (!label.empty())
      out_.append("{").append(label).append("=\"").append(label_value).append("\"}");
    out_.append(" ").append(number).append("\n");
  }

  std::string& out_;
  std::string_view name_;
  std::string_view label_;
};

/// One metric family: what /metrics says about it and how to read it.
struct metric_descriptor {
  std::string_view name;
  metric_type type;
  std::string_view help;
  /// The one label of a family; empty: none.
  std::string_view label;
  void (*read)(const server_metrics& metrics, sample_writer& out);
};

std::string_view error_name(std::size_t index) {
  return schema::to_string(static_cast<schema::error_code>(index + 1));
}

std::string_view close_name(std::size_t index) {
  // Static texts, as label values are views.
  static const auto names = [] {
    std::array<std::string, schema::close_codes.size()> result;
    for (std::size_t i = 0; i < result.size(); ++i)
      result[i] = std::to_string(static_cast<int>(schema::close_codes[i]));
    return result;
  }();
  return names[index];
}

std::string_view client_type_name(std::size_t index) {
  return schema::type_name(static_cast<schema::client_type>(index));
}

std::string_view server_type_name(std::size_t index) {
  return schema::type_name(static_cast<schema::server_type>(index));
}

std::string_view session_state_name(std::size_t index) {
  return session_state_names[index];
}

std::int64_t sessions_alive(const server_metrics& x) {
  std::int64_t result = 0;
  for (const auto& state : x.sessions_open)
    result += state.load(std::memory_order_relaxed);
  return result;
}

using type = metric_type;
using metrics = server_metrics;
using writer = sample_writer;

const metric_descriptor descriptors[] = {
  {"signal_connections_open", type::gauge, "Connection actors alive, one per upgraded WebSocket.",
   "", [](const metrics& x, writer& out) { out.value(x.connections_open); }},
  {"signal_sockets_open", type::gauge,
   "WebSocket sockets held by the server, including ones finishing a close.", "",
   [](const metrics& x, writer& out) { out.value(x.sockets_open); }},
  {"signal_connections_accepted_total", type::counter,
   "WebSocket connections accepted (upgrades that started a connection actor).", "",
   [](const metrics& x, writer& out) { out.value(x.connections_accepted_total); }},
  {"signal_connections_refused_total", type::counter,
   "TCP connections closed at accept because their address held its connection limit.", "",
   [](const metrics& x, writer& out) { out.value(x.connections_refused_total); }},
  {"signal_closes_total", type::counter, "Close frames the server sent, by close code.", "code",
   [](const metrics& x, writer& out) { out.each(x.closes_total, close_name); }},
  {"signal_websocket_received_bytes_total", type::counter,
   "Payload bytes of WebSocket data frames read from clients.", "",
   [](const metrics& x, writer& out) { out.value(x.received_bytes_total); }},
  {"signal_websocket_sent_bytes_total", type::counter,
   "Payload bytes of WebSocket text frames written to clients.", "",
   [](const metrics& x, writer& out) { out.value(x.sent_bytes_total); }},
  {"signal_sessions_open", type::gauge,
   "Peer sessions alive, by state: attached to a connection, or detached in the resume grace.",
   "state", [](const metrics& x, writer& out) { out.each(x.sessions_open, session_state_name); }},
  {"signal_rooms_open", type::gauge, "Rooms with at least one member.", "",
   [](const metrics& x, writer& out) { out.value(x.rooms_open); }},
  {"signal_rooms_created_total", type::counter, "Rooms created.", "",
   [](const metrics& x, writer& out) { out.value(x.rooms_created_total); }},
  {"signal_room_size_peers", type::histogram, "Members of a room right after each join.", "",
   [](const metrics& x, writer& out) { out.histogram(x.room_size); }},
  {"signal_messages_received_total", type::counter, "Client messages received and parsed, by type.",
   "type",
   [](const metrics& x, writer& out) { out.each(x.messages_received_total, client_type_name); }},
  {"signal_messages_sent_total", type::counter, "Server messages written to connections, by type.",
   "type",
   [](const metrics& x, writer& out) { out.each(x.messages_sent_total, server_type_name); }},
  {"signal_relays_total", type::counter,
   "Offers, answers, candidates and room messages a room relayed.", "",
   [](const metrics& x, writer& out) { out.value(x.relays_total); }},
  {"signal_relay_deliveries_total", type::counter,
   "Relayed frames delivered to members (a broadcast counts each recipient).", "",
   [](const metrics& x, writer& out) { out.value(x.relay_deliveries_total); }},
  {"signal_relay_latency_seconds", type::histogram,
   "Time from reading a relay's frame to handing the relayed frame to the recipient's socket.", "",
   [](const metrics& x, writer& out) { out.histogram(x.relay_latency); }},
  {"signal_errors_total", type::counter, "Error frames sent to clients, by error code.", "code",
   [](const metrics& x, writer& out) { out.each(x.errors_total, error_name); }},
  {"signal_messages_rate_limited_total", type::counter,
   "Client messages dropped by the rate limit.", "",
   [](const metrics& x, writer& out) { out.value(x.messages_rate_limited_total); }},
  {"signal_frames_across_threads_total", type::counter,
   "Frames queued on a socket from a thread other than the socket's own.", "",
   [](const metrics& x, writer& out) { out.value(x.frames_across_threads_total); }},
  {"signal_wakeups_across_threads_total", type::counter,
   "Actors woken from a thread that serves no sockets.", "",
   [](const metrics& x, writer& out) { out.value(x.wakeups_across_threads_total); }},
  {"signal_actors", type::gauge, "Live actors by kind.", "kind",
   [](const metrics& x, writer& out) {
     out.labeled("connection", x.connections_open);
     out.labeled("session", sessions_alive(x));
     out.labeled("room", x.rooms_open);
   }},
  {"signal_mailbox_depth_max", type::gauge,
   "The deepest actor mailbox at the server's last look (0 until it looks).", "",
   [](const metrics& x, writer& out) { out.value(x.mailbox_depth_max); }},
  {"process_resident_memory_bytes", type::gauge, "Resident memory of the server process.", "",
   [](const metrics&, writer& out) { out.value(process_resident_bytes()); }},
  {"process_open_fds", type::gauge, "Open file descriptors of the server process.", "",
   [](const metrics&, writer& out) { out.value(open_fds()); }},
  {"process_start_time_seconds", type::gauge,
   "Start time of the server process since the Unix epoch.", "",
   [](const metrics& x, writer& out) { out.value(x.process_start_time_seconds); }},
};

} // namespace

std::int64_t process_resident_bytes() {
  // statm: size resident shared ... in pages.
  std::ifstream statm{"/proc/self/statm"};
  std::int64_t size = 0;
  std::int64_t resident = 0;
  if (!(statm >> size >> resident))
    return 0;
  return resident * static_cast<std::int64_t>(sysconf(_SC_PAGESIZE));
}

server_metrics::server_metrics() : process_start_time_seconds(start_time_seconds()) {
  // nop
}

void server_metrics::count_error(schema::error_code code) noexcept {
  auto index = static_cast<std::size_t>(code);
  if (index >= 1 && index <= errors_total.size())
    count(errors_total[index - 1]);
}

std::uint64_t server_metrics::errors(schema::error_code code) const noexcept {
  auto index = static_cast<std::size_t>(code);
  if (index < 1 || index > errors_total.size())
    return 0;
  return errors_total[index - 1].load(std::memory_order_relaxed);
}

void server_metrics::count_close(schema::close_code code) noexcept {
  const auto& codes = schema::close_codes;
  auto i = std::find(codes.begin(), codes.end(), code);
  if (i != codes.end())
    count(closes_total[static_cast<std::size_t>(i - codes.begin())]);
}

void server_metrics::observe_relay_latency(std::int64_t read_at_ns) noexcept {
  if (read_at_ns == 0)
    return;
  auto elapsed = steady_now_ns() - read_at_ns;
  relay_latency.observe(static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed, 0)));
}

std::string render_prometheus(const server_metrics& metrics) {
  std::string out;
  out.reserve(8192);
  for (const auto& descriptor : descriptors) {
    out.append("# HELP ").append(descriptor.name).append(" ").append(descriptor.help).append("\n");
    out.append("# TYPE ")
      .append(descriptor.name)
      .append(" ")
      .append(to_string(descriptor.type))
      .append("\n");
    sample_writer writer{out, descriptor.name, descriptor.label};
    descriptor.read(metrics, writer);
  }
  return out;
}

} // namespace signaling::actors
