// Wire names of the protocol's error codes.
#include "schema/error_code.hpp"

#include <array>
#include <utility>

namespace signaling::schema {

namespace {

constexpr std::array<std::pair<error_code, std::string_view>, 14> names{{
  {error_code::invalid_message, "INVALID_MESSAGE"},
  {error_code::unknown_type, "UNKNOWN_TYPE"},
  {error_code::message_too_large, "MESSAGE_TOO_LARGE"},
  {error_code::unauthorized, "UNAUTHORIZED"},
  {error_code::forbidden, "FORBIDDEN"},
  {error_code::unavailable, "UNAVAILABLE"},
  {error_code::room_not_found, "ROOM_NOT_FOUND"},
  {error_code::room_full, "ROOM_FULL"},
  {error_code::too_many_rooms, "TOO_MANY_ROOMS"},
  {error_code::not_in_room, "NOT_IN_ROOM"},
  {error_code::peer_not_found, "PEER_NOT_FOUND"},
  {error_code::rate_limited, "RATE_LIMITED"},
  {error_code::session_not_found, "SESSION_NOT_FOUND"},
  {error_code::internal, "INTERNAL"},
}};

} // namespace

std::string_view to_string(error_code code) noexcept {
  for (const auto& [value, name] : names)
    if (value == code)
      return name;
  return "INTERNAL";
}

std::optional<error_code> error_code_from_string(std::string_view name) noexcept {
  for (const auto& [value, text] : names)
    if (text == name)
      return value;
  return std::nullopt;
}

} // namespace signaling::schema
