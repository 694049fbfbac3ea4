// Starting, naming and stopping the server's io_context threads.
#include "net/io_threads.hpp"

#include <pthread.h>

#include <string>

namespace signaling::net {

namespace {

/// The io_threads this thread belongs to, and its index there.
thread_local const io_threads* current_owner = nullptr;
thread_local std::size_t current_index = 0;

} // namespace

io_threads::io_threads(std::size_t count) {
  if (count == 0)
    count = 1;
  contexts_.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    // Concurrency hint 1: each context is run by exactly one thread, so
    // asio skips its locking for work posted from that thread.
    contexts_.emplace_back(std::make_unique<boost::asio::io_context>(1));
}

io_threads::~io_threads() {
  stop();
}

void io_threads::start() {
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    guards_.emplace_back(contexts_[i]->get_executor());
    threads_.emplace_back([this, i] {
      current_owner = this;
      current_index = i;
      auto name = "signal-io-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      contexts_[i]->run();
    });
  }
}

void io_threads::stop() {
  guards_.clear();
  for (auto& context : contexts_)
    context->stop();
  for (auto& thread : threads_)
    thread.join();
  threads_.clear();
}

boost::asio::io_context& io_threads::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

std::optional<std::size_t> io_threads::current() const {
  if (current_owner != this)
    return std::nullopt;
  return current_index;
}

} // namespace signaling::net
