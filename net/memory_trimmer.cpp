// Once a second: if enough sockets closed since the peak, malloc_trim. The
// check is two atomic reads; the trim itself takes milliseconds and runs
// only after a burst.
#include "net/memory_trimmer.hpp"

#include "actors/log.hpp"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace signaling::net {

memory_trimmer::memory_trimmer(boost::asio::io_context& io, std::chrono::milliseconds heartbeat,
                               actors::metrics_ptr metrics)
  : timer_(io), heartbeat_(heartbeat), metrics_(std::move(metrics)) {
  // nop
}

void memory_trimmer::start() {
  schedule();
}

void memory_trimmer::schedule() {
  timer_.expires_after(std::chrono::seconds{1});
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec)
      self->tick();
  });
}

void memory_trimmer::tick() {
  auto open = metrics_->sockets_open.load(std::memory_order_relaxed);
  peak_ = std::max(peak_, open);
  auto now = std::chrono::steady_clock::now();
  if (peak_ - open >= closed_sockets_per_trim) {
    trim(peak_ - open);
    peak_ = open;
    follow_up_ = now + heartbeat_ + std::chrono::seconds{1};
  } else if (follow_up_ && now >= *follow_up_) {
    trim(0);
    follow_up_.reset();
  }
  schedule();
}

void memory_trimmer::trim(std::int64_t closed) {
  auto before = actors::process_resident_bytes();
  ::malloc_trim(0);
  actors::log(actors::log_level::debug, "memory-trimmed",
              {{"closedSockets", std::to_string(closed)},
               {"residentKiBBefore", std::to_string(before / 1024)},
               {"residentKiBAfter", std::to_string(actors::process_resident_bytes() / 1024)}});
}

} // namespace signaling::net
