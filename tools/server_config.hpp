// Command-line flags and config-file keys of signal-server, parsed by CAF's
// actor_system_config (so `--port=8080` and `port=8080` in the file agree).
#pragma once

#include "actors/settings.hpp"
#include "net/connection_limits.hpp"

#include <caf/actor_system_config.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signaling::tools {

/// The non-empty items of a comma-separated list.
[[nodiscard]] std::vector<std::string> split_list(std::string_view text);

/// Reads a secret or key file into `out`, without the trailing newline an
/// editor adds. Returns a sentence naming `flag` when the file cannot be read
/// or holds nothing.
[[nodiscard]] std::optional<std::string> read_secret_file(const std::string& path,
                                                          std::string_view flag, std::string& out);

class server_config : public caf::actor_system_config {
public:
  server_config();

  /// A sentence naming the first invalid setting, or nothing.
  [[nodiscard]] std::optional<std::string> validate() const;

  /// Reads the JWT, TURN and inspect secret files (or SIGNAL_JWT_SECRET) and
  /// fills `settings.verifier`, `settings.turn` and `inspect_token`. Returns a sentence naming the
  /// flag at fault, or nothing. Call after validate().
  [[nodiscard]] std::optional<std::string> load_secrets();

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

  // -- auth and ICE servers: flags (secrets only ever as files or env) ---------

  std::string jwt_secret_file;
  std::string jwt_public_key_file;
  std::string stun_urls; // comma-separated
  std::string turn_urls; // comma-separated
  std::string turn_secret_file;
  std::uint32_t turn_ttl_s = schema::default_turn_ttl_s;
  /// Bounds net/ alone enforces (handshake time, connections per address).
  net::connection_limits limits;

  // -- the inspector ------------------------------------------------------------

  /// Port of the inspect gate, over CAF's network layer; 0: any free port
  /// (logged); absent (-1): off.
  std::int32_t inspect_port = -1;

  [[nodiscard]] bool inspect_enabled() const noexcept { return inspect_port >= 0; }
  std::string inspect_bind = "127.0.0.1";
  std::string inspect_token_file;
  /// Read from inspect_token_file by load_secrets().
  std::string inspect_token;
};

} // namespace signaling::tools
