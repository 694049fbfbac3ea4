// signal-server: parses the configuration, starts the actor system, the
// server actor and the listener (and the inspect port when asked), and has
// the server drain its clients on SIGINT/SIGTERM.
#include "actors/inspect_gate_actor.hpp"
#include "actors/log.hpp"
#include "actors/server_actor.hpp"
#include "net/io_scheduler.hpp"
#include "net/io_threads.hpp"
#include "net/listener.hpp"
#include "net/memory_trimmer.hpp"
#include "tools/server_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

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
  // CAF's network layer, for the inspector (and, later, other nodes).
  if (config.inspect_enabled())
    config.load<caf::io::middleman>();

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
  auto server = system->spawn(actors::server, settings, metrics);
  auto context = std::make_shared<net::server_context>(*system, server, settings, metrics);
  context->allowed_origins = config.origins();
  context->web_root = config.web_root;
  context->limits = config.limits;
  if (context->allowed_origins.empty())
    log(log_level::warning, "all-origins-allowed",
        {{"hint", "set --allowed-origins to the origins of your web app"}});
  actors::inspect_gate_actor gate;

  // Ends the actors, waits for them, then stops the threads: only then may
  // the asio objects below, which the threads use, be destroyed.
  auto stop = [&] {
    if (gate)
      caf::anon_send_exit(gate, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
    gate = nullptr;
    server = nullptr;
    context->server = nullptr;
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

  if (config.inspect_enabled()) {
    gate = system->spawn(actors::inspect_gate, server, config.inspect_token);
    auto published = system->middleman().publish(
      gate, static_cast<std::uint16_t>(config.inspect_port), config.inspect_bind.c_str(), true);
    if (!published) {
      std::cerr << "signal-server: cannot open the inspect port " << config.inspect_bind << ':'
                << config.inspect_port << ": " << system->render(published.error()) << '\n';
      stop();
      return 1;
    }
    log(log_level::info, "inspect-listening",
        {{"bind", config.inspect_bind}, {"port", std::to_string(*published)}});
  }

  std::promise<void> interrupted;
  signals.async_wait([&interrupted](boost::system::error_code ec, int) {
    if (!ec)
      interrupted.set_value();
  });
  interrupted.get_future().wait();
  // No new clients; the server closes the others with server:shutdown and
  // answers once they are gone or --drain-ms is up.
  listener->stop();
  {
    caf::scoped_actor self{*system};
    self->request(server, caf::infinite, actors::shutdown_atom_v)
      .receive([](caf::ok_atom) {},
               [&system](const caf::error& error) {
                 log(log_level::error, "drain-failed", {{"error", system->render(error)}});
               });
  }
  stop();
  log(log_level::info, "stopped");
  return 0;
}
