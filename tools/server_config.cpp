// Flag definitions, defaults and their validation.
#include "tools/server_config.hpp"

#include "actors/log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <variant>

namespace signaling::tools {

namespace {

// A secret or a PEM key is far smaller; a bigger file is a wrong path
// (a log, a device), not something to load.
constexpr std::size_t max_secret_file_bytes = 64 * std::size_t{1024};

/// An inspect token shorter than this is guessable (16 random bytes, hex).
constexpr std::size_t min_inspect_token_bytes = 32;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

/// A sentence naming the first url of `list` that lacks one of the schemes.
std::optional<std::string> check_urls(std::string_view flag, const std::string& list,
                                      std::string_view scheme, std::string_view secure_scheme) {
  for (const auto& url : split_list(list)) {
    if (!starts_with(url, scheme) && !starts_with(url, secure_scheme))
      return std::string{flag} + ": '" + url + "' is not a " + std::string{scheme} + " or "
             + std::string{secure_scheme} + " url";
  }
  return std::nullopt;
}

/// `make`'s refusal of one secret or key, prefixed with where it came from.
std::optional<std::string> check_key(std::string_view source, std::string secret,
                                     std::string public_key_pem) {
  auto made = actors::token_verifier::make(std::move(secret), std::move(public_key_pem));
  if (auto problem = std::get_if<std::string>(&made))
    return std::string{source} + ": " + *problem;
  return std::nullopt;
}

} // namespace

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> result;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string_view::npos)
      end = text.size();
    auto item = text.substr(start, end - start);
    // "a, b" is what people write; no origin or url holds a space.
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (!item.empty())
      result.emplace_back(item);
    start = end + 1;
  }
  return result;
}

std::optional<std::string> read_secret_file(const std::string& path, std::string_view flag,
                                            std::string& out) {
  auto failure = [&](const std::string& why) {
    return std::string{flag} + ": " + path + " " + why;
  };
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file{std::fopen(path.c_str(), "rb"),
                                                          std::fclose};
  if (!file)
    return failure(std::string{"cannot be opened ("} + std::strerror(errno) + ")");
  std::string text(max_secret_file_bytes + 1, '\0');
  auto size = std::fread(text.data(), 1, text.size(), file.get());
  if (std::ferror(file.get()))
    return failure(std::string{"cannot be read ("} + std::strerror(errno) + ")");
  if (size > max_secret_file_bytes)
    return failure("is larger than " + std::to_string(max_secret_file_bytes / 1024)
                   + " KiB: not a secret or a key");
  text.resize(size);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.empty())
    return failure("is empty");
  out = std::move(text);
  return std::nullopt;
}

server_config::server_config() {
  // An actor handles at most this many messages per turn before the
  // sockets of its thread get theirs (CAF's default is unbounded).
  set("scheduler.max-throughput", size_t{100});
  auto& s = settings;
  opt_group{custom_options_, "global"}
    .add(port, "port", "TCP port for HTTP and WebSocket (0: any free port)")
    .add(threads, "threads", "threads serving sockets and actors (default: one per core)")
    .add(bind, "bind", "address to listen on")
    .add(s.heartbeat_ms, "heartbeat-ms", "ping interval; a peer silent this long is dropped")
    .add(s.max_message_bytes, "max-message-bytes", "largest accepted frame")
    .add(s.rate_per_second, "rate", "messages per second per connection")
    .add(s.rate_burst, "rate-burst", "messages a connection may send at once")
    .add(s.max_rooms_per_peer, "max-rooms-per-peer", "rooms one peer may be in")
    .add(s.default_max_peers, "default-max-peers", "maxPeers of a room when the join gives none")
    .add(s.max_peers_ceiling, "max-peers-ceiling", "largest maxPeers a join may ask for")
    .add(s.max_outgoing_bytes, "max-outgoing-bytes",
         "unsent bytes a connection may queue before close 1013")
    .add(allowed_origins, "allowed-origins",
         "comma-separated Origins allowed to connect (default: all)")
    .add(s.drain_ms, "drain-ms", "time given to clients to close on shutdown")
    .add(s.resume_grace_ms, "resume-grace-ms",
         "how long the session of a lost connection waits for a resume (0: no resume)")
    .add(s.resume_buffer_messages, "resume-buffer-messages",
         "messages a detached session keeps for its client before it ends")
    .add(s.resume_buffer_bytes, "resume-buffer-bytes",
         "bytes a detached session keeps for its client before it ends")
    .add(s.request_timeout_ms, "request-timeout-ms",
         "how long an actor waits for another's answer before the client hears INTERNAL")
    .add(limits.handshake_timeout_ms, "handshake-timeout-ms",
         "time from accept to a whole HTTP request or completed WebSocket upgrade")
    .add(limits.max_connections_per_ip, "max-connections-per-ip",
         "concurrent connections one remote address may hold; more are refused")
    .add(web_root, "web-root", "directory of static files served under /")
    .add(log_level, "log-level", "debug, info, warning or error")
    .add(jwt_secret_file, "jwt-secret-file",
         "file holding the HS256 secret (or env SIGNAL_JWT_SECRET); enables auth")
    .add(jwt_public_key_file, "jwt-public-key",
         "PEM file of the RS256 or ES256 public key; enables auth")
    .add(s.auth_timeout_ms, "auth-timeout-ms", "time a connection has to authenticate")
    .add(stun_urls, "stun-urls", "comma-separated stun: urls offered to clients")
    .add(turn_urls, "turn-urls", "comma-separated turn: urls offered with credentials")
    .add(turn_secret_file, "turn-secret-file",
         "file holding coturn's static-auth-secret, to sign TURN credentials")
    .add(turn_ttl_s, "turn-ttl-s", "lifetime of TURN credentials in seconds")
    .add(inspect_port, "inspect-port",
         "port for signal-inspect (CAF network layer; 0: any free port); off unless given")
    .add(inspect_bind, "inspect-bind", "address the inspect port listens on")
    .add(inspect_token_file, "inspect-token-file",
         "file holding the token signal-inspect must present (needed with --inspect-port)");
}

std::optional<std::string> server_config::validate() const {
  const auto& s = settings;
  actors::log_level ignored;
  if (!actors::parse_log_level(log_level, ignored))
    return "--log-level must be debug, info, warning or error, not '" + log_level + "'";
  if (threads < 1 || threads > 1024)
    return "--threads must be between 1 and 1024";
  if (s.heartbeat_ms < 100)
    return "--heartbeat-ms must be at least 100";
  if (s.max_message_bytes < 1024)
    return "--max-message-bytes must be at least 1024";
  if (!(s.rate_per_second > 0) || !(s.rate_burst >= 1))
    return "--rate must be positive and --rate-burst at least 1";
  if (s.max_rooms_per_peer < 1)
    return "--max-rooms-per-peer must be at least 1";
  if (s.max_peers_ceiling < schema::min_max_peers)
    return "--max-peers-ceiling must be at least " + std::to_string(schema::min_max_peers);
  if (s.default_max_peers < schema::min_max_peers || s.default_max_peers > s.max_peers_ceiling)
    return "--default-max-peers must be between " + std::to_string(schema::min_max_peers)
           + " and --max-peers-ceiling";
  if (s.max_outgoing_bytes < s.max_message_bytes)
    return "--max-outgoing-bytes must be at least --max-message-bytes";
  if (s.resume_buffer_messages < 1 || s.resume_buffer_bytes < s.max_message_bytes)
    return "--resume-buffer-messages must be at least 1 and --resume-buffer-bytes at least "
           "--max-message-bytes";
  if (s.request_timeout_ms < 100)
    return "--request-timeout-ms must be at least 100";
  if (s.auth_timeout_ms < 100)
    return "--auth-timeout-ms must be at least 100";
  // Shorter credentials could expire between the reply and the allocation.
  if (turn_ttl_s < 60)
    return "--turn-ttl-s must be at least 60";
  if (auto problem = check_urls("--stun-urls", stun_urls, "stun:", "stuns:"))
    return problem;
  if (auto problem = check_urls("--turn-urls", turn_urls, "turn:", "turns:"))
    return problem;
  if (!split_list(turn_urls).empty() && turn_secret_file.empty())
    return "--turn-urls needs --turn-secret-file (coturn's static-auth-secret)";
  if (split_list(turn_urls).empty() && !turn_secret_file.empty())
    return "--turn-secret-file needs --turn-urls";
  if (limits.handshake_timeout_ms < 100)
    return "--handshake-timeout-ms must be at least 100";
  if (limits.max_connections_per_ip < 1)
    return "--max-connections-per-ip must be at least 1";
  if (inspect_port < -1 || inspect_port > 65535)
    return "--inspect-port must be a port number (0: any free port)";
  if (inspect_enabled() && inspect_token_file.empty())
    return "--inspect-port needs --inspect-token-file (the inspector sees every peer)";
  if (!inspect_enabled() && !inspect_token_file.empty())
    return "--inspect-token-file needs --inspect-port";
  return std::nullopt;
}

std::optional<std::string> server_config::load_secrets() {
  settings.verifier.reset();
  settings.turn = actors::turn_settings{};
  std::string jwt_secret;
  std::string_view secret_source = "--jwt-secret-file";
  if (auto from_env = std::getenv("SIGNAL_JWT_SECRET")) {
    secret_source = "SIGNAL_JWT_SECRET";
    if (!jwt_secret_file.empty())
      return "give the JWT secret by --jwt-secret-file or by SIGNAL_JWT_SECRET, not both";
    // Set but empty is a mistake, not a wish to run without auth.
    if (*from_env == '\0')
      return "SIGNAL_JWT_SECRET is set but empty";
    jwt_secret = from_env;
  } else if (!jwt_secret_file.empty()) {
    if (auto problem = read_secret_file(jwt_secret_file, "--jwt-secret-file", jwt_secret))
      return problem;
  }
  std::string public_key;
  if (!jwt_public_key_file.empty()) {
    if (auto problem = read_secret_file(jwt_public_key_file, "--jwt-public-key", public_key))
      return problem;
  }
  // Checked one by one so that a refusal names the flag at fault.
  if (!jwt_secret.empty()) {
    if (auto problem = check_key(secret_source, jwt_secret, ""))
      return problem;
  }
  if (!public_key.empty()) {
    if (auto problem = check_key("--jwt-public-key", "", public_key))
      return problem;
  }
  if (!jwt_secret.empty() || !public_key.empty()) {
    auto made = actors::token_verifier::make(std::move(jwt_secret), std::move(public_key));
    if (auto problem = std::get_if<std::string>(&made))
      return "--jwt-secret-file/--jwt-public-key: " + *problem;
    settings.verifier = std::make_shared<const actors::token_verifier>(
      std::get<actors::token_verifier>(std::move(made)));
  }
  settings.turn.stun_urls = split_list(stun_urls);
  settings.turn.turn_urls = split_list(turn_urls);
  settings.turn.ttl_s = turn_ttl_s;
  if (!turn_secret_file.empty()) {
    if (auto problem =
          read_secret_file(turn_secret_file, "--turn-secret-file", settings.turn.secret))
      return problem;
  }
  inspect_token.clear();
  if (!inspect_token_file.empty()) {
    if (auto problem = read_secret_file(inspect_token_file, "--inspect-token-file", inspect_token))
      return problem;
    if (inspect_token.size() < min_inspect_token_bytes)
      return "--inspect-token-file: the token must be at least "
             + std::to_string(min_inspect_token_bytes) + " bytes";
  }
  return std::nullopt;
}

std::size_t server_config::default_threads() {
  return std::max(1U, std::thread::hardware_concurrency());
}

std::vector<std::string> server_config::origins() const {
  return split_list(allowed_origins);
}

} // namespace signaling::tools
