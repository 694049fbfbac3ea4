// Suite `protocol`: every row of PROTOCOL.md's tables against the real signal-server binary.
#define CAF_SUITE protocol
#include "caf/test/unit_test.hpp"

#include "test_client.hpp"

#include <algorithm>
#include <csignal>
#include <set>

using namespace signaling::test;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Server clocks are read on this machine: a minute covers any scheduling
/// delay while still catching seconds-vs-milliseconds or a zero.
bool near_now(std::int64_t ms_since_epoch) {
  return std::llabs(ms_since_epoch - now_ms()) < 60'000;
}

std::set<std::string> keys_of(const json::object& object) {
  std::set<std::string> result;
  for (const auto& field : object)
    result.emplace(field.key());
  return result;
}

bool has(const json::object& object, std::string_view key) {
  return object.contains(key);
}

struct fixture {
  server_process server;

  std::uint16_t port() const { return server.port(); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(protocol_tests, fixture)

// -- connection lifecycle ------------------------------------------------------

CAF_TEST(connected announces the session) {
  ws_client a{port()};
  ws_client b{port()};
  auto envelope = a.connected();
  auto payload = payload_of(envelope);
  CAF_CHECK_EQUAL(text_of(envelope, "type"), "connected");
  CAF_CHECK(!text_of(payload, "peerId").empty());
  CAF_CHECK(!text_of(payload, "resumeToken").empty());
  CAF_CHECK_EQUAL(integer_of(payload, "heartbeatIntervalMs"), 30000);
  CAF_CHECK(near_now(integer_of(payload, "serverTime")));
  CAF_CHECK(near_now(integer_of(envelope, "timestamp")));
  CAF_CHECK_EQUAL(integer_of(payload, "protocolVersion"), 1);
  CAF_CHECK(payload.contains("authRequired") && payload.at("authRequired").is_bool()
            && !payload.at("authRequired").get_bool());
  // Not a reply to anything, so nothing to echo.
  CAF_CHECK(!has(envelope, "correlationId"));
  CAF_CHECK_NOT_EQUAL(a.peer_id(), b.peer_id());
  CAF_CHECK_NOT_EQUAL(text_of(payload, "resumeToken"),
                      text_of(payload_of(b.connected()), "resumeToken"));
  // Nothing else arrives unprompted.
  a.expect_silence();
}

CAF_TEST(connected reports the configured heartbeat) {
  server_process custom{{"--heartbeat-ms=1234"}};
  CAF_REQUIRE(custom.ok());
  ws_client a{custom.port()};
  CAF_CHECK_EQUAL(integer_of(payload_of(a.connected()), "heartbeatIntervalMs"), 1234);
}

CAF_TEST(ping answers pong with the server time) {
  ws_client a{port()};
  // The payload may be omitted for types that take none.
  a.send_text(R"({"type":"ping"})");
  auto pong = a.expect("pong");
  CAF_CHECK(near_now(integer_of(payload_of(pong), "serverTime")));
  CAF_CHECK(!has(pong, "correlationId"));
  a.send("ping", {}, "p-1");
  pong = a.expect("pong");
  CAF_CHECK_EQUAL(text_of(pong, "correlationId"), "p-1");
  CAF_CHECK(near_now(integer_of(payload_of(pong), "serverTime")));
  // A timestamp from the client is informative only.
  a.send_text(R"({"type":"ping","payload":{},"timestamp":1,"correlationId":"p-2"})");
  CAF_CHECK_EQUAL(text_of(a.expect("pong"), "correlationId"), "p-2");
  a.expect_silence();
}

// -- rooms ---------------------------------------------------------------------

CAF_TEST(join answers room joined and notifies the others) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  auto room = unique_room();
  auto metadata = object_from(R"({"topic":"standup","tags":["a","b"],"n":3})");
  a.send("room:join",
         {{"roomId", room}, {"displayName", "Alice"}, {"metadata", metadata}, {"maxPeers", 4}},
         "j-1");
  auto reply = a.expect("room:joined");
  auto joined = payload_of(reply);
  CAF_CHECK_EQUAL(text_of(reply, "correlationId"), "j-1");
  CAF_CHECK_EQUAL(text_of(joined, "roomId"), room);
  CAF_CHECK_EQUAL(text_of(joined, "peerId"), a.peer_id());
  CAF_CHECK(joined.contains("peers") && joined.at("peers").is_array());
  CAF_CHECK(array_of(joined, "peers").empty());
  CAF_CHECK_EQUAL(dump(object_of(joined, "metadata")), dump(metadata));
  CAF_CHECK(near_now(integer_of(joined, "createdAt")));
  CAF_CHECK_EQUAL(integer_of(joined, "maxPeers"), 4);
  auto created_at = integer_of(joined, "createdAt");

  b.send("room:join", {{"roomId", room}, {"displayName", "Bob"}});
  reply = b.expect("room:joined");
  joined = payload_of(reply);
  CAF_CHECK(!has(reply, "correlationId"));
  CAF_CHECK_EQUAL(text_of(joined, "peerId"), b.peer_id());
  auto peers = array_of(joined, "peers");
  CAF_REQUIRE_EQUAL(peers.size(), 1u);
  auto alice = peers[0].as_object();
  CAF_CHECK_EQUAL(text_of(alice, "peerId"), a.peer_id());
  CAF_CHECK_EQUAL(text_of(alice, "displayName"), "Alice");
  CAF_CHECK(near_now(integer_of(alice, "joinedAt")));
  // Not authenticated: no userId.
  CAF_CHECK(!has(alice, "userId"));
  CAF_CHECK_EQUAL(integer_of(joined, "createdAt"), created_at);

  auto event = a.expect("peer:joined");
  // The event is not a reply to a's request: no correlationId.
  CAF_CHECK(!has(event, "correlationId"));
  CAF_CHECK_EQUAL(text_of(payload_of(event), "roomId"), room);
  auto bob = object_of(payload_of(event), "peer");
  CAF_CHECK_EQUAL(text_of(bob, "peerId"), b.peer_id());
  CAF_CHECK_EQUAL(text_of(bob, "displayName"), "Bob");
  CAF_CHECK(near_now(integer_of(bob, "joinedAt")));

  // Without displayName the optional field is left out.
  joined = join(c, room);
  CAF_CHECK_EQUAL(peer_ids(array_of(joined, "peers")),
                  (std::vector<std::string>{a.peer_id(), b.peer_id()}));
  for (auto* other : {&a, &b}) {
    auto carol = object_of(payload_of(other->expect("peer:joined")), "peer");
    CAF_CHECK_EQUAL(text_of(carol, "peerId"), c.peer_id());
    CAF_CHECK(!has(carol, "displayName"));
  }
  all_quiet({&a, &b, &c});
}

CAF_TEST(metadata and maxPeers come only from the creating join) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room();
  join(a, room, {{"metadata", object_from(R"({"by":"a"})")}, {"maxPeers", 3}});
  auto joined = join(b, room, {{"metadata", object_from(R"({"by":"b"})")}, {"maxPeers", 7}});
  a.expect("peer:joined");
  CAF_CHECK_EQUAL(dump(object_of(joined, "metadata")), R"({"by":"a"})");
  CAF_CHECK_EQUAL(integer_of(joined, "maxPeers"), 3);
  b.send("room:state", {{"roomId", room}});
  auto state = payload_of(b.expect("room:state"));
  CAF_CHECK_EQUAL(dump(object_of(state, "metadata")), R"({"by":"a"})");
  CAF_CHECK_EQUAL(integer_of(state, "maxPeers"), 3);
  // Without either: an empty object and the default of 10.
  auto plain = join(a, unique_room());
  CAF_CHECK(plain.contains("metadata") && plain.at("metadata").is_object());
  CAF_CHECK(object_of(plain, "metadata").empty());
  CAF_CHECK_EQUAL(integer_of(plain, "maxPeers"), 10);
}

CAF_TEST(default maxPeers follows the server flag) {
  server_process custom{{"--default-max-peers=3", "--max-peers-ceiling=20"}};
  CAF_REQUIRE(custom.ok());
  ws_client a{custom.port()};
  CAF_CHECK_EQUAL(integer_of(join(a, unique_room()), "maxPeers"), 3);
  CAF_CHECK_EQUAL(integer_of(join(a, unique_room(), {{"maxPeers", 20}}), "maxPeers"), 20);
  a.send("room:join", {{"roomId", unique_room()}, {"maxPeers", 21}});
  auto error = a.expect_error("INVALID_MESSAGE");
  CAF_CHECK_EQUAL(text_of(object_of(payload_of(error), "details"), "path"), "payload.maxPeers");
}

CAF_TEST(rejoining answers room joined again and notifies nobody) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room();
  auto first = join(a, room);
  join(b, room);
  a.expect("peer:joined");
  a.send("room:join", {{"roomId", room}}, "again");
  auto reply = a.expect("room:joined");
  auto joined = payload_of(reply);
  CAF_CHECK_EQUAL(text_of(reply, "correlationId"), "again");
  CAF_CHECK_EQUAL(text_of(joined, "peerId"), a.peer_id());
  CAF_CHECK_EQUAL(peer_ids(array_of(joined, "peers")), std::vector<std::string>{b.peer_id()});
  CAF_CHECK_EQUAL(integer_of(joined, "createdAt"), integer_of(first, "createdAt"));
  all_quiet({&a, &b});
  b.send("room:state", {{"roomId", room}});
  CAF_CHECK_EQUAL(peer_ids(array_of(payload_of(b.expect("room:state")), "peers")),
                  (std::vector<std::string>{a.peer_id(), b.peer_id()}));
}

CAF_TEST(leave answers room left and tells the others) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  auto room = unique_room();
  join(a, room);
  join(b, room);
  join(c, room);
  a.expect("peer:joined");
  a.expect("peer:joined");
  b.expect("peer:joined");
  b.send("room:leave", {{"roomId", room}}, "l-1");
  auto reply = b.expect("room:left");
  CAF_CHECK_EQUAL(text_of(reply, "correlationId"), "l-1");
  CAF_CHECK_EQUAL(text_of(payload_of(reply), "roomId"), room);
  for (auto* other : {&a, &c}) {
    auto event = other->expect("peer:left");
    auto left = payload_of(event);
    CAF_CHECK_EQUAL(text_of(left, "roomId"), room);
    CAF_CHECK_EQUAL(text_of(left, "peerId"), b.peer_id());
    CAF_CHECK_EQUAL(text_of(left, "reason"), "left");
    CAF_CHECK(!has(event, "correlationId"));
  }
  all_quiet({&a, &b, &c});
  a.send("room:state", {{"roomId", room}});
  CAF_CHECK_EQUAL(peer_ids(array_of(payload_of(a.expect("room:state")), "peers")),
                  (std::vector<std::string>{a.peer_id(), c.peer_id()}));
  // A room one is no longer in cannot be left again, nor relayed to.
  b.send("room:leave", {{"roomId", room}});
  CAF_CHECK_EQUAL(text_of(payload_of(b.expect_error("NOT_IN_ROOM")), "requestType"), "room:leave");
  b.send("room:message", {{"roomId", room}, {"data", 1}});
  b.expect_error("NOT_IN_ROOM");
  // The last member's leave removes the room.
  a.send("room:leave", {{"roomId", room}});
  a.expect("room:left");
  c.expect("peer:left");
  c.send("room:leave", {{"roomId", room}});
  c.expect("room:left");
  ws_client fresh{port()};
  fresh.send("room:state", {{"roomId", room}});
  fresh.expect_error("ROOM_NOT_FOUND");
}

CAF_TEST(room state lists every member including the asker) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room();
  auto created = join(
    a, room, {{"displayName", "Alice"}, {"metadata", object_from(R"({"k":1})")}, {"maxPeers", 5}});
  join(b, room);
  a.expect("peer:joined");
  b.send("room:state", {{"roomId", room}}, "s-1");
  auto reply = b.expect("room:state");
  auto state = payload_of(reply);
  CAF_CHECK_EQUAL(text_of(reply, "correlationId"), "s-1");
  CAF_CHECK_EQUAL(text_of(state, "roomId"), room);
  auto peers = array_of(state, "peers");
  CAF_CHECK_EQUAL(peer_ids(peers), (std::vector<std::string>{a.peer_id(), b.peer_id()}));
  if (!peers.empty()) {
    CAF_CHECK_EQUAL(text_of(peers[0].as_object(), "displayName"), "Alice");
    CAF_CHECK(near_now(integer_of(peers[0].as_object(), "joinedAt")));
  }
  CAF_CHECK_EQUAL(dump(object_of(state, "metadata")), R"({"k":1})");
  CAF_CHECK_EQUAL(integer_of(state, "createdAt"), integer_of(created, "createdAt"));
  CAF_CHECK_EQUAL(integer_of(state, "maxPeers"), 5);
  // Asking changes nothing for anyone else.
  all_quiet({&a, &b});
}

CAF_TEST(room state of a missing room or a foreign room is an error) {
  ws_client a{port()};
  ws_client b{port()};
  a.send("room:state", {{"roomId", unique_room("nowhere")}}, "s-2");
  auto error = a.expect_error("ROOM_NOT_FOUND");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "s-2");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "room:state");
  auto room = unique_room();
  join(b, room);
  a.send("room:state", {{"roomId", room}});
  error = a.expect_error("NOT_IN_ROOM");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "room:state");
  b.expect_silence();
}

CAF_TEST(join without create needs an existing room) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room();
  a.send("room:join", {{"roomId", room}, {"create", false}}, "nc-1");
  auto error = a.expect_error("ROOM_NOT_FOUND");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "nc-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "room:join");
  // The refused join created nothing.
  b.send("room:state", {{"roomId", room}});
  b.expect_error("ROOM_NOT_FOUND");
  join(a, room);
  auto joined = join(b, room, {{"create", false}});
  CAF_CHECK_EQUAL(peer_ids(array_of(joined, "peers")), std::vector<std::string>{a.peer_id()});
}

CAF_TEST(a full room refuses joins) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  auto room = unique_room();
  join(a, room, {{"maxPeers", 2}});
  join(b, room);
  a.expect("peer:joined");
  c.send("room:join", {{"roomId", room}}, "full-1");
  auto error = c.expect_error("ROOM_FULL");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "full-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "room:join");
  all_quiet({&a, &b});
  // c is not a member: it cannot relay there.
  c.send("room:message", {{"roomId", room}, {"data", "hi"}});
  c.expect_error("NOT_IN_ROOM");
  b.send("room:leave", {{"roomId", room}});
  b.expect("room:left");
  a.expect("peer:left");
  auto joined = join(c, room);
  CAF_CHECK_EQUAL(peer_ids(array_of(joined, "peers")), std::vector<std::string>{a.peer_id()});
  CAF_CHECK_EQUAL(integer_of(joined, "maxPeers"), 2);
}

CAF_TEST(one room more than the limit is too many) {
  server_process custom{{"--max-rooms-per-peer=2"}};
  CAF_REQUIRE(custom.ok());
  ws_client a{custom.port()};
  ws_client b{custom.port()};
  auto r1 = unique_room();
  auto r2 = unique_room();
  auto r3 = unique_room();
  join(a, r1);
  join(a, r2);
  a.send("room:join", {{"roomId", r3}}, "many-1");
  auto error = a.expect_error("TOO_MANY_ROOMS");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "many-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "room:join");
  b.send("room:state", {{"roomId", r3}});
  b.expect_error("ROOM_NOT_FOUND");
  // Rejoining a room one is in is not one more room.
  join(a, r1);
  a.send("room:leave", {{"roomId", r2}});
  a.expect("room:left");
  join(a, r3);
  // The limit is per peer: b is in no room yet.
  join(b, r1);
  join(b, r2);
}

// -- relay ---------------------------------------------------------------------

CAF_TEST(sdp offer and answer reach only their target unchanged) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  auto room = meet(a, b, c);
  // Unknown inner fields must survive; unknown payload fields are ignored.
  auto offer = object_from(R"({"type":"offer","sdp":"v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n",)"
                           R"("x-extra":{"nested":[1,"two",null,true,2.5]}})");
  a.send("sdp:offer", {{"roomId", room}, {"to", b.peer_id()}, {"sdp", offer}, {"hint", "x"}});
  auto received = b.expect("sdp:offer");
  auto payload = payload_of(received);
  CAF_CHECK_EQUAL(text_of(payload, "roomId"), room);
  CAF_CHECK_EQUAL(text_of(payload, "from"), a.peer_id());
  CAF_CHECK_EQUAL(dump(object_of(payload, "sdp")), dump(offer));
  CAF_CHECK_EQUAL(keys_of(payload), (std::set<std::string>{"roomId", "from", "sdp"}));
  CAF_CHECK(!has(received, "correlationId"));
  auto answer = object_from(R"({"type":"answer","sdp":"v=0\r\n","unknown":{"a":[]}})");
  b.send("sdp:answer", {{"roomId", room}, {"to", a.peer_id()}, {"sdp", answer}}, "ans-1");
  auto ack = b.expect("ack");
  CAF_CHECK_EQUAL(text_of(ack, "correlationId"), "ans-1");
  CAF_CHECK_EQUAL(text_of(payload_of(ack), "requestType"), "sdp:answer");
  received = a.expect("sdp:answer");
  payload = payload_of(received);
  CAF_CHECK_EQUAL(text_of(payload, "from"), b.peer_id());
  CAF_CHECK_EQUAL(dump(object_of(payload, "sdp")), dump(answer));
  CAF_CHECK_EQUAL(keys_of(payload), (std::set<std::string>{"roomId", "from", "sdp"}));
  // The sender gets no copy (and no ack without a correlationId); the
  // third member gets nothing.
  all_quiet({&a, &b, &c});
}

CAF_TEST(ice candidates go to one target or to every other member) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  auto room = meet(a, b, c);
  auto candidate = object_from(
    R"({"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host","sdpMid":"0",)"
    R"("sdpMLineIndex":0,"usernameFragment":"f00d","future":{"x":1}})");
  a.send("ice:candidate", {{"roomId", room}, {"to", c.peer_id()}, {"candidate", candidate}});
  auto payload = payload_of(c.expect("ice:candidate"));
  CAF_CHECK_EQUAL(text_of(payload, "roomId"), room);
  CAF_CHECK_EQUAL(text_of(payload, "from"), a.peer_id());
  CAF_CHECK_EQUAL(dump(object_of(payload, "candidate")), dump(candidate));
  CAF_CHECK_EQUAL(keys_of(payload), (std::set<std::string>{"roomId", "from", "candidate"}));
  all_quiet({&a, &b});
  // null marks the end of candidates and is relayed as null, to everyone
  // but the sender.
  a.send("ice:candidate", {{"roomId", room}, {"candidate", nullptr}});
  for (auto* other : {&b, &c}) {
    payload = payload_of(other->expect("ice:candidate"));
    CAF_CHECK_EQUAL(text_of(payload, "from"), a.peer_id());
    CAF_CHECK(payload.contains("candidate") && payload.at("candidate").is_null());
  }
  all_quiet({&a, &b, &c});
}

CAF_TEST(room messages pass any data unchanged) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  auto room = meet(a, b, c);
  std::vector<json::value> values{
    json::value("plain text"),
    json::value(42),
    json::value(-1.5),
    json::value(true),
    json::value(nullptr),
    json::value(json::array{1, "two", json::object{{"three", 3}}}),
    json::value(object_from(R"({"unicode":"h\u00e9llo \u2713 \ud83d\ude00","esc":"a\"b\\c\n",)"
                            R"("deep":{"a":{"b":{"c":[[[]]]}}},"empty":{}})")),
  };
  for (const auto& data : values) {
    a.send("room:message", {{"roomId", room}, {"data", data}});
    for (auto* other : {&b, &c}) {
      auto payload = payload_of(other->expect("room:message"));
      CAF_CHECK_EQUAL(text_of(payload, "from"), a.peer_id());
      CAF_CHECK_EQUAL(text_of(payload, "roomId"), room);
      CAF_CHECK(payload.contains("data"));
      if (payload.contains("data"))
        CAF_CHECK_EQUAL(dump(payload.at("data")), dump(data));
      CAF_CHECK_EQUAL(keys_of(payload), (std::set<std::string>{"roomId", "from", "data"}));
    }
  }
  // Targeted: only b, and `to` is gone.
  c.send("room:message", {{"roomId", room}, {"to", b.peer_id()}, {"data", "psst"}});
  auto payload = payload_of(b.expect("room:message"));
  CAF_CHECK_EQUAL(text_of(payload, "from"), c.peer_id());
  CAF_CHECK(!has(payload, "to"));
  CAF_CHECK_EQUAL(dump(payload.contains("data") ? payload.at("data") : json::value{}), R"("psst")");
  all_quiet({&a, &b, &c});
}

CAF_TEST(relay errors name the failure) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  ws_client d{port()};
  auto room = meet(a, b, c);
  auto elsewhere = unique_room();
  join(d, elsewhere);
  auto offer = object_from(R"({"type":"offer","sdp":"v=0"})");
  // To oneself.
  a.send("sdp:offer", {{"roomId", room}, {"to", a.peer_id()}, {"sdp", offer}}, "self-1");
  auto error = a.expect_error("PEER_NOT_FOUND");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "self-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "sdp:offer");
  a.send("room:message", {{"roomId", room}, {"to", a.peer_id()}, {"data", 1}});
  CAF_CHECK_EQUAL(text_of(payload_of(a.expect_error("PEER_NOT_FOUND")), "requestType"),
                  "room:message");
  a.send("ice:candidate", {{"roomId", room}, {"to", a.peer_id()}, {"candidate", nullptr}});
  a.expect_error("PEER_NOT_FOUND");
  // To nobody, and to a peer of another room.
  a.send("sdp:answer", {{"roomId", room},
                        {"to", "no-such-peer"},
                        {"sdp", object_from(R"({"type":"answer","sdp":""})")}});
  CAF_CHECK_EQUAL(text_of(payload_of(a.expect_error("PEER_NOT_FOUND")), "requestType"),
                  "sdp:answer");
  a.send("room:message", {{"roomId", room}, {"to", d.peer_id()}, {"data", 1}}, "far-1");
  CAF_CHECK_EQUAL(text_of(a.expect_error("PEER_NOT_FOUND"), "correlationId"), "far-1");
  // In a room one is not in, existing or not.
  a.send("room:message", {{"roomId", elsewhere}, {"data", 1}}, "nir-1");
  error = a.expect_error("NOT_IN_ROOM");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "nir-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "room:message");
  a.send("sdp:offer", {{"roomId", elsewhere}, {"to", d.peer_id()}, {"sdp", offer}});
  a.expect_error("NOT_IN_ROOM");
  a.send("ice:candidate", {{"roomId", unique_room("nowhere")}, {"candidate", nullptr}});
  a.expect_error("NOT_IN_ROOM");
  // sdp.type must match the message type.
  a.send("sdp:offer", {{"roomId", room},
                       {"to", b.peer_id()},
                       {"sdp", object_from(R"({"type":"answer","sdp":"v=0"})")}});
  error = a.expect_error("INVALID_MESSAGE");
  CAF_CHECK_EQUAL(text_of(object_of(payload_of(error), "details"), "path"), "payload.sdp.type");
  a.send("sdp:offer", {{"roomId", room}, {"sdp", offer}});
  error = a.expect_error("INVALID_MESSAGE");
  CAF_CHECK_EQUAL(text_of(object_of(payload_of(error), "details"), "path"), "payload.to");
  all_quiet({&a, &b, &c, &d});
}

CAF_TEST(ack only when a correlationId is given) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  auto room = meet(a, b, c);
  a.send("room:message", {{"roomId", room}, {"to", b.peer_id()}, {"data", "with id"}}, "m-1");
  auto ack = a.expect("ack");
  CAF_CHECK_EQUAL(text_of(ack, "correlationId"), "m-1");
  CAF_CHECK_EQUAL(dump(payload_of(ack)), R"({"requestType":"room:message"})");
  // The correlationId is the sender's: the target's copy does not carry it.
  CAF_CHECK(!has(b.expect("room:message"), "correlationId"));
  a.send("ice:candidate", {{"roomId", room}, {"candidate", nullptr}}, "m-2");
  CAF_CHECK_EQUAL(text_of(payload_of(a.expect("ack")), "requestType"), "ice:candidate");
  b.expect("ice:candidate");
  c.expect("ice:candidate");
  a.send(
    "sdp:offer",
    {{"roomId", room}, {"to", c.peer_id()}, {"sdp", object_from(R"({"type":"offer","sdp":""})")}},
    "m-3");
  ack = a.expect("ack");
  CAF_CHECK_EQUAL(text_of(ack, "correlationId"), "m-3");
  CAF_CHECK_EQUAL(text_of(payload_of(ack), "requestType"), "sdp:offer");
  c.expect("sdp:offer");
  // Exactly one reply each: nothing more for a.
  a.expect_silence();
  // Without a correlationId an accepted relay gets no reply at all.
  a.send("room:message", {{"roomId", room}, {"data", "no id"}});
  b.expect("room:message");
  c.expect("room:message");
  a.send(
    "sdp:answer",
    {{"roomId", room}, {"to", b.peer_id()}, {"sdp", object_from(R"({"type":"answer","sdp":""})")}});
  b.expect("sdp:answer");
  all_quiet({&a, &b, &c});
}

CAF_TEST(correlationId is echoed on every reply and error) {
  ws_client a{port()};
  auto room = unique_room();
  auto longest = std::string(128, 'c');
  a.send("room:join", {{"roomId", room}}, longest);
  CAF_CHECK_EQUAL(text_of(a.expect("room:joined"), "correlationId"), longest);
  a.send("room:state", {{"roomId", room}}, "e-2");
  CAF_CHECK_EQUAL(text_of(a.expect("room:state"), "correlationId"), "e-2");
  a.send("ping", {}, "e-3");
  CAF_CHECK_EQUAL(text_of(a.expect("pong"), "correlationId"), "e-3");
  a.send("room:state", {{"roomId", unique_room("nowhere")}}, "e-4");
  CAF_CHECK_EQUAL(text_of(a.expect_error("ROOM_NOT_FOUND"), "correlationId"), "e-4");
  // Parse errors still echo a valid correlationId and name the request.
  a.send("room:join", {}, "e-5");
  auto error = a.expect_error("INVALID_MESSAGE");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "e-5");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "room:join");
  a.send("no:such-type", {}, "e-6");
  CAF_CHECK_EQUAL(text_of(a.expect_error("UNKNOWN_TYPE"), "correlationId"), "e-6");
  a.send("turn:credentials", {}, "e-7");
  CAF_CHECK_EQUAL(text_of(a.expect_error("UNAVAILABLE"), "correlationId"), "e-7");
  a.send("room:leave", {{"roomId", room}}, "e-8");
  CAF_CHECK_EQUAL(text_of(a.expect("room:left"), "correlationId"), "e-8");
  // And without one, none appears.
  a.send("room:state", {{"roomId", room}});
  CAF_CHECK(!has(a.expect_error("ROOM_NOT_FOUND"), "correlationId"));
  a.expect_silence();
}

// -- errors --------------------------------------------------------------------

CAF_TEST(unknown types are UNKNOWN_TYPE) {
  ws_client a{port()};
  a.send("room:explode", {{"roomId", "r"}}, "u-1");
  auto error = a.expect_error("UNKNOWN_TYPE");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "u-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "room:explode");
  // Types only the server sends are not requests either.
  for (auto type : {"room:joined", "peer:left", "ack", "error", "connected", "pong"}) {
    a.send(type, {});
    a.expect_error("UNKNOWN_TYPE");
  }
  a.send("ping");
  a.expect("pong");
}

CAF_TEST(invalid messages name the offending field) {
  ws_client a{port()};
  struct row {
    const char* frame;
    const char* path;
  };
  auto big_metadata = R"({"type":"room:join","payload":{"roomId":"r","metadata":{"x":")"
                      + std::string(4200, 'm') + R"("}}})";
  auto big_data = R"({"type":"room:message","payload":{"roomId":"r","data":")"
                  + std::string(17000, 'd') + R"("}})";
  auto long_room =
    R"({"type":"room:state","payload":{"roomId":")" + std::string(129, 'r') + R"("}})";
  std::vector<row> rows{
    {R"({"type":"room:join","payload":{}})", "payload.roomId"},
    {R"({"type":"room:join"})", "payload.roomId"},
    {R"({"type":"room:join","payload":{"roomId":42}})", "payload.roomId"},
    {R"({"type":"room:join","payload":{"roomId":""}})", "payload.roomId"},
    {R"({"type":"room:join","payload":{"roomId":"has space"}})", "payload.roomId"},
    {R"({"type":"room:join","payload":{"roomId":"r/../x"}})", "payload.roomId"},
    {R"({"type":"room:join","payload":{"roomId":"r","maxPeers":1}})", "payload.maxPeers"},
    {R"({"type":"room:join","payload":{"roomId":"r","maxPeers":501}})", "payload.maxPeers"},
    {R"({"type":"room:join","payload":{"roomId":"r","maxPeers":"3"}})", "payload.maxPeers"},
    {R"({"type":"room:join","payload":{"roomId":"r","maxPeers":2.5}})", "payload.maxPeers"},
    {R"({"type":"room:join","payload":{"roomId":"r","create":"yes"}})", "payload.create"},
    {R"({"type":"room:join","payload":{"roomId":"r","metadata":[1]}})", "payload.metadata"},
    {big_metadata.c_str(), "payload.metadata"},
    {R"({"type":"room:join","payload":{"roomId":"r","displayName":7}})", "payload.displayName"},
    {R"({"type":"room:join","payload":"r"})", "payload"},
    {R"({"payload":{}})", "type"},
    {R"({"type":42})", "type"},
    {R"({"type":"ping","correlationId":7})", "correlationId"},
    {R"({"type":"ping","correlationId":""})", "correlationId"},
    {R"({"type":"ping","timestamp":"now"})", "timestamp"},
    {R"({"type":"room:leave","payload":{}})", "payload.roomId"},
    {long_room.c_str(), "payload.roomId"},
    {R"({"type":"sdp:offer","payload":{"roomId":"r","to":"p"}})", "payload.sdp"},
    {R"({"type":"sdp:offer","payload":{"roomId":"r","to":"p","sdp":"v=0"}})", "payload.sdp"},
    {R"({"type":"sdp:offer","payload":{"roomId":"r","to":"p","sdp":{"type":"offer"}}})",
     "payload.sdp.sdp"},
    {R"({"type":"sdp:answer","payload":{"roomId":"r","to":"p","sdp":{"type":"offer","sdp":""}}})",
     "payload.sdp.type"},
    {R"({"type":"sdp:answer","payload":{"roomId":"r","to":5,"sdp":{"type":"answer","sdp":""}}})",
     "payload.to"},
    {R"({"type":"ice:candidate","payload":{"roomId":"r"}})", "payload.candidate"},
    {R"({"type":"ice:candidate","payload":{"roomId":"r","candidate":"c"}})", "payload.candidate"},
    {R"({"type":"ice:candidate","payload":{"roomId":"r",)"
     R"("candidate":{"candidate":"c","sdpMLineIndex":"0"}}})",
     "payload.candidate.sdpMLineIndex"},
    {R"({"type":"room:message","payload":{"roomId":"r"}})", "payload.data"},
    {big_data.c_str(), "payload.data"},
    {R"({"type":"room:message","payload":{"roomId":"r","to":[],"data":1}})", "payload.to"},
    {R"({"type":"session:resume","payload":{}})", "payload.resumeToken"},
    {R"({"type":"auth:request","payload":{"token":1}})", "payload.token"},
  };
  for (const auto& [frame, path] : rows) {
    a.send_text(frame);
    auto error = a.expect_error("INVALID_MESSAGE");
    auto reported = text_of(object_of(payload_of(error), "details"), "path");
    // Reported by hand so that the failing frame is named.
    if (reported != path)
      report_failure(__FILE__, __LINE__,
                     "details.path '" + reported + "' instead of '" + path + "' for "
                       + std::string{frame}.substr(0, 120));
    CAF_CHECK_EQUAL(reported, path);
  }
  // Errors about the request name it when its type could be read.
  a.send_text(R"({"type":"room:join","payload":{}})");
  CAF_CHECK_EQUAL(text_of(payload_of(a.expect_error("INVALID_MESSAGE")), "requestType"),
                  "room:join");
  // Frames that are not a JSON object at all.
  for (auto frame : {"hello", "{", "[1,2]", "\"text\"", "42", "null", "{\"type\":\"ping\"}}"}) {
    a.send_text(frame);
    a.expect_error("INVALID_MESSAGE");
  }
  // None of it cost the connection anything.
  a.send("ping");
  a.expect("pong");
  join(a, unique_room());
}

CAF_TEST(limits are inclusive) {
  ws_client a{port()};
  ws_client b{port()};
  // Every character the room id pattern allows, and the full 128 of them.
  auto room = std::string{"Az09._:-"} + unique_room();
  join(a, room, {{"maxPeers", 500}});
  join(b, room);
  a.expect("peer:joined");
  CAF_CHECK_EQUAL(integer_of(join(a, unique_room(), {{"maxPeers", 2}}), "maxPeers"), 2);
  CAF_CHECK_EQUAL(text_of(join(a, std::string(128, 'x')), "roomId"), std::string(128, 'x'));
  // 4 KiB of metadata and 16 KiB of data, serialized, quotes included.
  auto metadata_room = unique_room();
  json::object metadata{{"m", std::string(4096 - 8, 'm')}};
  CAF_REQUIRE_EQUAL(dump(metadata).size(), 4096u);
  auto joined = join(a, metadata_room, {{"metadata", metadata}});
  CAF_CHECK_EQUAL(dump(object_of(joined, "metadata")), dump(metadata));
  metadata["m"] = std::string(4096 - 7, 'm');
  a.send("room:join", {{"roomId", unique_room()}, {"metadata", metadata}});
  auto error = a.expect_error("INVALID_MESSAGE");
  CAF_CHECK_EQUAL(text_of(object_of(payload_of(error), "details"), "path"), "payload.metadata");
  auto data = std::string(16 * 1024 - 2, 'd');
  a.send("room:message", {{"roomId", room}, {"data", data}});
  auto payload = payload_of(b.expect("room:message"));
  CAF_CHECK(payload.contains("data") && payload.at("data") == json::value(data));
  a.send("room:message", {{"roomId", room}, {"data", data + "d"}});
  error = a.expect_error("INVALID_MESSAGE");
  CAF_CHECK_EQUAL(text_of(object_of(payload_of(error), "details"), "path"), "payload.data");
  b.expect_silence();
}

CAF_TEST(auth and TURN are unavailable without configuration) {
  ws_client a{port()};
  a.send("auth:request", {{"token", "eyJhbGciOiJIUzI1NiJ9.e30.x"}}, "auth-1");
  auto error = a.expect_error("UNAVAILABLE");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "auth-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "auth:request");
  a.send("auth:refresh", {{"token", "t"}});
  CAF_CHECK_EQUAL(text_of(payload_of(a.expect_error("UNAVAILABLE")), "requestType"),
                  "auth:refresh");
  a.send("turn:credentials", {}, "turn-1");
  error = a.expect_error("UNAVAILABLE");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "turn-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "turn:credentials");
  a.send_text(R"({"type":"turn:credentials"})");
  a.expect_error("UNAVAILABLE");
  // Still a normal, unauthenticated client.
  join(a, unique_room());
}

CAF_TEST(session resume without a session) {
  ws_client a{port()};
  ws_client b{port()};
  a.send("session:resume", {{"resumeToken", "no-such-token"}}, "res-1");
  auto error = a.expect_error("SESSION_NOT_FOUND");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "res-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "session:resume");
  // The connection stays usable as the fresh session `connected` announced.
  auto room = unique_room();
  auto joined = join(a, room);
  CAF_CHECK_EQUAL(text_of(joined, "peerId"), a.peer_id());
  // After a join a resume is out of place.
  a.send("session:resume", {{"resumeToken", text_of(payload_of(b.connected()), "resumeToken")}},
         "res-2");
  error = a.expect_error("INVALID_MESSAGE");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "res-2");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "session:resume");
  // ...and changed nothing: a is still a member, b untouched.
  a.send("room:state", {{"roomId", room}});
  CAF_CHECK_EQUAL(peer_ids(array_of(payload_of(a.expect("room:state")), "peers")),
                  std::vector<std::string>{a.peer_id()});
  b.send("ping");
  b.expect("pong");
}

// -- ending --------------------------------------------------------------------

CAF_TEST(closing the socket tells the other members) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  auto room = meet(a, b, c);
  auto second = unique_room();
  join(b, second);
  join(c, second);
  b.expect("peer:joined");
  b.close(1000);
  // Both of b's rooms see it leave, a only the one they share.
  for (auto* other : {&a, &c}) {
    auto left = payload_of(other->expect("peer:left"));
    CAF_CHECK_EQUAL(text_of(left, "peerId"), b.peer_id());
    CAF_CHECK_EQUAL(text_of(left, "reason"), "left");
  }
  auto left = payload_of(c.expect("peer:left"));
  CAF_CHECK_EQUAL(text_of(left, "peerId"), b.peer_id());
  CAF_CHECK_EQUAL(text_of(left, "reason"), "left");
  all_quiet({&a, &c});
  a.send("room:state", {{"roomId", room}});
  CAF_CHECK_EQUAL(peer_ids(array_of(payload_of(a.expect("room:state")), "peers")),
                  (std::vector<std::string>{a.peer_id(), c.peer_id()}));
  c.send("room:state", {{"roomId", second}});
  CAF_CHECK_EQUAL(peer_ids(array_of(payload_of(c.expect("room:state")), "peers")),
                  std::vector<std::string>{c.peer_id()});
}

CAF_TEST(sigterm drains every client and exits 0) {
  server_process custom;
  CAF_REQUIRE(custom.ok());
  ws_client a{custom.port()};
  ws_client b{custom.port()};
  ws_client c{custom.port()};
  auto room = unique_room();
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  custom.signal(SIGTERM);
  for (auto* client : {&a, &b, &c}) {
    // A peer:left from a member that was drained first may come before.
    auto envelope = client->next();
    while (text_of(envelope, "type") == "peer:left")
      envelope = client->next();
    CAF_CHECK_EQUAL(text_of(envelope, "type"), "server:shutdown");
    auto payload = payload_of(envelope);
    CAF_CHECK(payload.contains("reconnectAfterMs") && integer_of(payload, "reconnectAfterMs") >= 0);
    std::size_t skipped = 0;
    CAF_CHECK_EQUAL(client->expect_close(default_timeout, &skipped), 1001);
    CAF_CHECK_EQUAL(skipped, 0u);
  }
  auto code = custom.wait_exit(10s);
  CAF_REQUIRE(code.has_value());
  CAF_CHECK_EQUAL(*code, 0);
}

CAF_TEST(sigterm without clients exits 0) {
  server_process custom;
  CAF_REQUIRE(custom.ok());
  custom.signal(SIGTERM);
  auto code = custom.wait_exit(10s);
  CAF_REQUIRE(code.has_value());
  CAF_CHECK_EQUAL(*code, 0);
}

// -- HTTP ----------------------------------------------------------------------

CAF_TEST(healthz and metrics) {
  auto health = http_get(port(), "/healthz");
  CAF_CHECK_EQUAL(health.status, 200);
  CAF_CHECK_EQUAL(health.body, "ok");
  auto metrics = http_get(port(), "/metrics");
  CAF_CHECK_EQUAL(metrics.status, 200);
  CAF_CHECK(metrics.body.find("signal_connections_open") != std::string::npos);
  CAF_CHECK(metrics.body.find("# TYPE signal_connections_open gauge") != std::string::npos);
  CAF_CHECK_EQUAL(read_metric(port(), "signal_connections_open").value_or(-1), 0.0);
  {
    ws_client a{port()};
    ws_client b{port()};
    join(a, unique_room());
    CAF_CHECK_EQUAL(await_metric(port(), "signal_connections_open", 2).value_or(-1), 2.0);
    CAF_CHECK_EQUAL(await_metric(port(), "signal_rooms_open", 1).value_or(-1), 1.0);
  }
  CAF_CHECK_EQUAL(await_metric(port(), "signal_connections_open", 0).value_or(-1), 0.0);
  CAF_CHECK_EQUAL(await_metric(port(), "signal_rooms_open", 0).value_or(-1), 0.0);
}

CAF_TEST(origin allow list) {
  server_process custom{{"--allowed-origins=http://good,https://also.good:8443"}};
  CAF_REQUIRE(custom.ok());
  client_options evil;
  evil.origin = "http://evil";
  evil.expect_connected = false;
  ws_client refused{custom.port(), evil};
  CAF_CHECK(!refused.ok());
  CAF_CHECK_EQUAL(refused.handshake_status(), 403);
  // The same refusal seen as plain HTTP: a 403 and no upgrade.
  auto raw = http_request(custom.port(), "/ws",
                          {{"Connection", "Upgrade"},
                           {"Upgrade", "websocket"},
                           {"Sec-WebSocket-Version", "13"},
                           {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                           {"Origin", "http://evil"}});
  CAF_CHECK_EQUAL(raw.status, 403);
  for (auto origin : {"http://good", "https://also.good:8443"}) {
    client_options good;
    good.origin = origin;
    ws_client allowed{custom.port(), good};
    CAF_CHECK(allowed.ok());
    CAF_CHECK(!allowed.peer_id().empty());
  }
  // Not a browser: no Origin, no check.
  ws_client native{custom.port()};
  CAF_CHECK(native.ok());
  join(native, unique_room());
  // Without an allow-list every origin is accepted.
  ws_client anywhere{port(), evil};
  CAF_CHECK(anywhere.ok());
  CAF_CHECK_EQUAL(anywhere.handshake_status(), 101);
}

CAF_TEST(an upgrade anywhere but at ws is refused) {
  std::vector<std::pair<std::string, std::string>> upgrade{
    {"Connection", "Upgrade"},
    {"Upgrade", "websocket"},
    {"Sec-WebSocket-Version", "13"},
    {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  for (auto target : {"/", "/index.html", "/ws/", "/wss", "/healthz", "/metrics"}) {
    auto refused = http_request(port(), target, upgrade);
    CAF_CHECK_EQUAL(refused.status, 404);
  }
  CAF_CHECK_EQUAL(http_request(port(), "/ws?x=1", upgrade).status, 101);
  CAF_MESSAGE("without Upgrade the same paths serve as before");
  CAF_CHECK_EQUAL(http_get(port(), "/").status, 200);
  CAF_CHECK_EQUAL(http_get(port(), "/healthz").status, 200);
}

// -- reply order ---------------------------------------------------------------

CAF_TEST(replies come in the order of the requests) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room("order");
  auto other = unique_room("order");
  join(b, other);
  CAF_MESSAGE("joins and leaves of one room, sent without waiting");
  // 180 requests in all: within the default burst of the rate limit.
  constexpr int rounds = 40;
  for (int i = 0; i < rounds; ++i) {
    a.send("room:join", {{"roomId", room}}, "j" + std::to_string(i));
    a.send("room:leave", {{"roomId", room}}, "l" + std::to_string(i));
  }
  for (int i = 0; i < rounds; ++i) {
    auto joined = a.next();
    CAF_CHECK_EQUAL(text_of(joined, "type"), "room:joined");
    CAF_CHECK_EQUAL(text_of(joined, "correlationId"), "j" + std::to_string(i));
    auto left = a.next();
    CAF_CHECK_EQUAL(text_of(left, "type"), "room:left");
    CAF_CHECK_EQUAL(text_of(left, "correlationId"), "l" + std::to_string(i));
  }
  CAF_MESSAGE("relays, room and local errors, and requests to other rooms, interleaved");
  join(a, room);
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    auto id = std::to_string(i);
    a.send("room:message", {{"roomId", room}, {"data", i}}, "m" + id);
    expected.emplace_back("ack m" + id);
    a.send("room:message", {{"roomId", room}, {"to", "nobody"}, {"data", i}}, "p" + id);
    expected.emplace_back("error p" + id);
    a.send("room:state", {{"roomId", other}}, "s" + id);
    expected.emplace_back("error s" + id);
    a.send_text(R"({"type":"room:state","payload":{},"correlationId":"x)" + id + R"("})");
    expected.emplace_back("error x" + id);
    a.send("room:state", {{"roomId", room}}, "r" + id);
    expected.emplace_back("room:state r" + id);
  }
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto reply = a.next();
    seen.emplace_back(text_of(reply, "type") + " " + text_of(reply, "correlationId"));
  }
  CAF_CHECK_EQUAL(seen, expected);
}

CAF_TEST(a frame nested too deep is answered with its correlationId) {
  ws_client a{port()};
  auto deep = std::string(200, '[') + std::string(200, ']');
  a.send_text(R"({"type":"room:message","correlationId":"deep-1","payload":{"roomId":"r","data":)"
              + deep + "}}");
  auto error = a.expect_error("INVALID_MESSAGE");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "deep-1");
  CAF_CHECK_EQUAL(text_of(payload_of(error), "requestType"), "room:message");
  CAF_MESSAGE("64 levels inside data relay");
  ws_client b{port()};
  auto room = unique_room("deep");
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  auto nested = std::string(64, '[') + std::string(64, ']');
  a.send_text(R"({"type":"room:message","correlationId":"deep-2","payload":{"roomId":")" + room
              + R"(","data":)" + nested + "}}");
  CAF_CHECK_EQUAL(text_of(a.expect("ack"), "correlationId"), "deep-2");
  auto relayed = payload_of(b.expect("room:message"));
  CAF_CHECK_EQUAL(dump(relayed["data"]), nested);
}

// -- command line --------------------------------------------------------------

CAF_TEST(an unknown flag is refused by name) {
  auto result = run_server_to_exit({"--no-such-flag=1"});
  CAF_CHECK_NOT_EQUAL(result.exit_code, 0);
  CAF_CHECK(result.exit_code < 128); // refused, not crashed
  CAF_CHECK(result.output.find("no-such-flag") != std::string::npos);
  result = run_server_to_exit({"--heartbeat-ms=5"});
  CAF_CHECK_NOT_EQUAL(result.exit_code, 0);
  CAF_CHECK(result.exit_code < 128);
  CAF_CHECK(result.output.find("heartbeat-ms") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
