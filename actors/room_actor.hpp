// The ROOM actor: one per room id on this node. Every join, leave and relay
// of the room passes through it, which gives all members one order.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/metrics.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <vector>

namespace signaling::actors {

struct room_state {
  // -- constants ---------------------------------------------------------------

  const char* name = "room";

  // -- operations (the handlers delegate here) ---------------------------------

  /// Adds the peer, notifies the others, and returns the room as the joiner
  /// sees it; a member joining again gets the same answer and nobody hears.
  caf::result<schema::room_description> join(schema::peer_description peer, session_actor session);

  /// Removes the member (peers hear `reason`); false if `peer_id` is not a
  /// member.
  bool leave(const std::string& peer_id, std::string_view reason = schema::leave_reason_left);

  /// Tells the other members that the peer's connection was lost or resumed.
  void announce(const std::string& peer_id, schema::peer_presence presence);

  /// Removes the member whose session died.
  void leave(const caf::actor_addr& session);

  /// Delivers the relay, then sends the sender the ack or the error.
  void relay(schema::relay_request& request, const std::string& from,
             const std::string& from_user_id, const correlation_id& correlation);

  /// The room with every member, or with every member but `except`.
  [[nodiscard]] schema::room_description describe(const std::string& except = {}) const;

  // -- utility -----------------------------------------------------------------

  [[nodiscard]] std::ptrdiff_t index_of(const std::string& peer_id) const;

  void remove_at(std::size_t index, std::string_view reason);

  /// Sends one encoded frame to every member but the one at `except`;
  /// returns how many received it.
  std::uint64_t broadcast(const text_frame& frame, std::ptrdiff_t except);

  // -- data members ------------------------------------------------------------

  room_actor::pointer self = nullptr;

  metrics_ptr metrics;

  /// Members in join order; sessions[i] belongs to description.peers[i].
  schema::room_description description;
  std::vector<session_actor> sessions;
};

/// Spawned by the room directory with the settings of the creating join.
room_actor::behavior_type room(room_actor::stateful_pointer<room_state> self,
                               schema::room_description initial, metrics_ptr metrics);

} // namespace signaling::actors
