// The protocol layer on its own: every frame a client can send, however
// malformed, must become either a typed message or an error naming the field
// PROTOCOL.md blames, and every frame the server writes must read back, with
// any JSON parser, as PROTOCOL.md specifies it.
#define CAF_SUITE schema
#include "caf/test/unit_test.hpp"

#include "schema/client_messages.hpp"
#include "schema/error_code.hpp"
#include "schema/limits.hpp"
#include "schema/server_messages.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

namespace json = boost::json;
using namespace signaling::schema;

namespace {

// -- reading parse results -----------------------------------------------------
//
// CAF 0.17 aborts the whole run on a failed CAF_REQUIRE, so these helpers
// report an unexpected outcome with CAF_ERROR and hand back a placeholder:
// one wrong verdict then fails its own test instead of hiding all the others.

std::string name_of(error_code code) {
  return std::string{to_string(code)};
}

std::string kind_name(relay_kind kind) {
  return std::string{type_name(kind)};
}

std::string or_none(const std::optional<std::string>& x) {
  return x ? *x : "<none>";
}

std::string excerpt(std::string_view text) {
  return text.size() <= 120 ? std::string{text} : std::string{text.substr(0, 120)} + "...";
}

/// `{"type":...,"payload":...}` with the payload as raw text, so that tests
/// can put anything there, valid or not.
std::string frame(std::string_view type, std::string_view payload) {
  return R"({"type":")" + std::string{type} + R"(","payload":)" + std::string{payload} + "}";
}

/// A payload holding the room id "r" and one more member given as raw text.
std::string with_room(std::string_view member) {
  return R"({"roomId":"r",)" + std::string{member} + "}";
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

client_message accept(std::string_view text, const parse_options& options = {}) {
  auto result = parse_client_message(text, options);
  if (auto error = std::get_if<parse_error>(&result)) {
    CAF_ERROR("refused " << excerpt(text) << " with " << name_of(error->code) << " at '"
                         << error->path << "': " << error->message);
    return client_message{std::nullopt, ping_request{}};
  }
  return std::get<client_message>(std::move(result));
}

template <class T>
T accept_as(std::string_view text, const parse_options& options = {}) {
  auto result = parse_client_message(text, options);
  if (auto error = std::get_if<parse_error>(&result)) {
    CAF_ERROR("refused " << excerpt(text) << " with " << name_of(error->code) << " at '"
                         << error->path << "': " << error->message);
    return T{};
  }
  const auto& body = std::get<client_message>(result).body;
  if (auto x = std::get_if<T>(&body))
    return *x;
  CAF_ERROR("parsed " << excerpt(text) << " as " << std::string{type_name(body)});
  return T{};
}

parse_error refuse(std::string_view text, const parse_options& options = {}) {
  auto result = parse_client_message(text, options);
  if (auto error = std::get_if<parse_error>(&result))
    return *error;
  CAF_ERROR("accepted " << excerpt(text) << " as "
                        << std::string{type_name(std::get<client_message>(result).body)});
  return parse_error{error_code::internal, "accepted", "<accepted>", "", std::nullopt};
}

// A macro rather than a function so that a failed check names the caller's line.
#define CHECK_REFUSED(text, expected_code, expected_path)                                          \
  do {                                                                                             \
    auto refused_ = refuse(text);                                                                  \
    CAF_CHECK_EQUAL(name_of(refused_.code), expected_code);                                        \
    CAF_CHECK_EQUAL(refused_.path, expected_path);                                                 \
  } while (false)

// -- reading encoded frames ----------------------------------------------------

std::optional<json::value> read_json(std::string_view text) {
  json::error_code ec;
  auto value = json::parse(json::string_view{text.data(), text.size()}, ec);
  if (ec)
    return std::nullopt;
  return value;
}

bool is_json(std::string_view text) {
  return read_json(text).has_value();
}

/// Equal as JSON values (key order and whitespace aside).
bool same_json(std::string_view x, std::string_view y) {
  auto a = read_json(x);
  auto b = read_json(y);
  return a && b && *a == *b;
}

/// Reads a frame back as a client would.
json::object decode(const std::string& text) {
  auto value = read_json(text);
  if (!value || !value->is_object()) {
    CAF_ERROR("not a JSON object: " << excerpt(text));
    return {};
  }
  return std::move(value->as_object());
}

// Accessors that never throw: a missing field shows up as a failed check with
// a readable value rather than as an exception that ends the run.

const json::value& at(const json::value& x, std::string_view key) {
  static const json::value missing;
  auto member = x.is_object() ? x.get_object().if_contains(key) : nullptr;
  return member != nullptr ? *member : missing;
}

const json::value& at(const json::object& x, std::string_view key) {
  static const json::value missing;
  auto member = x.if_contains(key);
  return member != nullptr ? *member : missing;
}

std::string str(const json::value& x) {
  if (x.is_string())
    return std::string{x.get_string()};
  return "<not a string: " + json::serialize(x) + ">";
}

std::int64_t num(const json::value& x) {
  if (x.is_int64())
    return x.get_int64();
  if (x.is_uint64() && x.get_uint64() <= std::uint64_t{INT64_MAX})
    return static_cast<std::int64_t>(x.get_uint64());
  return std::numeric_limits<std::int64_t>::min();
}

/// Sorted member names: shows both missing and unexpected fields at once.
std::vector<std::string> keys(const json::object& x) {
  std::vector<std::string> result;
  for (const auto& member : x)
    result.emplace_back(member.key());
  std::sort(result.begin(), result.end());
  return result;
}

std::vector<std::string> keys(const json::value& x) {
  return x.is_object() ? keys(x.get_object()) : std::vector<std::string>{"<not an object>"};
}

// -- shared test data ----------------------------------------------------------

/// Every type a client may send, with a minimal valid payload.
const std::vector<std::pair<std::string, std::string>>& minimal_frames() {
  static const std::vector<std::pair<std::string, std::string>> result{
    {"room:join", frame("room:join", R"({"roomId":"r"})")},
    {"room:leave", frame("room:leave", R"({"roomId":"r"})")},
    {"room:state", frame("room:state", R"({"roomId":"r"})")},
    {"sdp:offer", frame("sdp:offer", R"({"roomId":"r","to":"b","sdp":{"type":"offer","sdp":""}})")},
    {"sdp:answer",
     frame("sdp:answer", R"({"roomId":"r","to":"b","sdp":{"type":"answer","sdp":""}})")},
    {"ice:candidate", frame("ice:candidate", R"({"roomId":"r","candidate":null})")},
    {"room:message", frame("room:message", R"({"roomId":"r","data":1})")},
    {"ping", R"({"type":"ping"})"},
    {"auth:request", frame("auth:request", R"({"token":"t"})")},
    {"auth:refresh", frame("auth:refresh", R"({"token":"t"})")},
    {"session:resume", frame("session:resume", R"({"resumeToken":"t"})")},
    {"turn:credentials", R"({"type":"turn:credentials"})"},
  };
  return result;
}

/// The types that carry payload.roomId, with the rest of a valid payload.
const std::vector<std::pair<std::string, std::string>>& room_types() {
  static const std::vector<std::pair<std::string, std::string>> result{
    {"room:join", ""},
    {"room:leave", ""},
    {"room:state", ""},
    {"sdp:offer", R"(,"to":"b","sdp":{"type":"offer","sdp":""})"},
    {"sdp:answer", R"(,"to":"b","sdp":{"type":"answer","sdp":""})"},
    {"ice:candidate", R"(,"candidate":null)"},
    {"room:message", R"(,"data":1)"},
  };
  return result;
}

const std::vector<std::pair<error_code, std::string>>& all_codes() {
  static const std::vector<std::pair<error_code, std::string>> result{
    {error_code::invalid_message, "INVALID_MESSAGE"},
    {error_code::unknown_type, "UNKNOWN_TYPE"},
    {error_code::message_too_large, "MESSAGE_TOO_LARGE"},
    {error_code::unauthorized, "UNAUTHORIZED"},
    {error_code::forbidden, "FORBIDDEN"},
    {error_code::unavailable, "UNAVAILABLE"},
    {error_code::room_not_found, "ROOM_NOT_FOUND"},
    {error_code::room_full, "ROOM_FULL"},
    {error_code::too_many_rooms, "TOO_MANY_ROOMS"},
    {error_code::not_in_room, "NOT_IN_ROOM"},
    {error_code::peer_not_found, "PEER_NOT_FOUND"},
    {error_code::rate_limited, "RATE_LIMITED"},
    {error_code::session_not_found, "SESSION_NOT_FOUND"},
    {error_code::internal, "INTERNAL"},
  };
  return result;
}

constexpr std::int64_t now = 1763769600000;

/// Checks the envelope every server frame shares and returns its payload.
json::object open_frame(const std::string& text, const std::string& type,
                        std::string_view correlation_id = {}) {
  auto frame = decode(text);
  std::vector<std::string> expected_keys{"payload", "timestamp", "type"};
  if (!correlation_id.empty())
    expected_keys.insert(expected_keys.begin(), "correlationId");
  CAF_CHECK_EQUAL(keys(frame), expected_keys);
  CAF_CHECK_EQUAL(str(at(frame, "type")), type);
  CAF_CHECK_EQUAL(num(at(frame, "timestamp")), now);
  if (!correlation_id.empty())
    CAF_CHECK_EQUAL(str(at(frame, "correlationId")), std::string{correlation_id});
  const auto& payload = at(frame, "payload");
  CAF_CHECK(payload.is_object());
  return payload.is_object() ? payload.get_object() : json::object{};
}

} // namespace

// -- client messages: valid ----------------------------------------------------

CAF_TEST(room join carries every optional field) {
  auto text = R"({"type":"room:join","payload":{"roomId":"team-42.standup:2025_11",)"
              R"("displayName":"Ada","metadata":{"topic":"standup","tags":["a","b"],"n":3},)"
              R"("create":false,"maxPeers":4},"timestamp":1763769600000,"correlationId":"c-17"})";
  auto message = accept(text);
  CAF_CHECK_EQUAL(or_none(message.correlation_id), "c-17");
  auto join = accept_as<join_request>(text);
  CAF_CHECK_EQUAL(join.room_id, "team-42.standup:2025_11");
  CAF_CHECK_EQUAL(join.display_name, "Ada");
  CAF_CHECK(same_json(join.metadata_json, R"({"topic":"standup","tags":["a","b"],"n":3})"));
  CAF_CHECK_EQUAL(join.create, false);
  CAF_CHECK_EQUAL(join.max_peers, 4u);
}

CAF_TEST(room join without optional fields gets the documented defaults) {
  auto join = accept_as<join_request>(frame("room:join", R"({"roomId":"r"})"));
  CAF_CHECK_EQUAL(join.room_id, "r");
  CAF_CHECK_EQUAL(join.display_name, "");
  CAF_CHECK_EQUAL(join.metadata_json, "{}");
  CAF_CHECK_EQUAL(join.create, true);
  // 0 tells the room to apply the server's default rather than a client's choice.
  CAF_CHECK_EQUAL(join.max_peers, 0u);
}

CAF_TEST(null optional fields read as not given) {
  // JavaScript clients often send `undefined`-turned-null rather than leaving keys out.
  auto join = accept_as<join_request>(
    frame("room:join",
          R"({"roomId":"r","displayName":null,"metadata":null,"create":null,"maxPeers":null})"));
  CAF_CHECK_EQUAL(join.display_name, "");
  CAF_CHECK_EQUAL(join.metadata_json, "{}");
  CAF_CHECK_EQUAL(join.create, true);
  CAF_CHECK_EQUAL(join.max_peers, 0u);
  auto message = accept(R"({"type":"ping","payload":null,"correlationId":null,"timestamp":null})");
  CAF_CHECK_EQUAL(or_none(message.correlation_id), "<none>");
  auto ice = accept_as<relay_request>(
    frame("ice:candidate", R"({"roomId":"r","to":null,"candidate":{"candidate":"c"}})"));
  CAF_CHECK_EQUAL(ice.to, "");
}

CAF_TEST(room leave and room state carry the room id) {
  CAF_CHECK_EQUAL(accept_as<leave_request>(frame("room:leave", R"({"roomId":"a.b"})")).room_id,
                  "a.b");
  CAF_CHECK_EQUAL(accept_as<state_request>(frame("room:state", R"({"roomId":"c:d"})")).room_id,
                  "c:d");
}

CAF_TEST(sdp offer and answer carry the target and the sdp object) {
  auto sdp = R"({"type":"offer","sdp":"v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"})";
  auto offer = accept_as<relay_request>(
    frame("sdp:offer", std::string{R"({"roomId":"r","to":"peer-b","sdp":)"} + sdp + "}"));
  CAF_CHECK_EQUAL(kind_name(offer.kind), "sdp:offer");
  CAF_CHECK_EQUAL(offer.room_id, "r");
  CAF_CHECK_EQUAL(offer.to, "peer-b");
  CAF_CHECK(same_json(offer.content_json, sdp));
  auto answer = accept_as<relay_request>(
    frame("sdp:answer", R"({"roomId":"r","to":"peer-a","sdp":{"type":"answer","sdp":"v=0"}})"));
  CAF_CHECK_EQUAL(kind_name(answer.kind), "sdp:answer");
  CAF_CHECK_EQUAL(answer.to, "peer-a");
  CAF_CHECK(same_json(answer.content_json, R"({"type":"answer","sdp":"v=0"})"));
}

CAF_TEST(ice candidate with a candidate object and a target) {
  // The shape RTCIceCandidate.toJSON() gives, nulls included.
  auto candidate = R"({"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host",)"
                   R"("sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"})";
  auto ice = accept_as<relay_request>(frame(
    "ice:candidate", std::string{R"({"roomId":"r","to":"b","candidate":)"} + candidate + "}"));
  CAF_CHECK_EQUAL(kind_name(ice.kind), "ice:candidate");
  CAF_CHECK_EQUAL(ice.room_id, "r");
  CAF_CHECK_EQUAL(ice.to, "b");
  CAF_CHECK(same_json(ice.content_json, candidate));
  auto nulls = R"({"candidate":"c","sdpMid":null,"sdpMLineIndex":null,"usernameFragment":null})";
  auto with_nulls = accept_as<relay_request>(
    frame("ice:candidate", std::string{R"({"roomId":"r","candidate":)"} + nulls + "}"));
  CAF_CHECK(same_json(with_nulls.content_json, nulls));
}

CAF_TEST(ice candidate without a target goes to every other member) {
  auto ice = accept_as<relay_request>(
    frame("ice:candidate", R"({"roomId":"r","candidate":{"candidate":"c"}})"));
  CAF_CHECK_EQUAL(ice.to, "");
  CAF_CHECK(same_json(ice.content_json, R"({"candidate":"c"})"));
}

CAF_TEST(a null ice candidate marks the end of candidates) {
  auto ice = accept_as<relay_request>(frame("ice:candidate", R"({"roomId":"r","candidate":null})"));
  CAF_CHECK_EQUAL(kind_name(ice.kind), "ice:candidate");
  CAF_CHECK_EQUAL(ice.content_json, "null");
  auto targeted =
    accept_as<relay_request>(frame("ice:candidate", R"({"roomId":"r","to":"b","candidate":null})"));
  CAF_CHECK_EQUAL(targeted.to, "b");
  CAF_CHECK_EQUAL(targeted.content_json, "null");
}

CAF_TEST(room message relays any JSON value as data) {
  const std::vector<std::string> values{
    R"("hello")",
    R"("")",
    "0",
    "-17",
    "3.25",
    "true",
    "false",
    "null",
    "[]",
    "{}",
    R"([1,"two",{"three":[3]},null])",
    R"({"chat":{"text":"h\u00e9llo \ud83d\ude00","at":1763769600000},"tags":["a"]})",
    R"("quote \" backslash \\ slash \/ newline \n tab \t nul \u0000")",
  };
  for (const auto& value : values) {
    auto message = accept_as<relay_request>(frame("room:message", with_room(R"("data":)" + value)));
    CAF_CHECK_EQUAL(kind_name(message.kind), "room:message");
    CAF_CHECK_EQUAL(message.to, "");
    if (!same_json(message.content_json, value))
      CAF_ERROR("data " << value << " came out as " << message.content_json);
  }
  auto targeted =
    accept_as<relay_request>(frame("room:message", R"({"roomId":"r","to":"b","data":{"x":1}})"));
  CAF_CHECK_EQUAL(targeted.to, "b");
  CAF_CHECK(same_json(targeted.content_json, R"({"x":1})"));
}

CAF_TEST(relayed content keeps unknown inner fields) {
  // PROTOCOL.md: relayed content arrives "unknown inner fields included", so
  // a newer browser's additions survive an older server.
  auto sdp = R"({"type":"offer","sdp":"v=0","x-future":{"a":[1,2]}})";
  auto offer = accept_as<relay_request>(
    frame("sdp:offer", std::string{R"({"roomId":"r","to":"b","sdp":)"} + sdp + "}"));
  CAF_CHECK(same_json(offer.content_json, sdp));
  auto candidate = R"({"candidate":"c","relayProtocol":"udp","url":"stun:x","extra":null})";
  auto ice = accept_as<relay_request>(
    frame("ice:candidate", std::string{R"({"roomId":"r","candidate":)"} + candidate + "}"));
  CAF_CHECK(same_json(ice.content_json, candidate));
}

CAF_TEST(connection messages parse with their fields) {
  CAF_CHECK(std::holds_alternative<ping_request>(accept(R"({"type":"ping"})").body));
  CAF_CHECK_EQUAL(accept_as<auth_request>(frame("auth:request", R"({"token":"eyJ.a.b"})")).token,
                  "eyJ.a.b");
  CAF_CHECK_EQUAL(
    accept_as<auth_refresh_request>(frame("auth:refresh", R"({"token":"eyJ.c.d"})")).token,
    "eyJ.c.d");
  CAF_CHECK_EQUAL(
    accept_as<session_resume_request>(frame("session:resume", R"({"resumeToken":"rt-1"})"))
      .resume_token,
    "rt-1");
  CAF_CHECK(std::holds_alternative<turn_credentials_request>(
    accept(R"({"type":"turn:credentials"})").body));
}

CAF_TEST(payload may be omitted or empty for types that take none) {
  for (auto text : {R"({"type":"ping"})", R"({"type":"ping","payload":{}})",
                    R"({"type":"ping","payload":null})", R"({"type":"turn:credentials"})",
                    R"({"type":"turn:credentials","payload":{}})"})
    accept(text);
}

CAF_TEST(unknown fields are ignored at every level) {
  auto join = accept_as<join_request>(
    R"({"type":"room:join","version":2,"payload":{"roomId":"r","future":[1,{"x":null}]},)"
    R"("extra":{"deep":{"er":true}}})");
  CAF_CHECK_EQUAL(join.room_id, "r");
  accept(R"({"type":"ping","payload":{"anything":"goes"}})");
}

CAF_TEST(correlation ids of 1 and 128 characters are carried) {
  const std::string longest(max_correlation_id_length, 'c');
  CAF_CHECK_EQUAL(or_none(accept(R"({"type":"ping","correlationId":"x"})").correlation_id), "x");
  CAF_CHECK_EQUAL(
    or_none(accept(R"({"type":"ping","correlationId":")" + longest + R"("})").correlation_id),
    longest);
  CAF_CHECK_EQUAL(or_none(accept(R"({"type":"ping"})").correlation_id), "<none>");
}

CAF_TEST(timestamp is optional and informative only) {
  for (auto timestamp : {"1763769600000", "0", "-1", "1.5", "1e3"})
    accept(std::string{R"({"type":"ping","timestamp":)"} + timestamp + "}");
}

CAF_TEST(escaped strings are decoded) {
  auto join = accept_as<join_request>(
    frame("room:join",
          R"({"roomId":"\u0061b\u002Dc","displayName":"A \"q\" \\ \/ \n \u00e9 \ud83d\ude00"})"));
  CAF_CHECK_EQUAL(join.room_id, "ab-c");
  CAF_CHECK_EQUAL(join.display_name, "A \"q\" \\ / \n \xc3\xa9 \xf0\x9f\x98\x80");
  auto type_escaped = accept(R"({"type":"p\u0069ng"})");
  CAF_CHECK(std::holds_alternative<ping_request>(type_escaped.body));
  // An escape cannot smuggle a character outside the room id alphabet past the check.
  CHECK_REFUSED(frame("room:leave", R"({"roomId":"a\u0000b"})"), "INVALID_MESSAGE",
                "payload.roomId");
  CHECK_REFUSED(frame("room:leave", R"({"roomId":"a\/b"})"), "INVALID_MESSAGE", "payload.roomId");
}

CAF_TEST(the message type agrees with type_name of the parsed body) {
  for (const auto& [type, text] : minimal_frames())
    CAF_CHECK_EQUAL(std::string{type_name(accept(text).body)}, type);
}

CAF_TEST(frames larger than the parser stack buffer parse correctly) {
  // The parser starts in a 4 KiB stack buffer; bigger frames must spill over cleanly.
  const std::string text(max_data_bytes - 2, 'x');
  auto message =
    accept_as<relay_request>(frame("room:message", with_room(R"("data":")" + text + "\"")));
  CAF_CHECK_EQUAL(message.content_json, "\"" + text + "\"");
  std::string many_fields = R"({"roomId":"r")";
  for (int i = 0; i < 500; ++i)
    many_fields += ",\"unknown" + std::to_string(i) + "\":[" + std::to_string(i) + "]";
  many_fields += "}";
  CAF_CHECK_EQUAL(accept_as<state_request>(frame("room:state", many_fields)).room_id, "r");
}

// -- client messages: invalid envelope -----------------------------------------

CAF_TEST(frames that are not JSON objects are INVALID_MESSAGE without a path) {
  const std::vector<std::string> frames{
    "",
    "   ",
    "hello",
    "{",
    R"({"type":"ping")",
    R"({"type":"ping",})",
    R"({'type':'ping'})",
    R"({type:"ping"})",
    R"({"type":"ping"/* comment */})",
    R"({"type":"ping"} trailing)",
    R"({"type":"ping"}{"type":"ping"})",
    R"([{"type":"ping"}])",
    "[]",
    "42",
    "-1.5e3",
    R"("ping")",
    "null",
    "true",
    "\xef\xbb\xbf{\"type\":\"ping\"}",
    std::string("{\"type\":\"ping\"}\0", 16),
  };
  for (const auto& text : frames) {
    auto error = refuse(text);
    CAF_CHECK_EQUAL(name_of(error.code), "INVALID_MESSAGE");
    CAF_CHECK_EQUAL(error.path, "");
    CAF_CHECK_EQUAL(error.request_type, "");
    CAF_CHECK_EQUAL(or_none(error.correlation_id), "<none>");
    CAF_CHECK(!error.message.empty());
  }
}

CAF_TEST(type must be a non empty string) {
  CHECK_REFUSED(R"({})", "INVALID_MESSAGE", "type");
  CHECK_REFUSED(R"({"payload":{"roomId":"r"}})", "INVALID_MESSAGE", "type");
  CHECK_REFUSED(R"({"type":null})", "INVALID_MESSAGE", "type");
  CHECK_REFUSED(R"({"type":7})", "INVALID_MESSAGE", "type");
  CHECK_REFUSED(R"({"type":true})", "INVALID_MESSAGE", "type");
  CHECK_REFUSED(R"({"type":["ping"]})", "INVALID_MESSAGE", "type");
  CHECK_REFUSED(R"({"type":{"name":"ping"}})", "INVALID_MESSAGE", "type");
  CHECK_REFUSED(R"({"type":""})", "INVALID_MESSAGE", "type");
  // Over-long strings are INVALID_MESSAGE (PROTOCOL.md), even where the name is also unknown.
  CHECK_REFUSED(R"({"type":")" + std::string(max_type_length + 1, 'x') + R"("})", "INVALID_MESSAGE",
                "type");
}

CAF_TEST(types outside the protocol are UNKNOWN_TYPE and named in the error) {
  for (auto type : {"foo", "ROOM:JOIN", "room:join ", " ping", "room", "room:", "sdp:pranswer",
                    "pong", "room:closed"}) {
    auto error = refuse(std::string{R"({"type":")"} + type + R"(","correlationId":"c"})");
    CAF_CHECK_EQUAL(name_of(error.code), "UNKNOWN_TYPE");
    CAF_CHECK_EQUAL(error.path, "type");
    CAF_CHECK_EQUAL(error.request_type, type);
    CAF_CHECK_EQUAL(or_none(error.correlation_id), "c");
  }
}

CAF_TEST(an unknown type is UNKNOWN_TYPE whatever its payload) {
  auto error = refuse(R"({"type":"foo","payload":5})");
  CAF_CHECK_EQUAL(name_of(error.code), "UNKNOWN_TYPE");
  CAF_CHECK_EQUAL(error.path, "type");
}

CAF_TEST(server only types sent by a client are UNKNOWN_TYPE) {
  for (auto type : {"connected", "auth:response", "auth:expiring", "session:resumed", "room:joined",
                    "room:left", "peer:joined", "peer:left", "peer:reconnecting", "peer:resumed",
                    "room:closed", "ack", "error", "server:shutdown"}) {
    // A plausible payload: the verdict must depend on the type alone.
    auto error =
      refuse(std::string{R"({"type":")"} + type + R"(","payload":{"roomId":"r","peerId":"p"}})");
    CAF_CHECK_EQUAL(name_of(error.code), "UNKNOWN_TYPE");
    CAF_CHECK_EQUAL(error.path, "type");
    CAF_CHECK_EQUAL(error.request_type, type);
  }
}

CAF_TEST(a malformed correlation id is named and never echoed) {
  const auto too_long = '"' + std::string(max_correlation_id_length + 1, 'c') + '"';
  const std::vector<std::string> ids{"17", "true", "{}", R"(["c"])", R"("")", too_long};
  for (const auto& id : ids) {
    auto error =
      refuse(R"({"type":"room:join","payload":{"roomId":"r"},"correlationId":)" + id + "}");
    CAF_CHECK_EQUAL(name_of(error.code), "INVALID_MESSAGE");
    CAF_CHECK_EQUAL(error.path, "correlationId");
    // Echoing it would break the 1-128 character promise on the reply.
    CAF_CHECK_EQUAL(or_none(error.correlation_id), "<none>");
  }
}

CAF_TEST(a valid correlation id is echoed with every later failure) {
  auto with_id = [](std::string_view body) {
    return R"({"correlationId":"c-9",)" + std::string{body} + "}";
  };
  auto missing_type = refuse(with_id(R"("payload":{})"));
  CAF_CHECK_EQUAL(missing_type.path, "type");
  CAF_CHECK_EQUAL(or_none(missing_type.correlation_id), "c-9");
  CAF_CHECK_EQUAL(missing_type.request_type, "");
  auto unknown = refuse(with_id(R"("type":"nope")"));
  CAF_CHECK_EQUAL(name_of(unknown.code), "UNKNOWN_TYPE");
  CAF_CHECK_EQUAL(or_none(unknown.correlation_id), "c-9");
  auto bad_timestamp = refuse(with_id(R"("type":"ping","timestamp":"now")"));
  CAF_CHECK_EQUAL(bad_timestamp.path, "timestamp");
  CAF_CHECK_EQUAL(or_none(bad_timestamp.correlation_id), "c-9");
  auto missing_room = refuse(with_id(R"("type":"room:join","payload":{})"));
  CAF_CHECK_EQUAL(missing_room.path, "payload.roomId");
  CAF_CHECK_EQUAL(missing_room.request_type, "room:join");
  CAF_CHECK_EQUAL(or_none(missing_room.correlation_id), "c-9");
  auto deep_field = refuse(
    with_id(R"("type":"sdp:answer","payload":{"roomId":"r","to":"b","sdp":{"type":"offer"}})"));
  CAF_CHECK_EQUAL(deep_field.path, "payload.sdp.type");
  CAF_CHECK_EQUAL(deep_field.request_type, "sdp:answer");
  CAF_CHECK_EQUAL(or_none(deep_field.correlation_id), "c-9");
}

CAF_TEST(timestamp must be a number) {
  for (auto timestamp : {R"("1763769600000")", "true", "{}", "[1]"})
    CHECK_REFUSED(std::string{R"({"type":"ping","timestamp":)"} + timestamp + "}",
                  "INVALID_MESSAGE", "timestamp");
}

CAF_TEST(payload must be an object) {
  for (auto payload : {"[]", R"("r")", "1", "true", R"([{"roomId":"r"}])"}) {
    CHECK_REFUSED(frame("room:join", payload), "INVALID_MESSAGE", "payload");
    CHECK_REFUSED(frame("ping", payload), "INVALID_MESSAGE", "payload");
  }
}

// -- client messages: invalid fields -------------------------------------------

CAF_TEST(every room message requires a valid room id) {
  const std::string longest(max_room_id_length, 'a');
  for (const auto& [type, rest] : room_types()) {
    auto payload = [&rest = rest](std::string_view room_member) {
      auto body = std::string{room_member} + rest;
      return "{" + (body.rfind(',', 0) == 0 ? body.substr(1) : body) + "}";
    };
    CAF_MESSAGE(type);
    accept(frame(type, payload(R"("roomId":")" + longest + "\"")));
    accept(frame(type, payload(R"("roomId":"AZaz09._:-")")));
    CHECK_REFUSED(frame(type, payload("")), "INVALID_MESSAGE", "payload.roomId");
    CHECK_REFUSED(frame(type, payload(R"("roomId":null)")), "INVALID_MESSAGE", "payload.roomId");
    CHECK_REFUSED(frame(type, payload(R"("roomId":42)")), "INVALID_MESSAGE", "payload.roomId");
    CHECK_REFUSED(frame(type, payload(R"("roomId":["r"])")), "INVALID_MESSAGE", "payload.roomId");
    CHECK_REFUSED(frame(type, payload(R"("roomId":"")")), "INVALID_MESSAGE", "payload.roomId");
    CHECK_REFUSED(frame(type, payload(R"("roomId":")" + longest + "a\"")), "INVALID_MESSAGE",
                  "payload.roomId");
    for (auto bad : {"a b", "a/b", "a@b", "a+b", "a#b", "a\\\\b", "caf\xc3\xa9", "a\\tb", "%41"})
      CHECK_REFUSED(frame(type, payload(std::string{R"("roomId":")"} + bad + "\"")),
                    "INVALID_MESSAGE", "payload.roomId");
    // Without a payload the missing field is still named under "payload".
    CHECK_REFUSED(R"({"type":")" + type + R"("})", "INVALID_MESSAGE", "payload.roomId");
  }
}

CAF_TEST(string lengths count characters not bytes) {
  // 128 two-byte characters are 256 bytes and still within "1-128 chars".
  std::string accents;
  for (int i = 0; i < 128; ++i)
    accents += "\xc3\xa9";
  auto longest = accept(R"({"type":"ping","correlationId":")" + accents + R"("})");
  CAF_CHECK_EQUAL(or_none(longest.correlation_id), accents);
  auto joined =
    accept_as<join_request>(frame("room:join", with_room(R"("displayName":")" + accents + R"(")")));
  CAF_CHECK_EQUAL(joined.display_name, accents);
  CHECK_REFUSED(R"({"type":"ping","correlationId":")" + accents + "\xc3\xa9\"}", "INVALID_MESSAGE",
                "correlationId");
}

CAF_TEST(display name must be a string of 1 to 128 characters) {
  auto join = [](std::string_view display_name) {
    return frame("room:join", with_room(R"("displayName":)" + std::string{display_name}));
  };
  const std::string longest(max_display_name_length, 'n');
  CAF_CHECK_EQUAL(accept_as<join_request>(join('"' + longest + '"')).display_name, longest);
  CHECK_REFUSED(join('"' + longest + "n\""), "INVALID_MESSAGE", "payload.displayName");
  CHECK_REFUSED(join(R"("")"), "INVALID_MESSAGE", "payload.displayName");
  CHECK_REFUSED(join("7"), "INVALID_MESSAGE", "payload.displayName");
  CHECK_REFUSED(join(R"({"first":"Ada"})"), "INVALID_MESSAGE", "payload.displayName");
}

CAF_TEST(metadata must be an object of at most 4 KiB) {
  auto join = [](std::string_view metadata) {
    return frame("room:join", with_room(R"("metadata":)" + std::string{metadata}));
  };
  for (auto metadata : {"[]", "[1]", R"("m")", "3", "true"})
    CHECK_REFUSED(join(metadata), "INVALID_MESSAGE", "payload.metadata");
  // {"k":"..."} is 8 bytes around its text.
  const std::string fits = R"({"k":")" + std::string(max_metadata_bytes - 8, 'm') + R"("})";
  const std::string too_big = R"({"k":")" + std::string(max_metadata_bytes - 7, 'm') + R"("})";
  CAF_CHECK_EQUAL(accept_as<join_request>(join(fits)).metadata_json.size(), max_metadata_bytes);
  CHECK_REFUSED(join(too_big), "INVALID_MESSAGE", "payload.metadata");
  // Whether a client's whitespace counts is the parser's choice, but whatever
  // it keeps is embedded in every room:joined, so the kept text must fit.
  const std::string padded = "{ \"k\" :   \"" + std::string(max_metadata_bytes - 8, 'm') + "\"   }";
  auto result = parse_client_message(join(padded), parse_options{});
  if (auto error = std::get_if<parse_error>(&result)) {
    CAF_CHECK_EQUAL(error->path, "payload.metadata");
  } else {
    const auto& kept = std::get<join_request>(std::get<client_message>(result).body).metadata_json;
    CAF_CHECK_LESS_OR_EQUAL(kept.size(), max_metadata_bytes);
    CAF_CHECK(same_json(kept, fits));
  }
  CAF_CHECK(
    same_json(accept_as<join_request>(join(R"({"a":{"b":[1,2,{"c":null}]}})")).metadata_json,
              R"({"a":{"b":[1,2,{"c":null}]}})"));
}

CAF_TEST(create must be a boolean) {
  CAF_CHECK_EQUAL(accept_as<join_request>(frame("room:join", with_room(R"("create":true)"))).create,
                  true);
  for (auto create : {R"("false")", "0", "1", "[]"})
    CHECK_REFUSED(frame("room:join", with_room(std::string{R"("create":)"} + create)),
                  "INVALID_MESSAGE", "payload.create");
}

CAF_TEST(max peers must be an integer from 2 to the ceiling) {
  auto join = [](std::string_view max_peers) {
    return frame("room:join", with_room(R"("maxPeers":)" + std::string{max_peers}));
  };
  auto ceiling = std::to_string(default_max_peers_ceiling);
  CAF_CHECK_EQUAL(accept_as<join_request>(join("2")).max_peers, 2u);
  CAF_CHECK_EQUAL(accept_as<join_request>(join(ceiling)).max_peers, default_max_peers_ceiling);
  // JSON has one number type: 10.0 and 1e1 are the integer 10.
  CAF_CHECK_EQUAL(accept_as<join_request>(join("10.0")).max_peers, 10u);
  CAF_CHECK_EQUAL(accept_as<join_request>(join("1e1")).max_peers, 10u);
  const std::vector<std::string> refused{
    "0", // would otherwise read as "not given"
    "1",
    "-1",
    std::to_string(default_max_peers_ceiling + 1),
    "4294967298", // 2 modulo 2^32: must not wrap into range
    "18446744073709551615",
    "-9223372036854775808",
    "2.5",
    "1e-1",
    R"("10")",
    "true",
    "[10]",
    "{}",
  };
  for (const auto& max_peers : refused)
    CHECK_REFUSED(join(max_peers), "INVALID_MESSAGE", "payload.maxPeers");
}

CAF_TEST(the max peers ceiling comes from the parse options) {
  CAF_CHECK_EQUAL(parse_options{}.max_peers_ceiling, default_max_peers_ceiling);
  parse_options options;
  options.max_peers_ceiling = 50;
  auto join = [](int max_peers) {
    return frame("room:join", with_room(R"("maxPeers":)" + std::to_string(max_peers)));
  };
  CAF_CHECK_EQUAL(accept_as<join_request>(join(50), options).max_peers, 50u);
  auto error = refuse(join(51), options);
  CAF_CHECK_EQUAL(name_of(error.code), "INVALID_MESSAGE");
  CAF_CHECK_EQUAL(error.path, "payload.maxPeers");
}

CAF_TEST(sdp relays require a target and an sdp object of the matching type) {
  auto offer = [](std::string_view members) { return frame("sdp:offer", with_room(members)); };
  auto sdp = std::string{R"("sdp":{"type":"offer","sdp":"v=0"})"};
  CHECK_REFUSED(offer(sdp), "INVALID_MESSAGE", "payload.to");
  CHECK_REFUSED(offer(R"("to":null,)" + sdp), "INVALID_MESSAGE", "payload.to");
  CHECK_REFUSED(offer(R"("to":7,)" + sdp), "INVALID_MESSAGE", "payload.to");
  CHECK_REFUSED(offer(R"("to":"",)" + sdp), "INVALID_MESSAGE", "payload.to");
  CHECK_REFUSED(offer(R"("to":")" + std::string(max_peer_id_length + 1, 'p') + R"(",)" + sdp),
                "INVALID_MESSAGE", "payload.to");
  CHECK_REFUSED(offer(R"("to":"b")"), "INVALID_MESSAGE", "payload.sdp");
  CHECK_REFUSED(offer(R"("to":"b","sdp":null)"), "INVALID_MESSAGE", "payload.sdp");
  CHECK_REFUSED(offer(R"("to":"b","sdp":"v=0")"), "INVALID_MESSAGE", "payload.sdp");
  CHECK_REFUSED(offer(R"("to":"b","sdp":[])"), "INVALID_MESSAGE", "payload.sdp");
  CHECK_REFUSED(offer(R"("to":"b","sdp":{"sdp":"v=0"})"), "INVALID_MESSAGE", "payload.sdp.type");
  CHECK_REFUSED(offer(R"("to":"b","sdp":{"type":1,"sdp":"v=0"})"), "INVALID_MESSAGE",
                "payload.sdp.type");
  for (auto type : {"answer", "pranswer", "rollback", "Offer", ""})
    CHECK_REFUSED(offer(std::string{R"("to":"b","sdp":{"sdp":"v=0","type":")"} + type + "\"}"),
                  "INVALID_MESSAGE", "payload.sdp.type");
  CHECK_REFUSED(frame("sdp:answer", with_room(R"("to":"b","sdp":{"type":"offer","sdp":"v=0"})")),
                "INVALID_MESSAGE", "payload.sdp.type");
  CHECK_REFUSED(offer(R"("to":"b","sdp":{"type":"offer"})"), "INVALID_MESSAGE", "payload.sdp.sdp");
  CHECK_REFUSED(offer(R"("to":"b","sdp":{"type":"offer","sdp":5})"), "INVALID_MESSAGE",
                "payload.sdp.sdp");
  accept(offer(R"("to":")" + std::string(max_peer_id_length, 'p') + R"(",)" + sdp));
}

CAF_TEST(ice candidate requires a candidate object or null) {
  auto ice = [](std::string_view members) { return frame("ice:candidate", with_room(members)); };
  CHECK_REFUSED(frame("ice:candidate", R"({"roomId":"r"})"), "INVALID_MESSAGE",
                "payload.candidate");
  CHECK_REFUSED(ice(R"("to":"b")"), "INVALID_MESSAGE", "payload.candidate");
  for (auto candidate : {R"("candidate:1 1 udp")", "[]", "0", "false"})
    CHECK_REFUSED(ice(std::string{R"("candidate":)"} + candidate), "INVALID_MESSAGE",
                  "payload.candidate");
  CHECK_REFUSED(ice(R"("candidate":{})"), "INVALID_MESSAGE", "payload.candidate.candidate");
  CHECK_REFUSED(ice(R"("candidate":{"sdpMid":"0"})"), "INVALID_MESSAGE",
                "payload.candidate.candidate");
  CHECK_REFUSED(ice(R"("candidate":{"candidate":7})"), "INVALID_MESSAGE",
                "payload.candidate.candidate");
  CHECK_REFUSED(ice(R"("candidate":{"candidate":"c","sdpMid":0})"), "INVALID_MESSAGE",
                "payload.candidate.sdpMid");
  for (auto index : {"-1", "0.5", R"("0")", "true"})
    CHECK_REFUSED(
      ice(std::string{R"("candidate":{"candidate":"c","sdpMLineIndex":)"} + index + "}"),
      "INVALID_MESSAGE", "payload.candidate.sdpMLineIndex");
  CHECK_REFUSED(ice(R"("candidate":{"candidate":"c","usernameFragment":1})"), "INVALID_MESSAGE",
                "payload.candidate.usernameFragment");
  CHECK_REFUSED(ice(R"("to":5,"candidate":null)"), "INVALID_MESSAGE", "payload.to");
  CHECK_REFUSED(ice(R"("to":"","candidate":null)"), "INVALID_MESSAGE", "payload.to");
  // An empty candidate string is what browsers send as the end-of-candidates marker too.
  accept(ice(R"("candidate":{"candidate":"","sdpMid":"0","sdpMLineIndex":0})"));
}

CAF_TEST(room message requires data of at most 16 KiB) {
  CHECK_REFUSED(frame("room:message", R"({"roomId":"r"})"), "INVALID_MESSAGE", "payload.data");
  CHECK_REFUSED(frame("room:message", R"({"roomId":"r","to":"b"})"), "INVALID_MESSAGE",
                "payload.data");
  // A string of n characters serializes to n + 2 bytes.
  const std::string fits(max_data_bytes - 2, 'd');
  auto message =
    accept_as<relay_request>(frame("room:message", with_room(R"("data":")" + fits + "\"")));
  CAF_CHECK_EQUAL(message.content_json.size(), max_data_bytes);
  CHECK_REFUSED(frame("room:message", with_room(R"("data":")" + fits + "d\"")), "INVALID_MESSAGE",
                "payload.data");
  std::string big_array = "[0";
  while (big_array.size() <= max_data_bytes)
    big_array += ",0";
  big_array += "]";
  CHECK_REFUSED(frame("room:message", with_room(R"("data":)" + big_array)), "INVALID_MESSAGE",
                "payload.data");
  CHECK_REFUSED(frame("room:message", with_room(R"("to":"","data":1)")), "INVALID_MESSAGE",
                "payload.to");
  CHECK_REFUSED(frame("room:message", with_room(R"("to":[],"data":1)")), "INVALID_MESSAGE",
                "payload.to");
}

CAF_TEST(tokens are required non empty strings of bounded length) {
  const std::string longest(max_token_length, 't');
  for (auto type : {"auth:request", "auth:refresh"}) {
    CAF_MESSAGE(type);
    accept(frame(type, R"({"token":")" + longest + "\"}"));
    CHECK_REFUSED(frame(type, "{}"), "INVALID_MESSAGE", "payload.token");
    CHECK_REFUSED(std::string{R"({"type":")"} + type + "\"}", "INVALID_MESSAGE", "payload.token");
    CHECK_REFUSED(frame(type, R"({"token":""})"), "INVALID_MESSAGE", "payload.token");
    CHECK_REFUSED(frame(type, R"({"token":42})"), "INVALID_MESSAGE", "payload.token");
    CHECK_REFUSED(frame(type, R"({"token":")" + longest + "t\"}"), "INVALID_MESSAGE",
                  "payload.token");
  }
  CHECK_REFUSED(frame("session:resume", "{}"), "INVALID_MESSAGE", "payload.resumeToken");
  CHECK_REFUSED(frame("session:resume", R"({"token":"t"})"), "INVALID_MESSAGE",
                "payload.resumeToken");
  CHECK_REFUSED(frame("session:resume", R"({"resumeToken":""})"), "INVALID_MESSAGE",
                "payload.resumeToken");
  CHECK_REFUSED(frame("session:resume", R"({"resumeToken":{}})"), "INVALID_MESSAGE",
                "payload.resumeToken");
}

// -- client messages: hostile input --------------------------------------------

CAF_TEST(absurd nesting is refused without exhausting the stack) {
  const std::vector<std::string> frames{
    nested_arrays(10'000),
    std::string(10'000, '{'),
    std::string(100'000, '['),
    frame("room:message", with_room(R"("data":)" + nested_arrays(10'000))),
    [] {
      std::string deep;
      for (int i = 0; i < 10'000; ++i)
        deep += R"({"a":)";
      return frame("room:join",
                   with_room(R"("metadata":)" + deep + "1" + std::string(10'000, '}')));
    }(),
  };
  for (const auto& text : frames) {
    auto error = refuse(text);
    CAF_CHECK_EQUAL(name_of(error.code), "INVALID_MESSAGE");
    CAF_CHECK_EQUAL(error.path, "");
  }
}

CAF_TEST(data may nest as deep as the data limit and no deeper) {
  auto data = [](std::size_t depth) {
    return frame("room:message", with_room(R"("data":)" + nested_arrays(depth)));
  };
  CAF_CHECK_GREATER_OR_EQUAL(max_data_depth, 64u);
  accept(data(max_data_depth));
  CHECK_REFUSED(data(max_data_depth + 1), "INVALID_MESSAGE", "");
}

CAF_TEST(a frame nested too deep still names its type and correlationId) {
  auto deep = nested_arrays(max_json_depth + 1);
  auto error = refuse(R"({"correlationId":"c-deep","type":"room:message","payload":{"roomId":"r",)"
                      R"("data":)"
                      + deep + "}}");
  CAF_CHECK_EQUAL(name_of(error.code), "INVALID_MESSAGE");
  CAF_CHECK_EQUAL(error.correlation_id.value_or("(none)"), "c-deep");
  CAF_CHECK_EQUAL(error.request_type, "room:message");
  // After the deep member too, and with the keys in any order.
  error = refuse(R"({"payload":{"data":)" + deep
                 + R"(},"type":"room:message","correlationId":"c-late"})");
  CAF_CHECK_EQUAL(error.correlation_id.value_or("(none)"), "c-late");
  CAF_CHECK_EQUAL(error.request_type, "room:message");
  // A correlationId that is not a valid one is not echoed.
  error = refuse(R"({"correlationId":7,"type":"ping","payload":)" + deep + "}");
  CAF_CHECK(!error.correlation_id.has_value());
  CAF_CHECK_EQUAL(error.request_type, "ping");
}

CAF_TEST(a frame too deep and cut short after a key is invalid and harmless) {
  // Found with tests/fuzz: past the depth limit the text need not be JSON,
  // and the search for the envelope's type and correlationId ran past its
  // end (reading beyond the buffer, or throwing out_of_range).
  auto deep = R"({"a":)" + nested_arrays(max_json_depth + 4);
  for (std::string tail : {R"(,"type")", R"(,"type":)", R"(,"type"  )", R"(,"ty)", R"(,")",
                           R"(,"type":"room:mess)", R"(,"correlationId" "c")"}) {
    // An exact copy, so that a sanitized build sees any read past the end.
    auto text = deep + tail;
    std::unique_ptr<char[]> exact{new char[text.size()]};
    std::copy(text.begin(), text.end(), exact.get());
    auto error = refuse(std::string_view{exact.get(), text.size()});
    CAF_CHECK_EQUAL(name_of(error.code), "INVALID_MESSAGE");
    CAF_CHECK_EQUAL(error.request_type, "");
    CAF_CHECK(!error.correlation_id.has_value());
  }
}

CAF_TEST(numbers beyond the double range get a clean verdict) {
  const std::string digits(400, '9');
  // The timestamp is informative only: any number will do.
  accept(R"({"type":"ping","timestamp":1e999})");
  accept(R"({"type":"ping","timestamp":-1e999})");
  accept(R"({"type":"ping","timestamp":)" + digits + "}");
  accept(R"({"type":"ping","timestamp":1e-999})");
  // Where an integer is required, an infinite one is not an integer.
  for (const auto& max_peers : {std::string{"1e999"}, digits, "-" + digits})
    CHECK_REFUSED(frame("room:join", with_room(R"("maxPeers":)" + max_peers)), "INVALID_MESSAGE",
                  "payload.maxPeers");
  CHECK_REFUSED(frame("ice:candidate", with_room(R"("candidate":{"candidate":"c",)"
                                                 R"("sdpMLineIndex":1e999})")),
                "INVALID_MESSAGE", "payload.candidate.sdpMLineIndex");
}

CAF_TEST(relayed content and metadata stay valid JSON whatever numbers they hold) {
  // PROTOCOL.md relays content "exactly as sent". Boost.JSON 1.81 reads 1e999
  // (or 400 digits) as an infinite double and serializes that as the bare
  // word Infinity, which no JSON parser accepts: one such frame would poison
  // every relay (or, as metadata, every room:joined of the room). Refusing
  // the frame or keeping its original text are both acceptable.
  const std::string digits(400, '9');
  const std::vector<std::string> frames{
    frame("room:message", with_room(R"("data":1e999)")),
    frame("room:message", with_room(R"("data":)" + digits)),
    frame("room:message", with_room(R"("data":{"n":[-1e999]})")),
    frame("sdp:offer", with_room(R"("to":"b","sdp":{"type":"offer","sdp":"v=0","x":1e999})")),
    frame("ice:candidate", with_room(R"("candidate":{"candidate":"c","x":)" + digits + "}")),
    frame("room:join", with_room(R"("metadata":{"n":1e999})")),
  };
  for (const auto& text : frames) {
    auto result = parse_client_message(text, parse_options{});
    if (auto error = std::get_if<parse_error>(&result)) {
      CAF_CHECK_EQUAL(name_of(error->code), "INVALID_MESSAGE");
      continue;
    }
    const auto& body = std::get<client_message>(result).body;
    std::string content;
    std::string encoded;
    if (auto join = std::get_if<join_request>(&body)) {
      content = join->metadata_json;
      encoded = encode(room_joined_reply{"p", {"r", {}, content, now, 10}}, {now, {}});
    } else {
      const auto& relay = std::get<relay_request>(body);
      content = relay.content_json;
      encoded = encode(relay_event{relay.kind, "r", "a", "", content}, {now, {}});
    }
    if (!is_json(content))
      CAF_ERROR("accepted " << excerpt(text) << " and kept its content as " << content);
    CAF_CHECK(is_json(encoded));
  }
}

CAF_TEST(relayed integers keep every digit the sender wrote) {
  // PROTOCOL.md: relayed content arrives exactly as sent. Re-serializing
  // through a double rounds integers beyond 64 bits, which a client outside
  // JavaScript (Python, Go with UseNumber) would have read exactly.
  for (auto digits : {"12345678901234567890123", "99999999999999999999"}) {
    auto relay = accept_as<relay_request>(
      frame("room:message", with_room(R"("data":)" + std::string{digits})));
    CAF_CHECK_EQUAL(relay.content_json, digits);
  }
}

CAF_TEST(relayed content and metadata are the sender own text) {
  // PROTOCOL.md: content arrives "exactly as sent", so spacing, number
  // spelling, escapes, key order and repeated inner keys all survive.
  const std::vector<std::string> contents{
    R"({ "n" : 1.50, "big": 123456789012345678901234567890, "s": "\u00e9\/" })",
    R"([ 1e2, -0, 0.10 , "a\"b\\" ])",
    R"({"z":1,"a":2,"z":3})",
    R"("\ud83d\ude00")",
  };
  for (const auto& content : contents) {
    auto message =
      accept_as<relay_request>(frame("room:message", with_room(R"("data" : )" + content + " ")));
    CAF_CHECK_EQUAL(message.content_json, content);
    auto join =
      accept_as<join_request>(frame("room:join", with_room(R"("metadata":{"v":)" + content + "}")));
    CAF_CHECK_EQUAL(join.metadata_json, R"({"v":)" + content + "}");
  }
  auto sdp = R"({"sdp":"v=0\r\n" , "type":"offer"})";
  auto offer = accept_as<relay_request>(
    frame("sdp:offer", std::string{R"({"roomId":"r","to":"b","sdp":)"} + sdp + "}"));
  CAF_CHECK_EQUAL(offer.content_json, sdp);
  auto candidate = R"({"candidate":"c", "sdpMLineIndex":0e0})";
  auto ice = accept_as<relay_request>(
    frame("ice:candidate", std::string{R"({"roomId":"r","candidate":)"} + candidate + "}"));
  CAF_CHECK_EQUAL(ice.content_json, candidate);
}

CAF_TEST(content extraction is not fooled by lookalike keys) {
  // "data" inside a nested object, inside a string, or as an envelope
  // member must not be mistaken for payload.data.
  auto text = R"({"data":"envelope","type":"room:message","payload":{"roomId":"r",)"
              R"("x":{"data":"nested"},"y":"\"data\":\"in a string\"","z":["data",{"data":0}],)"
              R"("data":{"real":true}},"trailer":{"data":"after"}})";
  CAF_CHECK_EQUAL(accept_as<relay_request>(text).content_json, R"({"real":true})");
  auto metadata = R"({"type":"room:join","metadata":{"wrong":1},"payload":{"roomId":"r",)"
                  R"("displayName":"metadata","metadata":{"right":"}]\\"}}})";
  CAF_CHECK_EQUAL(accept_as<join_request>(metadata).metadata_json, R"({"right":"}]\\"})");
  // Values that end without a delimiter of their own: numbers and literals.
  for (auto value : {"7", "-1.5e-3", "true", "null"}) {
    auto relay = accept_as<relay_request>(
      std::string{R"({"type":"room:message","payload":{"roomId":"r","data":)"} + value + "}}");
    CAF_CHECK_EQUAL(relay.content_json, value);
  }
}

CAF_TEST(frames with repeated or escaped keys still relay valid JSON) {
  // The sender's text is ambiguous here (which "data" counts?), so whatever
  // the parser relays must at least be JSON holding the value it validated.
  const std::vector<std::string> frames{
    R"({"type":"room:message","payload":{"roomId":"r","data":1,"data":2}})",
    R"({"type":"room:message","payload":{"roomId":"r","d\u0061ta":[1]}})",
    R"({"type":"room:message","p\u0061yload":{"roomId":"r","data":{"a":1}}})",
    R"({"type":"room:message","payload":{"roomId":"r"},"payload":{"roomId":"r","data":3}})",
    R"({"type":"room:message","payload":{"roomId":"r","d\u0061ta":1e999}})",
    R"({"type":"room:message","payload":{"roomId":"r","data":1e999,"data":1e999}})",
    R"({"type":"room:join","payload":{"roomId":"r","metadata":{},"metadata":{"n":1e999}}})",
    R"({"type":"sdp:offer","payload":{"roomId":"r","to":"b","sdp":{"type":"answer"},)"
    R"("sdp":{"type":"offer","sdp":""}}})",
  };
  for (const auto& text : frames) {
    auto result = parse_client_message(text, parse_options{});
    if (auto error = std::get_if<parse_error>(&result)) {
      CAF_CHECK_EQUAL(name_of(error->code), "INVALID_MESSAGE");
      continue;
    }
    const auto& body = std::get<client_message>(result).body;
    auto content = std::holds_alternative<join_request>(body)
                     ? std::get<join_request>(body).metadata_json
                     : std::get<relay_request>(body).content_json;
    if (!is_json(content))
      CAF_ERROR("accepted " << excerpt(text) << " and kept its content as " << content);
  }
  // Where the parser accepts a repeated key it must relay the one it checked:
  // an sdp:offer must not carry the "answer" it was never validated against.
  auto offer = parse_client_message(frames.back(), parse_options{});
  if (auto message = std::get_if<client_message>(&offer)) {
    auto content = read_json(std::get<relay_request>(message->body).content_json);
    CAF_CHECK(content && str(at(*content, "type")) == "offer");
  }
}

CAF_TEST(invalid UTF8 is INVALID_MESSAGE) {
  const std::vector<std::string> frames{
    "{\"type\":\"ping\",\"x\":\"\xff\"}",
    "{\"type\":\"ping\",\"x\":\"\xc3\"}",             // truncated sequence
    "{\"type\":\"ping\",\"x\":\"\xc0\xaf\"}",         // overlong '/'
    "{\"type\":\"ping\",\"x\":\"\xed\xa0\x80\"}",     // encoded surrogate
    "{\"type\":\"ping\",\"x\":\"\xf4\x90\x80\x80\"}", // beyond U+10FFFF
    "{\"type\":\"ping\",\"\xfe\":1}",
    "{\"type\":\"room:leave\",\"payload\":{\"roomId\":\"r\xe9\"}}",
    // A lone surrogate escape is refused too: no valid UTF-8 can carry it on.
    R"({"type":"room:message","payload":{"roomId":"r","data":"\ud800"}})",
  };
  for (const auto& text : frames) {
    auto error = refuse(text);
    CAF_CHECK_EQUAL(name_of(error.code), "INVALID_MESSAGE");
    CAF_CHECK_EQUAL(error.path, "");
  }
}

// -- identifiers and names -----------------------------------------------------

CAF_TEST(is_valid_room_id accepts exactly the documented alphabet and length) {
  CAF_CHECK(is_valid_room_id("a"));
  CAF_CHECK(is_valid_room_id("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"));
  CAF_CHECK(is_valid_room_id(std::string(max_room_id_length, 'z')));
  CAF_CHECK(is_valid_room_id("..."));
  CAF_CHECK(!is_valid_room_id(""));
  CAF_CHECK(!is_valid_room_id(std::string(max_room_id_length + 1, 'z')));
  for (int c = 0; c < 256; ++c) {
    auto ch = static_cast<char>(c);
    bool documented = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                      || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':'
                      || ch == '-';
    if (is_valid_room_id(std::string{"a"} + ch) != documented)
      CAF_ERROR("character " << c << " is " << (documented ? "refused" : "accepted"));
  }
}

CAF_TEST(type_name names every client message) {
  CAF_CHECK_EQUAL(std::string{type_name(client_body{join_request{}})}, "room:join");
  CAF_CHECK_EQUAL(std::string{type_name(client_body{leave_request{}})}, "room:leave");
  CAF_CHECK_EQUAL(std::string{type_name(client_body{state_request{}})}, "room:state");
  CAF_CHECK_EQUAL(std::string{type_name(client_body{ping_request{}})}, "ping");
  CAF_CHECK_EQUAL(std::string{type_name(client_body{auth_request{}})}, "auth:request");
  CAF_CHECK_EQUAL(std::string{type_name(client_body{auth_refresh_request{}})}, "auth:refresh");
  CAF_CHECK_EQUAL(std::string{type_name(client_body{session_resume_request{}})}, "session:resume");
  CAF_CHECK_EQUAL(std::string{type_name(client_body{turn_credentials_request{}})},
                  "turn:credentials");
  const std::vector<std::pair<relay_kind, std::string>> kinds{
    {relay_kind::sdp_offer, "sdp:offer"},
    {relay_kind::sdp_answer, "sdp:answer"},
    {relay_kind::ice_candidate, "ice:candidate"},
    {relay_kind::room_message, "room:message"},
  };
  for (const auto& [kind, name] : kinds) {
    CAF_CHECK_EQUAL(kind_name(kind), name);
    relay_request relay;
    relay.kind = kind;
    CAF_CHECK_EQUAL(std::string{type_name(client_body{relay})}, name);
  }
}

CAF_TEST(error codes round trip through their wire names) {
  CAF_CHECK_EQUAL(all_codes().size(), 14u);
  std::vector<int> values;
  for (const auto& [code, name] : all_codes()) {
    CAF_CHECK_EQUAL(name_of(code), name);
    auto back = error_code_from_string(name);
    CAF_CHECK(back.has_value() && *back == code);
    values.push_back(static_cast<int>(code));
  }
  // CAF reads an error code of 0 as "no error", so no protocol error may use it.
  std::sort(values.begin(), values.end());
  CAF_CHECK(std::adjacent_find(values.begin(), values.end()) == values.end());
  CAF_CHECK_GREATER(values.front(), 0);
  for (auto name : {"", "invalid_message", "Invalid_Message", "INVALID_MESSAGE ", "OK", "UNKNOWN"})
    CAF_CHECK(!error_code_from_string(name).has_value());
}

// -- server messages -----------------------------------------------------------

CAF_TEST(connected carries the session parameters) {
  connected_event event{"peer-1", "resume-1", default_heartbeat_ms, true, false, {}, {}};
  auto payload = open_frame(encode(event, {now, {}}), "connected");
  CAF_CHECK_EQUAL(keys(payload),
                  (std::vector<std::string>{"authRequired", "heartbeatIntervalMs", "peerId",
                                            "protocolVersion", "resumeToken", "serverTime"}));
  CAF_CHECK_EQUAL(str(at(payload, "peerId")), "peer-1");
  CAF_CHECK_EQUAL(str(at(payload, "resumeToken")), "resume-1");
  CAF_CHECK_EQUAL(num(at(payload, "heartbeatIntervalMs")), 30000);
  CAF_CHECK_EQUAL(num(at(payload, "serverTime")), now);
  CAF_CHECK_EQUAL(num(at(payload, "protocolVersion")), 1);
  CAF_CHECK(at(payload, "authRequired") == json::value(true));
  event.auth_required = false;
  auto open = open_frame(encode(event, {now, {}}), "connected");
  CAF_CHECK(at(open, "authRequired") == json::value(false));
}

CAF_TEST(connected names the user of a valid upgrade token) {
  connected_event event{"peer-1", "resume-1", 1, true, true, "alice", "Alice"};
  auto payload = open_frame(encode(event, {now, {}}), "connected");
  CAF_CHECK(at(payload, "authenticated") == json::value(true));
  CAF_CHECK_EQUAL(str(at(payload, "userId")), "alice");
  CAF_CHECK_EQUAL(str(at(payload, "displayName")), "Alice");
  event.display_name.clear();
  CAF_CHECK(!open_frame(encode(event, {now, {}}), "connected").contains("displayName"));
}

CAF_TEST(resume and auth messages carry exactly their fields) {
  auto reconnecting =
    open_frame(encode(peer_presence_event{"r", "p", peer_presence::reconnecting}, {now, {}}),
               "peer:reconnecting");
  CAF_CHECK_EQUAL(keys(reconnecting), (std::vector<std::string>{"peerId", "roomId"}));
  open_frame(encode(peer_presence_event{"r", "p", peer_presence::resumed}, {now, {}}),
             "peer:resumed");
  session_resumed_reply resumed{"p", "t", {{"r", {{"q", "", "", 1}}, "{}", 2, 3}}};
  auto payload = open_frame(encode(resumed, {now, "c"}), "session:resumed", "c");
  CAF_CHECK_EQUAL(keys(payload), (std::vector<std::string>{"peerId", "resumeToken", "rooms"}));
  const auto& room = at(payload, "rooms").as_array().at(0).as_object();
  CAF_CHECK_EQUAL(keys(room), (std::vector<std::string>{"peers", "roomId"}));
  CAF_CHECK_EQUAL(str(room.at("peers").as_array().at(0).at("peerId")), "q");
  auto response = open_frame(encode(auth_response_reply{"alice", ""}, {now, {}}), "auth:response");
  CAF_CHECK_EQUAL(keys(response), (std::vector<std::string>{"success", "userId"}));
  auto expiring = open_frame(encode(auth_expiring_event{1234}, {now, {}}), "auth:expiring");
  CAF_CHECK_EQUAL(num(at(expiring, "expiresAt")), 1234);
}

CAF_TEST(room joined lists the other peers and the room settings) {
  room_description room{"lobby", {}, R"({"topic":"x","n":[1,2]})", 50, 4};
  room.peers = {{"a", "user-a", "Ada", 100}, {"b", "", "", 200}};
  room_joined_reply reply{"me", room};
  auto payload = open_frame(encode(reply, {now, "c-1"}), "room:joined", "c-1");
  CAF_CHECK_EQUAL(keys(payload), (std::vector<std::string>{"createdAt", "maxPeers", "metadata",
                                                           "peerId", "peers", "roomId"}));
  CAF_CHECK_EQUAL(str(at(payload, "peerId")), "me");
  CAF_CHECK_EQUAL(str(at(payload, "roomId")), "lobby");
  CAF_CHECK_EQUAL(num(at(payload, "createdAt")), 50);
  CAF_CHECK_EQUAL(num(at(payload, "maxPeers")), 4);
  CAF_CHECK(at(payload, "metadata") == json::parse(R"({"topic":"x","n":[1,2]})"));
  // Join order is part of the contract: the newcomer offers to peers in this order.
  const auto& peers = at(payload, "peers");
  std::vector<std::string> ids;
  if (peers.is_array())
    for (const auto& peer : peers.get_array())
      ids.emplace_back(str(at(peer, "peerId")));
  CAF_CHECK_EQUAL(ids, (std::vector<std::string>{"a", "b"}));
  if (peers.is_array() && !peers.get_array().empty())
    CAF_CHECK_EQUAL(keys(peers.get_array().front()),
                    (std::vector<std::string>{"displayName", "joinedAt", "peerId", "userId"}));
  auto alone = open_frame(encode(room_joined_reply{"me", {"lobby", {}, "{}", 1, 10}}, {now, {}}),
                          "room:joined");
  CAF_CHECK(at(alone, "peers") == json::array{});
  CAF_CHECK(at(alone, "metadata") == json::object{});
}

CAF_TEST(peer objects omit userId and displayName when empty) {
  auto peer = [](peer_description description) {
    auto payload =
      open_frame(encode(peer_joined_event{"r", std::move(description)}, {now, {}}), "peer:joined");
    CAF_CHECK_EQUAL(str(at(payload, "roomId")), "r");
    return at(payload, "peer");
  };
  auto full = peer({"a", "user-a", "Ada", 7});
  CAF_CHECK_EQUAL(keys(full),
                  (std::vector<std::string>{"displayName", "joinedAt", "peerId", "userId"}));
  CAF_CHECK_EQUAL(str(at(full, "peerId")), "a");
  CAF_CHECK_EQUAL(str(at(full, "userId")), "user-a");
  CAF_CHECK_EQUAL(str(at(full, "displayName")), "Ada");
  CAF_CHECK_EQUAL(num(at(full, "joinedAt")), 7);
  CAF_CHECK_EQUAL(keys(peer({"a", "", "", 7})), (std::vector<std::string>{"joinedAt", "peerId"}));
  CAF_CHECK_EQUAL(keys(peer({"a", "u", "", 7})),
                  (std::vector<std::string>{"joinedAt", "peerId", "userId"}));
  CAF_CHECK_EQUAL(keys(peer({"a", "", "D", 7})),
                  (std::vector<std::string>{"displayName", "joinedAt", "peerId"}));
}

CAF_TEST(room state lists every member and names no asker) {
  room_state_reply reply{{"lobby", {{"a", "", "", 1}, {"me", "", "Me", 2}}, R"({"k":1})", 5, 3}};
  auto payload = open_frame(encode(reply, {now, "s"}), "room:state", "s");
  CAF_CHECK_EQUAL(keys(payload), (std::vector<std::string>{"createdAt", "maxPeers", "metadata",
                                                           "peers", "roomId"}));
  CAF_CHECK_EQUAL(str(at(payload, "roomId")), "lobby");
  CAF_CHECK_EQUAL(at(payload, "peers").is_array() ? at(payload, "peers").get_array().size() : 0u,
                  2u);
  CAF_CHECK(at(payload, "metadata") == json::parse(R"({"k":1})"));
  CAF_CHECK_EQUAL(num(at(payload, "maxPeers")), 3);
  CAF_CHECK_EQUAL(num(at(payload, "createdAt")), 5);
}

CAF_TEST(room left and peer left name the room and the reason) {
  auto left = open_frame(encode(room_left_reply{"lobby"}, {now, "x"}), "room:left", "x");
  CAF_CHECK_EQUAL(keys(left), std::vector<std::string>{"roomId"});
  CAF_CHECK_EQUAL(str(at(left, "roomId")), "lobby");
  for (auto reason : {leave_reason_left, leave_reason_timeout}) {
    auto payload =
      open_frame(encode(peer_left_event{"lobby", "b", reason}, {now, {}}), "peer:left");
    CAF_CHECK_EQUAL(keys(payload), (std::vector<std::string>{"peerId", "reason", "roomId"}));
    CAF_CHECK_EQUAL(str(at(payload, "roomId")), "lobby");
    CAF_CHECK_EQUAL(str(at(payload, "peerId")), "b");
    CAF_CHECK_EQUAL(str(at(payload, "reason")), std::string{reason});
  }
  CAF_CHECK_EQUAL(std::string{leave_reason_left}, "left");
  CAF_CHECK_EQUAL(std::string{leave_reason_timeout}, "timeout");
}

CAF_TEST(relay events embed the content verbatim under the right key) {
  // Whitespace and number spelling are kept, which only a byte comparison shows.
  const std::vector<std::tuple<relay_kind, std::string, std::string>> cases{
    {relay_kind::sdp_offer, "sdp", R"({ "type": "offer", "sdp": "v=0\r\n", "x": 1.50 })"},
    {relay_kind::sdp_answer, "sdp", R"({"sdp":"v=0","type":"answer"})"},
    {relay_kind::ice_candidate, "candidate", R"({"candidate":"c","sdpMLineIndex":0})"},
    {relay_kind::ice_candidate, "candidate", "null"},
    {relay_kind::room_message, "data", R"([1, "two", {"3": null}])"},
    {relay_kind::room_message, "data", R"("\u00e9\"")"},
    {relay_kind::room_message, "data", "-0.0e+0"},
  };
  for (const auto& [kind, key, content] : cases) {
    auto text = encode(relay_event{kind, "r", "peer-a", "", content}, {now, {}});
    auto payload = open_frame(text, kind_name(kind));
    std::vector<std::string> expected_keys{"from", key, "roomId"};
    std::sort(expected_keys.begin(), expected_keys.end());
    CAF_CHECK_EQUAL(keys(payload), expected_keys);
    CAF_CHECK_EQUAL(str(at(payload, "roomId")), "r");
    CAF_CHECK_EQUAL(str(at(payload, "from")), "peer-a");
    CAF_CHECK(at(payload, key) == json::parse(content));
    if (text.find("\"" + key + "\":" + content) == std::string::npos)
      CAF_ERROR(key << " not embedded verbatim in " << text);
  }
}

CAF_TEST(relay events carry fromUserId only for authenticated senders) {
  auto payload =
    open_frame(encode(relay_event{relay_kind::room_message, "r", "a", "user-a", "1"}, {now, {}}),
               "room:message");
  CAF_CHECK_EQUAL(keys(payload),
                  (std::vector<std::string>{"data", "from", "fromUserId", "roomId"}));
  CAF_CHECK_EQUAL(str(at(payload, "fromUserId")), "user-a");
  auto anonymous = open_frame(
    encode(relay_event{relay_kind::room_message, "r", "a", "", "1"}, {now, {}}), "room:message");
  CAF_CHECK_EQUAL(keys(anonymous), (std::vector<std::string>{"data", "from", "roomId"}));
}

CAF_TEST(a parsed relay encodes back to what its sender sent) {
  auto data = R"({"text":"hi \"there\"\n","n":[1,2.5,-3],"nested":{"ok":true,"none":null}})";
  auto relay = accept_as<relay_request>(
    frame("room:message", std::string{R"({"roomId":"r","to":"b","data":)"} + data + "}"));
  auto payload = open_frame(
    encode(relay_event{relay.kind, relay.room_id, "a", "", relay.content_json}, {now, {}}),
    "room:message");
  CAF_CHECK(at(payload, "data") == json::parse(data));
  // The target must not learn whom else the sender addressed.
  CAF_CHECK(!payload.contains("to"));
}

CAF_TEST(ack names the request type) {
  auto payload = open_frame(encode(ack_reply{"room:message"}, {now, "c-3"}), "ack", "c-3");
  CAF_CHECK_EQUAL(keys(payload), std::vector<std::string>{"requestType"});
  CAF_CHECK_EQUAL(str(at(payload, "requestType")), "room:message");
}

CAF_TEST(error carries code and message with requestType and details only when known) {
  auto full = open_frame(
    encode(error_reply{error_code::room_full, "room is full", "room:join", "payload.roomId"},
           {now, "c-4"}),
    "error", "c-4");
  CAF_CHECK_EQUAL(keys(full),
                  (std::vector<std::string>{"code", "details", "message", "requestType"}));
  CAF_CHECK_EQUAL(str(at(full, "code")), "ROOM_FULL");
  CAF_CHECK_EQUAL(str(at(full, "message")), "room is full");
  CAF_CHECK_EQUAL(str(at(full, "requestType")), "room:join");
  CAF_CHECK_EQUAL(keys(at(full, "details")), std::vector<std::string>{"path"});
  CAF_CHECK_EQUAL(str(at(at(full, "details"), "path")), "payload.roomId");
  auto bare =
    open_frame(encode(error_reply{error_code::internal, "oops", "", ""}, {now, {}}), "error");
  CAF_CHECK_EQUAL(keys(bare), (std::vector<std::string>{"code", "message"}));
  for (const auto& [code, name] : all_codes()) {
    auto payload = open_frame(encode(error_reply{code, "m", "", ""}, {now, {}}), "error");
    CAF_CHECK_EQUAL(str(at(payload, "code")), name);
  }
}

CAF_TEST(pong and server shutdown carry their numbers) {
  auto pong = open_frame(encode(pong_reply{}, {now, "p"}), "pong", "p");
  CAF_CHECK_EQUAL(keys(pong), std::vector<std::string>{"serverTime"});
  CAF_CHECK_EQUAL(num(at(pong, "serverTime")), now);
  auto shutdown = open_frame(encode(server_shutdown_event{default_reconnect_after_ms}, {now, {}}),
                             "server:shutdown");
  CAF_CHECK_EQUAL(keys(shutdown), std::vector<std::string>{"reconnectAfterMs"});
  CAF_CHECK_EQUAL(num(at(shutdown, "reconnectAfterMs")), 1000);
}

CAF_TEST(correlationId appears only when given) {
  const std::string longest(max_correlation_id_length, 'c');
  for (std::string_view id :
       {std::string_view{}, std::string_view{"c"}, std::string_view{longest}}) {
    envelope env{now, id};
    open_frame(encode(connected_event{"p", "t", 1, false, false, {}, {}}, env), "connected", id);
    open_frame(encode(room_joined_reply{"p", {"r", {}, "{}", 1, 2}}, env), "room:joined", id);
    open_frame(encode(room_left_reply{"r"}, env), "room:left", id);
    open_frame(encode(room_state_reply{{"r", {}, "{}", 1, 2}}, env), "room:state", id);
    open_frame(encode(peer_joined_event{"r", {"p", "", "", 1}}, env), "peer:joined", id);
    open_frame(encode(peer_left_event{"r", "p", leave_reason_left}, env), "peer:left", id);
    open_frame(encode(relay_event{relay_kind::sdp_offer, "r", "p", "", "{}"}, env), "sdp:offer",
               id);
    open_frame(encode(ack_reply{"ping"}, env), "ack", id);
    open_frame(encode(error_reply{error_code::internal, "m", "", ""}, env), "error", id);
    open_frame(encode(pong_reply{}, env), "pong", id);
    open_frame(encode(server_shutdown_event{1}, env), "server:shutdown", id);
  }
}

CAF_TEST(timestamps cover the whole int64 range) {
  for (auto timestamp :
       {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::max(),
        std::numeric_limits<std::int64_t>::min()}) {
    auto frame = decode(encode(pong_reply{}, {timestamp, {}}));
    CAF_CHECK_EQUAL(num(at(frame, "timestamp")), timestamp);
    CAF_CHECK_EQUAL(num(at(at(frame, "payload"), "serverTime")), timestamp);
  }
}

CAF_TEST(strings with quotes backslashes and control characters round trip) {
  std::string every_ascii;
  for (int c = 0; c < 128; ++c)
    every_ascii += static_cast<char>(c);
  const std::vector<std::string> strings{
    every_ascii,
    R"(say "hi" \ back\slash \\ two)",
    "line\nbreak\r\ttab\b\f",
    std::string("nul\0inside", 10),
    "\x7f del and \x1f unit separator",
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
    "</script><!--",
    "\\u0041 stays six characters",
  };
  for (const auto& s : strings) {
    auto text = encode(error_reply{error_code::invalid_message, s, s, s}, {now, s});
    auto frame = decode(text);
    const auto& payload = at(frame, "payload");
    CAF_CHECK_EQUAL(str(at(payload, "message")), s);
    CAF_CHECK_EQUAL(str(at(payload, "requestType")), s);
    CAF_CHECK_EQUAL(str(at(at(payload, "details"), "path")), s);
    CAF_CHECK_EQUAL(str(at(frame, "correlationId")), s);
    auto joined = decode(encode(peer_joined_event{s, {s, s, s, 1}}, {now, {}}));
    const auto& peer = at(at(joined, "payload"), "peer");
    CAF_CHECK_EQUAL(str(at(at(joined, "payload"), "roomId")), s);
    CAF_CHECK_EQUAL(str(at(peer, "peerId")), s);
    CAF_CHECK_EQUAL(str(at(peer, "userId")), s);
    CAF_CHECK_EQUAL(str(at(peer, "displayName")), s);
    auto connected = decode(encode(connected_event{s, s, 1, false, false, {}, {}}, {now, {}}));
    CAF_CHECK_EQUAL(str(at(at(connected, "payload"), "resumeToken")), s);
  }
}

CAF_TEST(a parse error encodes as the error frame for the refused request) {
  auto error =
    refuse(R"({"type":"room:join","payload":{"roomId":"no spaces"},"correlationId":"c-\"5\""})");
  auto payload = open_frame(encode(error, now), "error", "c-\"5\"");
  CAF_CHECK_EQUAL(keys(payload),
                  (std::vector<std::string>{"code", "details", "message", "requestType"}));
  CAF_CHECK_EQUAL(str(at(payload, "code")), "INVALID_MESSAGE");
  CAF_CHECK_EQUAL(str(at(payload, "message")), error.message);
  CAF_CHECK(!error.message.empty());
  CAF_CHECK_EQUAL(str(at(payload, "requestType")), "room:join");
  CAF_CHECK_EQUAL(str(at(at(payload, "details"), "path")), "payload.roomId");
  auto unknown = open_frame(encode(refuse(R"({"type":"peer:joined"})"), now), "error");
  CAF_CHECK_EQUAL(str(at(unknown, "code")), "UNKNOWN_TYPE");
  CAF_CHECK_EQUAL(str(at(unknown, "requestType")), "peer:joined");
  CAF_CHECK_EQUAL(str(at(at(unknown, "details"), "path")), "type");
  // Nothing of a non-JSON frame can be echoed: no requestType, details or correlationId.
  auto garbage = open_frame(encode(refuse("\x01\x02 not json"), now), "error");
  CAF_CHECK_EQUAL(keys(garbage), (std::vector<std::string>{"code", "message"}));
  CAF_CHECK_EQUAL(str(at(garbage, "code")), "INVALID_MESSAGE");
  auto bad_id = open_frame(encode(refuse(R"({"type":"ping","correlationId":""})"), now), "error");
  CAF_CHECK_EQUAL(str(at(at(bad_id, "details"), "path")), "correlationId");
}
