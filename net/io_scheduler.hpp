// The actor system's scheduler over net/io_threads: an actor runs on the
// thread that woke it, so a frame read, handled by actors and written back
// crosses no thread unless the two sockets live on different ones.
#pragma once

#include "actors/metrics.hpp"
#include "net/io_clock.hpp"
#include "net/io_threads.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <atomic>
#include <memory>
#include <vector>

namespace signaling::net {

class io_scheduler : public caf::scheduler::abstract_coordinator {
public:
  using super = caf::scheduler::abstract_coordinator;

  io_scheduler(caf::actor_system& system, io_threads& threads, actors::metrics_ptr metrics);

  ~io_scheduler() override;

  /// Installs an io_scheduler over `threads` as `config`'s scheduler,
  /// counting its wake-ups in `metrics`.
  static void install(caf::actor_system_config& config, io_threads& threads,
                      actors::metrics_ptr metrics);

  // -- caf::scheduler::abstract_coordinator ------------------------------------

  void init(caf::actor_system_config& config) override;
  void start() override;
  void stop() override;
  /// Wakes `job` from outside any actor: on the calling thread if it is an
  /// io thread (a socket's handler), else on the next io thread in turn.
  void enqueue(caf::resumable* job) override;
  caf::actor_clock& clock() noexcept override;

private:
  class worker;

  /// Runs, on every io thread, what was queued there before the call, and
  /// lets go of the thread's reference to CAF's logger.
  void run_queued();

  io_threads& threads_;
  actors::metrics_ptr metrics_;
  std::vector<std::unique_ptr<worker>> workers_;
  io_clock clock_;
  /// Set while the system stops: jobs are then released, not resumed.
  std::atomic<bool> stopped_{false};
};

} // namespace signaling::net
