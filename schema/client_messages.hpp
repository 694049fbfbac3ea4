// One C++ type per client -> server message of PROTOCOL.md, and the parser
// that turns a text frame into one of them or into an error naming the field.
#pragma once

#include "schema/error_code.hpp"
#include "schema/message_types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace signaling::schema {

// -- rooms ---------------------------------------------------------------------

struct join_request {
  std::string room_id;
  std::string display_name;         // empty: none given
  std::string metadata_json = "{}"; // serialized object, at most max_metadata_bytes
  bool create = true;
  std::uint32_t max_peers = 0; // 0: not given (the server's default applies)
};

// Client messages that travel between actors carry these generic inspectors,
// which CAF's serializers use; schema/ itself stays free of CAF.
template <class Inspector>
auto inspect(Inspector& f, join_request& x) {
  return f(x.room_id, x.display_name, x.metadata_json, x.create, x.max_peers);
}

struct leave_request {
  std::string room_id;
};

template <class Inspector>
auto inspect(Inspector& f, leave_request& x) {
  return f(x.room_id);
}

struct state_request {
  std::string room_id;
};

template <class Inspector>
auto inspect(Inspector& f, state_request& x) {
  return f(x.room_id);
}

// -- signaling relay -----------------------------------------------------------

enum class relay_kind : std::uint8_t { sdp_offer, sdp_answer, ice_candidate, room_message };

/// sdp:offer, sdp:answer, ice:candidate and room:message share one shape: the
/// relayed content travels as the JSON text the client sent, never re-read.
struct relay_request {
  relay_kind kind = relay_kind::room_message;
  std::string room_id;
  std::string to;           // empty: every other member (ice:candidate, room:message)
  std::string content_json; // the value of "sdp", "candidate" or "data"
  /// Not on the wire: when net/ read the frame (steady clock, nanoseconds;
  /// 0: unknown), for the relay latency. Never serialized: another node's
  /// clock would make it meaningless.
  std::int64_t read_at_ns = 0;
};

template <class Inspector>
auto inspect(Inspector& f, relay_request& x) {
  return f(x.kind, x.room_id, x.to, x.content_json);
}

// -- connection ----------------------------------------------------------------

struct ping_request {};

struct auth_request {
  std::string token;
};

template <class Inspector>
auto inspect(Inspector& f, auth_request& x) {
  return f(x.token);
}

struct auth_refresh_request {
  std::string token;
};

template <class Inspector>
auto inspect(Inspector& f, auth_refresh_request& x) {
  return f(x.token);
}

/// session:resume. `received` extends PROTOCOL.md item 5, which is silent
/// on frames written to a socket that died before the client read them: a
/// client that counts the frames it received since its last `connected` or
/// `session:resumed` (all but `pong`, `connected` and `session:resumed`)
/// sends the count, and the server replays exactly what follows it, so
/// nothing is lost or doubled. Without it the server replays what reached
/// the session after it detached. Servers that do not know it ignore it.
struct session_resume_request {
  std::string resume_token;
  bool counted = false; // `received` was given
  std::uint64_t received = 0;
};

template <class Inspector>
auto inspect(Inspector& f, session_resume_request& x) {
  return f(x.resume_token, x.counted, x.received);
}

struct turn_credentials_request {};

template <class Inspector>
auto inspect(Inspector& f, turn_credentials_request&) {
  return f();
}

using client_body = std::variant<join_request, leave_request, state_request, relay_request,
                                 ping_request, auth_request, auth_refresh_request,
                                 session_resume_request, turn_credentials_request>;

struct client_message {
  std::optional<std::string> correlation_id;
  client_body body;
};

/// Why a frame was refused: the code, a sentence for humans, the failing
/// field's path ("payload.roomId"; empty when the frame as a whole is bad),
/// and what could be read of the envelope so the reply can name the request.
struct parse_error {
  error_code code = error_code::invalid_message;
  std::string message;
  std::string path;
  std::string request_type;                  // empty when unknown
  std::optional<std::string> correlation_id; // set only when itself valid
};

struct parse_options {
  std::uint32_t max_peers_ceiling = 500;
};

/// Parses and validates one text frame.
[[nodiscard]] std::variant<client_message, parse_error>
parse_client_message(std::string_view text, const parse_options& options);

/// The type of a message (a relay's kind decides among the relay types).
[[nodiscard]] client_type type_of(const client_body& body) noexcept;
[[nodiscard]] client_type type_of(relay_kind kind) noexcept;

/// The wire name of a message's type, e.g. "room:join".
[[nodiscard]] std::string_view type_name(const client_body& body) noexcept;
[[nodiscard]] std::string_view type_name(relay_kind kind) noexcept;

/// Whether `id` is a valid room id: ^[A-Za-z0-9._:-]{1,128}$.
[[nodiscard]] bool is_valid_room_id(std::string_view id) noexcept;

} // namespace signaling::schema
