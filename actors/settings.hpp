// Runtime limits the actors enforce. tools/ fills this from flags and the
// config file once; actors share it read-only (settings_ptr), so strings and
// keys are not copied into every connection and session.
#pragma once

#include "actors/ice_servers.hpp"
#include "actors/token_verifier.hpp"
#include "schema/limits.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

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
  std::uint32_t resume_grace_ms = schema::default_resume_grace_ms;
  std::size_t resume_buffer_messages = schema::default_resume_buffer_messages;
  std::size_t resume_buffer_bytes = schema::default_resume_buffer_bytes;
  /// How long an actor waits for another's answer before it gives up and
  /// tells the client INTERNAL (not part of the protocol: a bound, so one
  /// silent actor cannot freeze the ones waiting on it).
  std::uint32_t request_timeout_ms = 5'000;
  /// Verifies tokens; null: no key configured, so no auth.
  std::shared_ptr<const token_verifier> verifier;
  std::uint32_t auth_timeout_ms = schema::default_auth_timeout_ms;
  turn_settings turn;
};

using settings_ptr = std::shared_ptr<const server_settings>;

} // namespace signaling::actors
