// The SESSION actor: one per peer. Holds identity, room memberships and the
// resume token, turns the connection's requests into room operations and
// their replies, and outlives a lost connection for the resume grace.
#pragma once

#include "actors/fifo.hpp"
#include "actors/interfaces.hpp"
#include "actors/metrics.hpp"
#include "actors/settings.hpp"

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <map>
#include <optional>
#include <string>
#include <variant>

namespace signaling::actors {

/// A session:resume waiting its turn, with the promise its connection
/// awaits (the session that serves it afterwards).
struct resume_call {
  schema::session_resume_request request;
  caf::typed_response_promise<session_handoff> promise;
};

/// A client request as the session queues it: one for the rooms, a local
/// one, or a reply the connection made itself (a parse or rate error) that
/// must still leave in request order.
struct client_request {
  std::variant<schema::join_request, schema::leave_request, schema::state_request,
               schema::relay_request, schema::auth_request, schema::auth_refresh_request,
               schema::turn_credentials_request, resume_call, text_frame>
    body;
  correlation_id correlation;
};

struct session_state {
  // -- constants ---------------------------------------------------------------

  static constexpr const char* name = "session";

  // -- construction ------------------------------------------------------------

  explicit session_state(session_actor::pointer self) : self(self) {
    // nop
  }

  session_state(const session_state&) = delete;
  session_state& operator=(const session_state&) = delete;

  /// The session is gone: it leaves the state /metrics counted it in.
  ~session_state();

  // -- metrics -----------------------------------------------------------------

  /// Counts the session in `state` from now on (and no longer in the last).
  void count_as(session_state_kind state);

  // -- connection --------------------------------------------------------------
  //
  // A session is attached to one connection at a time. A lost connection
  // (no close handshake) detaches it for the resume grace: events for the
  // client are buffered, and a resume attaches the new connection. A closed
  // one ends it.

  /// Serves the first connection; the answer carries its connected frame.
  session_handoff start(connection_actor connection, const std::string& upgrade_token);

  /// The connection's socket ended with `cause`.
  void detach(const connection_actor& connection, close_cause cause);

  /// The connection is gone without a close: keep the session for the grace.
  void lose_connection();

  /// The grace of detach number `epoch` is over.
  void on_grace(std::uint64_t epoch);

  /// Ends the session as PROTOCOL.md's expired grace does: peers see
  /// peer:left with reason timeout.
  void expire(std::string_view reason);

  /// Serves `connection` in place of the lost (or half-dead) one, under
  /// `new_token`; answers once session:resumed and the buffer are out.
  caf::typed_response_promise<session_handoff> attach(connection_actor connection,
                                                      std::string new_token,
                                                      const schema::session_resume_request& request,
                                                      const correlation_id& correlation);

  /// Every room answered: session:resumed, then the buffer, go out.
  void finish_attach(const schema::session_resumed_reply& reply, const correlation_id& correlation);

  /// An attach that cannot complete (the new connection was lost, or the
  /// session expired meanwhile) answers SESSION_NOT_FOUND.
  void abandon_attach();

  /// Sends a frame to the client now, or buffers it while detached.
  void to_client(text_frame frame);

  /// Sends a frame to the attached connection and keeps it until a pong
  /// confirms the client has it (a resume with `received` replays it).
  void send_attached(text_frame frame);

  /// The client has the first `count` frames of this attachment.
  void on_confirmed(std::uint64_t count);

  void forget_oldest_unconfirmed();

  /// Frames a resuming client with `received` frames of the last attachment
  /// lacks, moved in front of the buffer.
  void replay_unconfirmed(const schema::session_resume_request& request);

  [[nodiscard]] bool attached() const noexcept { return connection && !resuming; }

  // -- request order -----------------------------------------------------------
  //
  // Replies leave in the order of the client's requests. A request that
  // needs another actor's answer (join, leave, state, resume) holds the ones
  // behind it until it is answered; a relay does not, but its ack or error
  // comes from its room, so a later request answered elsewhere first waits
  // for that room to confirm it has answered every relay sent to it (sync).

  /// Queues `request` behind any unanswered one and runs what can run.
  void accept(client_request request);

  /// Runs queued requests until one must wait for an answer.
  void run_backlog();

  /// The request that held the queue was answered.
  void finish_request();

  /// Whether `request`'s reply could overtake the acks and errors of the
  /// relays still unanswered (it is about another room, or local).
  [[nodiscard]] bool waits_for_relays(const client_request& request) const;

  void handle(client_request& request);

  /// Quits once the request in flight is answered; rooms see the session go
  /// (peer:left, reason left).
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

  // -- authentication ----------------------------------------------------------

  [[nodiscard]] bool auth_required() const noexcept { return settings->verifier != nullptr; }

  [[nodiscard]] bool authenticated() const noexcept { return !who.user_id.empty(); }

  /// auth:request (the first authentication) and auth:refresh (a new token
  /// for the same user; handle() lets it through only once authenticated).
  void authenticate(std::string_view token, std::string_view request_type,
                    const correlation_id& correlation);

  /// Verifies `token` for `request_type`; on success the session is that
  /// user's (a refresh must name the same one) and true is returned, else the
  /// client hears UNAUTHORIZED and the failure counts.
  bool accept_token(std::string_view token, std::string_view request_type,
                    const correlation_id& correlation);

  /// Takes the identity of a verified token and arms its expiry.
  void admit(verified_token token);

  /// Counts a failed authentication; the limit closes with 1008.
  void count_auth_failure();

  void on_deadline(auth_deadline deadline, std::uint64_t auth_epoch_of_timer);

  /// Ends the session with `code` on its connection (or at once, detached).
  void close_with(schema::close_code code, std::string_view reason);

  void ice_servers(const correlation_id& correlation);

  /// session:resume on a fresh connection: takes over the session of the
  /// token, or answers the error and stays this connection's session.
  void resume(resume_call& call, const correlation_id& correlation);

  /// The resume failed: the error goes to the client and this session stays.
  void refuse_resume(resume_call& call, const caf::error& error, const correlation_id& correlation);

  // -- replies to the client ---------------------------------------------------

  /// Encodes a server message for the client.
  template <class Message>
  void reply(const Message& message, const correlation_id& correlation);

  void reply_error(const caf::error& error, std::string_view request_type,
                   const correlation_id& correlation);

  // -- inspection --------------------------------------------------------------

  /// What the session holds: identity, rooms, queues, counters.
  [[nodiscard]] caf::settings status() const;

  /// status(), with the status of the connection it serves (asked, so a
  /// busy connection is shown as unresponsive rather than waited for).
  caf::result<caf::settings> status_with_connection();

  // -- data members ------------------------------------------------------------

  session_actor::pointer self;

  std::string peer_id;

  /// The token that resumes this session (replaced at each resume).
  std::string resume_token;

  /// Who the peer is: only a verified token sets it (empty user_id: not
  /// authenticated), with the rooms it may join and its expiry.
  verified_token who;

  /// Failed authentications so far (PROTOCOL.md: the third closes 1008).
  std::uint32_t auth_failures = 0;

  /// Counts identities, so the deadlines of an earlier one do nothing.
  std::uint64_t auth_epoch = 0;

  /// Requests and replies of the client that reached the session.
  std::uint64_t requests = 0;

  /// Frames for the client: replies and room events.
  std::uint64_t frames_to_client = 0;

  /// When the client last sent the session something (Unix ms).
  std::int64_t last_activity_at = 0;

  /// When turn:credentials was last answered (one per 10 s).
  std::optional<caf::actor_clock::time_point> last_ice_request;

  session_registry_actor registry;

  room_directory_actor directory;

  settings_ptr settings;

  metrics_ptr metrics;

  /// The state /metrics counts this session in; nullopt: not yet counted.
  std::optional<session_state_kind> counted_as;

  /// Where frames for the client go; invalid while detached.
  connection_actor connection;

  /// Rooms this peer is a member of, by id.
  std::map<std::string, room_actor> rooms;

  /// A room:join was asked for: session:resume is no longer allowed.
  bool joined = false;

  /// Counts detaches and attaches, so a grace timer of an earlier detach
  /// does nothing.
  std::uint64_t epoch = 0;

  /// Frames for the client while detached or resuming, and their bytes.
  fifo<text_frame> buffer;
  std::size_t buffered_bytes = 0;

  /// Frames sent on this attachment that no pong confirmed yet, the index
  /// of the first one, and their bytes.
  fifo<text_frame> unconfirmed;
  std::uint64_t confirmed = 0;
  std::size_t unconfirmed_bytes = 0;

  /// The connection was asked to ping for a confirmation.
  bool confirmation_asked = false;

  /// This attachment began with session:resumed, which the client does not
  /// count in `received`.
  bool attached_by_resume = false;

  /// A new connection is attached but session:resumed is not out yet.
  bool resuming = false;

  /// The answer to that attach, while it is pending.
  std::optional<caf::typed_response_promise<session_handoff>> attaching;

  /// Requests behind the one being answered, in arrival order.
  fifo<client_request> backlog;

  /// A request awaits another actor's answer.
  bool busy = false;

  /// The session ends as soon as nothing is in flight.
  bool ending = false;

  /// The room of the latest relays, which may still send their ack or
  /// error, and its id (kept apart: the peer may have left it since).
  room_actor unanswered_relays;
  std::string unanswered_room_id;
};

using session_stateful_actor = caf::stateful_actor<session_state, session_actor::base>;

/// Spawned by the session registry, which then hands it its connection.
session_actor::behavior_type session(session_actor::stateful_pointer<session_state> self,
                                     std::string peer_id, std::string resume_token,
                                     session_registry_actor registry,
                                     room_directory_actor directory, settings_ptr settings,
                                     metrics_ptr metrics);

} // namespace signaling::actors
