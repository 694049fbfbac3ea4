// The SESSION actor: one per peer. Holds identity and room memberships and
// turns the connection's requests into room operations and their replies.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/settings.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <deque>
#include <map>
#include <string>
#include <variant>

namespace signaling::actors {

/// A client request as the session queues it: one for the rooms, or a reply
/// the connection made itself (a parse or rate error) that must still leave
/// in request order.
struct client_request {
  std::variant<schema::join_request, schema::leave_request, schema::state_request,
               schema::relay_request, text_frame>
    body;
  correlation_id correlation;
};

struct session_state {
  // -- constants ---------------------------------------------------------------

  const char* name = "session";

  // -- request order -----------------------------------------------------------
  //
  // Replies leave in the order of the client's requests. A request that
  // needs another actor's answer (join, leave, state) holds the ones behind
  // it until it is answered; a relay does not, but its ack or error comes
  // from its room, so a later request answered elsewhere first waits for
  // that room to confirm it has answered every relay sent to it (sync).

  /// Queues `request` behind any unanswered one and runs what can run.
  void accept(client_request request);

  /// Runs queued requests until one must wait for an answer.
  void resume();

  /// The request that held the queue was answered.
  void finish_request();

  /// Whether `request`'s reply could overtake the acks and errors of the
  /// relays still unanswered (it is about another room, or local).
  [[nodiscard]] bool waits_for_relays(const client_request& request) const;

  void handle(client_request& request);

  /// The connection ended: quits once the request in flight is answered.
  void end();

  // -- operations --------------------------------------------------------------

  void join(schema::join_request request, const correlation_id& correlation);

  /// Asks the directory for the room (`stale`: a handle found dead), then
  /// enters it.
  void open_room(schema::join_request request, const correlation_id& correlation,
                 const room_actor& stale, int attempts);

  /// Sends the join to `room`; a room that exited in the meantime is
  /// replaced through open_room, at most `attempts` times in all.
  void enter_room(schema::join_request request, const correlation_id& correlation, room_actor room,
                  int attempts);

  void leave(const schema::leave_request& request, const correlation_id& correlation);

  void describe(const schema::state_request& request, const correlation_id& correlation);

  void relay(schema::relay_request& request, const correlation_id& correlation);

  // -- replies to the client ---------------------------------------------------

  /// Encodes a server message and hands it to the connection.
  template <class Message>
  void reply(const Message& message, const correlation_id& correlation);

  void reply_error(const caf::error& error, std::string_view request_type,
                   const correlation_id& correlation);

  // -- data members ------------------------------------------------------------

  session_actor::pointer self = nullptr;

  std::string peer_id;

  /// Where frames for the client go.
  connection_actor connection;

  room_directory_actor directory;

  server_settings settings;

  /// Rooms this peer is a member of, by id.
  std::map<std::string, room_actor> rooms;

  /// Requests behind the one being answered, in arrival order.
  std::deque<client_request> backlog;

  /// A request awaits another actor's answer.
  bool busy = false;

  /// The session ends as soon as nothing is in flight.
  bool ending = false;

  /// The room of the latest relays, which may still send their ack or
  /// error, and its id (kept apart: the peer may have left it since).
  room_actor unanswered_relays;
  std::string unanswered_room_id;
};

/// Spawned by its connection; ends with it (for now: resume comes next).
session_actor::behavior_type session(session_actor::stateful_pointer<session_state> self,
                                     std::string peer_id, connection_actor connection,
                                     room_directory_actor directory, server_settings settings);

} // namespace signaling::actors
