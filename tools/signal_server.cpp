// signal-server: parses the configuration, starts the actor system and the
// listener, and drains clients on SIGINT/SIGTERM.
#include "actors/log.hpp"
#include "actors/room_directory_actor.hpp"
#include "actors/session_registry_actor.hpp"
#include "net/io_scheduler.hpp"
#include "net/io_threads.hpp"
#include "net/listener.hpp"
#include "net/memory_trimmer.hpp"
#include "tools/server_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <csignal>
#include <future>
#include <iostream>
#include <optional>

namespace {

using namespace signaling;
namespace asio = boost::asio;
using actors::log;
using actors::log_level;

/// Closes every connection with server:shutdown + 1001, then reports done
/// when all are gone or the drain time is up.
class drain {
public:
  drain(asio::io_context& io, std::shared_ptr<net::server_context> context,
        std::shared_ptr<net::listener> listener)
    : timer_(io), context_(std::move(context)), listener_(std::move(listener)) {
    // nop
  }

  /// Ready once the drain has ended.
  [[nodiscard]] std::future<void> done() { return done_.get_future(); }

  void start() {
    listener_->stop();
    auto open = context_->connections.size();
    log(log_level::info, "shutdown", {{"openConnections", std::to_string(open)}});
    context_->connections.broadcast(actors::shutdown_atom_v);
    deadline_ =
      std::chrono::steady_clock::now() + std::chrono::milliseconds{context_->settings->drain_ms};
    poll();
  }

private:
  void poll() {
    if (context_->connections.size() == 0 || std::chrono::steady_clock::now() >= deadline_) {
      done_.set_value();
      return;
    }
    timer_.expires_after(std::chrono::milliseconds{20});
    timer_.async_wait([this](boost::system::error_code) { poll(); });
  }

  asio::steady_timer timer_;
  std::shared_ptr<net::server_context> context_;
  std::shared_ptr<net::listener> listener_;
  std::chrono::steady_clock::time_point deadline_;
  std::promise<void> done_;
};

} // namespace

int main(int argc, char** argv) {
  tools::server_config config;
  if (auto error = config.parse(argc, argv)) {
    std::cerr << "signal-server: invalid command line or config file: " << caf::to_string(error)
              << "\n(see signal-server --help)\n";
    return 2;
  }
  if (config.cli_helptext_printed)
    return 0;
  if (auto problem = config.validate()) {
    std::cerr << "signal-server: " << *problem << '\n';
    return 2;
  }
  if (auto problem = config.load_secrets()) {
    std::cerr << "signal-server: " << *problem << '\n';
    return 2;
  }
  actors::log_level level;
  actors::parse_log_level(config.log_level, level);
  actors::set_log_level(level);
  config.add_message_types<caf::id_block::signaling>();
  config.add_message_types<caf::id_block::signaling_actors>();

  // Actors run on the threads that serve the sockets (net/io_scheduler).
  // The threads outlive the actor system, which needs them to wind down.
  net::io_threads threads{config.threads};
  auto metrics = std::make_shared<actors::server_metrics>();
  net::io_scheduler::install(config, threads, metrics);
  auto& control = threads.context(0);
  // Installed first: from here on SIGINT/SIGTERM drain instead of killing.
  asio::signal_set signals{control, SIGINT, SIGTERM};
  std::optional<caf::actor_system> system;
  system.emplace(config);
  threads.start();
  auto settings = std::make_shared<const actors::server_settings>(config.settings);
  auto directory = system->spawn(actors::room_directory, metrics);
  auto registry = system->spawn(actors::session_registry, directory, settings, metrics);
  auto context = std::make_shared<net::server_context>(*system, registry, settings, metrics);
  context->allowed_origins = config.origins();
  context->web_root = config.web_root;
  context->limits = config.limits;
  if (context->allowed_origins.empty())
    log(log_level::warning, "all-origins-allowed",
        {{"hint", "set --allowed-origins to the origins of your web app"}});

  // Ends the actors, waits for them, then stops the threads: only then may
  // the asio objects below, which the threads use, be destroyed.
  auto stop = [&] {
    context->connections.terminate_all();
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
    registry = nullptr;
    directory = nullptr;
    context->registry = nullptr;
    system.reset();
    threads.stop();
  };
  std::shared_ptr<net::listener> listener;
  try {
    asio::ip::tcp::endpoint endpoint{asio::ip::make_address(config.bind), config.port};
    listener = std::make_shared<net::listener>(threads, endpoint, context);
  } catch (const std::exception& failure) {
    std::cerr << "signal-server: cannot listen on " << config.bind << ':' << config.port << ": "
              << failure.what() << '\n';
    stop();
    return 1;
  }
  listener->run();
  std::make_shared<net::memory_trimmer>(
    control, std::chrono::milliseconds{config.settings.heartbeat_ms}, metrics)
    ->start();
  log(log_level::info, "listening",
      {{"bind", config.bind},
       {"port", std::to_string(listener->port())},
       {"threads", std::to_string(threads.size())}});

  drain draining{control, context, listener};
  auto drained = draining.done();
  signals.async_wait([&draining](boost::system::error_code ec, int) {
    if (!ec)
      draining.start();
  });
  drained.wait();
  stop();
  log(log_level::info, "stopped");
  return 0;
}
