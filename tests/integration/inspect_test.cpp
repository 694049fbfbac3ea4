// Suite `inspector`: signal-inspect against the real binary's inspect port,
// each command's --json output checked against the rooms and traffic the
// test made, and the token refused when wrong or missing.
#define CAF_SUITE inspector
#include "caf/test/unit_test.hpp"

#include "test_client.hpp"

#include <algorithm>
#include <future>
#include <sstream>
#include <thread>

using namespace signaling::test;

namespace {

const std::string inspect_token = "inspect token of the integration tests, 48 bytes";

/// A server with the inspect port open, and signal-inspect pointed at it.
struct inspected_server {
  temporary_file token_file{inspect_token};
  server_process server{{"--inspect-port=0", "--inspect-token-file=" + token_file.path}};
  std::uint16_t inspect_port = server.inspect_port();

  /// signal-inspect with `args` and the right token.
  run_result inspect(std::vector<std::string> args, ms timeout = 10s) const {
    return run_inspect(args, "--token-file=" + token_file.path, timeout);
  }

  /// signal-inspect with `args` and `token_flag` (empty: no token).
  run_result run_inspect(std::vector<std::string> args, const std::string& token_flag,
                         ms timeout = 10s) const {
    std::vector<std::string> command{SIGNAL_INSPECT_BINARY,
                                     "--port=" + std::to_string(inspect_port)};
    if (!token_flag.empty())
      command.emplace_back(token_flag);
    command.insert(command.end(), args.begin(), args.end());
    return run_to_exit(std::move(command), timeout);
  }

  /// The --json answer to `args`; fails the test unless it exits 0.
  json::object answer(std::vector<std::string> args, const char* file = __builtin_FILE(),
                      int line = __builtin_LINE()) const {
    args.emplace_back("--json");
    auto result = inspect(args);
    if (result.exit_code != 0) {
      report_failure(file, line, "signal-inspect failed: " + result.output);
      return {};
    }
    return object_from(result.output);
  }
};

std::vector<std::string> member_ids(const json::object& room) {
  return peer_ids(array_of(room, "members"));
}

/// The JSON lines of `text`, parsed; non-JSON lines skipped.
std::vector<json::object> json_lines(const std::string& text) {
  std::vector<json::object> result;
  std::istringstream lines{text};
  std::string line;
  while (std::getline(lines, line))
    if (auto object = object_from(line); !object.empty())
      result.emplace_back(std::move(object));
  return result;
}

} // namespace

CAF_TEST(a wrong or missing token is refused with a clear message and exit code) {
  inspected_server node;
  CAF_REQUIRE_NOT_EQUAL(node.inspect_port, 0);
  auto wrong = node.run_inspect({"summary"}, "--token=not the inspect token");
  CAF_CHECK_EQUAL(wrong.exit_code, 4);
  CAF_CHECK(wrong.output.find("wrong or missing inspect token") != std::string::npos);
  auto missing = node.run_inspect({"summary"}, "");
  CAF_CHECK_EQUAL(missing.exit_code, 4);
  CAF_CHECK(missing.output.find("no inspect token") != std::string::npos);
  CAF_MESSAGE("the right token still works after refusals");
  CAF_CHECK_EQUAL(node.inspect({"summary"}).exit_code, 0);
}

CAF_TEST(without an inspect port there is nothing to reach) {
  server_process server;
  auto result = run_to_exit({SIGNAL_INSPECT_BINARY, "--port=1", "--token=x", "summary"});
  CAF_CHECK_EQUAL(result.exit_code, 3);
  CAF_CHECK(result.output.find("cannot reach the inspect port") != std::string::npos);
  CAF_MESSAGE("--inspect-port without a token file is a start-up error");
  auto refused = run_server_to_exit({"--inspect-port=0"});
  CAF_CHECK_EQUAL(refused.exit_code, 2);
  CAF_CHECK(refused.output.find("--inspect-port needs --inspect-token-file") != std::string::npos);
}

CAF_TEST(the inspect port listens only on the address given by inspect bind) {
  temporary_file token_file{inspect_token};
  server_process server{
    {"--inspect-port=0", "--inspect-bind=127.0.0.2", "--inspect-token-file=" + token_file.path}};
  auto port = "--port=" + std::to_string(server.inspect_port());
  auto token = "--token-file=" + token_file.path;
  auto there = run_to_exit({SIGNAL_INSPECT_BINARY, "--host=127.0.0.2", port, token, "summary"});
  CAF_CHECK_EQUAL(there.exit_code, 0);
  auto elsewhere = run_to_exit({SIGNAL_INSPECT_BINARY, "--host=127.0.0.1", port, token, "summary"});
  CAF_CHECK_EQUAL(elsewhere.exit_code, 3);
}

CAF_TEST(summary counts connections sessions rooms and actors) {
  inspected_server node;
  auto port = node.server.port();
  ws_client a{port};
  ws_client b{port};
  ws_client c{port};
  meet(a, b, c);
  join(a, unique_room("second"));
  auto summary = node.answer({"summary"});
  CAF_CHECK_EQUAL(integer_of(summary, "connections"), 3);
  CAF_CHECK_EQUAL(integer_of(object_of(summary, "sessions"), "attached"), 3);
  CAF_CHECK_EQUAL(integer_of(summary, "rooms"), 2);
  CAF_CHECK_EQUAL(integer_of(summary, "members"), 4);
  auto actors = object_of(summary, "actors");
  CAF_CHECK_EQUAL(integer_of(actors, "connection"), 3);
  CAF_CHECK_EQUAL(integer_of(actors, "session"), 3);
  CAF_CHECK_EQUAL(integer_of(actors, "room"), 2);
  CAF_CHECK_EQUAL(integer_of(actors, "server"), 1);
  CAF_CHECK_EQUAL(integer_of(summary, "unresponsiveActors"), 0);
  CAF_CHECK(!text_of(summary, "node").empty());
  CAF_MESSAGE("a lost connection shows as a detached session");
  c.reset();
  auto detached = 0;
  for (int attempt = 0; attempt < 50 && detached != 1; ++attempt) {
    auto now = node.answer({"summary"});
    detached = static_cast<int>(integer_of(object_of(now, "sessions"), "detached"));
    if (detached != 1)
      std::this_thread::sleep_for(20ms);
  }
  CAF_CHECK_EQUAL(detached, 1);
}

CAF_TEST(room lists members in join order with their state and relays) {
  inspected_server node;
  auto port = node.server.port();
  ws_client a{port};
  ws_client b{port};
  ws_client c{port};
  auto room_id = unique_room("inspected");
  join(a, room_id, {{"displayName", "Ada"}});
  join(b, room_id, {{"displayName", "Bob"}});
  a.expect("peer:joined");
  join(c, room_id);
  a.expect("peer:joined");
  b.expect("peer:joined");
  for (int i = 0; i < 3; ++i)
    a.send("room:message", {{"roomId", room_id}, {"data", "hello"}}, "m" + std::to_string(i));
  for (int i = 0; i < 3; ++i)
    a.expect("ack");
  auto room = node.answer({"room", room_id});
  CAF_CHECK_EQUAL(text_of(room, "roomId"), room_id);
  std::vector<std::string> expected{a.peer_id(), b.peer_id(), c.peer_id()};
  CAF_CHECK_EQUAL(member_ids(room), expected);
  auto members = array_of(room, "members");
  CAF_REQUIRE_EQUAL(members.size(), 3u);
  CAF_CHECK_EQUAL(text_of(members[0].as_object(), "displayName"), "Ada");
  CAF_CHECK_EQUAL(text_of(members[1].as_object(), "displayName"), "Bob");
  CAF_CHECK_EQUAL(integer_of(members[0].as_object(), "relayed"), 3);
  CAF_CHECK_EQUAL(integer_of(members[1].as_object(), "relayed"), 0);
  CAF_CHECK_EQUAL(integer_of(room, "relays"), 3);
  for (const auto& member : members)
    CAF_CHECK_EQUAL(text_of(member.as_object(), "state"), "attached");
  CAF_MESSAGE("a lost member shows as reconnecting, in its place");
  b.reset();
  a.expect("peer:reconnecting");
  auto after = node.answer({"room", room_id});
  CAF_CHECK_EQUAL(member_ids(after), expected);
  auto states = array_of(after, "members");
  CAF_REQUIRE_EQUAL(states.size(), 3u);
  CAF_CHECK_EQUAL(text_of(states[1].as_object(), "state"), "reconnecting");
  CAF_MESSAGE("rooms lists every room, and the human table shows the members in order");
  auto rooms = node.answer({"rooms"});
  auto listed = array_of(rooms, "rooms");
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CAF_CHECK_EQUAL(member_ids(listed[0].as_object()), expected);
  auto table = node.inspect({"room", room_id});
  CAF_CHECK_EQUAL(table.exit_code, 0);
  auto header = table.output.find("PEER");
  auto first = table.output.find(a.peer_id());
  auto second = table.output.find(b.peer_id());
  CAF_CHECK(header != std::string::npos && header < first && first < second);
  CAF_CHECK(table.output.find("reconnecting") != std::string::npos);
  CAF_MESSAGE("an unknown room is its own error");
  auto unknown = node.inspect({"room", "no-such-room"});
  CAF_CHECK_EQUAL(unknown.exit_code, 5);
  CAF_CHECK(unknown.output.find("no room 'no-such-room'") != std::string::npos);
}

CAF_TEST(peer shows the session with its rooms and its connection) {
  inspected_server node;
  ws_client a{node.server.port()};
  auto first = unique_room("first");
  auto second = unique_room("second");
  join(a, first);
  join(a, second);
  auto peer = node.answer({"peer", a.peer_id()});
  CAF_CHECK_EQUAL(text_of(peer, "peerId"), a.peer_id());
  CAF_CHECK_EQUAL(text_of(peer, "state"), "attached");
  auto rooms = array_of(peer, "rooms");
  CAF_REQUIRE_EQUAL(rooms.size(), 2u);
  std::vector<std::string> room_ids{std::string{rooms[0].as_string()},
                                    std::string{rooms[1].as_string()}};
  std::vector<std::string> expected{first, second};
  std::sort(expected.begin(), expected.end());
  CAF_CHECK_EQUAL(room_ids, expected);
  CAF_CHECK_EQUAL(integer_of(peer, "requests"), 2);
  CAF_CHECK(integer_of(peer, "lastActivityAt") > 0);
  auto connection = object_of(peer, "connection");
  CAF_CHECK_EQUAL(text_of(connection, "remoteAddress").rfind("127.0.0.1:", 0), 0u);
  CAF_CHECK_EQUAL(integer_of(connection, "framesReceived"), 2);
  auto unknown = node.inspect({"peer", "no-such-peer"});
  CAF_CHECK_EQUAL(unknown.exit_code, 5);
  CAF_CHECK(unknown.output.find("no peer 'no-such-peer'") != std::string::npos);
}

CAF_TEST(actors lists live actors by kind and the deepest mailboxes) {
  inspected_server node;
  auto port = node.server.port();
  ws_client a{port};
  ws_client b{port};
  join(a, unique_room("actors"));
  auto actors = node.answer({"actors", "--top=3"});
  auto by_kind = object_of(actors, "byKind");
  CAF_CHECK_EQUAL(integer_of(by_kind, "connection"), 2);
  CAF_CHECK_EQUAL(integer_of(by_kind, "session"), 2);
  CAF_CHECK_EQUAL(integer_of(by_kind, "room"), 1);
  CAF_CHECK_EQUAL(integer_of(by_kind, "session-registry"), 1);
  CAF_CHECK_EQUAL(integer_of(by_kind, "room-directory"), 1);
  CAF_CHECK_EQUAL(integer_of(by_kind, "server"), 1);
  CAF_CHECK_EQUAL(integer_of(actors, "total"), 8);
  auto top = array_of(actors, "top");
  CAF_REQUIRE_EQUAL(top.size(), 3u);
  for (std::size_t i = 1; i < top.size(); ++i)
    CAF_CHECK(integer_of(top[i - 1].as_object(), "mailbox")
              >= integer_of(top[i].as_object(), "mailbox"));
}

CAF_TEST(trace streams the room events in order with contents redacted) {
  inspected_server node;
  auto port = node.server.port();
  ws_client a{port};
  ws_client b{port};
  auto room_id = unique_room("traced");
  join(a, room_id);
  // signal-inspect runs beside the test: joins, relays and leaves, then the
  // room's close, which ends the trace by itself.
  auto tracer = std::async(std::launch::async, [&] {
    return node.inspect({"trace", room_id, "--json"}, 20s);
  });
  // The room shows its tracers: the traffic starts once it has one.
  auto tracing = false;
  for (int attempt = 0; attempt < 250 && !tracing; ++attempt) {
    tracing = integer_of(node.answer({"room", room_id}), "tracers") == 1;
    if (!tracing)
      std::this_thread::sleep_for(20ms);
  }
  CAF_REQUIRE(tracing);
  join(b, room_id);
  a.expect("peer:joined");
  auto offer = object_from(R"({"type":"offer","sdp":"v=0 secret sdp"})");
  a.send("sdp:offer", {{"roomId", room_id}, {"to", b.peer_id()}, {"sdp", offer}}, "o");
  a.expect("ack");
  b.expect("sdp:offer");
  a.send("ice:candidate",
         {{"roomId", room_id},
          {"candidate", {{"candidate", "candidate:1 1 udp 2122 10.1.2.3 5000 typ host"}}}},
         "c");
  a.expect("ack");
  b.expect("ice:candidate");
  b.send("room:leave", {{"roomId", room_id}}, "l");
  b.expect("room:left");
  a.expect("peer:left");
  a.send("room:leave", {{"roomId", room_id}}, "l2");
  a.expect("room:left");
  auto result = tracer.get();
  CAF_CHECK_EQUAL(result.exit_code, 0);
  auto events = json_lines(result.output);
  std::vector<std::string> kinds;
  for (const auto& event : events)
    kinds.emplace_back(text_of(event, "event") + ":" + text_of(event, "peerId"));
  std::vector<std::string> expected{"peer-joined:" + b.peer_id(), "relay:" + a.peer_id(),
                                    "relay:" + a.peer_id(),       "peer-left:" + b.peer_id(),
                                    "peer-left:" + a.peer_id(),   "room-closed:"};
  CAF_CHECK_EQUAL(kinds, expected);
  if (events.size() == expected.size()) {
    CAF_CHECK_EQUAL(text_of(events[1], "type"), "sdp:offer");
    CAF_CHECK_EQUAL(text_of(events[1], "to"), b.peer_id());
    CAF_CHECK(integer_of(events[1], "size") > 0);
    CAF_CHECK_EQUAL(text_of(events[1], "content"), "");
    CAF_CHECK_EQUAL(text_of(events[2], "type"), "ice:candidate");
    CAF_CHECK_EQUAL(text_of(events[2], "content"), "typ host");
    CAF_CHECK_EQUAL(text_of(events[3], "type"), "left");
  }
  CAF_CHECK(result.output.find("secret sdp") == std::string::npos);
  CAF_CHECK(result.output.find("10.1.2.3") == std::string::npos);
}
