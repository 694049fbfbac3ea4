// Flag definitions, defaults and their validation.
#include "tools/server_config.hpp"

#include "actors/log.hpp"

#include <algorithm>
#include <thread>

namespace signaling::tools {

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
    .add(limits.handshake_timeout_ms, "handshake-timeout-ms",
         "time from accept to a whole HTTP request or completed WebSocket upgrade")
    .add(limits.max_connections_per_ip, "max-connections-per-ip",
         "concurrent connections one remote address may hold; more are refused")
    .add(web_root, "web-root", "directory of static files served under /")
    .add(log_level, "log-level", "debug, info, warning or error");
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
  if (limits.handshake_timeout_ms < 100)
    return "--handshake-timeout-ms must be at least 100";
  if (limits.max_connections_per_ip < 1)
    return "--max-connections-per-ip must be at least 1";
  return std::nullopt;
}

std::size_t server_config::default_threads() {
  return std::max(1U, std::thread::hardware_concurrency());
}

std::vector<std::string> server_config::origins() const {
  std::vector<std::string> result;
  std::size_t start = 0;
  while (start <= allowed_origins.size()) {
    auto end = allowed_origins.find(',', start);
    if (end == std::string::npos)
      end = allowed_origins.size();
    if (end > start)
      result.emplace_back(allowed_origins.substr(start, end - start));
    start = end + 1;
  }
  return result;
}

} // namespace signaling::tools
