// signal-server: parses the configuration, starts the actor system and the
// listener, and drains clients on SIGINT/SIGTERM.
#include "actors/log.hpp"
#include "actors/room_directory_actor.hpp"
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
#include <iostream>

namespace {

using namespace signaling;
namespace asio = boost::asio;
using actors::log;
using actors::log_level;

/// Closes every connection with server:shutdown + 1001, then stops `io` when
/// all are gone or the drain time is up.
class drain {
public:
  drain(asio::io_context& io, std::shared_ptr<net::server_context> context,
        std::shared_ptr<net::listener> listener)
    : io_(io), timer_(io), context_(std::move(context)), listener_(std::move(listener)) {
    // nop
  }

  void start() {
    listener_->stop();
    auto open = context_->connections.size();
    log(log_level::info, "shutdown", {{"openConnections", std::to_string(open)}});
    context_->connections.broadcast(actors::shutdown_atom_v);
    deadline_ =
      std::chrono::steady_clock::now() + std::chrono::milliseconds{context_->settings.drain_ms};
    poll();
  }

private:
  void poll() {
    if (context_->connections.size() == 0 || std::chrono::steady_clock::now() >= deadline_) {
      io_.stop();
      return;
    }
    timer_.expires_after(std::chrono::milliseconds{20});
    timer_.async_wait([this](boost::system::error_code) { poll(); });
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  std::shared_ptr<net::server_context> context_;
  std::shared_ptr<net::listener> listener_;
  std::chrono::steady_clock::time_point deadline_;
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
  actors::log_level level;
  actors::parse_log_level(config.log_level, level);
  actors::set_log_level(level);
  config.add_message_types<caf::id_block::signaling>();

  // The io_context outlives the actor system: actors still running while
  // the system shuts down may post to their sockets.
  asio::io_context io{1};
  // Installed first: from here on SIGINT/SIGTERM drain instead of killing.
  asio::signal_set signals{io, SIGINT, SIGTERM};
  caf::actor_system system{config};
  auto directory = system.spawn(actors::room_directory);
  auto context = std::make_shared<net::server_context>(system, directory, config.settings);
  context->allowed_origins = config.origins();
  context->web_root = config.web_root;
  if (context->allowed_origins.empty())
    log(log_level::warning, "all-origins-allowed",
        {{"hint", "set --allowed-origins to the origins of your web app"}});

  std::shared_ptr<net::listener> listener;
  try {
    asio::ip::tcp::endpoint endpoint{asio::ip::make_address(config.bind), config.port};
    listener = std::make_shared<net::listener>(io, endpoint, context);
  } catch (const std::exception& failure) {
    std::cerr << "signal-server: cannot listen on " << config.bind << ':' << config.port << ": "
              << failure.what() << '\n';
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
    return 1;
  }
  listener->run();
  std::make_shared<net::memory_trimmer>(io, std::chrono::milliseconds{config.settings.heartbeat_ms})
    ->start();
  log(log_level::info, "listening",
      {{"bind", config.bind}, {"port", std::to_string(listener->port())}});

  drain draining{io, context, listener};
  signals.async_wait([&draining](boost::system::error_code ec, int) {
    if (!ec)
      draining.start();
  });
  io.run();

  context->connections.terminate_all();
  caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
  log(log_level::info, "stopped");
  return 0;
}
