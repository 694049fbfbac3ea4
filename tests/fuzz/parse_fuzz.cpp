// libFuzzer target: any bytes as a text frame through schema's parser, then
// what it made of them (the message, or the error frame answering it) back
// through schema's encoders, whose every output must be a JSON object.
// Built and run by tests/fuzz/run.sh (clang, ASan, UBSan).
#include "schema/client_messages.hpp"
#include "schema/limits.hpp"
#include "schema/server_messages.hpp"

// Boost.JSON compiled here, instrumented like the rest, instead of linking
// Debian's libboost_json (built by g++, without coverage or sanitizers).
#include <boost/json/src.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

namespace {

using namespace signaling::schema;
namespace json = boost::json;

/// A broken promise of the parser or an encoder: abort, which libFuzzer
/// reports as a crash with the input that caused it.
void require(bool condition, const char* what, std::string_view detail = {}) {
  if (condition)
    return;
  std::fprintf(stderr, "parse_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

/// What the server would send must parse back: a client must never get a
/// frame that is not JSON.
void require_json_object(const std::string& frame) {
  // Content the parser accepted nests up to max_json_depth inside the
  // client's envelope; the server's envelope adds as few levels (Boost's
  // default of 32 would refuse valid frames).
  json::parse_options options;
  options.max_depth = 2 * max_json_depth;
  std::error_code ec;
  auto value = json::parse(frame, ec, {}, options);
  require(!ec && value.is_object(), "encoded frame is not a JSON object", frame);
}

/// The server frames each kind of accepted request leads to, encoded from
/// the parsed request as the actors would.
struct reencode {
  envelope env;

  peer_description peer(const std::string& display_name) const {
    return {"peer-1", "", display_name, 1};
  }

  void operator()(const join_request& x) const {
    require(is_valid_room_id(x.room_id), "join of an invalid room id", x.room_id);
    room_description room{x.room_id, {peer(x.display_name)}, x.metadata_json, 1, x.max_peers};
    require_json_object(encode(room_joined_reply{"peer-2", room}, env));
    require_json_object(encode(room_state_reply{room}, env));
    require_json_object(encode(peer_joined_event{x.room_id, peer(x.display_name)}, env));
  }

  void operator()(const leave_request& x) const {
    require(is_valid_room_id(x.room_id), "leave of an invalid room id", x.room_id);
    require_json_object(encode(room_left_reply{x.room_id}, env));
    require_json_object(
      encode(peer_left_event{x.room_id, "peer-1", leave_reason_left}, envelope{1, {}}));
  }

  void operator()(const state_request& x) const {
    require(is_valid_room_id(x.room_id), "state of an invalid room id", x.room_id);
    require_json_object(encode(room_state_reply{room_description{x.room_id}}, env));
  }

  void operator()(const relay_request& x) const {
    require(is_valid_room_id(x.room_id), "relay to an invalid room id", x.room_id);
    // The content goes out as the sender wrote it, inside our own frame.
    require_json_object(
      encode(relay_event{x.kind, x.room_id, "peer-1", "user-1", x.content_json}, envelope{1, {}}));
  }

  void operator()(const ping_request&) const { require_json_object(encode(pong_reply{}, env)); }

  template <class T>
  void operator()(const T&) const {
    // Auth, resume and TURN answer with their own replies, which do not
    // echo anything of the request but its type, encoded below.
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto result = parse_client_message(text, parse_options{});
  if (auto* error = std::get_if<parse_error>(&result)) {
    if (error->correlation_id)
      require(!error->correlation_id->empty()
                && error->correlation_id->size() <= 4 * max_correlation_id_length,
              "error echoes an invalid correlationId", *error->correlation_id);
    require_json_object(encode(*error, 1));
    return 0;
  }
  const auto& message = std::get<client_message>(result);
  envelope env{1, message.correlation_id ? std::string_view{*message.correlation_id} : ""};
  if (message.correlation_id)
    require(!message.correlation_id->empty(), "empty correlationId accepted");
  std::visit(reencode{env}, message.body);
  auto type = std::string{type_name(message.body)};
  require_json_object(encode(ack_reply{type}, env));
  require_json_object(encode(error_reply{error_code::internal, "fuzz", type, "payload"}, env));
  return 0;
}
