// The SESSION actor: room memberships of one peer and the replies to its
// requests. A new membership is awaited, so a client's later requests see it;
// relays flow one way to the room, which answers the client.
#include "actors/session_actor.hpp"

#include "actors/clock.hpp"
#include "actors/log.hpp"

#include <caf/sec.hpp>

namespace signaling::actors {

using schema::error_code;

namespace {

bool is_receiver_down(const caf::error& error) {
  return error == caf::sec::request_receiver_down;
}

constexpr int join_attempts = 3;

} // namespace

template <class Message>
void session_state::reply(const Message& message, const correlation_id& correlation) {
  self->send(connection, deliver_atom_v,
             text_frame::make(encode(message, envelope_now(correlation))));
}

void session_state::reply_error(const caf::error& error, std::string_view request_type,
                                const correlation_id& correlation) {
  reply(to_error_reply(error, std::string{request_type}), correlation);
}

void session_state::join(schema::join_request request, const correlation_id& correlation) {
  if (auto i = rooms.find(request.room_id); i != rooms.end()) {
    enter_room(std::move(request), correlation, i->second, join_attempts);
    return;
  }
  if (rooms.size() >= settings.max_rooms_per_peer) {
    reply_error(make_protocol_error(error_code::too_many_rooms,
                                    "a peer may be in at most "
                                      + std::to_string(settings.max_rooms_per_peer) + " rooms"),
                "room:join", correlation);
    return;
  }
  open_room(std::move(request), correlation, room_actor{}, join_attempts);
}

void session_state::open_room(schema::join_request request, const correlation_id& correlation,
                              const room_actor& stale, int attempts) {
  auto max_peers = request.max_peers != 0 ? request.max_peers : settings.default_max_peers;
  auto room_id = request.room_id;
  auto create = request.create;
  auto metadata_json = request.metadata_json;
  self
    ->request(directory, caf::infinite, open_atom_v, std::move(room_id), create,
              std::move(metadata_json), max_peers, stale)
    .await(
      [this, request = std::move(request), correlation, attempts](room_actor& room) mutable {
        enter_room(std::move(request), correlation, std::move(room), attempts);
      },
      [this, correlation](const caf::error& error) {
        reply_error(error, "room:join", correlation);
      });
}

void session_state::enter_room(schema::join_request request, const correlation_id& correlation,
                               room_actor room, int attempts) {
  schema::peer_description peer{peer_id, {}, request.display_name, now_ms()};
  bool member = rooms.count(request.room_id) > 0;
  auto handle = self->request(room, caf::infinite, join_atom_v, std::move(peer), self);
  auto on_joined = [this, room, correlation](schema::room_description& description) {
    rooms.emplace(description.room_id, room);
    reply(schema::room_joined_reply{peer_id, std::move(description)}, correlation);
  };
  auto on_error = [this, request, correlation, room, attempts](const caf::error& error) mutable {
    rooms.erase(request.room_id);
    // The room exited after the directory named it: ask for a new one.
    if (is_receiver_down(error) && attempts > 1)
      open_room(std::move(request), correlation, room, attempts - 1);
    else
      reply_error(error, "room:join", correlation);
  };
  // A newcomer waits for the answer (`await` holds back the client's next
  // requests, so a relay right behind a join finds the membership). A member
  // asking again takes the answer in mailbox order, behind the room's events.
  if (member)
    handle.then(std::move(on_joined), std::move(on_error));
  else
    handle.await(std::move(on_joined), std::move(on_error));
}

void session_state::leave(const schema::leave_request& request, const correlation_id& correlation) {
  auto i = rooms.find(request.room_id);
  if (i == rooms.end()) {
    reply_error(make_protocol_error(error_code::not_in_room,
                                    "not a member of room '" + request.room_id + "'"),
                "room:leave", correlation);
    return;
  }
  auto room = i->second;
  rooms.erase(i);
  // The answer comes through the mailbox in order (`then`, not `await`,
  // which would put it ahead of queued messages), so room:left follows every
  // event the room sent before the leave. A room that already exited has
  // let us go too.
  auto done = [this, room_id = request.room_id, correlation] {
    reply(schema::room_left_reply{room_id}, correlation);
  };
  self->request(room, caf::infinite, leave_atom_v, peer_id)
    .then([done](caf::ok_atom) { done(); },
          [this, done, correlation](const caf::error& error) {
            if (is_receiver_down(error))
              done();
            else
              reply_error(error, "room:leave", correlation);
          });
}

void session_state::describe(const schema::state_request& request,
                             const correlation_id& correlation) {
  auto on_error = [this, correlation](const caf::error& error) {
    reply_error(error, "room:state", correlation);
  };
  if (auto i = rooms.find(request.room_id); i != rooms.end()) {
    self->request(i->second, caf::infinite, state_atom_v, peer_id)
      .then(
        [this, correlation](schema::room_description& description) {
          reply(schema::room_state_reply{std::move(description)}, correlation);
        },
        on_error);
    return;
  }
  // Not a member: the answer depends on whether the room exists at all.
  self->request(directory, caf::infinite, find_atom_v, request.room_id)
    .then(
      [this, room_id = request.room_id, correlation](const room_actor&) {
        reply_error(
          make_protocol_error(error_code::not_in_room, "not a member of room '" + room_id + "'"),
          "room:state", correlation);
      },
      on_error);
}

void session_state::relay(schema::relay_request& request, const correlation_id& correlation) {
  auto i = rooms.find(request.room_id);
  if (i == rooms.end()) {
    reply_error(make_protocol_error(error_code::not_in_room,
                                    "not a member of room '" + request.room_id + "'"),
                type_name(request.kind), correlation);
    return;
  }
  // The room answers the client (ack or error) through deliver_atom.
  self->send(i->second, relay_atom_v, std::move(request), peer_id, std::string{}, correlation);
}

session_actor::behavior_type session(session_actor::stateful_pointer<session_state> self,
                                     std::string peer_id, connection_actor connection,
                                     room_directory_actor directory, server_settings settings) {
  auto& state = self->state;
  state.self = self;
  state.peer_id = std::move(peer_id);
  state.connection = connection;
  state.directory = std::move(directory);
  state.settings = settings;
  // The session ends with its connection; rooms monitor the session and tell
  // the other members (peer:left).
  self->monitor(connection);
  self->set_down_handler([self](const caf::down_msg& down) {
    if (down.source == self->state.connection.address())
      self->quit();
  });
  return {
    [self](request_atom, schema::join_request& request, const correlation_id& correlation) {
      self->state.join(std::move(request), correlation);
    },
    [self](request_atom, const schema::leave_request& request, const correlation_id& correlation) {
      self->state.leave(request, correlation);
    },
    [self](request_atom, const schema::state_request& request, const correlation_id& correlation) {
      self->state.describe(request, correlation);
    },
    [self](request_atom, schema::relay_request& request, const correlation_id& correlation) {
      self->state.relay(request, correlation);
    },
    [self](deliver_atom, const text_frame& frame) {
      self->send(self->state.connection, deliver_atom_v, frame);
    },
  };
}

} // namespace signaling::actors
