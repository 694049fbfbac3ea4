// The SESSION actor: one per peer. Holds identity and room memberships and
// turns the connection's requests into room operations and their replies.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/settings.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <map>
#include <string>

namespace signaling::actors {

struct session_state {
  // -- constants ---------------------------------------------------------------

  const char* name = "session";

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
};

/// Spawned by its connection; ends with it (for now: resume comes next).
session_actor::behavior_type session(session_actor::stateful_pointer<session_state> self,
                                     std::string peer_id, connection_actor connection,
                                     room_directory_actor directory, server_settings settings);

} // namespace signaling::actors
