// The real signal-server binary as a child process, plus plain HTTP helpers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace signaling::test {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

/// Marks the running CAF test failed with a message naming the caller's
/// location. Test helpers use it instead of CAF_REQUIRE, which aborts the
/// whole runner (and with it every other test's server).
void report_failure(const char* file, int line, const std::string& what);

/// Starts signal-server on 127.0.0.1 with a free port and `flags`, waits for
/// its "listening" log line and keeps draining its stderr so it never blocks
/// on a full pipe. The destructor stops it with SIGTERM (SIGKILL after 10 s)
/// and fails the running test if it did not exit 0: a crash is a bug.
class server_process {
public:
  explicit server_process(std::vector<std::string> flags = {}, const char* file = __builtin_FILE(),
                          int line = __builtin_LINE());

  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  ~server_process();

  /// Whether the server started and printed its port.
  [[nodiscard]] bool ok() const noexcept { return port_ != 0; }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// The port of its "inspect-listening" line (with --inspect-port), waited
  /// for up to `timeout`; 0 if none came.
  std::uint16_t inspect_port(ms timeout = 5s);

  /// Sends `signal` to the process (if it still runs).
  void signal(int signal);

  /// Waits up to `timeout` for the process to exit; its exit code (128 +
  /// signal number when killed by a signal), or nullopt if still running.
  std::optional<int> wait_exit(ms timeout);

  /// SIGTERM, wait up to `timeout`, then SIGKILL; the exit code.
  int stop(ms timeout = 10s);

  /// Everything the server wrote to stderr and stdout so far.
  [[nodiscard]] std::string output() const;

  /// Whether the process is known to have exited already.
  [[nodiscard]] bool exited() const noexcept { return exit_code_.has_value(); }

private:
  void drain_output(int fd);

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::optional<int> exit_code_;
  bool stop_reported_ = false;
  std::thread drainer_;
  mutable std::mutex mutex_;
  std::condition_variable output_changed_;
  std::string output_;
  bool output_closed_ = false;
  const char* file_;
  int line_;
};

/// Runs the binary with `flags` until it exits by itself (bounded by
/// `timeout`, then SIGKILL): for start-up failures such as a bad flag.
struct run_result {
  int exit_code = -1; // 128 + signal when killed
  std::string output; // stdout and stderr together
};

run_result run_server_to_exit(std::vector<std::string> flags, ms timeout = 10s);

/// Runs `args` (the binary first) until it exits, bounded by `timeout`
/// (then SIGKILL).
run_result run_to_exit(std::vector<std::string> args, ms timeout = 10s);

/// A file holding `content`, removed with the object.
struct temporary_file {
  explicit temporary_file(const std::string& content);
  temporary_file(const temporary_file&) = delete;
  temporary_file& operator=(const temporary_file&) = delete;
  ~temporary_file();

  std::string path;
};

/// One HTTP exchange on 127.0.0.1:`port`, bounded by `timeout`.
struct http_result {
  int status = 0; // 0: no response (the error says why)
  std::string body;
  std::string error;
  std::vector<std::pair<std::string, std::string>> headers;
};

http_result http_request(std::uint16_t port, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         ms timeout = 5s);

inline http_result http_get(std::uint16_t port, const std::string& target, ms timeout = 5s) {
  return http_request(port, target, {}, timeout);
}

/// The value of `metric` in the server's /metrics text, or nullopt.
std::optional<double> read_metric(std::uint16_t port, const std::string& metric);

/// Polls /metrics until `metric` equals `expected` or `timeout` passes; the
/// last value seen.
std::optional<double> await_metric(std::uint16_t port, const std::string& metric, double expected,
                                   ms timeout = 2s);

} // namespace signaling::test
