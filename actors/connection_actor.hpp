// The CONNECTION actor: one per socket, dies with it. Validates frames with
// schema/, enforces the frame size, rate limit and heartbeat, and writes
// every frame its session sends to the socket.
#pragma once

#include "actors/interfaces.hpp"
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

  const char* name = "connection";

  // -- operations --------------------------------------------------------------

  void on_text(const std::string& text);

  void on_binary();

  /// MESSAGE_TOO_LARGE, then close 1009.
  void refuse_oversized();

  /// Sends a frame to the client at once.
  void send(text_frame frame);

  /// Sends a reply of the connection's own through the session, so that it
  /// keeps its place among the replies to the client's earlier requests.
  void reply(text_frame frame);

  /// An error frame for the client, counted.
  text_frame error_frame(schema::error_code code, std::string message,
                         std::string_view request_type, std::string_view correlation);

  /// Replies with an error, in request order.
  void reply_error(schema::error_code code, std::string message, std::string_view request_type,
                   std::string_view correlation);

  /// Closes with `code` and ends the connection (and with it the session).
  void close(schema::close_code code, std::string_view reason);

  /// Liveness check: drops a silent peer, else pings it.
  void heartbeat();

  /// Counts one incoming message against the rate; false if it is dropped
  /// (the client hears RATE_LIMITED, or close 1008 when flooding).
  bool admit(std::string_view request_type, std::string_view correlation);

  // -- data members ------------------------------------------------------------

  connection_actor::pointer self = nullptr;

  transport_ptr socket;

  server_settings settings;

  std::string peer_id;

  session_actor session;

  rate_limiter limiter{0, 0, {}};

  /// Anything (frame or pong) arrived since the last heartbeat.
  bool alive_since_heartbeat = true;

  /// A ping went out at the last heartbeat and awaits an answer.
  bool ping_outstanding = false;

  /// A room:join went to the session: session:resume is no longer allowed.
  bool joined = false;
};

connection_actor::behavior_type
connection(connection_actor::stateful_pointer<connection_state> self, transport_ptr socket,
           room_directory_actor directory, server_settings settings);

} // namespace signaling::actors
