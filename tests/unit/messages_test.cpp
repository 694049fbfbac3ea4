// Every message type actors exchange survives CAF's binary serialization, as
// it must to cross nodes over the middleman unchanged.
#define CAF_SUITE messages
#include "actors/interfaces.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/test/dsl.hpp>

using namespace signaling;

namespace {

struct config : caf::actor_system_config {
  config() {
    add_message_types<caf::id_block::signaling>();
    add_message_types<caf::id_block::signaling_actors>();
  }
};

struct fixture : test_coordinator_fixture<config> {
  /// Serializes `x` into a message and back.
  caf::message round_trip(const caf::message& x) {
    std::vector<char> buffer;
    caf::binary_serializer sink{sys, buffer};
    if (auto error = sink(const_cast<caf::message&>(x)))
      CAF_FAIL("serializing failed: " << sys.render(error));
    caf::message result;
    caf::binary_deserializer source{sys, buffer};
    if (auto error = source(result))
      CAF_FAIL("deserializing failed: " << sys.render(error));
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(message_tests, fixture)

CAF_TEST(a join crosses the wire with every field) {
  schema::join_request request{"lobby", "Ada", R"({"topic":"x"})", false, 7};
  schema::peer_description peer{"p1", "u1", "Ada", 1763769600000};
  auto copy = round_trip(caf::make_message(actors::join_atom_v, request, peer));
  CAF_REQUIRE(
    (copy.match_elements<actors::join_atom, schema::join_request, schema::peer_description>()));
  const auto& request_copy = copy.get_as<schema::join_request>(1);
  CAF_CHECK_EQUAL(request_copy.room_id, "lobby");
  CAF_CHECK_EQUAL(request_copy.display_name, "Ada");
  CAF_CHECK_EQUAL(request_copy.metadata_json, R"({"topic":"x"})");
  CAF_CHECK_EQUAL(request_copy.create, false);
  CAF_CHECK_EQUAL(request_copy.max_peers, 7u);
  CAF_CHECK(copy.get_as<schema::peer_description>(2) == peer);
}

CAF_TEST(a relay and a room description cross the wire) {
  schema::relay_request relay{schema::relay_kind::ice_candidate, "r", "p2", R"({"candidate":"c"})"};
  schema::room_description room{"r", {{"p1", "", "", 1}, {"p2", "u2", "Bo", 2}}, "{}", 5, 10};
  auto copy = round_trip(caf::make_message(actors::relay_atom_v, relay, room));
  CAF_REQUIRE(
    (copy.match_elements<actors::relay_atom, schema::relay_request, schema::room_description>()));
  const auto& relay_copy = copy.get_as<schema::relay_request>(1);
  CAF_CHECK(relay_copy.kind == schema::relay_kind::ice_candidate);
  CAF_CHECK_EQUAL(relay_copy.to, "p2");
  CAF_CHECK_EQUAL(relay_copy.content_json, R"({"candidate":"c"})");
  const auto& room_copy = copy.get_as<schema::room_description>(2);
  CAF_CHECK_EQUAL(room_copy.peers.size(), 2u);
  CAF_CHECK(room_copy.peers[1] == room.peers[1]);
  CAF_CHECK_EQUAL(room_copy.max_peers, 10u);
}

CAF_TEST(an encoded frame crosses the wire with its text) {
  auto frame = actors::text_frame::make(R"({"type":"pong","payload":{}})");
  auto copy = round_trip(caf::make_message(actors::deliver_atom_v, frame));
  CAF_REQUIRE((copy.match_elements<actors::deliver_atom, actors::text_frame>()));
  CAF_CHECK_EQUAL(*copy.get_as<actors::text_frame>(1).text, *frame.text);
}

CAF_TEST(the messages that keep replies in order cross the wire) {
  auto close = round_trip(caf::make_message(actors::close_atom_v, schema::close_code::overloaded));
  CAF_REQUIRE((close.match_elements<actors::close_atom, schema::close_code>()));
  CAF_CHECK(close.get_as<schema::close_code>(1) == schema::close_code::overloaded);
  auto frame = actors::text_frame::make(R"({"type":"error","payload":{}})");
  auto reply = round_trip(caf::make_message(actors::reply_atom_v, frame));
  CAF_REQUIRE((reply.match_elements<actors::reply_atom, actors::text_frame>()));
  CAF_CHECK_EQUAL(*reply.get_as<actors::text_frame>(1).text, *frame.text);
  auto sync = round_trip(caf::make_message(actors::sync_atom_v));
  CAF_CHECK(sync.match_elements<actors::sync_atom>());
}

CAF_TEST(the close cause of a socket crosses the wire) {
  for (auto cause : {actors::close_cause::client_close, actors::close_cause::policy_close,
                     actors::close_cause::lost}) {
    auto copy = round_trip(caf::make_message(actors::closed_atom_v, cause));
    CAF_REQUIRE((copy.match_elements<actors::closed_atom, actors::close_cause>()));
    CAF_CHECK(copy.get_as<actors::close_cause>(1) == cause);
  }
}

CAF_TEST(a protocol error keeps its code and message) {
  auto error = actors::make_protocol_error(schema::error_code::room_full, "room 'r' is full");
  auto copy = round_trip(caf::make_message(error));
  CAF_REQUIRE(copy.match_elements<caf::error>());
  auto reply = actors::to_error_reply(copy.get_as<caf::error>(0), "room:join");
  CAF_CHECK(reply.code == schema::error_code::room_full);
  CAF_CHECK_EQUAL(reply.message, "room 'r' is full");
  CAF_CHECK_EQUAL(reply.request_type, "room:join");
}

CAF_TEST_FIXTURE_SCOPE_END()
