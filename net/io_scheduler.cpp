// Resuming actors as handlers on the io_contexts; CAF's own coordinator
// (caf/scheduler/coordinator.hpp, 0.17.6) is the model for start and stop.
#include "net/io_scheduler.hpp"

#include <caf/actor_system.hpp>
#include <caf/logger.hpp>
#include <caf/resumable.hpp>

#include <boost/asio/post.hpp>

#include <future>
#include <utility>

namespace signaling::net {

/// The execution unit of one io thread. An actor that sends from inside its
/// turn schedules the receiver here, on its own thread.
class io_scheduler::worker final : public caf::execution_unit {
public:
  worker(caf::actor_system& system, boost::asio::io_context& io, io_scheduler& owner)
    : caf::execution_unit(&system), io_(io), owner_(owner) {
    // nop
  }

  /// Takes over the reference the caller holds on `job`.
  void exec_later(caf::resumable* job) override { boost::asio::post(io_, queued_job{this, job}); }

  [[nodiscard]] boost::asio::io_context& io() { return io_; }

private:
  /// A job waiting in the io_context's queue; one destroyed unrun (the
  /// io_context went away first) still releases its actor.
  class queued_job {
  public:
    queued_job(worker* owner, caf::resumable* job) : owner_(owner), job_(job) {
      // nop
    }

    queued_job(queued_job&& other) noexcept
      : owner_(other.owner_), job_(std::exchange(other.job_, nullptr)) {
      // nop
    }

    queued_job(const queued_job&) = delete;
    queued_job& operator=(const queued_job&) = delete;
    queued_job& operator=(queued_job&&) = delete;

    ~queued_job() {
      if (job_ != nullptr)
        abstract_coordinator::cleanup_and_release(job_);
    }

    void operator()() { owner_->run(std::exchange(job_, nullptr)); }

  private:
    worker* owner_;
    caf::resumable* job_;
  };

  void run(caf::resumable* job) {
    if (owner_.stopped_.load(std::memory_order_acquire)) {
      abstract_coordinator::cleanup_and_release(job);
      return;
    }
    switch (job->resume(this, owner_.max_throughput())) {
      case caf::resumable::resume_later:
        // More messages wait: behind the socket events queued meanwhile.
        exec_later(job);
        break;
      case caf::resumable::done:
      case caf::resumable::awaiting_message:
      case caf::resumable::shutdown_execution_unit:
        intrusive_ptr_release(job);
        break;
    }
  }

  boost::asio::io_context& io_;
  io_scheduler& owner_;
};

io_scheduler::io_scheduler(caf::actor_system& system, io_threads& threads,
                           actors::metrics_ptr metrics)
  : super(system), threads_(threads), metrics_(std::move(metrics)), clock_(threads.context(0)) {
  // nop
}

io_scheduler::~io_scheduler() = default;

void io_scheduler::install(caf::actor_system_config& config, io_threads& threads,
                           actors::metrics_ptr metrics) {
  config.module_factories.emplace_back(
    [&threads, metrics](caf::actor_system& system) -> caf::actor_system::module* {
      return new io_scheduler(system, threads, metrics);
    });
}

void io_scheduler::init(caf::actor_system_config& config) {
  super::init(config);
  num_workers_ = threads_.size();
}

void io_scheduler::start() {
  for (std::size_t i = 0; i < threads_.size(); ++i)
    workers_.emplace_back(std::make_unique<worker>(system(), threads_.context(i), *this));
  super::start();
}

void io_scheduler::stop() {
  // The system calls this once no actor of ours is left but its internal
  // ones, which it has just told to exit: let them, then refuse the rest.
  run_queued();
  stopped_.store(true, std::memory_order_release);
  run_queued();
  stop_actors();
  clock_.stop();
}

void io_scheduler::enqueue(caf::resumable* job) {
  if (auto here = threads_.current()) {
    workers_[*here]->exec_later(job);
    return;
  }
  actors::count(metrics_->wakeups_across_threads_total);
  workers_[next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size()]->exec_later(job);
}

caf::actor_clock& io_scheduler::clock() noexcept {
  return clock_;
}

void io_scheduler::run_queued() {
  for (auto& each : workers_) {
    if (!threads_.running()) {
      // Nothing runs the io_contexts (the server failed before starting
      // them): run their queues here.
      each->io().restart();
      each->io().poll();
      continue;
    }
    std::promise<void> reached;
    boost::asio::post(each->io(), [&reached] {
      // Every spawn points the spawning thread at the system's logger, and
      // the system waits for the last such reference before it is gone.
      caf::logger::set_current_actor_system(nullptr);
      reached.set_value();
    });
    reached.get_future().wait();
  }
}

} // namespace signaling::net
