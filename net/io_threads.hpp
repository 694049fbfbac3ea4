// The server's threads: one io_context per thread, each serving its share of
// the sockets and, through net/io_scheduler, the actors those sockets wake.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace signaling::net {

class io_threads {
public:
  /// Creates `count` (at least one) io_contexts; no thread runs until start().
  explicit io_threads(std::size_t count);

  io_threads(const io_threads&) = delete;
  io_threads& operator=(const io_threads&) = delete;

  /// Stops and joins the threads if still running.
  ~io_threads();

  /// Runs each io_context on a thread of its own; they keep running while
  /// idle until stop().
  void start();

  /// Stops every io_context and joins its thread. Pending handlers stay
  /// queued until the io_threads are destroyed.
  void stop();

  [[nodiscard]] std::size_t size() const { return contexts_.size(); }

  [[nodiscard]] boost::asio::io_context& context(std::size_t index) { return *contexts_[index]; }

  /// Round-robin: where the next accepted socket lives.
  [[nodiscard]] boost::asio::io_context& next();

  /// The index of the io_context the calling thread runs, if it is one of
  /// these threads.
  [[nodiscard]] std::optional<std::size_t> current() const;

  [[nodiscard]] bool running() const { return !threads_.empty(); }

private:
  using work_guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<work_guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
};

} // namespace signaling::net
