// The protocol's numeric limits and defaults (PROTOCOL.md). Every other layer
// reads them from here, so the wire contract is spelled in one place.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace signaling::schema {

inline constexpr int protocol_version = 1;

// -- identifiers ---------------------------------------------------------------

inline constexpr std::size_t max_room_id_length = 128;
inline constexpr std::size_t max_correlation_id_length = 128;
// PROTOCOL.md is silent on these; long enough for any real name or id.
inline constexpr std::size_t max_display_name_length = 128;
inline constexpr std::size_t max_peer_id_length = 128;
inline constexpr std::size_t max_type_length = 64;
inline constexpr std::size_t max_token_length = 8192;

// -- payload sizes (serialized JSON bytes) -------------------------------------

inline constexpr std::size_t max_metadata_bytes = 4 * std::size_t{1024};
inline constexpr std::size_t max_data_bytes = 16 * std::size_t{1024};
// Nesting allowed inside `data` and `metadata` (any JSON value): deep enough
// for any real application object; a deeper document is INVALID_MESSAGE
// instead of a stack-hungry parse.
inline constexpr std::size_t max_data_depth = 64;
// The whole frame: the envelope and its payload object add two levels.
inline constexpr std::size_t max_json_depth = max_data_depth + 2;

// -- rooms ---------------------------------------------------------------------

inline constexpr std::uint32_t min_max_peers = 2;
inline constexpr std::uint32_t default_max_peers = 10;
inline constexpr std::uint32_t default_max_peers_ceiling = 500;
inline constexpr std::uint32_t default_max_rooms_per_peer = 16;

// -- connection ----------------------------------------------------------------

inline constexpr std::uint32_t default_heartbeat_ms = 30'000;
inline constexpr std::size_t default_max_message_bytes = 64 * std::size_t{1024};
inline constexpr double default_rate_per_second = 100;
inline constexpr double default_rate_burst = 200;
// Sustained flooding: more than this many dropped messages within the window
// closes the connection with close_code::policy.
inline constexpr std::uint32_t flood_drop_limit = 400;
inline constexpr std::uint32_t flood_window_ms = 10'000;
inline constexpr std::size_t default_max_outgoing_bytes = std::size_t{1024} * 1024;
// Replies leave in the order of the client's requests (PROTOCOL.md is silent
// on order; a client without correlationIds relies on it). The one exception
// is `pong`, answered by the connection at once: it measures the connection.
// Requests a session holds while an earlier one awaits its answer: the rate
// limit keeps real clients far below it; past it the connection closes with
// close_code::overloaded.
inline constexpr std::size_t max_queued_requests = 1024;
inline constexpr std::uint32_t default_drain_ms = 5'000;
// Clients wait this long after server:shutdown before reconnecting.
inline constexpr std::uint32_t default_reconnect_after_ms = 1'000;

// -- session resume ------------------------------------------------------------

// A connection lost without a close frame keeps its session this long.
inline constexpr std::uint32_t default_resume_grace_ms = 15'000;
// What a detached session buffers for its client; past either bound the
// session ends as if the grace had expired.
inline constexpr std::size_t default_resume_buffer_messages = 256;
inline constexpr std::size_t default_resume_buffer_bytes = std::size_t{1024} * 1024;

// -- WebSocket close codes (RFC 6455) used by the protocol ---------------------

enum class close_code : std::uint16_t {
  normal = 1000,
  going_away = 1001, // server shutdown
  policy = 1008,     // auth, flooding, bad origin
  too_large = 1009,
  internal = 1011,
  overloaded = 1013, // overloaded, or the client reads too slowly
};

/// Every close code above, for tables indexed by code (e.g. /metrics).
inline constexpr std::array<close_code, 6> close_codes{
  close_code::normal,    close_code::going_away, close_code::policy,
  close_code::too_large, close_code::internal,   close_code::overloaded};

// -- auth and ICE servers ------------------------------------------------------

// With auth required, a connection not authenticated this long after the
// upgrade is closed with close_code::policy, as is one whose bad tokens reach
// the failure limit.
inline constexpr std::uint32_t default_auth_timeout_ms = 10'000;
inline constexpr std::uint32_t auth_failure_limit = 3;
// auth:expiring goes out this long before the token's exp.
inline constexpr std::uint32_t auth_expiring_notice_ms = 60'000;
// PROTOCOL.md is silent on it; a token's sub becomes userId, which peers see.
inline constexpr std::size_t max_user_id_length = 128;
// Lifetime of TURN credentials, and the least time between two
// turn:credentials requests of one connection (else RATE_LIMITED).
inline constexpr std::uint32_t default_turn_ttl_s = 3600;
inline constexpr std::uint32_t turn_request_interval_ms = 10'000;

} // namespace signaling::schema
