// Text frame -> typed client message, validating every field PROTOCOL.md
// names; the first failure becomes a parse_error with the field's path.
#include "schema/client_messages.hpp"
#include "schema/limits.hpp"

#include <boost/json.hpp>

#include <array>
#include <cmath>

namespace json = boost::json;

namespace signaling::schema {

namespace {

/// Thrown inside the parser only; parse_client_message turns it into a value.
struct field_error {
  error_code code;
  std::string message;
  std::string path;
};

[[noreturn]] void fail(std::string path, std::string message,
                       error_code code = error_code::invalid_message) {
  throw field_error{code, std::move(message), std::move(path)};
}

/// Characters, not bytes: PROTOCOL.md's lengths count what a user sees.
/// Boost.JSON has already rejected invalid UTF-8.
std::size_t utf8_length(std::string_view text) {
  std::size_t result = 0;
  for (auto c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
      ++result;
  return result;
}

/// A JSON object and the path that leads to it, for error messages.
class fields {
public:
  fields(const json::object* object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {
    // nop
  }

  [[nodiscard]] std::string path(std::string_view key) const {
    std::string result = prefix_;
    if (!result.empty())
      result += '.';
    result += key;
    return result;
  }

  /// The field's value, or nullptr when absent or null (both mean "not given").
  [[nodiscard]] const json::value* find(std::string_view key) const {
    if (object_ == nullptr)
      return nullptr;
    auto i = object_->find(key);
    if (i == object_->end() || i->value().is_null())
      return nullptr;
    return &i->value();
  }

  /// A required member that may be null (which `require` treats as absent).
  [[nodiscard]] const json::value& require_member(std::string_view key,
                                                  std::string_view hint = {}) const {
    if (auto i = object_->find(key); i != object_->end())
      return i->value();
    fail(path(key), "missing required field '" + path(key) + "'" + std::string{hint});
  }

  [[nodiscard]] const json::value& require(std::string_view key) const {
    if (auto x = find(key))
      return *x;
    fail(path(key), "missing required field '" + path(key) + "'");
  }

  [[nodiscard]] std::optional<std::string>
  optional_string(std::string_view key, std::size_t min_length, std::size_t max_length) const {
    auto x = find(key);
    if (x == nullptr)
      return std::nullopt;
    if (!x->is_string())
      fail(path(key), "'" + path(key) + "' must be a string");
    const auto& str = x->get_string();
    auto length = utf8_length(str);
    if (length < min_length || length > max_length)
      fail(path(key), "'" + path(key) + "' must have " + std::to_string(min_length) + " to "
                        + std::to_string(max_length) + " characters");
    return std::string{str};
  }

  [[nodiscard]] std::string required_string(std::string_view key, std::size_t min_length,
                                            std::size_t max_length) const {
    (void) require(key);
    return *optional_string(key, min_length, max_length);
  }

  [[nodiscard]] std::string room_id() const {
    auto id = required_string("roomId", 1, max_room_id_length);
    if (!is_valid_room_id(id))
      fail(path("roomId"), "'" + path("roomId") + "' may only contain A-Z a-z 0-9 . _ : -");
    return id;
  }

  [[nodiscard]] std::optional<bool> optional_bool(std::string_view key) const {
    auto x = find(key);
    if (x == nullptr)
      return std::nullopt;
    if (!x->is_bool())
      fail(path(key), "'" + path(key) + "' must be a boolean");
    return x->get_bool();
  }

  [[nodiscard]] std::optional<std::int64_t> optional_integer(std::string_view key) const {
    auto x = find(key);
    if (x == nullptr)
      return std::nullopt;
    if (x->is_int64())
      return x->get_int64();
    if (x->is_uint64())
      return x->get_uint64() > static_cast<std::uint64_t>(INT64_MAX)
               ? INT64_MAX
               : static_cast<std::int64_t>(x->get_uint64());
    if (x->is_double()) {
      auto d = x->get_double();
      if (std::trunc(d) == d && std::abs(d) < 9.0e18)
        return static_cast<std::int64_t>(d);
    }
    fail(path(key), "'" + path(key) + "' must be an integer");
  }

  [[nodiscard]] fields object(std::string_view key, bool required) const {
    auto x = required ? &require(key) : find(key);
    if (x == nullptr)
      return fields{nullptr, path(key)};
    if (!x->is_object())
      fail(path(key), "'" + path(key) + "' must be an object");
    return fields{&x->get_object(), path(key)};
  }

  [[nodiscard]] const json::object* get() const noexcept { return object_; }

private:
  const json::object* object_;
  std::string prefix_;
};

// -- raw text of payload members -----------------------------------------------
//
// Relayed content and metadata must reach peers exactly as the sender wrote
// them: re-serializing the parsed value would round big integers to doubles
// and turn 1e999 into "Infinity", which is not JSON. These helpers find a
// member's own bytes in the frame text. That text is valid JSON, except in
// read_shallow_envelope: a frame too deep to parse may be cut short or
// broken anywhere after the depth limit, so no position may pass its end.

std::size_t skip_whitespace(std::string_view text, std::size_t pos) {
  while (pos < text.size()
         && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r'))
    ++pos;
  return pos;
}

/// `pos` at an opening quote; returns the position after the closing one.
std::size_t skip_string(std::string_view text, std::size_t pos) {
  for (++pos; pos < text.size(); ++pos) {
    if (text[pos] == '\\')
      ++pos;
    else if (text[pos] == '"')
      return pos + 1;
  }
  return text.size();
}

/// `pos` at the start of a value; returns the position after it.
std::size_t skip_value(std::string_view text, std::size_t pos) {
  if (pos >= text.size())
    return text.size();
  if (text[pos] == '"')
    return skip_string(text, pos);
  if (text[pos] == '{' || text[pos] == '[') {
    int depth = 0;
    while (pos < text.size()) {
      auto c = text[pos];
      if (c == '"') {
        pos = skip_string(text, pos);
        continue;
      }
      if (c == '{' || c == '[')
        ++depth;
      else if ((c == '}' || c == ']') && --depth == 0)
        return pos + 1;
      ++pos;
    }
    return pos;
  }
  while (pos < text.size() && text[pos] != ',' && text[pos] != '}' && text[pos] != ']'
         && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n' && text[pos] != '\r')
    ++pos;
  return pos;
}

/// The raw value of member `key` of the object starting at `pos`; nullopt
/// when absent or when the text is ambiguous (escaped or repeated keys).
std::optional<std::string_view> raw_member(std::string_view text, std::size_t pos,
                                           std::string_view key) {
  std::optional<std::string_view> result;
  pos = skip_whitespace(text, pos);
  if (pos >= text.size() || text[pos] != '{')
    return std::nullopt;
  pos = skip_whitespace(text, pos + 1);
  while (pos < text.size() && text[pos] == '"') {
    auto key_end = skip_string(text, pos);
    auto raw_key = text.substr(pos + 1, key_end - pos - 2);
    if (raw_key.find('\\') != std::string_view::npos)
      return std::nullopt;
    pos = skip_whitespace(text, key_end);
    if (pos >= text.size() || text[pos] != ':')
      return std::nullopt; // cut short, or not an object: nothing to trust
    pos = skip_whitespace(text, pos + 1);
    auto value_end = skip_value(text, pos);
    if (raw_key == key) {
      if (result)
        return std::nullopt;
      result = text.substr(pos, value_end - pos);
    }
    pos = skip_whitespace(text, value_end);
    if (pos < text.size() && text[pos] == ',')
      pos = skip_whitespace(text, pos + 1);
  }
  return result;
}

/// Whether `x` holds a number too large for a double (parsed as infinity),
/// which json::serialize would write as the non-JSON "Infinity".
bool has_non_finite(const json::value& x) {
  if (x.is_double())
    return !std::isfinite(x.get_double());
  if (x.is_array()) {
    for (const auto& element : x.get_array())
      if (has_non_finite(element))
        return true;
  } else if (x.is_object()) {
    for (const auto& member : x.get_object())
      if (has_non_finite(member.value()))
        return true;
  }
  return false;
}

/// The sender's own text of payload.<key> (serialized from `parsed` only if
/// the frame is ambiguous), checked against `max_bytes`.
std::string content_text(std::string_view frame, std::string_view key, const json::value& parsed,
                         const std::string& path, std::size_t max_bytes = SIZE_MAX) {
  std::string result;
  auto payload = raw_member(frame, 0, "payload");
  auto raw = payload ? raw_member(*payload, 0, key) : std::nullopt;
  if (raw) {
    result.assign(raw->data(), raw->size());
  } else {
    if (has_non_finite(parsed))
      fail(path, "'" + path + "' holds a number out of the range of a double");
    result = json::serialize(parsed);
  }
  if (result.size() > max_bytes)
    fail(path, "'" + path + "' must be at most " + std::to_string(max_bytes) + " bytes of JSON");
  return result;
}

join_request parse_join(std::string_view frame, const fields& payload,
                        const parse_options& options) {
  join_request result;
  result.room_id = payload.room_id();
  result.display_name =
    payload.optional_string("displayName", 1, max_display_name_length).value_or("");
  if (auto metadata = payload.object("metadata", false); metadata.get() != nullptr)
    result.metadata_json = content_text(frame, "metadata", *payload.find("metadata"),
                                        payload.path("metadata"), max_metadata_bytes);
  result.create = payload.optional_bool("create").value_or(true);
  if (auto max_peers = payload.optional_integer("maxPeers")) {
    if (*max_peers < min_max_peers || *max_peers > options.max_peers_ceiling)
      fail(payload.path("maxPeers"), "'" + payload.path("maxPeers") + "' must be between "
                                       + std::to_string(min_max_peers) + " and "
                                       + std::to_string(options.max_peers_ceiling));
    result.max_peers = static_cast<std::uint32_t>(*max_peers);
  }
  return result;
}

relay_request parse_sdp(std::string_view frame, relay_kind kind, std::string_view sdp_type,
                        const fields& payload) {
  relay_request result;
  result.kind = kind;
  result.room_id = payload.room_id();
  result.to = payload.required_string("to", 1, max_peer_id_length);
  auto sdp = payload.object("sdp", true);
  auto type = sdp.required_string("type", 1, max_type_length);
  if (type != sdp_type)
    fail(sdp.path("type"), "'" + sdp.path("type") + "' must be \"" + std::string{sdp_type}
                             + "\" in " + std::string{type_name(kind)});
  (void) sdp.required_string("sdp", 0, SIZE_MAX);
  result.content_json = content_text(frame, "sdp", *payload.find("sdp"), payload.path("sdp"));
  return result;
}

relay_request parse_ice_candidate(std::string_view frame, const fields& payload) {
  relay_request result;
  result.kind = relay_kind::ice_candidate;
  result.room_id = payload.room_id();
  result.to = payload.optional_string("to", 1, max_peer_id_length).value_or("");
  const auto& value = payload.require_member("candidate", " (null marks the end of candidates)");
  if (!value.is_null()) {
    auto candidate = payload.object("candidate", true);
    (void) candidate.required_string("candidate", 0, SIZE_MAX);
    (void) candidate.optional_string("sdpMid", 0, SIZE_MAX);
    if (auto index = candidate.optional_integer("sdpMLineIndex"); index && *index < 0)
      fail(candidate.path("sdpMLineIndex"),
           "'" + candidate.path("sdpMLineIndex") + "' must not be negative");
    (void) candidate.optional_string("usernameFragment", 0, SIZE_MAX);
  }
  result.content_json = content_text(frame, "candidate", value, payload.path("candidate"));
  return result;
}

relay_request parse_room_message(std::string_view frame, const fields& payload) {
  relay_request result;
  result.kind = relay_kind::room_message;
  result.room_id = payload.room_id();
  result.to = payload.optional_string("to", 1, max_peer_id_length).value_or("");
  result.content_json = content_text(frame, "data", payload.require_member("data"),
                                     payload.path("data"), max_data_bytes);
  return result;
}

using body_parser = client_body (*)(std::string_view frame, const fields& payload,
                                    const parse_options& options);

/// Every client -> server type and its payload's parser.
constexpr std::pair<std::string_view, body_parser> client_types[] = {
  {"room:join",
   [](std::string_view frame, const fields& payload, const parse_options& options) {
     return client_body{parse_join(frame, payload, options)};
   }},
  {"room:leave",
   [](std::string_view, const fields& payload, const parse_options&) {
     return client_body{leave_request{payload.room_id()}};
   }},
  {"room:state",
   [](std::string_view, const fields& payload, const parse_options&) {
     return client_body{state_request{payload.room_id()}};
   }},
  {"sdp:offer",
   [](std::string_view frame, const fields& payload, const parse_options&) {
     return client_body{parse_sdp(frame, relay_kind::sdp_offer, "offer", payload)};
   }},
  {"sdp:answer",
   [](std::string_view frame, const fields& payload, const parse_options&) {
     return client_body{parse_sdp(frame, relay_kind::sdp_answer, "answer", payload)};
   }},
  {"ice:candidate",
   [](std::string_view frame, const fields& payload, const parse_options&) {
     return client_body{parse_ice_candidate(frame, payload)};
   }},
  {"room:message",
   [](std::string_view frame, const fields& payload, const parse_options&) {
     return client_body{parse_room_message(frame, payload)};
   }},
  {"ping", [](std::string_view, const fields&,
              const parse_options&) { return client_body{ping_request{}}; }},
  {"auth:request",
   [](std::string_view, const fields& payload, const parse_options&) {
     return client_body{auth_request{payload.required_string("token", 1, max_token_length)}};
   }},
  {"auth:refresh",
   [](std::string_view, const fields& payload, const parse_options&) {
     return client_body{
       auth_refresh_request{payload.required_string("token", 1, max_token_length)}};
   }},
  {"session:resume",
   [](std::string_view, const fields& payload, const parse_options&) {
     session_resume_request result;
     result.resume_token = payload.required_string("resumeToken", 1, max_token_length);
     if (auto received = payload.optional_integer("received")) {
       if (*received < 0)
         fail(payload.path("received"), "'" + payload.path("received") + "' must not be negative");
       result.counted = true;
       result.received = static_cast<std::uint64_t>(*received);
     }
     return client_body{std::move(result)};
   }},
  {"turn:credentials",
   [](std::string_view, const fields&, const parse_options&) {
     return client_body{turn_credentials_request{}};
   }},
};

client_body parse_body(std::string_view frame, std::string_view type,
                       const json::object& envelope_object, const parse_options& options) {
  // The type decides first: a bad payload of an unknown type is UNKNOWN_TYPE.
  body_parser parser = nullptr;
  for (const auto& [name, parse] : client_types)
    if (name == type)
      parser = parse;
  if (parser == nullptr) {
    // A client sending a server's type gets UNKNOWN_TYPE with a hint.
    if (server_type_named(type))
      fail("type", "'" + std::string{type} + "' is sent by the server, not by clients",
           error_code::unknown_type);
    fail("type", "unknown message type '" + std::string{type} + "'", error_code::unknown_type);
  }
  fields envelope{&envelope_object, ""};
  auto payload = envelope.object("payload", false);
  // An omitted payload reads as {} so that missing fields name "payload.x".
  static const json::object empty;
  if (payload.get() == nullptr)
    payload = fields{&empty, "payload"};
  return parser(frame, payload, options);
}

/// What a frame too deep to parse whole says of itself: the strings of its
/// top-level `type` and `correlationId`, read from the raw text, so that its
/// error still reaches the request it answers.
void read_shallow_envelope(std::string_view text, parse_error& error) {
  json::object shallow;
  for (std::string_view key : {"type", "correlationId"}) {
    auto raw = raw_member(text, 0, key);
    if (!raw)
      continue;
    std::error_code ec;
    auto value = json::parse(json::string_view{raw->data(), raw->size()}, ec);
    if (!ec && value.is_string())
      shallow[key] = std::move(value);
  }
  fields envelope{&shallow, ""};
  try {
    error.correlation_id = envelope.optional_string("correlationId", 1, max_correlation_id_length);
    error.request_type = envelope.optional_string("type", 1, max_type_length).value_or("");
  } catch (field_error&) {
    // An invalid type or correlationId is not echoed; the error stands.
  }
}

} // namespace

std::variant<client_message, parse_error> parse_client_message(std::string_view text,
                                                               const parse_options& options) {
  parse_error error;
  // Frames are short-lived: parse into a stack buffer when they fit.
  unsigned char buffer[4096];
  json::monotonic_resource resource{buffer, sizeof(buffer)};
  json::parse_options json_options;
  json_options.max_depth = max_json_depth;
  std::error_code ec;
  auto document =
    json::parse(json::string_view{text.data(), text.size()}, ec, &resource, json_options);
  if (ec == json::error::too_deep) {
    error.message =
      "JSON nested deeper than " + std::to_string(max_data_depth) + " levels inside the payload";
    read_shallow_envelope(text, error);
    return error;
  }
  if (ec) {
    error.message = "frame is not valid JSON: " + ec.message();
    return error;
  }
  if (!document.is_object()) {
    error.message = "frame must be a JSON object";
    return error;
  }
  const auto& object = document.get_object();
  fields envelope{&object, ""};
  try {
    // The correlationId comes first so that every later error can echo it.
    error.correlation_id = envelope.optional_string("correlationId", 1, max_correlation_id_length);
    auto type = envelope.required_string("type", 1, max_type_length);
    error.request_type = type;
    if (auto timestamp = envelope.find("timestamp"); timestamp && !timestamp->is_number())
      fail("timestamp", "'timestamp' must be a number (ms since epoch)");
    return client_message{error.correlation_id, parse_body(text, type, object, options)};
  } catch (field_error& failure) {
    error.code = failure.code;
    error.message = std::move(failure.message);
    error.path = std::move(failure.path);
    return error;
  }
}

client_type type_of(relay_kind kind) noexcept {
  // The relay types follow one another in both enums.
  return static_cast<client_type>(static_cast<std::size_t>(client_type::sdp_offer)
                                  + static_cast<std::size_t>(kind));
}

client_type type_of(const client_body& body) noexcept {
  struct visitor {
    client_type operator()(const join_request&) const { return client_type::room_join; }
    client_type operator()(const leave_request&) const { return client_type::room_leave; }
    client_type operator()(const state_request&) const { return client_type::room_state; }
    client_type operator()(const relay_request& x) const { return type_of(x.kind); }
    client_type operator()(const ping_request&) const { return client_type::ping; }
    client_type operator()(const auth_request&) const { return client_type::auth_request; }
    client_type operator()(const auth_refresh_request&) const { return client_type::auth_refresh; }
    client_type operator()(const session_resume_request&) const {
      return client_type::session_resume;
    }
    client_type operator()(const turn_credentials_request&) const {
      return client_type::turn_credentials;
    }
  };
  return std::visit(visitor{}, body);
}

std::string_view type_name(relay_kind kind) noexcept {
  return type_name(type_of(kind));
}

std::string_view type_name(const client_body& body) noexcept {
  return type_name(type_of(body));
}

bool is_valid_room_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > max_room_id_length)
    return false;
  for (auto c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
              || c == '_' || c == ':' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

} // namespace signaling::schema
