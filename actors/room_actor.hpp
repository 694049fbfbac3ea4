// The ROOM actor: one per room id on this node. Every join, leave and relay
// of the room passes through it, which gives all members one order.
#pragma once

#include "actors/clock.hpp"
#include "actors/interfaces.hpp"
#include "actors/metrics.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace signaling::actors {

/// What the room knows of a member beyond its description.
struct member_activity {
  /// Messages the member relayed in this room.
  std::uint64_t relayed = 0;
  /// Its connection was lost and its session waits for a resume.
  bool reconnecting = false;
};

struct room_state {
  // -- constants ---------------------------------------------------------------

  static constexpr const char* name = "room";

  // -- operations (the handlers delegate here) ---------------------------------

  /// Adds the peer, notifies the others, and returns the room as the joiner
  /// sees it; a member joining again gets the same answer and nobody hears.
  caf::result<schema::room_description> join(schema::peer_description peer, session_actor session);

  /// Removes the member (peers hear `reason`); false if `peer_id` is not a
  /// member.
  bool leave(const std::string& peer_id, std::string_view reason = schema::leave_reason_left);

  /// Tells the other members that the peer's connection was lost or resumed.
  void announce(const std::string& peer_id, schema::peer_presence presence);

  /// Removes the member whose session died, or the tracer that ended.
  void on_down(const caf::actor_addr& source);

  /// Delivers the relay, then sends the sender the ack or the error.
  void relay(schema::relay_request& request, const std::string& from,
             const std::string& from_user_id, const correlation_id& correlation);

  /// The room with every member, or with every member but `except`.
  [[nodiscard]] schema::room_description describe(const std::string& except = {}) const;

  // -- inspection --------------------------------------------------------------

  /// The room with its members in join order, each with its activity.
  [[nodiscard]] caf::settings status() const;

  /// Sends `subscriber` every event from now on (relay contents if `full`).
  void add_tracer(trace_subscriber_actor subscriber, bool full);

  /// Sends an event to every tracer; relays fill the event only when there
  /// is one (`make` is called then), so tracing costs nothing otherwise.
  template <class Make>
  void trace(Make make) {
    if (tracers.empty())
      return;
    room_trace_event event = make();
    event.at = now_ms();
    for (const auto& tracer : tracers) {
      auto copy = event;
      if (!tracer.full && copy.event == "relay")
        copy.content = redacted(copy.type, copy.content);
      self->send(tracer.subscriber, trace_atom_v, std::move(copy));
    }
  }

  /// What a trace without --full shows of a relay's content: a candidate's
  /// type, nothing of SDP or messages.
  [[nodiscard]] static std::string redacted(std::string_view type, std::string_view content);

  // -- utility -----------------------------------------------------------------

  [[nodiscard]] std::ptrdiff_t index_of(const std::string& peer_id) const;

  void remove_at(std::size_t index, std::string_view reason);

  /// Sends one encoded frame to every member but the one at `except`;
  /// returns how many received it.
  std::uint64_t broadcast(const text_frame& frame, std::ptrdiff_t except);

  // -- data members ------------------------------------------------------------

  room_actor::pointer self = nullptr;

  metrics_ptr metrics;

  /// Members in join order; sessions[i] and activity[i] belong to
  /// description.peers[i].
  schema::room_description description;
  std::vector<session_actor> sessions;
  std::vector<member_activity> activity;

  /// Messages relayed through the room (one per relay, not per recipient).
  std::uint64_t relays = 0;

  struct tracer {
    trace_subscriber_actor subscriber;
    bool full = false;
  };

  /// Inspectors tracing the room; each ends when its subscriber does.
  std::vector<tracer> tracers;
};

/// Spawned by the room directory with the settings of the creating join.
room_actor::behavior_type room(room_actor::stateful_pointer<room_state> self,
                               schema::room_description initial, metrics_ptr metrics);

} // namespace signaling::actors
