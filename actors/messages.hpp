// The vocabulary actors speak: atoms, the shared frame type, protocol errors
// as caf::error values, and the type-ID block that announces every message
// type (all carry `inspect`, so they can cross nodes unchanged).
#pragma once

#include "schema/client_messages.hpp"
#include "schema/error_code.hpp"
#include "schema/limits.hpp"
#include "schema/message_types.hpp"
#include "schema/server_messages.hpp"

#include <caf/atom.hpp>
#include <caf/config.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

static_assert(CAF_VERSION == 1706, "signal-server is written against CAF 0.17.6");

namespace signaling::actors {

/// Why a socket ended, as net/ tells its connection: only a lost connection
/// gets PROTOCOL.md's resume grace.
enum class close_cause : std::uint8_t {
  /// The client finished a close handshake.
  client_close,
  /// The server closed it with a code (slow reader, policy, shutdown).
  policy_close,
  /// It failed or ended without a close handshake.
  lost,
};

[[nodiscard]] constexpr std::string_view to_string(close_cause cause) noexcept {
  switch (cause) {
    case close_cause::client_close:
      return "client-close";
    case close_cause::policy_close:
      return "policy-close";
    case close_cause::lost:
      return "lost";
  }
  return "lost";
}

/// The deadlines of a session's authentication (PROTOCOL.md item 2).
enum class auth_deadline : std::uint8_t {
  /// Auth is required and the connection has not authenticated yet.
  authenticate,
  /// A minute before the token's exp: time to send auth:expiring.
  expiring,
  /// The token's exp, unrefreshed.
  expired,
};

/// What an inspector asks a server: signal-inspect's commands.
enum class inspect_command : std::uint8_t {
  /// The node: uptime, counts, rates.
  summary,
  /// Every room with its members.
  rooms,
  /// One room (`id`) with its members in join order.
  room,
  /// One peer's session (`id`) and its connection.
  peer,
  /// Live actors by kind, the `top` deepest mailboxes first.
  actors,
};

struct inspect_query {
  inspect_command command = inspect_command::summary;
  /// The room id or peer id the command names; empty for the others.
  std::string id;
  /// How many actors `actors` lists.
  std::uint32_t top = 10;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inspect_query& x) {
  return f(caf::meta::type_name("inspect_query"), x.command, x.id, x.top);
}

/// One event of a room, as `signal-inspect trace` shows it.
struct room_trace_event {
  /// When the room handled it (Unix ms).
  std::int64_t at = 0;
  /// peer-joined, peer-left, peer-reconnecting, peer-resumed, relay or
  /// room-closed.
  std::string event;
  /// Who joined, left, changed presence or sent the relay.
  std::string peer_id;
  /// A relay's recipient; empty: every other member.
  std::string to;
  /// A relay's wire type (offer, answer, candidate, message); a leave's
  /// reason.
  std::string type;
  /// A relay's content size in bytes.
  std::uint64_t size = 0;
  /// A relay's content when the trace asked for it in full; else only a
  /// candidate's type ("typ host"), as SDP and addresses stay private.
  std::string content;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, room_trace_event& x) {
  return f(caf::meta::type_name("room_trace_event"), x.at, x.event, x.peer_id, x.to, x.type, x.size,
           x.content);
}

/// One encoded server message. Fan-out encodes once and every recipient
/// shares the same immutable text.
struct text_frame {
  std::shared_ptr<const std::string> text;
  /// Its message type, read from the text once at make() (a broadcast
  /// shares it): connections count the frames they write by it.
  std::optional<schema::server_type> type;
  /// For a relayed frame, when net/ read the relay (steady_now_ns in
  /// actors/metrics.hpp); 0: not a relay. Stays on this node: another's
  /// steady clock would make it meaningless.
  std::int64_t read_at_ns = 0;

  static text_frame make(std::string x) {
    auto type = schema::server_type_of_frame(x);
    return text_frame{std::make_shared<const std::string>(std::move(x)), type, 0};
  }
};

template <class Inspector>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type
inspect(Inspector& f, text_frame& x) {
  return f(caf::meta::type_name("text_frame"), const_cast<std::string&>(*x.text));
}

template <class Inspector>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type
inspect(Inspector& f, text_frame& x) {
  auto text = std::make_shared<std::string>();
  auto result = f(caf::meta::type_name("text_frame"), *text);
  x.type = schema::server_type_of_frame(*text);
  x.read_at_ns = 0;
  x.text = std::move(text);
  return result;
}

/// The error category of protocol errors carried in caf::error values.
inline constexpr caf::atom_value protocol_error_category = caf::atom("signaling");

/// A protocol error as a caf::error; the message travels as its context.
[[nodiscard]] inline caf::error make_protocol_error(schema::error_code code, std::string message) {
  return caf::error{static_cast<std::uint8_t>(code), protocol_error_category,
                    caf::make_message(std::move(message))};
}

/// NOT_IN_ROOM for `room_id`, as every actor words it.
[[nodiscard]] caf::error not_in_room_error(const std::string& room_id);

/// SESSION_NOT_FOUND, as every actor words it.
[[nodiscard]] caf::error session_not_found_error();

/// The protocol error for any caf::error: a protocol error as it was made,
/// anything else (a crashed or vanished actor) as INTERNAL.
[[nodiscard]] schema::error_reply to_error_reply(const caf::error& x, std::string request_type);

} // namespace signaling::actors

CAF_BEGIN_TYPE_ID_BLOCK(signaling, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(signaling, (signaling::actors::text_frame))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::join_request))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::leave_request))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::state_request))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::relay_request))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::peer_description))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::room_description))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::close_code))
CAF_ADD_TYPE_ID(signaling, (signaling::actors::close_cause))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::peer_presence))
CAF_ADD_TYPE_ID(signaling, (signaling::actors::auth_deadline))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::auth_request))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::auth_refresh_request))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::turn_credentials_request))
CAF_ADD_TYPE_ID(signaling, (signaling::schema::session_resume_request))
CAF_ADD_TYPE_ID(signaling, (signaling::actors::inspect_command))
CAF_ADD_TYPE_ID(signaling, (signaling::actors::inspect_query))
CAF_ADD_TYPE_ID(signaling, (signaling::actors::room_trace_event))

// Atoms name what a message asks for; at most 10 characters each in 0.17.
CAF_ADD_ATOM(signaling, signaling::actors, join_atom, "join")
CAF_ADD_ATOM(signaling, signaling::actors, leave_atom, "leave")
CAF_ADD_ATOM(signaling, signaling::actors, state_atom, "state")
CAF_ADD_ATOM(signaling, signaling::actors, relay_atom, "relay")
CAF_ADD_ATOM(signaling, signaling::actors, deliver_atom, "deliver")
CAF_ADD_ATOM(signaling, signaling::actors, open_atom, "open")
CAF_ADD_ATOM(signaling, signaling::actors, find_atom, "find")
CAF_ADD_ATOM(signaling, signaling::actors, request_atom, "request")
CAF_ADD_ATOM(signaling, signaling::actors, frame_atom, "frame")
CAF_ADD_ATOM(signaling, signaling::actors, binary_atom, "binary")
CAF_ADD_ATOM(signaling, signaling::actors, oversized_atom, "oversized")
CAF_ADD_ATOM(signaling, signaling::actors, pong_atom, "pong")
CAF_ADD_ATOM(signaling, signaling::actors, closed_atom, "closed")
CAF_ADD_ATOM(signaling, signaling::actors, heartbeat_atom, "heartbeat")
CAF_ADD_ATOM(signaling, signaling::actors, shutdown_atom, "shutdown")
CAF_ADD_ATOM(signaling, signaling::actors, sync_atom, "sync")
CAF_ADD_ATOM(signaling, signaling::actors, close_atom, "close")
CAF_ADD_ATOM(signaling, signaling::actors, reply_atom, "reply")
CAF_ADD_ATOM(signaling, signaling::actors, start_atom, "start")
CAF_ADD_ATOM(signaling, signaling::actors, attach_atom, "attach")
CAF_ADD_ATOM(signaling, signaling::actors, detach_atom, "detach")
CAF_ADD_ATOM(signaling, signaling::actors, resume_atom, "resume")
CAF_ADD_ATOM(signaling, signaling::actors, grace_atom, "grace")
CAF_ADD_ATOM(signaling, signaling::actors, expired_atom, "expired")
CAF_ADD_ATOM(signaling, signaling::actors, presence_atom, "presence")
CAF_ADD_ATOM(signaling, signaling::actors, confirm_atom, "confirm")
CAF_ADD_ATOM(signaling, signaling::actors, confirmed_atom, "confirmed")
CAF_ADD_ATOM(signaling, signaling::actors, deadline_atom, "deadline")
CAF_ADD_ATOM(signaling, signaling::actors, status_atom, "status")
CAF_ADD_ATOM(signaling, signaling::actors, list_atom, "list")
CAF_ADD_ATOM(signaling, signaling::actors, inspect_atom, "inspect")
CAF_ADD_ATOM(signaling, signaling::actors, drain_atom, "drain")
CAF_ADD_ATOM(signaling, signaling::actors, sample_atom, "sample")
CAF_ADD_ATOM(signaling, signaling::actors, trace_atom, "trace")

CAF_END_TYPE_ID_BLOCK(signaling)
