// The CONNECTION actor: one per socket, dies with it. Validates frames with
// schema/, enforces the frame size, rate limit and heartbeat, and writes
// every frame its session sends to the socket.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/metrics.hpp"
#include "actors/settings.hpp"
#include "actors/transport.hpp"

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <string>

namespace signaling::actors {

/// Token bucket over the actor clock (so tests can advance time), plus the
/// count of drops that tells flooding from a burst.
class rate_limiter {
public:
  using time_point = caf::actor_clock::time_point;

  rate_limiter(double rate_per_second, double burst, time_point now);

  /// Takes one token; false if the message must be dropped.
  bool admit(time_point now);

  /// Whether drops within the flood window passed schema::flood_drop_limit.
  [[nodiscard]] bool flooding() const noexcept {
    return drops_in_window_ > schema::flood_drop_limit;
  }

private:
  double rate_;
  double burst_;
  double tokens_;
  time_point last_refill_;
  time_point window_start_;
  std::uint32_t drops_in_window_ = 0;
};

struct connection_state {
  // -- constants ---------------------------------------------------------------

  static constexpr const char* name = "connection";

  // -- construction ------------------------------------------------------------

  explicit connection_state(connection_actor::pointer self) : self(self) {
    // nop
  }

  // -- session -----------------------------------------------------------------

  /// Asks the server for a session; nothing else is handled until it is
  /// there, so the connected frame is the first one out.
  void start(std::string upgrade_token);

  /// Serves `handoff`'s session from now on (after a start or a resume).
  void adopt(session_handoff& handoff);

  /// Forwards a request to the session.
  template <class Request>
  void forward(Request& request, const correlation_id& correlation) {
    self->send(session, request_atom_v, std::move(request), correlation);
  }

  /// Forwards session:resume; until its answer names the session that serves
  /// this connection next, nothing else is handled.
  void forward_resume(schema::session_resume_request& request, const correlation_id& correlation);

  // -- frames from the client --------------------------------------------------

  /// A text frame net/ read at `read_at_ns`.
  void on_text(const std::string& text, std::int64_t read_at_ns);

  void on_binary();

  /// MESSAGE_TOO_LARGE, then close 1009.
  void refuse_oversized();

  /// Counts one incoming message against the rate; false if it is dropped
  /// (the client hears RATE_LIMITED, or close 1008 when flooding).
  bool admit(std::string_view request_type, std::string_view correlation);

  // -- frames to the client ----------------------------------------------------

  /// Sends a frame to the client at once.
  void send(text_frame frame);

  /// Sends a frame of the session's, counted so that pongs can confirm it.
  void deliver(text_frame frame);

  /// Pings the client; the payload names the frames delivered so far.
  void ping();

  /// Liveness; a pong whose payload names this session's frames confirms
  /// them to the session.
  void on_pong(std::string_view payload);

  /// Sends a reply of the connection's own through the session, so that it
  /// keeps its place among the replies to the client's earlier requests.
  void reply(text_frame frame);

  /// An error frame for the client, counted.
  text_frame error_frame(schema::error_code code, std::string message,
                         std::string_view request_type, std::string_view correlation);

  /// Replies with an error, in request order.
  void reply_error(schema::error_code code, std::string message, std::string_view request_type,
                   std::string_view correlation);

  // -- ending ------------------------------------------------------------------

  /// Closes with `code` and ends the connection; the session ends too.
  void close(schema::close_code code, std::string_view reason);

  /// The socket ended with `cause`: tells the session and ends.
  void end(close_cause cause);

  /// Liveness check: drops a silent peer (lost, so its session may be
  /// resumed), else pings it.
  void heartbeat();

  /// The server is shutting down: server:shutdown, then close 1001.
  void shut_down();

  // -- inspection --------------------------------------------------------------

  [[nodiscard]] caf::settings status() const;

  // -- data members ------------------------------------------------------------

  connection_actor::pointer self;

  transport_ptr socket;

  settings_ptr settings;

  metrics_ptr metrics;

  /// Gives this connection its session.
  server_actor server;

  /// The peer id of the session, for log lines.
  std::string peer_id;

  session_actor session;

  rate_limiter limiter{0, 0, {}};

  /// Anything (frame or pong) arrived since the last heartbeat.
  bool alive_since_heartbeat = true;

  /// A ping went out at the last heartbeat and awaits an answer.
  bool ping_outstanding = false;

  /// Sessions this connection was handed (a resume hands a second one), so
  /// a pong for a ping sent before confirms nothing to the new one.
  std::uint32_t handoffs = 0;

  /// Frames the current session delivered since it was handed over.
  std::uint64_t delivered = 0;

  /// Text frames the client sent, over the connection's life.
  std::uint64_t frames_received = 0;

  /// When the connection started (Unix ms).
  std::int64_t connected_at = 0;
};

/// Spawned by net/ for each upgraded socket, with the token the upgrade
/// request carried (empty: none).
connection_actor::behavior_type
connection(connection_actor::stateful_pointer<connection_state> self, transport_ptr socket,
           server_actor server, settings_ptr settings, metrics_ptr metrics,
           std::string upgrade_token);

} // namespace signaling::actors
