// Runtime limits the actors enforce. tools/ fills this from flags and the
// config file; every field's default is the protocol's default.
#pragma once

#include "schema/limits.hpp"

#include <cstddef>
#include <cstdint>

namespace signaling::actors {

struct server_settings {
  std::uint32_t heartbeat_ms = schema::default_heartbeat_ms;
  std::size_t max_message_bytes = schema::default_max_message_bytes;
  double rate_per_second = schema::default_rate_per_second;
  double rate_burst = schema::default_rate_burst;
  std::uint32_t max_rooms_per_peer = schema::default_max_rooms_per_peer;
  std::uint32_t default_max_peers = schema::default_max_peers;
  std::uint32_t max_peers_ceiling = schema::default_max_peers_ceiling;
  std::size_t max_outgoing_bytes = schema::default_max_outgoing_bytes;
  std::uint32_t drain_ms = schema::default_drain_ms;
};

} // namespace signaling::actors
