// Every actor's typed interface, in one place: the compiler checks each send
// against these. Handlers are listed with who sends them (in CAPS).
#pragma once

#include "actors/messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace signaling::actors {

// The correlationId of the client request a message serves; empty: none.
using correlation_id = std::string;

/// The SESSION of one peer: its identity and room memberships. Outlives its
/// connection for the resume grace (once resume exists).
using session_actor = caf::typed_actor<
  // CONNECTION: join a room (answers room:joined or error to the client).
  caf::reacts_to<request_atom, schema::join_request, correlation_id>,
  // CONNECTION: leave a room (answers room:left or error).
  caf::reacts_to<request_atom, schema::leave_request, correlation_id>,
  // CONNECTION: describe a room the peer is in (answers room:state or error).
  caf::reacts_to<request_atom, schema::state_request, correlation_id>,
  // CONNECTION: relay an offer, answer, candidate or message (answers ack or error).
  caf::reacts_to<request_atom, schema::relay_request, correlation_id>,
  // CONNECTION: a reply the connection made itself (a parse or rate error),
  // sent to the client in the order of its requests.
  caf::reacts_to<reply_atom, text_frame>,
  // ROOM: an encoded event for the client.
  caf::reacts_to<deliver_atom, text_frame>>;

/// A ROOM: ordered membership, metadata and the one order of its events.
/// Exits when its last member leaves.
using room_actor = caf::typed_actor<
  // SESSION: add the peer; answers the room with the *other* members.
  caf::replies_to<join_atom, schema::peer_description,
                  session_actor>::with<schema::room_description>,
  // SESSION: remove the peer (peers see peer:left, reason left).
  caf::replies_to<leave_atom, std::string>::with<caf::ok_atom>,
  // SESSION: the room with every member, asked by the member named.
  caf::replies_to<state_atom, std::string>::with<schema::room_description>,
  // SESSION: relay from peer `from` (then its userId, empty if none). One
  // way, as relays are the hot path: the room itself sends the sender's
  // session the ack (if a correlationId came) or the error.
  caf::reacts_to<relay_atom, schema::relay_request, std::string, std::string, correlation_id>,
  // SESSION: answers once the room has handled every earlier message of the
  // asker, so its relays' acks and errors are out (keeps replies in order).
  caf::replies_to<sync_atom>::with<caf::ok_atom>>;

/// The ROOM DIRECTORY of this node: room id -> room. Creates rooms on first
/// join and forgets them when they exit.
using room_directory_actor = caf::typed_actor<
  // SESSION: the room for an id, created when missing and `create` is set
  // (with metadata and maxPeers); the last argument, when valid, is a handle
  // the caller found dead, so the directory replaces it at once.
  caf::replies_to<open_atom, std::string, bool, std::string, std::uint32_t,
                  room_actor>::with<room_actor>,
  // SESSION: the room for an id, or ROOM_NOT_FOUND.
  caf::replies_to<find_atom, std::string>::with<room_actor>,
  // INSPECTOR, tests: how many rooms are open.
  caf::replies_to<count_atom>::with<std::uint64_t>>;

/// The CONNECTION of one socket: parses frames, enforces limits and the
/// heartbeat, and writes the session's frames to the socket.
using connection_actor = caf::typed_actor<
  // TRANSPORT: a complete text frame.
  caf::reacts_to<frame_atom, std::string>,
  // TRANSPORT: a binary frame (refused: the protocol is text only).
  caf::reacts_to<binary_atom>,
  // TRANSPORT: a frame over the size limit; the transport stopped reading.
  caf::reacts_to<oversized_atom>,
  // TRANSPORT: a pong frame (liveness).
  caf::reacts_to<pong_atom>,
  // TRANSPORT: the socket is gone, and why (only a lost one gets a grace).
  caf::reacts_to<closed_atom, close_cause>,
  // SESSION: an encoded frame for the client.
  caf::reacts_to<deliver_atom, text_frame>,
  // itself: time to check liveness and ping.
  caf::reacts_to<heartbeat_atom>,
  // SERVER: the server is shutting down.
  caf::reacts_to<shutdown_atom>,
  // SESSION: close the socket with this code and end.
  caf::reacts_to<close_atom, schema::close_code>>;

} // namespace signaling::actors
