// Suite `io_scheduler`: actors on the io_context threads. Real threads by
// necessity (the scheduler is what runs them); every wait is on a reply or
// a future, never on time.
#define CAF_SUITE io_scheduler
#include "caf/test/unit_test.hpp"

#include "net/io_scheduler.hpp"
#include "net/io_threads.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <boost/asio/post.hpp>

#include <chrono>
#include <future>
#include <optional>

using signaling::net::io_scheduler;
using signaling::net::io_threads;

namespace {

constexpr int not_an_io_thread = -1;

/// Answers any int with the index of the io thread it runs on.
caf::behavior where_am_i(caf::event_based_actor*, const io_threads* threads) {
  return {
    [threads](int) {
      auto here = threads->current();
      return here ? static_cast<int>(*here) : not_an_io_thread;
    },
  };
}

/// Forwards any int to `next` as a request and returns its answer.
caf::behavior forwarder(caf::event_based_actor* self, caf::actor next) {
  return {
    [self, next](int x) { return self->delegate(next, x); },
  };
}

struct fixture {
  fixture() : threads(2) {
    io_scheduler::install(config, threads, std::make_shared<signaling::actors::server_metrics>());
    system.emplace(config);
    threads.start();
  }

  ~fixture() {
    system.reset();
    threads.stop();
  }

  /// An actor that has never run: the first message wakes it, where a
  /// freshly spawned one might still be busy starting on another thread.
  template <class... Ts>
  caf::actor spawn_idle(Ts&&... xs) {
    return system->spawn<caf::lazy_init>(std::forward<Ts>(xs)...);
  }

  /// Sends an int to `receiver` from a handler on io thread `index`, as a
  /// socket's read handler does, and returns the thread the answer came from.
  int answer_when_woken_from(std::size_t index, const caf::actor& receiver) {
    std::promise<int> answer;
    auto replier = system->spawn([&answer](caf::event_based_actor*) -> caf::behavior {
      return {[&answer](int where) { answer.set_value(where); }};
    });
    boost::asio::post(threads.context(index),
                      [receiver, replier] { caf::send_as(replier, receiver, 0); });
    auto result = answer.get_future().get();
    caf::anon_send_exit(replier, caf::exit_reason::user_shutdown);
    return result;
  }

  caf::actor_system_config config;
  io_threads threads;
  std::optional<caf::actor_system> system;
};

int ask(caf::actor_system& system, const caf::actor& receiver) {
  caf::scoped_actor self{system};
  int where = not_an_io_thread - 1;
  self->request(receiver, caf::infinite, 0).receive([&](int x) { where = x; }, [](caf::error&) {});
  return where;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(io_scheduler_tests, fixture)

CAF_TEST(actors run on the io threads) {
  auto actor = system->spawn(where_am_i, &threads);
  auto where = ask(*system, actor);
  CAF_CHECK(where == 0 || where == 1);
}

CAF_TEST(an idle actor runs on the thread of the socket handler that wakes it) {
  CAF_CHECK_EQUAL(answer_when_woken_from(1, spawn_idle(where_am_i, &threads)), 1);
  CAF_CHECK_EQUAL(answer_when_woken_from(0, spawn_idle(where_am_i, &threads)), 0);
}

CAF_TEST(a chain of actors stays on the thread that woke its first) {
  for (std::size_t index : {1, 0}) {
    auto last = spawn_idle(where_am_i, &threads);
    auto first = spawn_idle(forwarder, spawn_idle(forwarder, last));
    CAF_CHECK_EQUAL(answer_when_woken_from(index, first), static_cast<int>(index));
  }
}

CAF_TEST(a delayed send arrives on the first io thread) {
  std::promise<int> arrived;
  system->spawn([&](caf::event_based_actor* self) -> caf::behavior {
    self->delayed_send(self, std::chrono::milliseconds{5}, 0);
    return {[&, self](int) {
      auto here = threads.current();
      arrived.set_value(here ? static_cast<int>(*here) : not_an_io_thread);
      self->quit();
    }};
  });
  CAF_CHECK_EQUAL(arrived.get_future().get(), 0);
}

CAF_TEST(a request to an actor that never answers times out) {
  auto silent = system->spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](int) { return self->make_response_promise(); }};
  });
  std::promise<caf::error> failure;
  system->spawn([&](caf::event_based_actor* self) {
    self->request(silent, std::chrono::milliseconds{5}, 0)
      .then([&](int) { failure.set_value(caf::error{}); },
            [&](caf::error& error) { failure.set_value(std::move(error)); });
  });
  CAF_CHECK_EQUAL(failure.get_future().get(), caf::sec::request_timeout);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

CAF_TEST(the system stops after actors were spawned on the io threads) {
  // Regression: every spawn leaves the spawning thread a reference to CAF's
  // logger, and the system's destructor waited for it forever.
  std::promise<caf::actor> spawned;
  boost::asio::post(threads.context(1), [this, &spawned] {
    spawned.set_value(system->spawn<caf::lazy_init>(where_am_i, &threads));
  });
  auto actor = spawned.get_future().get();
  CAF_CHECK_EQUAL(answer_when_woken_from(1, actor), 1);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  actor = nullptr;
  system.reset();
  CAF_CHECK(!system.has_value());
}

CAF_TEST_FIXTURE_SCOPE_END()
