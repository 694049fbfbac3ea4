// What every HTTP and WebSocket session of one server shares: the actor
// system, the server actor, settings and the connections per remote address.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/metrics.hpp"
#include "actors/settings.hpp"
#include "net/connection_limits.hpp"

#include <caf/actor_system.hpp>
#include <string>
#include <vector>

namespace signaling::net {

struct server_context {
  server_context(caf::actor_system& system, actors::server_actor server,
                 actors::settings_ptr settings, actors::metrics_ptr metrics)
    : system(system), server(std::move(server)), settings(std::move(settings)),
      metrics(std::move(metrics)) {
    // nop
  }

  caf::actor_system& system;
  /// Gives each new connection its session, and drains them on shutdown.
  actors::server_actor server;
  actors::settings_ptr settings;
  /// What the sockets count, and what /metrics shows.
  actors::metrics_ptr metrics;
  /// Origins allowed to open a WebSocket; empty: every origin.
  std::vector<std::string> allowed_origins;
  /// Directory of static files served under /; empty: none.
  std::string web_root;
  /// Bounds on connections that net/ alone enforces.
  connection_limits limits;
  /// Open sockets per remote address (limits.max_connections_per_ip).
  address_quota addresses;
};

} // namespace signaling::net
