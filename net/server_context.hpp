// What every HTTP and WebSocket session of one server shares: the actor
// system, the session registry, settings, the live connections (for
// shutdown) and the connections per remote address.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/metrics.hpp"
#include "actors/settings.hpp"
#include "net/connection_limits.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace signaling::net {

/// The connection actors of open WebSockets; thread-safe.
class connection_registry {
public:
  void add(const actors::connection_actor& connection) {
    std::lock_guard<std::mutex> guard{mutex_};
    connections_.insert(connection);
  }

  void remove(const actors::connection_actor& connection) {
    std::lock_guard<std::mutex> guard{mutex_};
    connections_.erase(connection);
  }

  [[nodiscard]] std::size_t size() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return connections_.size();
  }

  /// Sends `xs...` to every open connection.
  template <class... Ts>
  void broadcast(const Ts&... xs) const {
    for (const auto& connection : snapshot())
      caf::anon_send(connection, xs...);
  }

  /// Ends every connection that is still open.
  void terminate_all() const {
    for (const auto& connection : snapshot())
      caf::anon_send_exit(connection, caf::exit_reason::user_shutdown);
  }

private:
  [[nodiscard]] std::vector<actors::connection_actor> snapshot() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return {connections_.begin(), connections_.end()};
  }

  mutable std::mutex mutex_;
  std::unordered_set<actors::connection_actor> connections_;
};

struct server_context {
  server_context(caf::actor_system& system, actors::session_registry_actor registry,
                 actors::settings_ptr settings, actors::metrics_ptr metrics)
    : system(system), registry(std::move(registry)), settings(std::move(settings)),
      metrics(std::move(metrics)) {
    // nop
  }

  caf::actor_system& system;
  /// Creates the session of each new connection.
  actors::session_registry_actor registry;
  actors::settings_ptr settings;
  /// What the sockets count, and what /metrics shows.
  actors::metrics_ptr metrics;
  /// Origins allowed to open a WebSocket; empty: every origin.
  std::vector<std::string> allowed_origins;
  /// Directory of static files served under /; empty: none.
  std::string web_root;
  /// Bounds on connections that net/ alone enforces.
  connection_limits limits;
  connection_registry connections;
  /// Open sockets per remote address (limits.max_connections_per_ip).
  address_quota addresses;
};

} // namespace signaling::net
