// The SESSION actor: room memberships of one peer and the replies to its
// requests, in request order; relays flow one way to the room, which
// answers the client. While detached it buffers, for a resume to replay.
#include "actors/session_actor.hpp"

#include "actors/clock.hpp"
#include "actors/error_frames.hpp"
#include "actors/log.hpp"
#include "actors/status.hpp"

#include <caf/sec.hpp>

#include <algorithm>
#include <memory>

namespace signaling::actors {

using schema::error_code;

namespace {

bool is_receiver_down(const caf::error& error) {
  return error == caf::sec::request_receiver_down;
}

constexpr int join_attempts = 3;

/// The wire name of a request, for its error (not on the common path).
template <class Body>
std::string_view request_type_of(const Body& body) {
  if constexpr (std::is_same_v<Body, schema::relay_request>)
    return schema::type_name(body.kind);
  else
    return schema::type_name(schema::client_body{body});
}

} // namespace

template <class Message>
void session_state::reply(const Message& message, const correlation_id& correlation) {
  to_client(text_frame::make(encode(message, envelope_now(correlation))));
}

void session_state::reply_error(const caf::error& error, std::string_view request_type,
                                const correlation_id& correlation) {
  to_client(error_frame(*metrics, error, request_type, correlation));
}

// -- metrics -------------------------------------------------------------------

session_state::~session_state() {
  if (counted_as)
    add(metrics->sessions_in(*counted_as), -1);
}

void session_state::count_as(session_state_kind state) {
  if (counted_as == state)
    return;
  if (counted_as)
    add(metrics->sessions_in(*counted_as), -1);
  add(metrics->sessions_in(state), 1);
  counted_as = state;
}

// -- inspection ----------------------------------------------------------------

caf::settings session_state::status() const {
  auto result = status_header(self);
  caf::put(result, "peerId", peer_id);
  caf::put(result, "userId", who.user_id);
  caf::put(result, "displayName", who.display_name);
  caf::put(result, "state", std::string{attached() ? "attached" : ending ? "ending" : "detached"});
  caf::config_value::list room_ids;
  for (const auto& [room_id, room] : rooms)
    room_ids.emplace_back(room_id);
  caf::put(result, "rooms", std::move(room_ids));
  caf::put(result, "requests", static_cast<std::int64_t>(requests));
  caf::put(result, "framesToClient", static_cast<std::int64_t>(frames_to_client));
  caf::put(result, "lastActivityAt", last_activity_at);
  caf::put(result, "queuedRequests", static_cast<std::int64_t>(backlog.size()));
  caf::put(result, "bufferedFrames", static_cast<std::int64_t>(buffer.size()));
  caf::put(result, "unconfirmedFrames", static_cast<std::int64_t>(unconfirmed.size()));
  return result;
}

caf::result<caf::settings> session_state::status_with_connection() {
  if (!connection)
    return status();
  auto promise = self->make_response_promise<caf::settings>();
  auto answer = [this, promise](caf::settings connection_status) mutable {
    auto result = status();
    caf::put(result, "connection", std::move(connection_status));
    promise.deliver(std::move(result));
  };
  self->request(connection, nested_status_timeout, status_atom_v)
    .then(
      [answer](caf::settings& connection_status) mutable { answer(std::move(connection_status)); },
      [answer](caf::error& reason) mutable { answer(unresponsive_status("connection", reason)); });
  return promise;
}

// -- connection ----------------------------------------------------------------

session_handoff session_state::start(connection_actor first, const std::string& upgrade_token) {
  connection = std::move(first);
  self->monitor(connection);
  schema::connected_event event{
    peer_id, resume_token, settings->heartbeat_ms, auth_required(), false, {}, {}};
  if (auth_required()) {
    self->delayed_send(self, std::chrono::milliseconds{settings->auth_timeout_ms}, deadline_atom_v,
                       auth_deadline::authenticate, auth_epoch);
    // A bad upgrade token still gets connected, then its error (the first
    // failure), which the connection writes after connected.
    if (!upgrade_token.empty() && accept_token(upgrade_token, {}, {})) {
      event.authenticated = true;
      event.user_id = who.user_id;
      event.display_name = who.display_name;
    }
  }
  return session_handoff{self, peer_id, text_frame::make(encode(event, envelope_now()))};
}

void session_state::to_client(text_frame frame) {
  ++frames_to_client;
  if (attached()) {
    send_attached(std::move(frame));
    return;
  }
  if (ending)
    return;
  buffered_bytes += frame.text->size();
  buffer.push_back(std::move(frame));
  if (buffer.size() > settings->resume_buffer_messages
      || buffered_bytes > settings->resume_buffer_bytes)
    expire("buffer-overflow");
}

void session_state::send_attached(text_frame frame) {
  self->send(connection, deliver_atom_v, frame);
  unconfirmed_bytes += frame.text->size();
  unconfirmed.push_back(std::move(frame));
  // Kept within the resume buffer's bounds; past half of them the client is
  // asked to confirm, and what is pushed out unconfirmed could be missed by
  // a client that resumes after losing it.
  const auto limit_messages = settings->resume_buffer_messages;
  const auto limit_bytes = settings->resume_buffer_bytes;
  if (!confirmation_asked
      && (unconfirmed.size() > limit_messages / 2 || unconfirmed_bytes > limit_bytes / 2)) {
    confirmation_asked = true;
    self->send(connection, confirm_atom_v);
  }
  while (unconfirmed.size() > limit_messages || unconfirmed_bytes > limit_bytes)
    forget_oldest_unconfirmed();
}

void session_state::on_confirmed(std::uint64_t count) {
  confirmation_asked = false;
  while (confirmed < count && !unconfirmed.empty())
    forget_oldest_unconfirmed();
}

void session_state::forget_oldest_unconfirmed() {
  unconfirmed_bytes -= unconfirmed.pop_front().text->size();
  ++confirmed;
}

void session_state::replay_unconfirmed(const schema::session_resume_request& request) {
  if (request.counted) {
    // The client counts neither connected nor session:resumed; the session
    // counted the session:resumed that began the last attachment.
    auto has = request.received + (attached_by_resume ? 1 : 0);
    fifo<text_frame> lacking;
    for (auto index = std::max(has, confirmed) - confirmed; index < unconfirmed.size(); ++index) {
      buffered_bytes += unconfirmed[index].text->size();
      lacking.push_back(std::move(unconfirmed[index]));
    }
    for (auto& frame : buffer)
      lacking.push_back(std::move(frame));
    buffer = std::move(lacking);
  }
  unconfirmed.clear();
  unconfirmed_bytes = 0;
  confirmed = 0;
  confirmation_asked = false;
  attached_by_resume = true;
}

void session_state::detach(const connection_actor& from, close_cause cause) {
  // A connection taken over by a resume reports its end too late to matter.
  if (from != connection)
    return;
  log(log_level::debug, "session-detached",
      {{"peerId", peer_id}, {"cause", std::string{to_string(cause)}}});
  self->demonitor(connection.address());
  if (cause == close_cause::lost && settings->resume_grace_ms > 0) {
    lose_connection();
    return;
  }
  connection = nullptr;
  end();
}

void session_state::lose_connection() {
  abandon_attach();
  connection = nullptr;
  count_as(session_state_kind::detached);
  auto current = ++epoch;
  self->delayed_send(self, std::chrono::milliseconds{settings->resume_grace_ms}, grace_atom_v,
                     current);
  for (const auto& [room_id, room] : rooms)
    self->send(room, presence_atom_v, peer_id, schema::peer_presence::reconnecting);
}

void session_state::on_grace(std::uint64_t grace_epoch) {
  if (grace_epoch == epoch && !connection)
    expire("grace-expired");
}

void session_state::expire(std::string_view reason) {
  if (ending)
    return;
  log(log_level::info, "session-expired", {{"peerId", peer_id}, {"reason", reason}});
  // Rooms hear it first, so peers see reason timeout rather than the
  // session's exit (which would read as left).
  for (const auto& [room_id, room] : rooms)
    self->send(room, expired_atom_v, peer_id);
  rooms.clear();
  buffer.clear();
  buffered_bytes = 0;
  // Over the buffer while resuming: the new connection stays with the
  // fresh session it came with.
  abandon_attach();
  end();
}

caf::typed_response_promise<session_handoff>
session_state::attach(connection_actor next, std::string new_token,
                      const schema::session_resume_request& request,
                      const correlation_id& correlation) {
  auto promise = self->make_response_promise<session_handoff>();
  if (ending) {
    promise.deliver(session_not_found_error());
    return promise;
  }
  bool was_detached = !connection;
  if (connection) {
    // The old socket still looks open but is half-dead: it goes, with 1000.
    log(log_level::info, "session-taken-over", {{"peerId", peer_id}});
    self->demonitor(connection.address());
    self->send(connection, close_atom_v, schema::close_code::normal);
  }
  connection = std::move(next);
  self->monitor(connection);
  count_as(session_state_kind::attached);
  resume_token = std::move(new_token);
  resuming = true;
  replay_unconfirmed(request);
  attaching = promise;
  auto attach_epoch = ++epoch;
  // The answer lists each room as it is now; what happened before and
  // meanwhile follows from the buffer, in order.
  auto reply = std::make_shared<schema::session_resumed_reply>();
  reply->peer_id = peer_id;
  reply->resume_token = resume_token;
  auto outstanding = std::make_shared<std::size_t>(rooms.size());
  auto answered = [this, reply, outstanding, attach_epoch, correlation] {
    if (--*outstanding == 0 && attach_epoch == epoch && attaching)
      finish_attach(*reply, correlation);
  };
  if (rooms.empty()) {
    finish_attach(*reply, correlation);
    return promise;
  }
  auto timeout = std::chrono::milliseconds{settings->request_timeout_ms};
  for (const auto& [room_id, room] : rooms) {
    if (was_detached)
      self->send(room, presence_atom_v, peer_id, schema::peer_presence::resumed);
    self->request(room, timeout, state_atom_v, peer_id)
      .then(
        [this, reply, answered](schema::room_description& description) {
          auto& peers = description.peers;
          peers.erase(std::remove_if(peers.begin(), peers.end(),
                                     [this](const auto& peer) { return peer.peer_id == peer_id; }),
                      peers.end());
          reply->rooms.emplace_back(std::move(description));
          answered();
        },
        [this, room_id = room_id, answered](const caf::error&) {
          // A room that cannot answer is not one the client is in anymore.
          rooms.erase(room_id);
          answered();
        });
  }
  return promise;
}

void session_state::finish_attach(const schema::session_resumed_reply& reply,
                                  const correlation_id& correlation) {
  resuming = false;
  send_attached(text_frame::make(encode(reply, envelope_now(correlation))));
  buffered_bytes = 0;
  for (auto& frame : std::exchange(buffer, {}))
    send_attached(std::move(frame));
  log(log_level::info, "session-resumed", {{"peerId", peer_id}});
  std::exchange(attaching, std::nullopt)->deliver(session_handoff{self, peer_id, {}});
}

void session_state::abandon_attach() {
  if (!attaching)
    return;
  std::exchange(attaching, std::nullopt)->deliver(session_not_found_error());
  resuming = false;
  self->demonitor(connection.address());
  connection = nullptr;
}

// -- request order -------------------------------------------------------------

void session_state::accept(client_request request) {
  if (ending)
    return;
  ++requests;
  last_activity_at = now_ms();
  if (backlog.size() >= schema::max_queued_requests) {
    // Only a client far past its rate can get here, while a room or the
    // directory is slow to answer: refusing would break the reply order.
    log(log_level::info, "requests-overflowed", {{"peerId", peer_id}});
    if (connection)
      self->send(connection, close_atom_v, schema::close_code::overloaded);
    return;
  }
  if (busy || !backlog.empty() || waits_for_relays(request)) {
    backlog.push_back(std::move(request));
    run_backlog();
    return;
  }
  // The common case, a relay with nothing outstanding, skips the queue.
  handle(request);
}

void session_state::run_backlog() {
  while (!busy && !backlog.empty()) {
    if (waits_for_relays(backlog.front())) {
      busy = true;
      auto room = std::exchange(unanswered_relays, room_actor{});
      unanswered_room_id.clear();
      // Any answer, an error from a room that exited included, comes after
      // every ack and error that room sent before.
      self->request(room, std::chrono::milliseconds{settings->request_timeout_ms}, sync_atom_v)
        .then([this](caf::ok_atom) { finish_request(); },
              [this](const caf::error&) { finish_request(); });
      return;
    }
    auto request = backlog.pop_front();
    handle(request);
  }
}

void session_state::finish_request() {
  busy = false;
  if (ending) {
    self->quit();
    return;
  }
  run_backlog();
}

void session_state::end() {
  // A request in flight finishes first: a join the directory answered has
  // made the room, which must then see its member (and its end) to exit.
  for (auto& request : backlog)
    if (auto call = std::get_if<resume_call>(&request.body))
      call->promise.deliver(session_not_found_error());
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
      using body_type = std::decay_t<decltype(body)>;
      if constexpr (
        std::is_same_v<
          body_type,
          schema::
            join_request> || std::is_same_v<body_type, schema::leave_request> || std::is_same_v<body_type, schema::state_request> || std::is_same_v<body_type, schema::relay_request>)
        return body.room_id != unanswered_room_id;
      else
        return true;
    },
    request.body);
}

void session_state::handle(client_request& request) {
  const auto& correlation = request.correlation;
  std::visit(
    [&](auto& body) {
      using body_type = std::decay_t<decltype(body)>;
      // With auth required, only auth:request and session:resume come
      // before it (and ping, which the connection answers).
      constexpr bool before_auth =
        std::is_same_v<
          body_type,
          schema::
            auth_request> || std::is_same_v<body_type, resume_call> || std::is_same_v<body_type, text_frame>;
      if constexpr (!before_auth) {
        if (auth_required() && !authenticated()) {
          reply_error(make_protocol_error(error_code::unauthorized,
                                          "authenticate first (auth:request with a token)"),
                      request_type_of(body), correlation);
          return;
        }
      }
      if constexpr (std::is_same_v<body_type, schema::join_request>)
        join(std::move(body), correlation);
      else if constexpr (std::is_same_v<body_type, schema::leave_request>)
        leave(body, correlation);
      else if constexpr (std::is_same_v<body_type, schema::state_request>)
        describe(body, correlation);
      else if constexpr (std::is_same_v<body_type, schema::relay_request>)
        relay(body, correlation);
      else if constexpr (std::is_same_v<body_type, schema::auth_request>)
        authenticate(body.token, "auth:request", correlation);
      else if constexpr (std::is_same_v<body_type, schema::auth_refresh_request>)
        authenticate(body.token, "auth:refresh", correlation);
      else if constexpr (std::is_same_v<body_type, schema::turn_credentials_request>)
        ice_servers(correlation);
      else if constexpr (std::is_same_v<body_type, resume_call>)
        resume(body, correlation);
      else
        to_client(std::move(body));
    },
    request.body);
}

// -- operations ----------------------------------------------------------------

void session_state::join(schema::join_request request, const correlation_id& correlation) {
  joined = true;
  if (authenticated() && !allows_room(who, request.room_id)) {
    reply_error(make_protocol_error(error_code::forbidden,
                                    "the token does not allow room '" + request.room_id + "'"),
                "room:join", correlation);
    return;
  }
  if (auto i = rooms.find(request.room_id); i != rooms.end()) {
    enter_room(std::move(request), correlation, i->second, join_attempts);
    return;
  }
  if (rooms.size() >= settings->max_rooms_per_peer) {
    reply_error(make_protocol_error(error_code::too_many_rooms,
                                    "a peer may be in at most "
                                      + std::to_string(settings->max_rooms_per_peer) + " rooms"),
                "room:join", correlation);
    return;
  }
  open_room(std::move(request), correlation, room_actor{}, join_attempts);
}

void session_state::open_room(schema::join_request request, const correlation_id& correlation,
                              const room_actor& stale, int attempts) {
  busy = true;
  auto max_peers = request.max_peers != 0 ? request.max_peers : settings->default_max_peers;
  auto room_id = request.room_id;
  auto create = request.create;
  auto metadata_json = request.metadata_json;
  self
    ->request(directory, std::chrono::milliseconds{settings->request_timeout_ms}, open_atom_v,
              std::move(room_id), create, std::move(metadata_json), max_peers, stale)
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
  auto display_name = who.user_id.empty() ? request.display_name : who.display_name;
  schema::peer_description peer{peer_id, who.user_id, std::move(display_name), now_ms()};
  // The answer comes in mailbox order, behind the room's earlier events; the
  // client's later requests wait in the backlog until it is there.
  self
    ->request(room, std::chrono::milliseconds{settings->request_timeout_ms}, join_atom_v,
              std::move(peer), self)
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
    reply_error(not_in_room_error(request.room_id), "room:leave", correlation);
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
  self
    ->request(room, std::chrono::milliseconds{settings->request_timeout_ms}, leave_atom_v, peer_id)
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
  auto timeout = std::chrono::milliseconds{settings->request_timeout_ms};
  auto on_error = [this, correlation](const caf::error& error) {
    reply_error(error, "room:state", correlation);
    finish_request();
  };
  if (auto i = rooms.find(request.room_id); i != rooms.end()) {
    self->request(i->second, timeout, state_atom_v, peer_id)
      .then(
        [this, correlation](schema::room_description& description) {
          reply(schema::room_state_reply{std::move(description)}, correlation);
          finish_request();
        },
        on_error);
    return;
  }
  // Not a member: the answer depends on whether the room exists at all.
  self->request(directory, timeout, find_atom_v, request.room_id)
    .then(
      [this, room_id = request.room_id, correlation](const room_actor&) {
        reply_error(not_in_room_error(room_id), "room:state", correlation);
        finish_request();
      },
      on_error);
}

void session_state::relay(schema::relay_request& request, const correlation_id& correlation) {
  auto i = rooms.find(request.room_id);
  if (i == rooms.end()) {
    reply_error(not_in_room_error(request.room_id), type_name(request.kind), correlation);
    return;
  }
  // The room answers the client (ack or error) through deliver_atom.
  if (unanswered_relays != i->second) {
    unanswered_relays = i->second;
    unanswered_room_id = request.room_id;
  }
  self->send(i->second, relay_atom_v, std::move(request), peer_id, who.user_id, correlation);
}

void session_state::authenticate(std::string_view token, std::string_view request_type,
                                 const correlation_id& correlation) {
  if (!auth_required()) {
    reply_error(make_protocol_error(error_code::unavailable,
                                    "authentication is not configured on this server"),
                request_type, correlation);
    return;
  }
  if (accept_token(token, request_type, correlation))
    reply(schema::auth_response_reply{who.user_id, who.display_name}, correlation);
}

bool session_state::accept_token(std::string_view token, std::string_view request_type,
                                 const correlation_id& correlation) {
  auto verified = settings->verifier->verify(token, now_ms());
  auto refuse = [&](std::string reason) {
    log(log_level::info, "auth-refused", {{"peerId", peer_id}, {"reason", reason}});
    reply_error(make_protocol_error(error_code::unauthorized, std::move(reason)), request_type,
                correlation);
    count_auth_failure();
    return false;
  };
  if (auto reason = std::get_if<std::string>(&verified))
    return refuse(*reason);
  auto& token_claims = std::get<verified_token>(verified);
  // An identity, once set, stays: a refresh renews it, never changes it.
  if (authenticated() && token_claims.user_id != who.user_id)
    return refuse("the token is for another user than this session's");
  admit(std::move(token_claims));
  return true;
}

void session_state::admit(verified_token token) {
  log(log_level::debug, "authenticated", {{"peerId", peer_id}, {"userId", token.user_id}});
  who = std::move(token);
  auto current = ++auth_epoch;
  if (who.expires_at_ms == 0)
    return;
  using std::chrono::milliseconds;
  auto left = milliseconds{std::max<std::int64_t>(0, who.expires_at_ms - now_ms())};
  auto warning = milliseconds{schema::auth_expiring_notice_ms};
  self->delayed_send(self, left > warning ? left - warning : milliseconds{0}, deadline_atom_v,
                     auth_deadline::expiring, current);
  self->delayed_send(self, left, deadline_atom_v, auth_deadline::expired, current);
}

void session_state::count_auth_failure() {
  if (++auth_failures >= schema::auth_failure_limit)
    close_with(schema::close_code::policy, "auth-failures");
}

void session_state::on_deadline(auth_deadline deadline, std::uint64_t auth_epoch_of_timer) {
  if (auth_epoch_of_timer != auth_epoch)
    return;
  switch (deadline) {
    case auth_deadline::authenticate:
      close_with(schema::close_code::policy, "auth-timeout");
      return;
    case auth_deadline::expiring:
      to_client(
        text_frame::make(encode(schema::auth_expiring_event{who.expires_at_ms}, envelope_now())));
      return;
    case auth_deadline::expired:
      close_with(schema::close_code::policy, "token-expired");
      return;
  }
}

void session_state::close_with(schema::close_code code, std::string_view reason) {
  log(log_level::info, "session-closed",
      {{"peerId", peer_id}, {"reason", reason}, {"code", std::to_string(static_cast<int>(code))}});
  // The connection closes and reports a policy close, which ends the
  // session; a detached session has no connection to wait for.
  if (connection)
    self->send(connection, close_atom_v, code);
  else
    end();
}

void session_state::ice_servers(const correlation_id& correlation) {
  if (!configured(settings->turn)) {
    reply_error(
      make_protocol_error(error_code::unavailable, "no TURN or STUN servers are configured"),
      "turn:credentials", correlation);
    return;
  }
  auto now = self->clock().now();
  auto interval = std::chrono::milliseconds{schema::turn_request_interval_ms};
  if (last_ice_request && now - *last_ice_request < interval) {
    reply_error(make_protocol_error(error_code::rate_limited,
                                    "at most one turn:credentials per "
                                      + std::to_string(schema::turn_request_interval_ms / 1000)
                                      + " s; use the credentials already given"),
                "turn:credentials", correlation);
    return;
  }
  last_ice_request = now;
  const auto& user = authenticated() ? who.user_id : peer_id;
  reply(ice_servers_for(settings->turn, user, now_ms() / 1000), correlation);
}

void session_state::resume(resume_call& call, const correlation_id& correlation) {
  if (joined) {
    refuse_resume(call,
                  make_protocol_error(error_code::invalid_message,
                                      "session:resume must come before the first room:join"),
                  correlation);
    return;
  }
  if (call.request.resume_token == resume_token) {
    refuse_resume(call,
                  make_protocol_error(error_code::invalid_message,
                                      "this connection already holds the session of that token"),
                  correlation);
    return;
  }
  busy = true;
  auto timeout = std::chrono::milliseconds{settings->request_timeout_ms};
  self->request(registry, timeout, resume_atom_v, call.request.resume_token)
    .then(
      [this, call, correlation, timeout](session_actor& resumed, std::string& new_token) mutable {
        self
          ->request(resumed, timeout, attach_atom_v, connection, std::move(new_token), call.request,
                    correlation)
          .then(
            [this, call](session_handoff& handoff) mutable {
              // The connection is the resumed session's now; this one ends
              // without ever having been in a room.
              call.promise.deliver(std::move(handoff));
              self->demonitor(connection.address());
              connection = nullptr;
              end();
              finish_request();
            },
            [this, call, correlation](const caf::error& error) mutable {
              refuse_resume(call, is_receiver_down(error) ? session_not_found_error() : error,
                            correlation);
              finish_request();
            });
      },
      [this, call, correlation](const caf::error& error) mutable {
        refuse_resume(call, error, correlation);
        finish_request();
      });
}

void session_state::refuse_resume(resume_call& call, const caf::error& error,
                                  const correlation_id& correlation) {
  reply_error(error, "session:resume", correlation);
  call.promise.deliver(session_handoff{self, peer_id, {}});
}

// -- behavior ------------------------------------------------------------------

session_actor::behavior_type session(session_actor::stateful_pointer<session_state> self,
                                     std::string peer_id, std::string resume_token,
                                     session_registry_actor registry,
                                     room_directory_actor directory, settings_ptr settings,
                                     metrics_ptr metrics) {
  self->set_exception_handler(log_failure);
  auto& state = self->state;
  state.metrics = std::move(metrics);
  // Spawned for a connection that it serves next.
  state.count_as(session_state_kind::attached);
  state.peer_id = std::move(peer_id);
  state.resume_token = std::move(resume_token);
  state.registry = std::move(registry);
  state.directory = std::move(directory);
  state.settings = std::move(settings);
  // A connection that vanished without reporting its end was lost.
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& state = self->state;
    if (state.connection && down.source == state.connection.address())
      state.detach(state.connection, close_cause::lost);
  });
  return {
    [self](start_atom, connection_actor& connection, const std::string& upgrade_token) {
      return self->state.start(std::move(connection), upgrade_token);
    },
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
    [self](request_atom, schema::auth_request& request, correlation_id& correlation) {
      self->state.accept({std::move(request), std::move(correlation)});
    },
    [self](request_atom, schema::auth_refresh_request& request, correlation_id& correlation) {
      self->state.accept({std::move(request), std::move(correlation)});
    },
    [self](request_atom, schema::turn_credentials_request& request, correlation_id& correlation) {
      self->state.accept({request, std::move(correlation)});
    },
    [self](request_atom, schema::session_resume_request& request, correlation_id& correlation) {
      auto promise = self->make_response_promise<session_handoff>();
      self->state.accept({resume_call{std::move(request), promise}, std::move(correlation)});
      return promise;
    },
    [self](attach_atom, connection_actor& connection, std::string& new_token,
           const schema::session_resume_request& request, const correlation_id& correlation) {
      return self->state.attach(std::move(connection), std::move(new_token), request, correlation);
    },
    [self](reply_atom, text_frame& frame) {
      self->state.accept({std::move(frame), {}});
    },
    [self](detach_atom, const connection_actor& connection, close_cause cause) {
      self->state.detach(connection, cause);
    },
    [self](deliver_atom, text_frame& frame) { self->state.to_client(std::move(frame)); },
    [self](grace_atom, std::uint64_t epoch) { self->state.on_grace(epoch); },
    [self](confirmed_atom, std::uint64_t count) { self->state.on_confirmed(count); },
    [self](deadline_atom, auth_deadline deadline, std::uint64_t auth_epoch) {
      self->state.on_deadline(deadline, auth_epoch);
    },
    [self](status_atom) { return self->state.status_with_connection(); },
  };
}

} // namespace signaling::actors
