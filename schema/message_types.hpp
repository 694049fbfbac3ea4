// Every message type of PROTOCOL.md, client and server, with its wire name:
// the one table parse, encode, the actors and /metrics take the names from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace signaling::schema {

/// The client -> server types, in the order of PROTOCOL.md.
enum class client_type : std::uint8_t {
  room_join,
  room_leave,
  room_state,
  sdp_offer,
  sdp_answer,
  ice_candidate,
  room_message,
  ping,
  auth_request,
  auth_refresh,
  session_resume,
  turn_credentials,
};

inline constexpr std::size_t client_type_count = 12;

/// The server -> client types.
enum class server_type : std::uint8_t {
  connected,
  auth_response,
  auth_expiring,
  session_resumed,
  room_joined,
  room_left,
  room_state,
  room_closed,
  peer_joined,
  peer_left,
  peer_reconnecting,
  peer_resumed,
  sdp_offer,
  sdp_answer,
  ice_candidate,
  room_message,
  ack,
  error,
  pong,
  server_shutdown,
  turn_credentials,
};

inline constexpr std::size_t server_type_count = 21;

/// The wire name, e.g. "room:join".
[[nodiscard]] std::string_view type_name(client_type type) noexcept;
[[nodiscard]] std::string_view type_name(server_type type) noexcept;

/// The server type named `name`; nullopt for a name no server message has.
[[nodiscard]] std::optional<server_type> server_type_named(std::string_view name) noexcept;

/// The type of an encoded server frame, read from the `{"type":"...",`
/// every encoder writes first; nullopt for any other text.
[[nodiscard]] std::optional<server_type> server_type_of_frame(std::string_view frame) noexcept;

} // namespace signaling::schema
