// Command-line flags and config-file keys of signal-server, parsed by CAF's
// actor_system_config (so `--port=8080` and `port=8080` in the file agree).
#pragma once

#include "actors/settings.hpp"
#include "net/connection_limits.hpp"

#include <caf/actor_system_config.hpp>

#include <optional>
#include <string>
#include <vector>

namespace signaling::tools {

class server_config : public caf::actor_system_config {
public:
  server_config();

  /// A sentence naming the first invalid setting, or nothing.
  [[nodiscard]] std::optional<std::string> validate() const;

  /// --allowed-origins split at commas.
  [[nodiscard]] std::vector<std::string> origins() const;

  /// One thread per core.
  [[nodiscard]] static std::size_t default_threads();

  std::uint16_t port = 8080;
  std::string bind = "0.0.0.0";
  std::string allowed_origins;
  std::string web_root = SIGNAL_DEFAULT_WEB_ROOT;
  std::string log_level = "info";
  /// Threads serving sockets and actors alike.
  std::size_t threads = default_threads();
  actors::server_settings settings;
  /// Bounds net/ alone enforces (handshake time, connections per address).
  net::connection_limits limits;
};

} // namespace signaling::tools
