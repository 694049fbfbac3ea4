// The SESSION actor: room memberships of one peer and the replies to its
// requests, in request order; relays flow one way to the room, which
// answers the client.
#include "actors/session_actor.hpp"

#include "actors/clock.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"

#include <caf/sec.hpp>

namespace signaling::actors {

using schema::error_code;

namespace {

bool is_receiver_down(const caf::error& error) {
  return error == caf::sec::request_receiver_down;
}

constexpr int join_attempts = 3;

caf::error not_in_room(const std::string& room_id) {
  return make_protocol_error(error_code::not_in_room, "not a member of room '" + room_id + "'");
}

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

// -- request order -------------------------------------------------------------

void session_state::accept(client_request request) {
  if (ending)
    return;
  if (backlog.size() >= schema::max_queued_requests) {
    // Only a client far past its rate can get here, while a room or the
    // directory is slow to answer: refusing would break the reply order.
    log(log_level::info, "requests-overflowed", {{"peerId", peer_id}});
    self->send(connection, close_atom_v, schema::close_code::overloaded);
    return;
  }
  if (busy || !backlog.empty() || waits_for_relays(request)) {
    backlog.emplace_back(std::move(request));
    resume();
    return;
  }
  // The common case, a relay with nothing outstanding, skips the queue.
  handle(request);
}

void session_state::resume() {
  while (!busy && !backlog.empty()) {
    if (waits_for_relays(backlog.front())) {
      busy = true;
      auto room = std::exchange(unanswered_relays, room_actor{});
      unanswered_room_id.clear();
      // Any answer, an error from a room that exited included, comes after
      // every ack and error that room sent before.
      self->request(room, caf::infinite, sync_atom_v)
        .then([this](caf::ok_atom) { finish_request(); },
              [this](const caf::error&) { finish_request(); });
      return;
    }
    auto request = std::move(backlog.front());
    backlog.pop_front();
    handle(request);
  }
}

void session_state::finish_request() {
  busy = false;
  if (ending) {
    self->quit();
    return;
  }
  resume();
}

void session_state::end() {
  // A request in flight finishes first: a join the directory answered has
  // made the room, which must then see its member (and its end) to exit.
  backlog.clear();
  ending = true;
  if (!busy)
    self->quit();
}

bool session_state::waits_for_relays(const client_request& request) const {
  if (!unanswered_relays)
    return false;
  // A request about the same room is answered by that room (or, once it
  // was left, only after that room's answer to the leave), behind its acks.
  return std::visit(
    [this](const auto& body) {
      if constexpr (std::is_same_v<std::decay_t<decltype(body)>, text_frame>)
        return true;
      else
        return body.room_id != unanswered_room_id;
    },
    request.body);
}

void session_state::handle(client_request& request) {
  const auto& correlation = request.correlation;
  std::visit(
    [&](auto& body) {
      using body_type = std::decay_t<decltype(body)>;
      if constexpr (std::is_same_v<body_type, schema::join_request>)
        join(std::move(body), correlation);
      else if constexpr (std::is_same_v<body_type, schema::leave_request>)
        leave(body, correlation);
      else if constexpr (std::is_same_v<body_type, schema::state_request>)
        describe(body, correlation);
      else if constexpr (std::is_same_v<body_type, schema::relay_request>)
        relay(body, correlation);
      else
        self->send(connection, deliver_atom_v, std::move(body));
    },
    request.body);
}

// -- operations ----------------------------------------------------------------

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
  busy = true;
  auto max_peers = request.max_peers != 0 ? request.max_peers : settings.default_max_peers;
  auto room_id = request.room_id;
  auto create = request.create;
  auto metadata_json = request.metadata_json;
  self
    ->request(directory, caf::infinite, open_atom_v, std::move(room_id), create,
              std::move(metadata_json), max_peers, stale)
    .then(
      [this, request = std::move(request), correlation, attempts](room_actor& room) mutable {
        enter_room(std::move(request), correlation, std::move(room), attempts);
      },
      [this, correlation](const caf::error& error) {
        reply_error(error, "room:join", correlation);
        finish_request();
      });
}

void session_state::enter_room(schema::join_request request, const correlation_id& correlation,
                               room_actor room, int attempts) {
  busy = true;
  schema::peer_description peer{peer_id, {}, request.display_name, now_ms()};
  // The answer comes in mailbox order, behind the room's earlier events; the
  // client's later requests wait in the backlog until it is there.
  self->request(room, caf::infinite, join_atom_v, std::move(peer), self)
    .then(
      [this, room, correlation](schema::room_description& description) {
        rooms.emplace(description.room_id, room);
        reply(schema::room_joined_reply{peer_id, std::move(description)}, correlation);
        finish_request();
      },
      [this, request, correlation, room, attempts](const caf::error& error) mutable {
        rooms.erase(request.room_id);
        // The room exited after the directory named it: ask for a new one.
        if (is_receiver_down(error) && attempts > 1) {
          open_room(std::move(request), correlation, room, attempts - 1);
          return;
        }
        reply_error(error, "room:join", correlation);
        finish_request();
      });
}

void session_state::leave(const schema::leave_request& request, const correlation_id& correlation) {
  auto i = rooms.find(request.room_id);
  if (i == rooms.end()) {
    reply_error(not_in_room(request.room_id), "room:leave", correlation);
    return;
  }
  auto room = i->second;
  rooms.erase(i);
  busy = true;
  // The answer comes through the mailbox in order (`then`, not `await`,
  // which would put it ahead of queued messages), so room:left follows every
  // event the room sent before the leave. A room that already exited has
  // let us go too.
  auto done = [this, room_id = request.room_id, correlation] {
    reply(schema::room_left_reply{room_id}, correlation);
    finish_request();
  };
  self->request(room, caf::infinite, leave_atom_v, peer_id)
    .then([done](caf::ok_atom) { done(); },
          [this, done, correlation](const caf::error& error) {
            if (is_receiver_down(error)) {
              done();
              return;
            }
            reply_error(error, "room:leave", correlation);
            finish_request();
          });
}

void session_state::describe(const schema::state_request& request,
                             const correlation_id& correlation) {
  busy = true;
  auto on_error = [this, correlation](const caf::error& error) {
    reply_error(error, "room:state", correlation);
    finish_request();
  };
  if (auto i = rooms.find(request.room_id); i != rooms.end()) {
    self->request(i->second, caf::infinite, state_atom_v, peer_id)
      .then(
        [this, correlation](schema::room_description& description) {
          reply(schema::room_state_reply{std::move(description)}, correlation);
          finish_request();
        },
        on_error);
    return;
  }
  // Not a member: the answer depends on whether the room exists at all.
  self->request(directory, caf::infinite, find_atom_v, request.room_id)
    .then(
      [this, room_id = request.room_id, correlation](const room_actor&) {
        reply_error(not_in_room(room_id), "room:state", correlation);
        finish_request();
      },
      on_error);
}

void session_state::relay(schema::relay_request& request, const correlation_id& correlation) {
  auto i = rooms.find(request.room_id);
  if (i == rooms.end()) {
    reply_error(not_in_room(request.room_id), type_name(request.kind), correlation);
    return;
  }
  // The room answers the client (ack or error) through deliver_atom.
  if (unanswered_relays != i->second) {
    unanswered_relays = i->second;
    unanswered_room_id = request.room_id;
  }
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
      self->state.end();
  });
  auto& metrics = server_metrics::instance();
  metrics.sessions_open.fetch_add(1, std::memory_order_relaxed);
  self->attach_functor(
    [] { server_metrics::instance().sessions_open.fetch_sub(1, std::memory_order_relaxed); });
  return {
    [self](request_atom, schema::join_request& request, correlation_id& correlation) {
      self->state.accept({std::move(request), std::move(correlation)});
    },
    [self](request_atom, schema::leave_request& request, correlation_id& correlation) {
      self->state.accept({std::move(request), std::move(correlation)});
    },
    [self](request_atom, schema::state_request& request, correlation_id& correlation) {
      self->state.accept({std::move(request), std::move(correlation)});
    },
    [self](request_atom, schema::relay_request& request, correlation_id& correlation) {
      self->state.accept({std::move(request), std::move(correlation)});
    },
    [self](reply_atom, text_frame& frame) {
      self->state.accept({std::move(frame), {}});
    },
    [self](deliver_atom, const text_frame& frame) {
      self->send(self->state.connection, deliver_atom_v, frame);
    },
  };
}

} // namespace signaling::actors
