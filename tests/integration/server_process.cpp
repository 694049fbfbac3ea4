// Integration-test plumbing: the server child process, WebSocket client and HTTP helpers.
#include "server_process.hpp"
#include "test_client.hpp"

#include "caf/test/unit_test.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#ifndef SIGNAL_SERVER_BINARY
#error "SIGNAL_SERVER_BINARY must name the signal-server executable"
#endif

namespace signaling::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// A write to a socket the server already closed must be an error code, not
// a signal that kills the runner.
const bool sigpipe_ignored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::string tail(const std::string& text, std::size_t bytes = 2000) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

int decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

/// fork + exec of the server with stdout and stderr on a pipe; the read end
/// of the pipe, or -1.
pid_t spawn(const std::vector<std::string>& args, int& read_fd) {
  std::vector<char*> argv;
  for (const auto& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return -1;
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto parent = ::getpid();
  auto pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec: the runner has threads.
    // If the runner dies (a CAF_REQUIRE aborts it), no server outlives it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    if (null_fd >= 0)
      ::dup2(null_fd, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    // The server must not hold test clients' sockets open: a client's drop
    // would then not reach the server it talks to.
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
      for (int fd = 3; fd < 65536; ++fd)
        ::close(fd);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (null_fd >= 0)
    ::close(null_fd);
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return -1;
  }
  read_fd = fds[0];
  return pid;
}

std::vector<std::string> server_args(std::vector<std::string> flags, bool listen) {
  // SIGNAL_TEST_SERVER runs the suites against another build, e.g. to show
  // that a new test fails on the code before a fix.
  const char* binary = std::getenv("SIGNAL_TEST_SERVER");
  std::vector<std::string> args{binary != nullptr && *binary != 0 ? binary : SIGNAL_SERVER_BINARY};
  if (listen) {
    args.emplace_back("--port=0");
    args.emplace_back("--bind=127.0.0.1");
  }
  for (auto& flag : flags)
    args.emplace_back(std::move(flag));
  return args;
}

/// The port of a {"event":EVENT,...,"port":"N"} line in `output`, or 0.
std::uint16_t port_of_event(const std::string& output, std::string_view event = "listening") {
  std::istringstream lines{output};
  std::string line;
  auto quoted = '"' + std::string{event} + '"';
  while (std::getline(lines, line)) {
    if (line.find(quoted) == std::string::npos)
      continue;
    std::error_code ec;
    auto value = json::parse(line, ec);
    if (ec || !value.is_object())
      continue;
    const auto& object = value.get_object();
    if (text_of(object, "event") != event)
      continue;
    auto port = text_of(object, "port");
    if (!port.empty())
      return static_cast<std::uint16_t>(std::stoi(port));
  }
  return 0;
}

} // namespace

void report_failure(const char* file, int line, const std::string& what) {
  auto message = std::string{"!! "} + file + ":" + std::to_string(line) + ": " + what + "\n";
  caf::test::logger::instance().info() << caf::term::red << message << caf::term::reset;
  if (auto current = caf::test::engine::current_test())
    current->fail(false);
  caf::test::engine::last_check_file(file);
  caf::test::engine::last_check_line(static_cast<size_t>(line));
}

namespace {

/// Counts a passed expectation, so the runner's check counts mean something.
void report_success() {
  if (auto current = caf::test::engine::current_test())
    current->pass();
}

} // namespace

// -- server_process ------------------------------------------------------------

server_process::server_process(std::vector<std::string> flags, const char* file, int line)
  : file_(file), line_(line) {
  int fd = -1;
  pid_ = spawn(server_args(std::move(flags), true), fd);
  if (pid_ < 0) {
    report_failure(file, line, std::string{"cannot start signal-server: "} + std::strerror(errno));
    return;
  }
  drainer_ = std::thread{[this, fd] { drain_output(fd); }};
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::unique_lock<std::mutex> guard{mutex_};
  while (port_ == 0 && !output_closed_) {
    port_ = port_of_event(output_);
    if (port_ != 0 || output_changed_.wait_until(guard, deadline) == std::cv_status::timeout)
      break;
  }
  if (port_ == 0)
    port_ = port_of_event(output_);
  if (port_ == 0) {
    auto output = output_;
    guard.unlock();
    report_failure(file, line,
                   "signal-server printed no listening line within 10 s; output:\n" + tail(output));
  }
}

std::uint16_t server_process::inspect_port(ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> guard{mutex_};
  for (;;) {
    if (auto port = port_of_event(output_, "inspect-listening"); port != 0)
      return port;
    if (output_closed_ || output_changed_.wait_until(guard, deadline) == std::cv_status::timeout)
      return port_of_event(output_, "inspect-listening");
  }
}

void server_process::drain_output(int fd) {
  char chunk[4096];
  for (;;) {
    auto n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
      continue;
    std::lock_guard<std::mutex> guard{mutex_};
    if (n <= 0) {
      output_closed_ = true;
      output_changed_.notify_all();
      break;
    }
    output_.append(chunk, static_cast<std::size_t>(n));
    output_changed_.notify_all();
  }
  ::close(fd);
}

server_process::~server_process() {
  if (pid_ > 0) {
    auto code = stop();
    if (code != 0 && !stop_reported_)
      report_failure(file_, line_,
                     "signal-server exited with " + std::to_string(code)
                       + " (128+n: killed by signal n); output:\n" + tail(output()));
  }
  if (drainer_.joinable())
    drainer_.join();
}

void server_process::signal(int signal) {
  if (pid_ > 0 && !exit_code_)
    ::kill(pid_, signal);
}

std::optional<int> server_process::wait_exit(ms timeout) {
  if (exit_code_ || pid_ <= 0)
    return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    auto result = ::waitpid(pid_, &status, WNOHANG);
    if (result == pid_) {
      exit_code_ = decode_status(status);
      return exit_code_;
    }
    if (result < 0 && errno != EINTR) {
      exit_code_ = -1;
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

int server_process::stop(ms timeout) {
  if (pid_ <= 0)
    return -1;
  if (!exit_code_) {
    signal(SIGTERM);
    if (!wait_exit(timeout)) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      exit_code_ = decode_status(status);
      report_failure(file_, line_,
                     "signal-server did not exit within " + std::to_string(timeout.count())
                       + " ms of SIGTERM; killed");
      stop_reported_ = true;
    }
  }
  return *exit_code_;
}

std::string server_process::output() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return output_;
}

run_result run_server_to_exit(std::vector<std::string> flags, ms timeout) {
  return run_to_exit(server_args(std::move(flags), false), timeout);
}

run_result run_to_exit(std::vector<std::string> args, ms timeout) {
  run_result result;
  int fd = -1;
  auto pid = spawn(args, fd);
  if (pid < 0) {
    result.output = "cannot start " + args.front();
    return result;
  }
  // Read to EOF on a thread so a server that never exits cannot hang us.
  auto output = std::async(std::launch::async, [fd] {
    std::string text;
    char chunk[4096];
    for (;;) {
      auto n = ::read(fd, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      text.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
  });
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  result.exit_code = decode_status(status);
  result.output = output.get();
  return result;
}

// -- files ---------------------------------------------------------------------

temporary_file::temporary_file(const std::string& content) {
  char name[] = "/tmp/signal-test-XXXXXX";
  auto fd = ::mkstemp(name);
  if (fd < 0)
    report_failure(__FILE__, __LINE__, std::string{"mkstemp: "} + std::strerror(errno));
  else
    ::close(fd);
  path = name;
  std::ofstream{path} << content << '\n';
}

temporary_file::~temporary_file() {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

// -- HTTP ----------------------------------------------------------------------

http_result http_request(std::uint16_t port, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         ms timeout) {
  http_result result;
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  request.set(http::field::user_agent, "signal-integration-tests");
  for (const auto& [name, value] : headers)
    request.set(name, value);
  http::response_parser<http::string_body> parser;
  parser.skip(false);
  // Every step shares one deadline; io.run() returns when the exchange
  // finishes or the deadline closes the socket.
  stream.expires_after(timeout);
  tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), port};
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      result.error = "connect: " + ec.message();
      return;
    }
    http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        result.error = "write: " + ec.message();
        return;
      }
      http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
        if (ec) {
          result.error = "read: " + ec.message();
          return;
        }
        const auto& response = parser.get();
        result.status = response.result_int();
        result.body = response.body();
        for (const auto& field : response)
          result.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
      });
    });
  });
  io.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return result;
}

std::optional<double> read_metric(std::uint16_t port, const std::string& metric) {
  auto response = http_get(port, "/metrics");
  if (response.status != 200)
    return std::nullopt;
  std::istringstream lines{response.body};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > metric.size() && line.compare(0, metric.size(), metric) == 0
        && line[metric.size()] == ' ')
      return std::stod(line.substr(metric.size() + 1));
  }
  return std::nullopt;
}

std::optional<double> await_metric(std::uint16_t port, const std::string& metric, double expected,
                                   ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto value = read_metric(port, metric);
    if ((value && *value == expected) || std::chrono::steady_clock::now() >= deadline)
      return value;
    std::this_thread::sleep_for(20ms);
  }
}

// -- ws_client -----------------------------------------------------------------

struct ws_client::impl {
  struct pending_write {
    std::string data;
    bool binary;
    std::shared_ptr<std::promise<beast::error_code>> done;
  };

  // Declared before the stream, so destroyed after it.
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  bool open = false;
  int status = 0;

  // -- io thread only --------------------------------------------------------
  /// Frames still to read before pausing; -1: no limit.
  long read_budget = -1;
  bool reading = false;
  bool read_ended = false;
  std::deque<pending_write> writes;

  // -- shared ----------------------------------------------------------------
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<client_event> events;
  std::atomic<bool> ended{false};

  void push(client_event event) {
    if (event.what == client_event::kind::closed)
      ended = true;
    std::lock_guard<std::mutex> guard{mutex};
    events.emplace_back(std::move(event));
    changed.notify_all();
  }

  void do_read() {
    if (read_ended || read_budget == 0) {
      reading = false;
      return;
    }
    reading = true;
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        read_ended = true;
        reading = false;
        client_event event;
        event.what = client_event::kind::closed;
        event.close_code = ec == websocket::error::closed ? ws.reason().code : 1006;
        event.error = ec.message();
        push(std::move(event));
        return;
      }
      client_event event;
      event.what = ws.got_text() ? client_event::kind::text : client_event::kind::binary;
      event.data = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      push(std::move(event));
      if (read_budget > 0)
        --read_budget;
      do_read();
    });
  }

  void do_write() {
    auto& front = writes.front();
    ws.binary(front.binary);
    ws.async_write(asio::buffer(front.data), [this](beast::error_code ec, std::size_t) {
      auto done = std::move(writes.front().done);
      writes.pop_front();
      done->set_value(ec);
      if (!writes.empty())
        do_write();
    });
  }

  /// Queues a frame on the io thread; the future completes with the result.
  std::future<beast::error_code> write(std::string data, bool binary) {
    auto done = std::make_shared<std::promise<beast::error_code>>();
    auto result = done->get_future();
    asio::post(io, [this, data = std::move(data), binary, done]() mutable {
      writes.push_back(pending_write{std::move(data), binary, std::move(done)});
      if (writes.size() == 1)
        do_write();
    });
    return result;
  }

  void stop_thread() {
    work.reset();
    io.stop();
    if (thread.joinable())
      thread.join();
  }
};

ws_client::ws_client(std::uint16_t port, client_options options, const char* file, int line)
  : impl_(std::make_unique<impl>()) {
  auto& self = *impl_;
  auto& lowest = beast::get_lowest_layer(self.ws);
  beast::error_code ec;
  lowest.socket().open(tcp::v4(), ec);
  if (!ec && options.receive_buffer > 0)
    lowest.socket().set_option(asio::socket_base::receive_buffer_size{options.receive_buffer}, ec);
  if (ec) {
    report_failure(file, line, "cannot open a client socket: " + ec.message());
    return;
  }
  self.ws.set_option(websocket::stream_base::decorator(
    [origin = options.origin, bearer = options.bearer](websocket::request_type& request) {
      if (!origin.empty())
        request.set(http::field::origin, origin);
      if (!bearer.empty())
        request.set(http::field::authorization, "Bearer " + bearer);
    }));
  // Connect and upgrade on this thread, bounded by the stream's deadline;
  // the reader thread starts only afterwards.
  websocket::response_type response;
  beast::error_code result = asio::error::timed_out;
  lowest.expires_after(default_timeout);
  tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), port};
  auto host = "127.0.0.1:" + std::to_string(port);
  lowest.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      result = ec;
      return;
    }
    self.ws.async_handshake(response, host, options.target,
                            [&](beast::error_code ec) { result = ec; });
  });
  self.io.run();
  self.io.restart();
  self.status = response.result_int();
  lowest.expires_never();
  self.open = !result;
  if (!self.open) {
    if (options.expect_connected)
      report_failure(file, line,
                     "WebSocket upgrade failed: " + result.message() + " (HTTP "
                       + std::to_string(self.status) + ")");
    return;
  }
  self.ws.read_message_max(64 * 1024 * 1024);
  self.read_budget = options.read ? -1 : 1;
  self.work.emplace(self.io.get_executor());
  self.thread = std::thread{[&self] { self.io.run(); }};
  asio::post(self.io, [&self] { self.do_read(); });
  if (options.expect_connected)
    connected_ = expect("connected", default_timeout, file, line);
}

ws_client::~ws_client() {
  if (impl_->open && !impl_->ended)
    close();
  impl_->stop_thread();
}

bool ws_client::ok() const noexcept {
  return impl_->open;
}

int ws_client::handshake_status() const noexcept {
  return impl_->status;
}

const json::object& ws_client::connected() const noexcept {
  return connected_;
}

std::string ws_client::peer_id() const {
  return text_of(payload_of(connected_), "peerId");
}

bool ws_client::send_text(std::string text, const char* file, int line) {
  return send_frame(std::move(text), false, file, line);
}

bool ws_client::send_binary(std::string data, const char* file, int line) {
  return send_frame(std::move(data), true, file, line);
}

bool ws_client::send_frame(std::string data, bool binary, const char* file, int line) {
  if (!impl_->open) {
    report_failure(file, line, "send on a client that never connected");
    return false;
  }
  auto done = impl_->write(std::move(data), binary);
  if (done.wait_for(default_timeout) != std::future_status::ready) {
    report_failure(file, line, "send did not complete within 5 s");
    return false;
  }
  if (auto ec = done.get()) {
    report_failure(file, line, "send failed: " + ec.message());
    return false;
  }
  return true;
}

bool ws_client::try_send_text(std::string text) {
  if (!impl_->open || impl_->ended)
    return false;
  auto done = impl_->write(std::move(text), false);
  return done.wait_for(default_timeout) == std::future_status::ready && !done.get();
}

bool ws_client::send(std::string_view type, json::object payload, std::string_view correlation,
                     const char* file, int line) {
  json::object envelope;
  envelope["type"] = type;
  envelope["payload"] = std::move(payload);
  if (!correlation.empty())
    envelope["correlationId"] = correlation;
  return send_text(json::serialize(envelope), file, line);
}

client_event ws_client::next_event(ms timeout) {
  auto& self = *impl_;
  std::unique_lock<std::mutex> guard{self.mutex};
  if (!self.changed.wait_for(guard, timeout, [&] { return !self.events.empty(); }))
    return client_event{};
  auto event = self.events.front();
  if (event.what != client_event::kind::closed)
    self.events.pop_front();
  return event;
}

json::object ws_client::next(ms timeout, const char* file, int line) {
  auto event = next_event(timeout);
  switch (event.what) {
    case client_event::kind::timeout:
      report_failure(file, line, "no frame within " + std::to_string(timeout.count()) + " ms");
      return {};
    case client_event::kind::closed:
      report_failure(file, line,
                     "connection closed (code " + std::to_string(event.close_code) + ", "
                       + event.error + ") while waiting for a frame");
      return {};
    case client_event::kind::binary:
      report_failure(file, line, "unexpected binary frame from the server");
      return {};
    case client_event::kind::text:
      break;
  }
  auto value = parse_server_frame(event.data);
  if (!value.is_object()) {
    report_failure(file, line, "server frame is not a JSON object: " + event.data);
    return {};
  }
  auto& envelope = value.get_object();
  // PROTOCOL.md: every server message has a type, an object payload and
  // the server's timestamp.
  auto type = envelope.if_contains("type");
  auto payload = envelope.if_contains("payload");
  auto timestamp = envelope.if_contains("timestamp");
  if (type == nullptr || !type->is_string() || payload == nullptr || !payload->is_object()
      || timestamp == nullptr || !(timestamp->is_int64() || timestamp->is_uint64()))
    report_failure(file, line, "envelope lacks type, payload object or timestamp: " + event.data);
  return std::move(envelope);
}

json::object ws_client::expect(std::string_view type, ms timeout, const char* file, int line) {
  auto envelope = next(timeout, file, line);
  if (envelope.empty())
    return envelope;
  if (text_of(envelope, "type") != type) {
    report_failure(file, line,
                   "expected '" + std::string{type} + "', got " + json::serialize(envelope));
    return {};
  }
  report_success();
  return envelope;
}

json::object ws_client::expect_error(std::string_view code, ms timeout, const char* file,
                                     int line) {
  auto envelope = next(timeout, file, line);
  if (envelope.empty())
    return envelope;
  if (text_of(envelope, "type") != "error" || text_of(payload_of(envelope), "code") != code) {
    report_failure(file, line,
                   "expected error " + std::string{code} + ", got " + json::serialize(envelope));
    return {};
  }
  if (text_of(payload_of(envelope), "message").empty())
    report_failure(file, line, "error without a message: " + json::serialize(envelope));
  else
    report_success();
  return envelope;
}

bool ws_client::expect_silence(ms window, const char* file, int line) {
  auto event = next_event(window);
  switch (event.what) {
    case client_event::kind::timeout:
      report_success();
      return true;
    case client_event::kind::text:
      report_failure(file, line, "expected silence, got " + event.data);
      return false;
    case client_event::kind::binary:
      report_failure(file, line, "expected silence, got a binary frame");
      return false;
    case client_event::kind::closed:
      report_failure(file, line,
                     "expected silence, but the connection closed (code "
                       + std::to_string(event.close_code) + ")");
      return false;
  }
  return false;
}

std::uint16_t ws_client::expect_close(ms timeout, std::size_t* skipped, const char* file,
                                      int line) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t frames = 0;
  for (;;) {
    auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    auto event = next_event(std::max(left, ms{0}));
    if (event.what == client_event::kind::closed) {
      if (skipped != nullptr)
        *skipped = frames;
      return event.close_code;
    }
    if (event.what == client_event::kind::timeout) {
      if (skipped != nullptr)
        *skipped = frames;
      report_failure(file, line,
                     "connection not closed within " + std::to_string(timeout.count()) + " ms ("
                       + std::to_string(frames) + " frames read)");
      return 0;
    }
    ++frames;
  }
}

void ws_client::start_reading() {
  auto& self = *impl_;
  if (!self.open)
    return;
  asio::post(self.io, [&self] {
    self.read_budget = -1;
    if (!self.reading)
      self.do_read();
  });
}

bool ws_client::pause_reading(ms timeout) {
  auto& self = *impl_;
  if (!self.open)
    return false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (bool first = true;; first = false) {
    auto stopped = std::make_shared<std::promise<bool>>();
    auto result = stopped->get_future();
    asio::post(self.io, [&self, stopped, first] {
      if (first)
        self.read_budget = 0;
      stopped->set_value(!self.reading);
    });
    if (result.wait_for(default_timeout) != std::future_status::ready)
      return false;
    if (result.get())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
}

bool ws_client::closed() const noexcept {
  return impl_->ended;
}

void ws_client::close(std::uint16_t code) {
  auto& self = *impl_;
  if (!self.open || self.ended)
    return;
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  asio::post(self.io, [&self, code, done] {
    self.ws.async_close(websocket::close_reason{code}, [&self, done](beast::error_code) {
      // Without a pending read nobody else reports it.
      if (!self.reading && !self.ended) {
        client_event event;
        event.what = client_event::kind::closed;
        event.close_code = self.ws.reason().code;
        self.push(std::move(event));
      }
      done->set_value();
    });
  });
  finished.wait_for(2s);
}

void ws_client::drop() {
  end_connection(false);
}

void ws_client::reset() {
  end_connection(true);
}

void ws_client::end_connection(bool reset) {
  auto& self = *impl_;
  if (!self.open)
    return;
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  asio::post(self.io, [&self, done, reset] {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(self.ws).socket();
    if (reset)
      socket.set_option(asio::socket_base::linger{true, 0}, ignored);
    else
      socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    if (!self.reading && !self.ended) {
      client_event event;
      event.what = client_event::kind::closed;
      event.close_code = 1006;
      event.error = "dropped by the test";
      self.push(std::move(event));
    }
    done->set_value();
  });
  finished.wait_for(2s);
  self.ended = true;
}

// -- JSON helpers --------------------------------------------------------------

json::object payload_of(const json::object& envelope) {
  return object_of(envelope, "payload");
}

std::string text_of(const json::object& object, std::string_view key) {
  auto x = object.if_contains(key);
  return x != nullptr && x->is_string() ? std::string{x->get_string()} : std::string{};
}

std::int64_t integer_of(const json::object& object, std::string_view key) {
  auto x = object.if_contains(key);
  if (x == nullptr)
    return -1;
  if (x->is_int64())
    return x->get_int64();
  if (x->is_uint64())
    return static_cast<std::int64_t>(x->get_uint64());
  return -1;
}

json::object object_of(const json::object& object, std::string_view key) {
  auto x = object.if_contains(key);
  return x != nullptr && x->is_object() ? x->get_object() : json::object{};
}

json::array array_of(const json::object& object, std::string_view key) {
  auto x = object.if_contains(key);
  return x != nullptr && x->is_array() ? x->get_array() : json::array{};
}

json::value parse_server_frame(std::string_view text) {
  // A client has no nesting limit of its own: relayed data arrives as deep
  // as the server lets it through.
  json::parse_options options;
  options.max_depth = 1024;
  std::error_code ec;
  auto value = json::parse(text, ec, {}, options);
  return ec ? json::value{} : value;
}

json::object object_from(std::string_view text) {
  auto value = parse_server_frame(text);
  return value.is_object() ? value.get_object() : json::object{};
}

std::string dump(const json::value& x) {
  return json::serialize(x);
}

std::vector<std::string> peer_ids(const json::array& peers) {
  std::vector<std::string> result;
  for (const auto& peer : peers)
    result.emplace_back(peer.is_object() ? text_of(peer.get_object(), "peerId") : "?");
  return result;
}

std::string unique_room(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string{prefix} + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

void all_quiet(std::initializer_list<ws_client*> clients, const char* file, int line) {
  std::this_thread::sleep_for(silence_window);
  for (auto* client : clients)
    client->expect_silence(ms{0}, file, line);
}

json::object join(ws_client& client, const std::string& room_id, json::object extra,
                  const char* file, int line) {
  extra["roomId"] = room_id;
  client.send("room:join", std::move(extra), {}, file, line);
  auto reply = client.expect("room:joined", default_timeout, file, line);
  auto payload = payload_of(reply);
  if (!reply.empty() && text_of(payload, "roomId") != room_id)
    report_failure(file, line, "room:joined for the wrong room: " + json::serialize(reply));
  return payload;
}

std::string meet(ws_client& a, ws_client& b, ws_client& c, const char* file, int line) {
  auto room = unique_room();
  join(a, room, {}, file, line);
  join(b, room, {}, file, line);
  join(c, room, {}, file, line);
  a.expect("peer:joined", default_timeout, file, line);
  a.expect("peer:joined", default_timeout, file, line);
  b.expect("peer:joined", default_timeout, file, line);
  return room;
}

bool server_serves(std::uint16_t port, const char* file, int line) {
  auto health = http_get(port, "/healthz");
  if (health.status != 200 || health.body != "ok") {
    report_failure(file, line,
                   "/healthz answered " + std::to_string(health.status) + " '" + health.body + "' "
                     + health.error);
    return false;
  }
  ws_client a{port, {}, file, line};
  ws_client b{port, {}, file, line};
  if (!a.ok() || !b.ok())
    return false;
  auto room = unique_room("alive");
  join(a, room, {}, file, line);
  auto joined = join(b, room, {}, file, line);
  auto seen = a.expect("peer:joined", default_timeout, file, line);
  a.send("room:message", {{"roomId", room}, {"to", b.peer_id()}, {"data", "still there?"}}, {},
         file, line);
  auto message = b.expect("room:message", default_timeout, file, line);
  return peer_ids(array_of(joined, "peers")) == std::vector<std::string>{a.peer_id()}
         && !seen.empty() && text_of(payload_of(message), "from") == a.peer_id();
}

bool settles_at(std::uint16_t port, double connections, double rooms, ms timeout, const char* file,
                int line) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool settled = true;
  for (auto [gauge, expected] : {std::pair{"signal_connections_open", connections},
                                 std::pair{"signal_sockets_open", connections},
                                 std::pair{"signal_sessions_open{state=\"attached\"}", connections},
                                 std::pair{"signal_sessions_open{state=\"detached\"}", 0.0},
                                 std::pair{"signal_rooms_open", rooms}}) {
    auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    auto value = await_metric(port, gauge, expected, std::max(left, ms{0}));
    if (!value || *value != expected) {
      report_failure(file, line,
                     std::string{gauge} + " is "
                       + (value ? std::to_string(*value) : std::string{"missing"}) + ", not "
                       + std::to_string(expected));
      settled = false;
    }
  }
  return settled;
}

} // namespace signaling::test
