// The CONNECTION actor: the socket's side of a peer. Everything a client
// sends is checked here before any other actor sees it.
#include "actors/connection_actor.hpp"

#include "actors/clock.hpp"
#include "actors/error_frames.hpp"
#include "actors/log.hpp"
#include "actors/status.hpp"

#include <algorithm>
#include <charconv>

namespace signaling::actors {

using schema::close_code;
using schema::error_code;

// -- rate_limiter --------------------------------------------------------------

rate_limiter::rate_limiter(double rate_per_second, double burst, time_point now)
  : rate_(rate_per_second), burst_(burst), tokens_(burst), last_refill_(now), window_start_(now) {
  // nop
}

bool rate_limiter::admit(time_point now) {
  std::chrono::duration<double> elapsed = now - last_refill_;
  tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
  last_refill_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  if (now - window_start_ > std::chrono::milliseconds{schema::flood_window_ms}) {
    window_start_ = now;
    drops_in_window_ = 0;
  }
  ++drops_in_window_;
  return false;
}

// -- connection_state ----------------------------------------------------------

namespace {

/// Visits a parsed client message: everything but ping goes to the session.
struct dispatcher {
  connection_state& state;
  correlation_id& correlation;

  template <class Request>
  void operator()(Request& request) {
    state.forward(request, correlation);
  }

  void operator()(schema::ping_request&) {
    state.send(text_frame::make(encode(schema::pong_reply{}, envelope_now(correlation))));
  }

  void operator()(schema::session_resume_request& request) {
    state.forward_resume(request, correlation);
  }
};

} // namespace

void connection_state::start(std::string upgrade_token) {
  self
    ->request(server, std::chrono::milliseconds{settings->request_timeout_ms}, start_atom_v,
              connection_actor{self}, std::move(upgrade_token))
    .await([this](session_handoff& handoff) { adopt(handoff); },
           [this](const caf::error&) { close(close_code::internal, "no-session"); });
}

void connection_state::adopt(session_handoff& handoff) {
  if (session)
    self->demonitor(session.address());
  session = std::move(handoff.session);
  peer_id = std::move(handoff.peer_id);
  ++handoffs;
  delivered = 0;
  // A session that fails leaves its connection useless: close it as a fault.
  self->monitor(session);
  if (handoff.connected.text)
    send(std::move(handoff.connected));
}

void connection_state::forward_resume(schema::session_resume_request& request,
                                      const correlation_id& correlation) {
  self
    ->request(session, std::chrono::milliseconds{settings->request_timeout_ms}, request_atom_v,
              std::move(request), correlation)
    .await([this](session_handoff& handoff) { adopt(handoff); },
           [this](const caf::error&) { close(close_code::internal, "resume-failed"); });
}

void connection_state::on_text(const std::string& text, std::int64_t read_at_ns) {
  alive_since_heartbeat = true;
  ++frames_received;
  if (text.size() > settings->max_message_bytes) {
    refuse_oversized();
    return;
  }
  // Parse before the rate check so that a dropped request's error still
  // carries its correlationId and type.
  auto parsed = schema::parse_client_message(text, {settings->max_peers_ceiling});
  if (auto error = std::get_if<schema::parse_error>(&parsed)) {
    if (!admit(error->request_type, error->correlation_id.value_or(std::string{})))
      return;
    reply(actors::error_frame(*metrics, *error));
    return;
  }
  auto& message = std::get<schema::client_message>(parsed);
  metrics->count_received(type_of(message.body));
  if (auto relay = std::get_if<schema::relay_request>(&message.body))
    relay->read_at_ns = read_at_ns;
  correlation_id correlation = message.correlation_id.value_or(std::string{});
  if (admit(type_name(message.body), correlation))
    std::visit(dispatcher{*this, correlation}, message.body);
}

void connection_state::refuse_oversized() {
  // The socket closes right behind it: no later reply could overtake it.
  send(error_frame(
    error_code::message_too_large,
    "frame over the limit of " + std::to_string(settings->max_message_bytes) + " bytes", {}, {}));
  close(close_code::too_large, "message-too-large");
}

void connection_state::on_binary() {
  alive_since_heartbeat = true;
  if (admit({}, {}))
    reply_error(error_code::invalid_message,
                "binary frames are not part of the protocol; send JSON in text frames", {}, {});
}

bool connection_state::admit(std::string_view request_type, std::string_view correlation) {
  if (limiter.admit(self->clock().now()))
    return true;
  count(metrics->messages_rate_limited_total);
  if (limiter.flooding()) {
    close(close_code::policy, "flooding");
    return false;
  }
  reply_error(error_code::rate_limited,
              "over " + std::to_string(static_cast<int>(settings->rate_per_second))
                + " messages/s; the message was dropped",
              request_type, correlation);
  return false;
}

void connection_state::send(text_frame frame) {
  if (frame.type)
    metrics->count_sent(*frame.type);
  socket->send(std::move(frame.text), frame.read_at_ns);
}

void connection_state::deliver(text_frame frame) {
  ++delivered;
  send(std::move(frame));
}

void connection_state::ping() {
  socket->ping(std::to_string(handoffs) + ':' + std::to_string(delivered));
}

void connection_state::on_pong(std::string_view payload) {
  alive_since_heartbeat = true;
  ping_outstanding = false;
  // "<handoffs>:<delivered>", as ping() wrote it; anything else is a
  // client's own ping or pong and confirms nothing.
  auto colon = payload.find(':');
  if (colon == std::string_view::npos || payload.substr(0, colon) != std::to_string(handoffs))
    return;
  std::uint64_t confirmed = 0;
  auto digits = payload.substr(colon + 1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), confirmed);
  if (error == std::errc{} && end == digits.data() + digits.size() && confirmed <= delivered)
    self->send(session, confirmed_atom_v, confirmed);
}

void connection_state::reply(text_frame frame) {
  self->send(session, reply_atom_v, std::move(frame));
}

text_frame connection_state::error_frame(error_code code, std::string message,
                                         std::string_view request_type,
                                         std::string_view correlation) {
  return actors::error_frame(
    *metrics, schema::error_reply{code, std::move(message), std::string{request_type}, {}},
    correlation);
}

void connection_state::reply_error(error_code code, std::string message,
                                   std::string_view request_type, std::string_view correlation) {
  reply(error_frame(code, std::move(message), request_type, correlation));
}

void connection_state::close(close_code code, std::string_view reason) {
  log(log_level::info, "connection-closed",
      {{"peerId", peer_id}, {"reason", reason}, {"code", std::to_string(static_cast<int>(code))}});
  socket->close(code);
  // A close the server chose gets no resume grace (PROTOCOL.md item 4).
  end(close_cause::policy_close);
}

void connection_state::end(close_cause cause) {
  log(log_level::debug, "connection-ended",
      {{"peerId", peer_id}, {"cause", std::string{to_string(cause)}}});
  if (session)
    self->send(session, detach_atom_v, connection_actor{self}, cause);
  self->quit();
}

void connection_state::heartbeat() {
  if (!alive_since_heartbeat && ping_outstanding) {
    log(log_level::info, "connection-lost", {{"peerId", peer_id}, {"reason", "heartbeat"}});
    socket->abort();
    end(close_cause::lost);
    return;
  }
  alive_since_heartbeat = false;
  ping_outstanding = true;
  ping();
  self->delayed_send(self, std::chrono::milliseconds{settings->heartbeat_ms}, heartbeat_atom_v);
}

void connection_state::shut_down() {
  send(text_frame::make(
    encode(schema::server_shutdown_event{schema::default_reconnect_after_ms}, envelope_now())));
  close(close_code::going_away, "server-shutdown");
}

caf::settings connection_state::status() const {
  auto result = status_header(self);
  caf::put(result, "peerId", peer_id);
  caf::put(result, "remoteAddress", socket->remote_address());
  caf::put(result, "connectedAt", connected_at);
  caf::put(result, "framesReceived", static_cast<std::int64_t>(frames_received));
  caf::put(result, "handoffs", static_cast<std::int64_t>(handoffs));
  caf::put(result, "framesDeliveredSinceHandoff", static_cast<std::int64_t>(delivered));
  caf::put(result, "pingOutstanding", ping_outstanding);
  return result;
}

connection_actor::behavior_type
connection(connection_actor::stateful_pointer<connection_state> self, transport_ptr socket,
           server_actor server, settings_ptr settings, metrics_ptr metrics,
           std::string upgrade_token) {
  self->set_exception_handler(log_failure);
  auto& state = self->state;
  state.socket = std::move(socket);
  state.server = std::move(server);
  state.connected_at = now_ms();
  state.settings = std::move(settings);
  state.metrics = std::move(metrics);
  state.limiter =
    rate_limiter{state.settings->rate_per_second, state.settings->rate_burst, self->clock().now()};
  self->set_down_handler([self](const caf::down_msg& down) {
    if (down.source == self->state.session.address())
      self->state.close(close_code::internal, "session-failed");
  });
  add(state.metrics->connections_open, 1);
  count(state.metrics->connections_accepted_total);
  // An actor that ends without end() (an exception escaped a handler, or the
  // server went down) would leave the socket open with nobody reading it.
  self->attach_functor([socket = state.socket, metrics = state.metrics](const caf::error& reason) {
    add(metrics->connections_open, -1);
    if (reason)
      socket->close(reason == caf::exit_reason::user_shutdown ? close_code::going_away
                                                              : close_code::internal);
  });
  state.start(std::move(upgrade_token));
  self->delayed_send(self, std::chrono::milliseconds{state.settings->heartbeat_ms},
                     heartbeat_atom_v);
  return {
    [self](frame_atom, const std::string& text, std::int64_t read_at_ns) {
      self->state.on_text(text, read_at_ns);
    },
    [self](binary_atom) { self->state.on_binary(); },
    [self](oversized_atom) { self->state.refuse_oversized(); },
    [self](pong_atom, const std::string& payload) { self->state.on_pong(payload); },
    [self](closed_atom, close_cause cause) { self->state.end(cause); },
    [self](deliver_atom, text_frame& frame) { self->state.deliver(std::move(frame)); },
    [self](heartbeat_atom) { self->state.heartbeat(); },
    [self](shutdown_atom) { self->state.shut_down(); },
    [self](close_atom, close_code code) { self->state.close(code, "closed-by-session"); },
    [self](confirm_atom) { self->state.ping(); },
    [self](status_atom) { return self->state.status(); },
  };
}

} // namespace signaling::actors
