// The protocol's error codes (PROTOCOL.md "Errors") and their wire names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace signaling::schema {

enum class error_code : std::uint8_t {
  // Zero is reserved: CAF treats an error code of 0 as "no error".
  invalid_message = 1,
  unknown_type,
  message_too_large,
  unauthorized,
  forbidden,
  unavailable,
  room_not_found,
  room_full,
  too_many_rooms,
  not_in_room,
  peer_not_found,
  rate_limited,
  session_not_found,
  internal,
};

/// The codes run from 1 to this, for tables indexed by code - 1.
inline constexpr std::size_t error_code_count = static_cast<std::size_t>(error_code::internal);

/// The code as it appears on the wire, e.g. "ROOM_FULL".
[[nodiscard]] std::string_view to_string(error_code code) noexcept;

/// The inverse of to_string; nullopt for a name not in the protocol.
[[nodiscard]] std::optional<error_code> error_code_from_string(std::string_view name) noexcept;

} // namespace signaling::schema
