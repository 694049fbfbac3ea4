// The wire names of the protocol's message types.
#include "schema/message_types.hpp"

#include <array>

namespace signaling::schema {

namespace {

constexpr std::array<std::string_view, client_type_count> client_names{
  "room:join",    "room:leave",    "room:state",     "sdp:offer",
  "sdp:answer",   "ice:candidate", "room:message",   "ping",
  "auth:request", "auth:refresh",  "session:resume", "turn:credentials"};

constexpr std::array<std::string_view, server_type_count> server_names{"connected",
                                                                       "auth:response",
                                                                       "auth:expiring",
                                                                       "session:resumed",
                                                                       "room:joined",
                                                                       "room:left",
                                                                       "room:state",
                                                                       "room:closed",
                                                                       "peer:joined",
                                                                       "peer:left",
                                                                       "peer:reconnecting",
                                                                       "peer:resumed",
                                                                       "sdp:offer",
                                                                       "sdp:answer",
                                                                       "ice:candidate",
                                                                       "room:message",
                                                                       "ack",
                                                                       "error",
                                                                       "pong",
                                                                       "server:shutdown",
                                                                       "turn:credentials"};

} // namespace

std::string_view type_name(client_type type) noexcept {
  return client_names[static_cast<std::size_t>(type)];
}

std::string_view type_name(server_type type) noexcept {
  return server_names[static_cast<std::size_t>(type)];
}

std::optional<server_type> server_type_named(std::string_view name) noexcept {
  for (std::size_t index = 0; index < server_names.size(); ++index)
    if (server_names[index] == name)
      return static_cast<server_type>(index);
  return std::nullopt;
}

std::optional<server_type> server_type_of_frame(std::string_view frame) noexcept {
  // The encoders' writer starts every frame so; type names need no escaping.
  constexpr std::string_view prefix = R"({"type":")";
  if (frame.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  auto name = frame.substr(prefix.size());
  auto end = name.find('"');
  if (end == std::string_view::npos)
    return std::nullopt;
  return server_type_named(name.substr(0, end));
}

} // namespace signaling::schema
