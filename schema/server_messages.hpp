// One C++ type per server -> client message of PROTOCOL.md, and its encoder
// to a JSON text frame. Every encoder stamps the envelope's timestamp and,
// when given, the correlationId of the request it answers.
#pragma once

#include "schema/client_messages.hpp"
#include "schema/error_code.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signaling::schema {

// -- shared shapes -------------------------------------------------------------

/// A peer as other members see it: {peerId, userId?, displayName?, joinedAt}.
struct peer_description {
  std::string peer_id;
  std::string user_id;      // empty: not authenticated
  std::string display_name; // empty: none given
  std::int64_t joined_at = 0;
};

template <class Inspector>
auto inspect(Inspector& f, peer_description& x) {
  return f(x.peer_id, x.user_id, x.display_name, x.joined_at);
}

inline bool operator==(const peer_description& x, const peer_description& y) {
  return x.peer_id == y.peer_id && x.user_id == y.user_id && x.display_name == y.display_name
         && x.joined_at == y.joined_at;
}

/// What room:joined and room:state report about a room.
struct room_description {
  std::string room_id;
  std::vector<peer_description> peers;
  std::string metadata_json = "{}";
  std::int64_t created_at = 0;
  std::uint32_t max_peers = 0;
};

template <class Inspector>
auto inspect(Inspector& f, room_description& x) {
  return f(x.room_id, x.peers, x.metadata_json, x.created_at, x.max_peers);
}

// -- server messages -----------------------------------------------------------

struct connected_event {
  std::string peer_id;
  std::string resume_token;
  std::uint32_t heartbeat_interval_ms = 0;
  bool auth_required = false;
  /// A valid upgrade token authenticated the connection: `authenticated`,
  /// `userId` and `displayName` are added.
  bool authenticated = false;
  std::string user_id;
  std::string display_name;
};

struct room_joined_reply {
  std::string peer_id;
  room_description room; // peers: the other members, in join order
};

struct room_left_reply {
  std::string room_id;
};

struct room_state_reply {
  room_description room; // peers: every member, the asker included
};

struct peer_joined_event {
  std::string room_id;
  peer_description peer;
};

struct peer_left_event {
  std::string room_id;
  std::string peer_id;
  std::string_view reason; // leave_reason_left or leave_reason_timeout
};

inline constexpr std::string_view leave_reason_left = "left";
inline constexpr std::string_view leave_reason_timeout = "timeout";

/// What the other members hear when a peer's connection is lost and when
/// its session is resumed (PROTOCOL.md lifecycle items 4 and 5).
enum class peer_presence : std::uint8_t { reconnecting, resumed };

struct peer_presence_event {
  std::string room_id;
  std::string peer_id;
  peer_presence presence = peer_presence::reconnecting;
};

/// The answer to session:resume: the session's peer id, its new resume
/// token, and each room it is in with the *other* members, as they are now.
struct session_resumed_reply {
  std::string peer_id;
  std::string resume_token;
  std::vector<room_description> rooms;
};

struct relay_event {
  relay_kind kind = relay_kind::room_message;
  std::string room_id;
  std::string from;
  std::string from_user_id; // empty: sender not authenticated
  std::string content_json; // passed on as the sender wrote it
};

struct ack_reply {
  std::string request_type;
};

struct error_reply {
  error_code code = error_code::internal;
  std::string message;
  std::string request_type; // empty: unknown
  std::string path;         // details.path; empty: none
};

struct pong_reply {};

struct server_shutdown_event {
  std::uint32_t reconnect_after_ms = 0;
};

/// One RTCIceServer: {urls, username?, credential?}.
/// auth:response {success: true, userId, displayName}: failures are errors.
struct auth_response_reply {
  std::string user_id;
  std::string display_name; // empty: omitted
};

/// auth:expiring {expiresAt}: the token runs out then; refresh before.
struct auth_expiring_event {
  std::int64_t expires_at_ms = 0;
};

struct ice_server {
  std::vector<std::string> urls;
  std::string username;   // empty: omitted (STUN)
  std::string credential; // empty: omitted (STUN)
};

struct turn_credentials_reply {
  std::vector<ice_server> ice_servers;
  std::uint32_t ttl_seconds = 0;
};

/// Per-frame envelope fields every encoder takes.
struct envelope {
  std::int64_t timestamp_ms = 0;
  std::string_view correlation_id; // empty: none (a valid one has 1-128 chars)
};

[[nodiscard]] std::string encode(const connected_event& x, envelope env);
[[nodiscard]] std::string encode(const room_joined_reply& x, envelope env);
[[nodiscard]] std::string encode(const room_left_reply& x, envelope env);
[[nodiscard]] std::string encode(const room_state_reply& x, envelope env);
[[nodiscard]] std::string encode(const peer_joined_event& x, envelope env);
[[nodiscard]] std::string encode(const peer_left_event& x, envelope env);
[[nodiscard]] std::string encode(const peer_presence_event& x, envelope env);
[[nodiscard]] std::string encode(const session_resumed_reply& x, envelope env);
[[nodiscard]] std::string encode(const relay_event& x, envelope env);
[[nodiscard]] std::string encode(const ack_reply& x, envelope env);
[[nodiscard]] std::string encode(const error_reply& x, envelope env);
[[nodiscard]] std::string encode(const pong_reply& x, envelope env);
[[nodiscard]] std::string encode(const server_shutdown_event& x, envelope env);
[[nodiscard]] std::string encode(const turn_credentials_reply& x, envelope env);
[[nodiscard]] std::string encode(const auth_response_reply& x, envelope env);
[[nodiscard]] std::string encode(const auth_expiring_event& x, envelope env);

/// Appends `x` as a quoted, escaped JSON string (also used for log lines).
void append_json_string(std::string& out, std::string_view x);

/// The error frame for a refused client frame.
[[nodiscard]] std::string encode(const parse_error& x, std::int64_t timestamp_ms);

} // namespace signaling::schema
