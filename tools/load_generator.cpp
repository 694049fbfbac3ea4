// signal-load: a load generator for signal-server. Thousands of Beast
// WebSocket clients on one thread; scenarios latency, relay, fanout, churn and
// idle. Reports delivered messages/s, one-way latency percentiles, losses and
// the server's CPU time per delivered message (from /proc/<pid>/stat).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
    .count();
}

// -- options -------------------------------------------------------------------

struct options {
  std::string scenario = "relay";
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int server_pid = 0;
  int rooms = 100;
  int room_size = 2;
  int window = 8;
  double seconds = 10;
  double warmup_seconds = 1;
  int workers = 50;
  int connections = 10000;
  int source_addresses = 20;
  int connect_parallelism = 256;
};

void usage() {
  std::cerr << "usage: signal-load SCENARIO [--port=N] [--host=IP] [--server-pid=PID] [--rooms=N]\n"
               "         [--room-size=N] [--window=N] [--seconds=S] [--warmup=S] [--workers=N]\n"
               "         [--connections=N] [--source-addresses=N]\n"
               "scenarios:\n"
               "  latency  1 room x 2 peers, one message in flight: one-way p50/p99\n"
               "  relay    --rooms rooms x 2 peers, ~250-byte ice:candidate to the partner,\n"
               "           --window messages in flight per sender\n"
               "  fanout   --rooms rooms of --room-size (default 4), broadcast ice:candidate\n"
               "  churn    --workers loops of connect, join, leave, close: joins/s and latency\n"
               "  idle     --connections clients in rooms of 2 from 127.0.0.1..127.0.0.N\n"
               "           (--source-addresses): server RSS per connection\n";
}

bool parse_options(int argc, char** argv, options& result) {
  if (argc < 2)
    return false;
  result.scenario = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto eq = arg.find('=');
    if (arg.substr(0, 2) != "--" || eq == std::string_view::npos) {
      std::cerr << "signal-load: bad argument '" << arg << "'\n";
      return false;
    }
    auto key = arg.substr(2, eq - 2);
    std::string value{arg.substr(eq + 1)};
    if (key == "port")
      result.port = static_cast<unsigned short>(std::stoi(value));
    else if (key == "host")
      result.host = value;
    else if (key == "server-pid")
      result.server_pid = std::stoi(value);
    else if (key == "rooms")
      result.rooms = std::stoi(value);
    else if (key == "room-size")
      result.room_size = std::stoi(value);
    else if (key == "window")
      result.window = std::stoi(value);
    else if (key == "seconds")
      result.seconds = std::stod(value);
    else if (key == "warmup")
      result.warmup_seconds = std::stod(value);
    else if (key == "workers")
      result.workers = std::stoi(value);
    else if (key == "connections")
      result.connections = std::stoi(value);
    else if (key == "source-addresses")
      result.source_addresses = std::stoi(value);
    else {
      std::cerr << "signal-load: unknown option '--" << key << "'\n";
      return false;
    }
  }
  static const std::vector<std::string> scenarios{"latency", "relay", "fanout", "churn", "idle"};
  if (std::find(scenarios.begin(), scenarios.end(), result.scenario) == scenarios.end()) {
    std::cerr << "signal-load: unknown scenario '" << result.scenario << "'\n";
    return false;
  }
  return true;
}

// -- server process readings ---------------------------------------------------

/// User + system CPU seconds of a process, from /proc/<pid>/stat.
double cpu_seconds(int pid) {
  if (pid <= 0)
    return 0;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string content{std::istreambuf_iterator<char>{in}, {}};
  // Fields after the command name (which may hold spaces) start past ')'.
  std::istringstream fields{content.substr(content.rfind(')') + 2)};
  std::string field;
  double utime = 0;
  double stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14)
      utime = std::stod(field);
    if (index == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

/// Resident set size of a process in KiB.
long rss_kib(int pid) {
  if (pid <= 0)
    return 0;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return 0;
}

/// The kernel's slab memory (socket structures among it), machine-wide.
long kernel_slab_kib() {
  std::ifstream in{"/proc/meminfo"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Slab:", 0) == 0)
      return std::stol(line.substr(5));
  return 0;
}

// -- statistics ----------------------------------------------------------------

struct samples {
  std::vector<double> values;

  double percentile(double p) {
    if (values.empty())
      return 0;
    std::sort(values.begin(), values.end());
    auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
    return values[index];
  }
};

// -- frame inspection (cheap: the generator must not be the bottleneck) ---------

std::string_view frame_type(std::string_view frame) {
  constexpr std::string_view key = R"({"type":")";
  if (frame.substr(0, key.size()) != key)
    return {};
  auto end = frame.find('"', key.size());
  return frame.substr(key.size(), end - key.size());
}

/// The string value of the first `"name":"..."` in the frame.
std::string string_field(std::string_view frame, std::string_view name) {
  std::string key = "\"" + std::string{name} + "\":\"";
  auto start = frame.find(key);
  if (start == std::string_view::npos)
    return {};
  start += key.size();
  return std::string{frame.substr(start, frame.find('"', start) - start)};
}

/// The integer value of the first `"name":N` in the frame.
std::int64_t integer_field(std::string_view frame, std::string_view name) {
  std::string key = "\"" + std::string{name} + "\":";
  auto start = frame.find(key);
  if (start == std::string_view::npos)
    return -1;
  return std::strtoll(frame.data() + start + key.size(), nullptr, 10);
}

// -- client --------------------------------------------------------------------

/// One WebSocket client; `on_frame` sees every text frame it receives.
class client {
public:
  using frame_handler = std::function<void(client&, std::string_view)>;

  client(asio::io_context& io, int id) : id(id), stream_(io) {}

  void connect(const tcp::endpoint& server, const asio::ip::address& source,
               std::function<void(client&, bool)> on_connected) {
    on_connected_ = std::move(on_connected);
    auto& socket = beast::get_lowest_layer(stream_).socket();
    beast::error_code ec;
    socket.open(tcp::v4(), ec);
    if (!ec && !source.is_unspecified())
      socket.bind(tcp::endpoint{source, 0}, ec);
    if (ec) {
      on_connected_(*this, false);
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    socket.async_connect(server, [this, server](beast::error_code ec) {
      if (ec) {
        on_connected_(*this, false);
        return;
      }
      stream_.async_handshake(server.address().to_string(), "/ws", [this](beast::error_code ec) {
        on_connected_(*this, !ec);
        if (!ec)
          read();
      });
    });
  }

  void send(std::string text) {
    queue_.emplace_back(std::move(text));
    if (queue_.size() == 1)
      write();
  }

  void close() {
    closing_ = true;
    stream_.async_close(websocket::close_code::normal, [](beast::error_code) {});
  }

  int id;
  std::string peer_id;
  std::string partner_id;
  std::int64_t mark_ns = 0; // scenario-specific timestamp
  frame_handler on_frame;

private:
  void read() {
    stream_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        if (!closing_ && ec != websocket::error::closed)
          std::cerr << "signal-load: client " << id << " read failed: " << ec.message() << '\n';
        return;
      }
      auto data = buffer_.cdata();
      std::string_view frame{static_cast<const char*>(data.data()), data.size()};
      if (frame_type(frame) == "connected")
        peer_id = string_field(frame, "peerId");
      if (on_frame)
        on_frame(*this, frame);
      buffer_.consume(buffer_.size());
      read();
    });
  }

  void write() {
    stream_.async_write(asio::buffer(queue_.front()), [this](beast::error_code ec, std::size_t) {
      if (ec)
        return;
      queue_.pop_front();
      if (!queue_.empty())
        write();
    });
  }

  websocket::stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::function<void(client&, bool)> on_connected_;
  bool closing_ = false;
};

// -- scenario plumbing ---------------------------------------------------------

class bench {
public:
  explicit bench(options opts)
    : opts_(std::move(opts)), server_(asio::ip::make_address(opts_.host), opts_.port), timer_(io_) {
  }

  int run();

private:
  // Connects `count` clients (at most connect_parallelism at a time), then
  // calls `done`. Source addresses rotate over 127.0.0.1..N when asked.
  void connect_all(int count, std::function<void()> done) {
    pending_connects_ = count;
    next_connect_ = 0;
    connects_done_ = std::move(done);
    for (int i = 0; i < std::min(count, opts_.connect_parallelism); ++i)
      connect_next();
  }

  void connect_next() {
    if (next_connect_ >= target_clients_)
      return;
    int id = next_connect_++;
    clients_.emplace_back(std::make_unique<client>(io_, id));
    auto source = asio::ip::address{};
    if (opts_.scenario == "idle")
      source = asio::ip::make_address_v4(
        (127u << 24) + 1u + static_cast<unsigned>(id % std::max(1, opts_.source_addresses)));
    clients_.back()->on_frame = on_frame_;
    clients_.back()->connect(server_, source, [this](client&, bool ok) {
      if (!ok) {
        ++failures_;
      }
      if (--pending_connects_ == 0) {
        connects_done_();
        return;
      }
      connect_next();
    });
  }

  void after(double seconds, std::function<void()> f) {
    timer_.expires_after(
      std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds)));
    timer_.async_wait([f = std::move(f)](beast::error_code ec) {
      if (!ec)
        f();
    });
  }

  /// Polls `ready` every 10 ms until true (then `next`) or `timeout` seconds.
  void wait_for(std::function<bool()> ready, double timeout, std::function<void()> next,
                std::string what) {
    auto deadline =
      clock_type::now()
      + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(timeout));
    poll(std::move(ready), deadline, std::move(next), std::move(what));
  }

  void poll(std::function<bool()> ready, clock_type::time_point deadline,
            std::function<void()> next, std::string what) {
    if (ready()) {
      next();
      return;
    }
    if (clock_type::now() >= deadline) {
      std::cerr << "signal-load: timed out waiting for " << what << '\n';
      io_.stop();
      failed_ = true;
      return;
    }
    after(0.01, [this, ready = std::move(ready), deadline, next = std::move(next),
                 what = std::move(what)]() mutable {
      poll(std::move(ready), deadline, std::move(next), std::move(what));
    });
  }

  void join_rooms(int room_size, std::function<void()> next);
  void run_traffic(bool targeted, int senders_per_room, int window);
  void run_churn();
  void run_idle();
  void report_traffic();

  /// A ~250-byte ice:candidate, as browsers send them; "t" (send time) and
  /// "s" (sequence) ride along as unknown fields, which the server passes on.
  std::string candidate_frame(const client& from, std::int64_t sequence, bool targeted) {
    std::string text = R"({"type":"ice:candidate","payload":{"roomId":"bench-)"
                       + std::to_string(from.id / room_size_) + '"';
    if (targeted)
      text += R"(,"to":")" + from.partner_id + '"';
    text += R"(,"candidate":{"candidate":"candidate:842163049 1 udp 1677729535 203.0.113.7 )"
            R"(49203 typ srflx raddr 192.168.1.20 rport 49203 generation 0 ufrag EsAw )"
            R"(network-cost 999","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EsAw",)"
            R"("s":)"
            + std::to_string(sequence) + R"(,"t":)" + std::to_string(now_ns()) + "}}}";
    return text;
  }

  options opts_;
  asio::io_context io_{1};
  tcp::endpoint server_;
  asio::steady_timer timer_;
  std::vector<std::unique_ptr<client>> clients_;
  client::frame_handler on_frame_;
  int target_clients_ = 0;
  int pending_connects_ = 0;
  int next_connect_ = 0;
  int failures_ = 0;
  bool failed_ = false;
  std::function<void()> connects_done_;
  int room_size_ = 2;

  // traffic counters
  bool measuring_ = false;
  bool sending_ = false;
  std::uint64_t sent_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t expected_ = 0; // deliveries the sends so far call for
  std::uint64_t delivered_measured_ = 0;
  std::uint64_t errors_ = 0;
  std::vector<int> in_flight_;
  samples latency_us_;
  double cpu_start_ = 0;
  double cpu_end_ = 0;
  clock_type::time_point measure_start_;
  clock_type::time_point measure_end_;
  int joined_ = 0;
};

void bench::join_rooms(int room_size, std::function<void()> next) {
  room_size_ = room_size;
  joined_ = 0;
  on_frame_ = [this](client& c, std::string_view frame) {
    auto type = frame_type(frame);
    if (type == "room:joined") {
      ++joined_;
      // The room's other member, if any, is the partner for targeted relays.
      auto peers = frame.find(R"("peers":[{"peerId":")");
      if (peers != std::string_view::npos)
        c.partner_id = string_field(frame.substr(peers), "peerId");
    } else if (type == "peer:joined") {
      c.partner_id = string_field(frame, "peerId");
    } else if (type == "error") {
      std::cerr << "signal-load: " << frame << '\n';
      ++errors_;
    }
  };
  for (auto& c : clients_)
    c->on_frame = on_frame_;
  // Join one member of each room first, so the second always finds it.
  for (auto& c : clients_)
    if (c->id % room_size == 0)
      c->send(R"({"type":"room:join","payload":{"roomId":"bench-)"
              + std::to_string(c->id / room_size) + R"(","maxPeers":)"
              + std::to_string(std::max(2, room_size)) + "}}");
  auto total = static_cast<int>(clients_.size());
  wait_for([this, total, room_size] { return joined_ == (total + room_size - 1) / room_size; }, 60,
           [this, room_size, total, next = std::move(next)] {
             for (auto& c : clients_)
               if (c->id % room_size != 0)
                 c->send(R"({"type":"room:join","payload":{"roomId":"bench-)"
                         + std::to_string(c->id / room_size) + "\"}}");
             wait_for([this, total] { return joined_ == total; }, 60, next, "all joins");
           },
           "first joins");
}

void bench::run_traffic(bool targeted, int senders_per_room, int window) {
  in_flight_.assign(clients_.size(), 0);
  auto is_sender = [this, senders_per_room](const client& c) {
    return c.id % room_size_ < senders_per_room;
  };
  auto send_one = [this, targeted](client& c) {
    c.send(candidate_frame(c, static_cast<std::int64_t>(sent_), targeted));
    ++sent_;
    expected_ += targeted ? 1 : static_cast<std::uint64_t>(room_size_ - 1);
    ++in_flight_[c.id];
  };
  // Each delivered candidate frees one slot of its sender's window; with
  // broadcast, the sender's last recipient frees it.
  on_frame_ = [this, send_one, targeted](client& c, std::string_view frame) {
    auto type = frame_type(frame);
    if (type == "error") {
      ++errors_;
      return;
    }
    if (type != "ice:candidate")
      return;
    ++delivered_;
    auto sent_at = integer_field(frame, "t");
    if (measuring_) {
      ++delivered_measured_;
      latency_us_.values.push_back(static_cast<double>(now_ns() - sent_at) / 1000.0);
    }
    auto room_base = (c.id / room_size_) * room_size_;
    auto from = string_field(frame, "from");
    for (int i = room_base; i < room_base + room_size_; ++i) {
      auto& sender = *clients_[static_cast<std::size_t>(i)];
      if (sender.peer_id != from)
        continue;
      // With broadcast, count the frame against the window once: at the
      // member right after the sender.
      bool counts = targeted || c.id == room_base + (i - room_base + 1) % room_size_;
      if (counts) {
        --in_flight_[i];
        if (sending_)
          send_one(sender);
      }
    }
  };
  for (auto& c : clients_)
    c->on_frame = on_frame_;
  sending_ = true;
  for (auto& c : clients_)
    if (is_sender(*c))
      for (int i = 0; i < window; ++i)
        send_one(*c);
  after(opts_.warmup_seconds, [this] {
    measuring_ = true;
    measure_start_ = clock_type::now();
    cpu_start_ = cpu_seconds(opts_.server_pid);
    after(opts_.seconds, [this] {
      measuring_ = false;
      sending_ = false;
      measure_end_ = clock_type::now();
      cpu_end_ = cpu_seconds(opts_.server_pid);
      // Let what is in flight arrive, then count what never did.
      wait_for([this] { return delivered_ >= expected_; }, 5,
               [this] {
                 report_traffic();
                 io_.stop();
               },
               "in-flight messages (reporting anyway)");
    });
  });
}

void bench::report_traffic() {
  double elapsed = std::chrono::duration<double>(measure_end_ - measure_start_).count();
  double cpu = cpu_end_ - cpu_start_;
  std::printf("scenario=%s rooms=%d room_size=%d window=%d seconds=%.1f\n", opts_.scenario.c_str(),
              opts_.rooms, room_size_, opts_.window, elapsed);
  std::printf("delivered_per_second=%.0f\n", static_cast<double>(delivered_measured_) / elapsed);
  std::printf("latency_p50_us=%.1f latency_p99_us=%.1f\n", latency_us_.percentile(0.50),
              latency_us_.percentile(0.99));
  if (opts_.server_pid > 0 && delivered_measured_ > 0)
    std::printf("server_cpu_us_per_delivered=%.2f server_cpu_utilization=%.2f\n",
                cpu * 1e6 / static_cast<double>(delivered_measured_), cpu / elapsed);
  std::printf("sent=%llu delivered=%llu lost=%llu errors=%llu\n",
              static_cast<unsigned long long>(sent_), static_cast<unsigned long long>(delivered_),
              static_cast<unsigned long long>(expected_ - std::min(expected_, delivered_)),
              static_cast<unsigned long long>(errors_));
}

void bench::run_churn() {
  // Each worker: connect, join a fresh room, leave, close; repeat.
  struct worker_state {
    std::unique_ptr<client> current;
    int iteration = 0;
  };
  auto workers = std::make_shared<std::vector<worker_state>>(opts_.workers);
  auto joins = std::make_shared<std::uint64_t>(0);
  auto start_iteration = std::make_shared<std::function<void(int)>>();
  *start_iteration = [this, workers, joins, start_iteration](int w) {
    if (!sending_)
      return;
    auto& state = (*workers)[w];
    if (state.current)
      state.current->close();
    // Closed clients stay alive until the end: their close is still in flight.
    if (state.current)
      clients_.emplace_back(std::move(state.current));
    state.current = std::make_unique<client>(io_, w);
    auto room = "churn-" + std::to_string(w) + "-" + std::to_string(state.iteration++);
    state.current->on_frame = [this, joins, room, w, start_iteration](client& c,
                                                                      std::string_view frame) {
      auto type = frame_type(frame);
      if (type == "connected") {
        c.mark_ns = now_ns();
        c.send(R"({"type":"room:join","payload":{"roomId":")" + room + "\"}}");
      } else if (type == "room:joined") {
        if (measuring_) {
          ++*joins;
          latency_us_.values.push_back(static_cast<double>(now_ns() - c.mark_ns) / 1000.0);
        }
        c.send(R"({"type":"room:leave","payload":{"roomId":")" + room + "\"}}");
      } else if (type == "room:left") {
        (*start_iteration)(w);
      } else if (type == "error") {
        ++errors_;
        std::cerr << "signal-load: " << frame << '\n';
      }
    };
    state.current->connect(server_, {}, [this](client&, bool ok) {
      if (!ok)
        ++failures_;
    });
  };
  sending_ = true;
  for (int w = 0; w < opts_.workers; ++w)
    (*start_iteration)(w);
  after(opts_.warmup_seconds, [this, joins] {
    measuring_ = true;
    measure_start_ = clock_type::now();
    cpu_start_ = cpu_seconds(opts_.server_pid);
    after(opts_.seconds, [this, joins] {
      measuring_ = false;
      sending_ = false;
      double elapsed = std::chrono::duration<double>(clock_type::now() - measure_start_).count();
      double cpu = cpu_seconds(opts_.server_pid) - cpu_start_;
      std::printf("scenario=churn workers=%d seconds=%.1f\n", opts_.workers, elapsed);
      std::printf("joins_per_second=%.0f\n", static_cast<double>(*joins) / elapsed);
      std::printf("join_latency_p50_us=%.1f join_latency_p99_us=%.1f\n",
                  latency_us_.percentile(0.5), latency_us_.percentile(0.99));
      if (opts_.server_pid > 0 && *joins > 0)
        std::printf("server_cpu_us_per_cycle=%.2f\n", cpu * 1e6 / static_cast<double>(*joins));
      std::printf("errors=%llu connect_failures=%d\n", static_cast<unsigned long long>(errors_),
                  failures_);
      io_.stop();
    });
  });
}

void bench::run_idle() {
  long before = rss_kib(opts_.server_pid);
  long slab_before = kernel_slab_kib();
  auto n = opts_.connections;
  target_clients_ = n;
  connect_all(n, [this, before, slab_before, n] {
    join_rooms(2, [this, before, slab_before, n] {
      // Give the server a moment to settle before reading its RSS.
      after(1.0, [this, before, slab_before, n] {
        long after_kib = rss_kib(opts_.server_pid);
        // Loopback: both ends of every connection are this machine's.
        double slab_per_socket = static_cast<double>(kernel_slab_kib() - slab_before) / (2.0 * n);
        std::printf("scenario=idle connections=%d source_addresses=%d\n", n,
                    opts_.source_addresses);
        std::printf("server_rss_before_kib=%ld server_rss_after_kib=%ld\n", before, after_kib);
        std::printf("rss_per_connection_kib=%.2f\n", static_cast<double>(after_kib - before) / n);
        std::printf("kernel_slab_per_socket_kib=%.2f\n", slab_per_socket);
        std::printf("connect_failures=%d errors=%llu\n", failures_,
                    static_cast<unsigned long long>(errors_));
        io_.stop();
      });
    });
  });
}

int bench::run() {
  if (opts_.scenario == "churn") {
    run_churn();
  } else if (opts_.scenario == "idle") {
    run_idle();
  } else {
    bool latency = opts_.scenario == "latency";
    bool fanout = opts_.scenario == "fanout";
    int rooms = latency ? 1 : opts_.rooms;
    int size = fanout ? (opts_.room_size == 2 ? 4 : opts_.room_size) : 2;
    target_clients_ = rooms * size;
    connect_all(target_clients_, [this, latency, fanout, size] {
      if (failures_ > 0) {
        std::cerr << "signal-load: " << failures_ << " connections failed\n";
        failed_ = true;
        io_.stop();
        return;
      }
      join_rooms(size, [this, latency, fanout, size] {
        run_traffic(!fanout, latency ? 1 : size, latency ? 1 : opts_.window);
      });
    });
  }
  // Bounded: every scenario ends by its own timer; this is the backstop.
  asio::steady_timer backstop{io_};
  backstop.expires_after(std::chrono::seconds{static_cast<int>(opts_.seconds + 180)});
  backstop.async_wait([this](beast::error_code ec) {
    if (!ec) {
      std::cerr << "signal-load: backstop timeout\n";
      failed_ = true;
      io_.stop();
    }
  });
  io_.run();
  return failed_ ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view{argv[1]} == "--help" || std::string_view{argv[1]} == "-h")) {
    usage();
    return 0;
  }
  options opts;
  if (!parse_options(argc, argv, opts)) {
    usage();
    return 2;
  }
  bench b{opts};
  return b.run();
}
