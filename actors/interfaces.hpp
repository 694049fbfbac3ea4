// Every actor's typed interface, in one place: the compiler checks each send
// against these. Handlers are listed with who sends them (in CAPS).
#pragma once

#include "actors/messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/settings.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace signaling::actors {

// The correlationId of the client request a message serves; empty: none.
using correlation_id = std::string;

/// What every actor answers (as tenzir/vast's status client does): its
/// state as a settings tree, with at least its `kind` and `mailbox` depth.
/// The server and the inspector ask it; nobody else does.
using status_client_actor = caf::typed_actor<caf::replies_to<status_atom>::with<caf::settings>>;

/// The CONNECTION of one socket: parses frames, enforces limits and the
/// heartbeat, and writes its session's frames to the socket. It learns its
/// session from the answers to its start and to a resume (session_handoff).
using connection_actor = caf::typed_actor<
  // TRANSPORT: a complete text frame, and when it was read (steady_now_ns),
  // from which a relay's latency is measured.
  caf::reacts_to<frame_atom, std::string, std::int64_t>,
  // TRANSPORT: a binary frame (refused: the protocol is text only).
  caf::reacts_to<binary_atom>,
  // TRANSPORT: a frame over the size limit; the transport stopped reading.
  caf::reacts_to<oversized_atom>,
  // TRANSPORT: a ping or pong frame (liveness), with the payload of a pong
  // (which names the frames it confirms; empty for a client's ping).
  caf::reacts_to<pong_atom, std::string>,
  // TRANSPORT: the socket is gone, and why (only a lost one gets a grace).
  caf::reacts_to<closed_atom, close_cause>,
  // SESSION: an encoded frame for the client.
  caf::reacts_to<deliver_atom, text_frame>,
  // itself: time to check liveness and ping.
  caf::reacts_to<heartbeat_atom>,
  // SERVER: the server is shutting down.
  caf::reacts_to<shutdown_atom>,
  // SESSION: close the socket with this code and end (1000 on takeover,
  // 1008 for auth, 1013 when requests pile up).
  caf::reacts_to<close_atom, schema::close_code>,
  // SESSION: ping now, so that the pong confirms the frames sent so far.
  caf::reacts_to<confirm_atom>>::extend_with<status_client_actor>;

// A typed interface cannot name itself, so the session a session hands to a
// connection travels wrapped (defined below).
struct session_handoff;

/// The SESSION of one peer: identity, room memberships and the resume token.
/// Outlives a lost connection for the resume grace, buffering its events.
using session_actor = caf::typed_actor<
  // REGISTRY, for a new connection: serve `connection` (the upgrade's token
  // follows; empty: none); answers with the connected frame.
  caf::replies_to<start_atom, connection_actor, std::string>::with<session_handoff>,
  // CONNECTION: join a room (answers room:joined or error to the client).
  caf::reacts_to<request_atom, schema::join_request, correlation_id>,
  // CONNECTION: leave a room (answers room:left or error).
  caf::reacts_to<request_atom, schema::leave_request, correlation_id>,
  // CONNECTION: describe a room the peer is in (answers room:state or error).
  caf::reacts_to<request_atom, schema::state_request, correlation_id>,
  // CONNECTION: relay an offer, answer, candidate or message (answers ack or error).
  caf::reacts_to<request_atom, schema::relay_request, correlation_id>,
  // CONNECTION: auth:request, auth:refresh and turn:credentials.
  caf::reacts_to<request_atom, schema::auth_request, correlation_id>,
  caf::reacts_to<request_atom, schema::auth_refresh_request, correlation_id>,
  caf::reacts_to<request_atom, schema::turn_credentials_request, correlation_id>,
  // CONNECTION: session:resume. Answers with the session that serves the
  // connection from now on: the resumed one, or this one when the resume
  // failed (its error goes to the client in request order).
  caf::replies_to<request_atom, schema::session_resume_request,
                  correlation_id>::with<session_handoff>,
  // SESSION (the fresh one of a resuming connection): serve `connection`
  // from now on, under the new resume token that follows, for the resume
  // request after it; the session sends session:resumed, then what the
  // client lacks.
  caf::replies_to<attach_atom, connection_actor, std::string, schema::session_resume_request,
                  correlation_id>::with<session_handoff>,
  // CONNECTION: a reply the connection made itself (a parse or rate error),
  // sent to the client in the order of its requests.
  caf::reacts_to<reply_atom, text_frame>,
  // CONNECTION: its socket ended, and why.
  caf::reacts_to<detach_atom, connection_actor, close_cause>,
  // CONNECTION: a pong proved that the client has the first N frames the
  // session sent it since the connection was handed to it.
  caf::reacts_to<confirmed_atom, std::uint64_t>,
  // ROOM: an encoded event for the client.
  caf::reacts_to<deliver_atom, text_frame>,
  // itself: the resume grace of the detach numbered here is over.
  caf::reacts_to<grace_atom, std::uint64_t>,
  // itself: an auth deadline of the identity numbered here.
  caf::reacts_to<deadline_atom, auth_deadline, std::uint64_t>>::extend_with<status_client_actor>;

/// What a connection is handed by its start and by a resume: the session
/// that serves it from now on and that session's peer id. A start also
/// carries the connected frame, which the connection writes before anything
/// else; a resume carries none (session:resumed arrives as a delivered
/// frame, behind the replies to the requests before it).
struct session_handoff {
  session_actor session;
  std::string peer_id;
  text_frame connected; // empty text: none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_handoff& x) {
  return f(caf::meta::type_name("session_handoff"), x.session, x.peer_id, x.connected);
}

/// A TRACE SUBSCRIBER (signal-inspect trace): receives a room's events.
using trace_subscriber_actor = caf::typed_actor<caf::reacts_to<trace_atom, room_trace_event>>;

/// A ROOM: ordered membership, metadata and the one order of its events.
/// Exits when its last member leaves.
using room_actor = caf::typed_actor<
  // SESSION: add the peer; answers the room with the *other* members.
  caf::replies_to<join_atom, schema::peer_description,
                  session_actor>::with<schema::room_description>,
  // SESSION: remove the peer (peers see peer:left, reason left).
  caf::replies_to<leave_atom, std::string>::with<caf::ok_atom>,
  // SESSION: the peer's resume grace expired: remove it (peers see
  // peer:left, reason timeout).
  caf::reacts_to<expired_atom, std::string>,
  // SESSION: the peer's connection was lost or its session resumed (peers
  // see peer:reconnecting or peer:resumed).
  caf::reacts_to<presence_atom, std::string, schema::peer_presence>,
  // SESSION: the room with every member, asked by the member named.
  caf::replies_to<state_atom, std::string>::with<schema::room_description>,
  // SESSION: relay from peer `from` (then its userId, empty if none). One
  // way, as relays are the hot path: the room itself sends the sender's
  // session the ack (if a correlationId came) or the error.
  caf::reacts_to<relay_atom, schema::relay_request, std::string, std::string, correlation_id>,
  // SESSION: answers once the room has handled every earlier message of the
  // asker, so its relays' acks and errors are out (keeps replies in order).
  caf::replies_to<sync_atom>::with<caf::ok_atom>,
  // SERVER: send `subscriber` every event of the room from now on, with
  // relay contents when the flag is set, until it ends or the room closes.
  caf::reacts_to<trace_atom, trace_subscriber_actor, bool>>::extend_with<status_client_actor>;

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
  // SERVER: every open room (for the inspector).
  caf::replies_to<list_atom>::with<std::vector<room_actor>>>::extend_with<status_client_actor>;

/// The SESSION REGISTRY of this node: resume token -> session. Creates the
/// session of every new connection and hands a detached one to the
/// connection that resumes it.
using session_registry_actor = caf::typed_actor<
  // CONNECTION: a new session for this new connection, with the upgrade's
  // token (empty: none); the new session answers.
  caf::replies_to<start_atom, connection_actor, std::string>::with<session_handoff>,
  // SESSION: the session of a resume token, and the new token it goes by
  // from now on (a token is single use); SESSION_NOT_FOUND when unknown.
  caf::replies_to<resume_atom, std::string>::with<session_actor, std::string>,
  // SERVER: the session of a peer id, or SESSION_NOT_FOUND (for the
  // inspector).
  caf::replies_to<find_atom, std::string>::with<session_actor>,
  // SERVER: every live session (for the inspector).
  caf::replies_to<list_atom>::with<std::vector<session_actor>>>::extend_with<status_client_actor>;

/// The SERVER of this node, its root: owns the room directory and the
/// session registry, knows every connection, drains them on shutdown and
/// answers the inspector from its actors' status.
using server_actor = caf::typed_actor<
  // CONNECTION: a session for this new connection (the registry's answer);
  // the server keeps the connection until it ends, to drain it.
  caf::replies_to<start_atom, connection_actor, std::string>::with<session_handoff>,
  // SIGNAL-SERVER: drain: server:shutdown to every connection; answers once
  // all have ended or the drain time is up.
  caf::replies_to<shutdown_atom>::with<caf::ok_atom>,
  // itself: the drain time is up.
  caf::reacts_to<drain_atom>,
  // INSPECT GATE: an inspector's query (token checked).
  caf::replies_to<inspect_atom, inspect_query>::with<caf::settings>,
  // INSPECT GATE: trace the room named (token checked): see room_actor.
  caf::replies_to<trace_atom, std::string, trace_subscriber_actor, bool>::with<caf::ok_atom>,
  // itself: time to sample the counters behind the summary's rates.
  caf::reacts_to<sample_atom>>::extend_with<status_client_actor>;

/// The INSPECT GATE: the one actor published on the inspect port. Whoever
/// reaches the port can send it anything, so it answers only queries that
/// carry the inspect token, and passes them to the server.
using inspect_gate_actor = caf::typed_actor<
  // INSPECTOR: the token, then the query.
  caf::replies_to<inspect_atom, std::string, inspect_query>::with<caf::settings>,
  // INSPECTOR: the token, then the room to trace, the subscriber and
  // whether to include relay contents.
  caf::replies_to<trace_atom, std::string, std::string, trace_subscriber_actor,
                  bool>::with<caf::ok_atom>>;

} // namespace signaling::actors

// Actor handles travel inside messages (a session in every join, rooms in
// the directory's answers), so they need type IDs to cross nodes as well.
CAF_BEGIN_TYPE_ID_BLOCK(signaling_actors, caf::id_block::signaling::end)

CAF_ADD_TYPE_ID(signaling_actors, (signaling::actors::connection_actor))
CAF_ADD_TYPE_ID(signaling_actors, (signaling::actors::session_actor))
CAF_ADD_TYPE_ID(signaling_actors, (signaling::actors::room_actor))
CAF_ADD_TYPE_ID(signaling_actors, (signaling::actors::room_directory_actor))
CAF_ADD_TYPE_ID(signaling_actors, (signaling::actors::session_registry_actor))
CAF_ADD_TYPE_ID(signaling_actors, (signaling::actors::session_handoff))
CAF_ADD_TYPE_ID(signaling_actors, (signaling::actors::server_actor))
CAF_ADD_TYPE_ID(signaling_actors, (signaling::actors::inspect_gate_actor))
CAF_ADD_TYPE_ID(signaling_actors, (signaling::actors::trace_subscriber_actor))
CAF_ADD_TYPE_ID(signaling_actors, (std::vector<signaling::actors::room_actor>) )
CAF_ADD_TYPE_ID(signaling_actors, (std::vector<signaling::actors::session_actor>) )

CAF_END_TYPE_ID_BLOCK(signaling_actors)
