// Suite `robustness`: order, isolation, bad input, heartbeats, races and slow readers.
#define CAF_SUITE robustness
#include "caf/test/unit_test.hpp"

#include "test_client.hpp"

#include <fstream>
#include <map>

using namespace signaling::test;

namespace {

using clock_type = std::chrono::steady_clock;

json::object envelope(std::string_view type, json::object payload,
                      std::string_view correlation = {}) {
  json::object result;
  result["type"] = type;
  result["payload"] = std::move(payload);
  if (!correlation.empty())
    result["correlationId"] = correlation;
  return result;
}

std::string error_path(const json::object& error) {
  return text_of(object_of(payload_of(error), "details"), "path");
}

/// Asks room:state until ROOM_NOT_FOUND, for up to `timeout`: the room
/// directory learns of an empty room's exit a moment after its last member
/// got room:left. False if the room is still there.
bool room_gone(ws_client& probe, const std::string& room, ms timeout = 2s,
               const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  auto deadline = clock_type::now() + timeout;
  std::string last;
  for (;;) {
    probe.send("room:state", {{"roomId", room}}, {}, file, line);
    auto reply = probe.next(default_timeout, file, line);
    last = json::serialize(reply);
    if (text_of(payload_of(reply), "code") == "ROOM_NOT_FOUND")
      return true;
    if (reply.empty() || clock_type::now() >= deadline)
      break;
    std::this_thread::sleep_for(20ms);
  }
  report_failure(file, line,
                 "room '" + room + "' outlived its members; room:state answers " + last);
  return false;
}

/// Reads events of `observer` for up to `timeout`, sending an application
/// ping every 100 ms so that the observer itself stays alive; true as soon
/// as `peer_id` is reported gone (peer:left, or peer:reconnecting where a
/// lost connection keeps its session for the resume grace). Before it
/// returns it collects the pong of every ping it sent, so that the caller's
/// next expectation does not meet a stray pong.
bool sees_departure(ws_client& observer, const std::string& peer_id, ms timeout,
                    ms* after = nullptr) {
  auto start = clock_type::now();
  auto next_ping = start;
  int pings = 0;
  int pongs = 0;
  bool departed = false;
  while (clock_type::now() - start < timeout + (departed ? 1s : 0s)) {
    if (departed && pongs >= pings)
      return true;
    if (!departed && clock_type::now() >= next_ping) {
      if (observer.try_send_text(R"({"type":"ping"})"))
        ++pings;
      next_ping += 100ms;
    }
    auto event = observer.next_event(20ms);
    if (event.what != client_event::kind::text)
      continue;
    std::error_code ec;
    auto value = json::parse(event.data, ec);
    if (ec || !value.is_object())
      continue;
    auto type = text_of(value.get_object(), "type");
    if (type == "pong")
      ++pongs;
    if (!departed && (type == "peer:left" || type == "peer:reconnecting")
        && text_of(payload_of(value.get_object()), "peerId") == peer_id) {
      departed = true;
      if (after != nullptr)
        *after = std::chrono::duration_cast<ms>(clock_type::now() - start);
    }
  }
  return departed;
}

/// The types of the frames `client` receives up to and including the first
/// `last`, and of any that follow within `after`: what a client saw of a
/// room around its departure, stale events included.
std::vector<std::string> types_through(ws_client& client, std::string_view last, ms after = 50ms) {
  std::vector<std::string> types;
  bool done = false;
  for (;;) {
    auto event = client.next_event(done ? after : default_timeout);
    if (event.what != client_event::kind::text)
      break;
    types.emplace_back(text_of(object_from(event.data), "type"));
    done = done || types.back() == last;
  }
  return types;
}

std::string joined_list(const std::vector<std::string>& xs) {
  std::string result;
  for (const auto& x : xs)
    result += (result.empty() ? "" : ", ") + x;
  return "[" + result + "]";
}

/// After a race: no room is left open and the server still serves.
void check_nothing_leaked(std::uint16_t port, const char* file = __builtin_FILE(),
                          int line = __builtin_LINE()) {
  auto open = await_metric(port, "signal_rooms_open", 0).value_or(-1);
  if (open != 0.0)
    report_failure(file, line, "signal_rooms_open is " + std::to_string(open) + ", not 0");
  if (!server_serves(port, file, line))
    report_failure(file, line, "the server stopped serving /healthz");
}

/// `member`, the last one in `room`, sees only itself there, leaves, and the
/// room is gone.
void leave_as_last(ws_client& member, ws_client& probe, const std::string& room,
                   const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  member.send("room:state", {{"roomId", room}}, {}, file, line);
  auto peers = peer_ids(array_of(payload_of(member.expect("room:state")), "peers"));
  if (peers != std::vector<std::string>{member.peer_id()})
    report_failure(file, line,
                   "room '" + room + "' holds " + std::to_string(peers.size())
                     + " peers, expected only the last member");
  member.send("room:leave", {{"roomId", room}}, {}, file, line);
  member.expect("room:left");
  room_gone(probe, room, 2s, file, line);
}

/// A field of /proc/PID/status in KiB (VmRSS: resident now; VmHWM: the
/// peak so far), or -1 if it cannot be read.
long long status_kib(pid_t pid, std::string_view field) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.compare(0, field.size(), field) == 0 && line.size() > field.size()
        && line[field.size()] == ':')
      return std::stoll(line.substr(field.size() + 1));
  return -1;
}

struct fixture {
  // A short resume grace: the races below drop clients, whose sessions and
  // rooms must then be gone soon after.
  server_process server{{"--resume-grace-ms=200"}};

  std::uint16_t port() const { return server.port(); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(robustness_tests, fixture)

// -- ordering and isolation ----------------------------------------------------

CAF_TEST(a thousand rapid relays arrive in order) {
  server_process fast{{"--rate=100000", "--rate-burst=100000"}};
  CAF_REQUIRE(fast.ok());
  ws_client a{fast.port()};
  ws_client b{fast.port()};
  ws_client c{fast.port()};
  auto room = meet(a, b, c);
  constexpr int count = 1000;
  // c sends to b at the same time as a: each sender's order must hold.
  std::atomic<int> c_failures{0};
  std::thread other{[&] {
    for (int seq = 0; seq < count; ++seq) {
      auto frame =
        envelope("room:message",
                 {{"roomId", room}, {"to", b.peer_id()}, {"data", {{"from", "c"}, {"seq", seq}}}});
      if (!c.try_send_text(json::serialize(frame)))
        ++c_failures;
    }
  }};
  // a alternates targeted and broadcast relays: one room, one order.
  for (int seq = 0; seq < count; ++seq) {
    json::object payload{{"roomId", room}, {"data", {{"from", "a"}, {"seq", seq}}}};
    if (seq % 2 == 0)
      payload["to"] = b.peer_id();
    a.send("room:message", std::move(payload));
  }
  other.join();
  CAF_CHECK_EQUAL(c_failures.load(), 0);
  std::map<std::string, int> next_seq{{"a", 0}, {"c", 0}};
  int out_of_order = 0;
  for (int received = 0; received < 2 * count; ++received) {
    auto message = b.expect("room:message");
    if (message.empty())
      break;
    auto data = object_of(payload_of(message), "data");
    auto& expected = next_seq[text_of(data, "from")];
    if (integer_of(data, "seq") != expected)
      ++out_of_order;
    expected = static_cast<int>(integer_of(data, "seq")) + 1;
  }
  CAF_CHECK_EQUAL(out_of_order, 0);
  CAF_CHECK_EQUAL(next_seq["a"], count);
  CAF_CHECK_EQUAL(next_seq["c"], count);
  // c saw a's broadcasts, in order, and nothing else.
  for (int seq = 1; seq < count; seq += 2) {
    auto data = object_of(payload_of(c.expect("room:message")), "data");
    if (integer_of(data, "seq") != seq) {
      report_failure(__FILE__, __LINE__,
                     "broadcast " + std::to_string(seq) + " arrived as " + json::serialize(data));
      break;
    }
  }
  all_quiet({&a, &b, &c});
}

CAF_TEST(relays of every frame length arrive whole and in order) {
  // Server frames carry a 7-bit, 16-bit or 64-bit length (RFC 6455 5.2), and
  // many large ones at once pass the bytes a socket gathers before a write.
  // An SDP is the one field bounded only by the frame size.
  server_process big{{"--max-message-bytes=400000", "--rate=100000", "--rate-burst=100000"}};
  CAF_REQUIRE(big.ok());
  ws_client a{big.port()};
  ws_client b{big.port()};
  auto room = unique_room("lengths");
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  const std::vector<std::size_t> sizes{0, 1, 100, 125, 126, 127, 65535, 65536, 70000, 300000};
  for (int round = 0; round < 3; ++round)
    for (auto size : sizes)
      a.send("sdp:offer",
             json::object{
               {"roomId", room},
               {"to", b.peer_id()},
               {"sdp",
                {{"type", "offer"}, {"sdp", std::string(size, static_cast<char>('a' + round))}}}});
  for (int round = 0; round < 3; ++round)
    for (auto size : sizes) {
      auto message = b.expect("sdp:offer");
      CAF_REQUIRE(!message.empty());
      auto data = object_of(payload_of(message), "sdp").at("sdp").as_string();
      CAF_CHECK_EQUAL(data.size(), size);
      CAF_CHECK(std::string_view{data}.find_first_not_of(static_cast<char>('a' + round))
                == std::string_view::npos);
    }
  all_quiet({&a, &b});
}

CAF_TEST(nothing crosses between rooms) {
  ws_client a{port()};
  ws_client b{port()};
  ws_client c{port()};
  ws_client d{port()};
  ws_client x{port()}; // in both rooms
  auto one = unique_room("one");
  auto two = unique_room("two");
  join(a, one);
  join(b, one);
  join(c, two);
  join(d, two);
  a.expect("peer:joined");
  c.expect("peer:joined");
  join(x, one);
  join(x, two);
  for (auto* member : {&a, &b, &c, &d})
    CAF_CHECK_EQUAL(text_of(object_of(payload_of(member->expect("peer:joined")), "peer"), "peerId"),
                    x.peer_id());
  a.send("room:message", {{"roomId", one}, {"data", "for one"}});
  for (auto* member : {&b, &x}) {
    auto payload = payload_of(member->expect("room:message"));
    CAF_CHECK_EQUAL(text_of(payload, "roomId"), one);
  }
  c.send("ice:candidate", {{"roomId", two}, {"candidate", nullptr}});
  for (auto* member : {&d, &x}) {
    auto payload = payload_of(member->expect("ice:candidate"));
    CAF_CHECK_EQUAL(text_of(payload, "roomId"), two);
  }
  all_quiet({&a, &b, &c, &d, &x});
  // Addressing across rooms fails and reaches nobody, even through x.
  a.send("room:message", {{"roomId", one}, {"to", c.peer_id()}, {"data", "cross"}});
  a.expect_error("PEER_NOT_FOUND");
  a.send("room:message", {{"roomId", two}, {"to", x.peer_id()}, {"data", "cross"}});
  a.expect_error("NOT_IN_ROOM");
  a.send("room:state", {{"roomId", two}});
  a.expect_error("NOT_IN_ROOM");
  // x's targeted message in two stays in two.
  x.send("room:message", {{"roomId", two}, {"to", d.peer_id()}, {"data", "only d"}});
  CAF_CHECK_EQUAL(text_of(payload_of(d.expect("room:message")), "roomId"), two);
  // Leaving one is news only in one.
  b.send("room:leave", {{"roomId", one}});
  b.expect("room:left");
  for (auto* member : {&a, &x}) {
    auto payload = payload_of(member->expect("peer:left"));
    CAF_CHECK_EQUAL(text_of(payload, "roomId"), one);
  }
  all_quiet({&a, &b, &c, &d, &x});
  // And x's departure is told in each room once, under that room's id.
  x.close();
  std::map<std::string, int> seen;
  for (auto* member : {&a, &c, &d}) {
    auto payload = payload_of(member->expect("peer:left"));
    CAF_CHECK_EQUAL(text_of(payload, "peerId"), x.peer_id());
    ++seen[text_of(payload, "roomId")];
  }
  CAF_CHECK_EQUAL(seen[one], 1);
  CAF_CHECK_EQUAL(seen[two], 2);
  all_quiet({&a, &b, &c, &d});
}

// -- bad input -----------------------------------------------------------------

CAF_TEST(a binary frame is invalid and harmless) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room();
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  b.send_binary(std::string{"\x00\x01\x02\xff binary", 11});
  b.expect_error("INVALID_MESSAGE");
  // Valid JSON in a binary frame is still a binary frame.
  b.send_binary(R"({"type":"room:message","payload":{"roomId":")" + room
                + R"(","data":"via binary"}})");
  b.expect_error("INVALID_MESSAGE");
  b.send_binary("");
  b.expect_error("INVALID_MESSAGE");
  a.expect_silence();
  b.send("ping");
  b.expect("pong");
  CAF_CHECK(server_serves(port()));
}

CAF_TEST(text that is not JSON is invalid and harmless) {
  ws_client a{port()};
  for (auto frame : {"", " ", "not json at all", "{", "{\"type\":", "{'type':'ping'}",
                     "{\"type\":\"ping\",}", "\x01\x02", "[]", "{}{}", "NaN", "Infinity"}) {
    a.send_text(frame);
    a.expect_error("INVALID_MESSAGE");
  }
  a.send("ping");
  a.expect("pong");
  CAF_CHECK(server_serves(port()));
}

CAF_TEST(invalid utf8 in a text frame is refused) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room();
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  // RFC 6455 lets the server fail the connection with 1007; answering
  // INVALID_MESSAGE is as good. Either way nothing reaches the room.
  a.send_text("{\"type\":\"room:message\",\"payload\":{\"roomId\":\"" + room
              + "\",\"data\":\"\xff\xfe\xc3\x28\"}}");
  auto event = a.next_event();
  if (event.what == client_event::kind::closed) {
    CAF_CHECK_EQUAL(event.close_code, 1007);
    b.expect("peer:left");
  } else {
    CAF_REQUIRE(event.what == client_event::kind::text);
    auto error = object_from(event.data);
    CAF_CHECK_EQUAL(text_of(error, "type"), "error");
    CAF_CHECK_EQUAL(text_of(payload_of(error), "code"), "INVALID_MESSAGE");
    b.expect_silence();
  }
  CAF_CHECK(server_serves(port()));
}

CAF_TEST(deep nesting is invalid and harmless) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room();
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  constexpr int depth = 10'000;
  a.send_text(std::string(depth, '[') + std::string(depth, ']'));
  a.expect_error("INVALID_MESSAGE");
  std::string objects;
  for (int i = 0; i < depth; ++i)
    objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  a.send_text(objects);
  a.expect_error("INVALID_MESSAGE");
  // The same depth inside relayed data must not reach the other member.
  a.send_text(R"({"type":"room:message","payload":{"roomId":")" + room + R"(","data":)"
              + std::string(depth, '[') + std::string(depth, ']') + "}}");
  a.expect_error("INVALID_MESSAGE");
  b.expect_silence();
  // Ordinary nesting still relays.
  auto data = object_from(R"({"a":{"b":{"c":{"d":{"e":[[[["deep enough"]]]]}}}}})");
  a.send("room:message", {{"roomId", room}, {"data", data}});
  CAF_CHECK_EQUAL(dump(payload_of(b.expect("room:message")).at("data")), dump(data));
  CAF_CHECK(server_serves(port()));
}

CAF_TEST(huge numbers are invalid or passed on and harmless) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room();
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  auto digits = "1" + std::string(499, '7');
  for (auto number : {std::string{"1e999"}, std::string{"-1e999"}, digits, "-" + digits}) {
    // As maxPeers it is out of range whatever it parses to.
    a.send_text(R"({"type":"room:join","payload":{"roomId":")" + unique_room() + R"(","maxPeers":)"
                + number + "}}");
    a.expect_error("INVALID_MESSAGE");
    // As the informative timestamp it is still a number: the ping counts.
    a.send_text(R"({"type":"ping","timestamp":)" + number + "}");
    a.expect("pong");
  }
  // Inside relayed data it is content like any other: passed on digit for
  // digit, not rounded to a double.
  a.send_text(R"({"type":"room:message","payload":{"roomId":")" + room + R"(","data":{"n":)"
              + digits + "}}}");
  auto event = b.next_event();
  CAF_REQUIRE(event.what == client_event::kind::text);
  CAF_CHECK(event.data.find(R"("data":{"n":)" + digits + "}") != std::string::npos);
  a.send("ping");
  a.expect("pong");
  CAF_CHECK(server_serves(port()));
}

CAF_TEST(over long strings are invalid and harmless) {
  ws_client a{port()};
  auto longest_room = std::string(128, 'r');
  CAF_CHECK_EQUAL(text_of(join(a, longest_room), "roomId"), longest_room);
  a.send("room:join", {{"roomId", std::string(129, 'r')}});
  CAF_CHECK_EQUAL(error_path(a.expect_error("INVALID_MESSAGE")), "payload.roomId");
  a.send("ping", {}, std::string(129, 'c'));
  auto error = a.expect_error("INVALID_MESSAGE");
  CAF_CHECK_EQUAL(error_path(error), "correlationId");
  // An invalid correlationId cannot be echoed.
  CAF_CHECK(!error.contains("correlationId"));
  a.send("room:join", {{"roomId", unique_room()}, {"displayName", std::string(129, 'n')}});
  CAF_CHECK_EQUAL(error_path(a.expect_error("INVALID_MESSAGE")), "payload.displayName");
  a.send("room:message", {{"roomId", longest_room}, {"to", std::string(129, 'p')}, {"data", 1}});
  CAF_CHECK_EQUAL(error_path(a.expect_error("INVALID_MESSAGE")), "payload.to");
  a.send("session:resume", {{"resumeToken", std::string(9000, 't')}});
  CAF_CHECK_EQUAL(error_path(a.expect_error("INVALID_MESSAGE")), "payload.resumeToken");
  // A type no shorter list of types could hold: refused either way.
  a.send(std::string(5000, 't'), {});
  auto reply = a.next();
  CAF_CHECK_EQUAL(text_of(reply, "type"), "error");
  a.send("ping");
  a.expect("pong");
  CAF_CHECK(server_serves(port()));
}

CAF_TEST(a frame over the size limit is refused then closed) {
  server_process small{{"--max-message-bytes=8192"}};
  CAF_REQUIRE(small.ok());
  ws_client a{small.port()};
  ws_client c{small.port()};
  ws_client d{small.port()};
  auto room = meet(a, c, d);
  auto sized_ping = [](std::size_t bytes) {
    std::string head = R"({"type":"ping","pad":")";
    std::string tail = R"("})";
    return head + std::string(bytes - head.size() - tail.size(), 'p') + tail;
  };
  // Exactly at the limit is fine.
  c.send_text(sized_ping(8192));
  c.expect("pong");
  // One byte over: the error first, then 1009.
  c.send_text(sized_ping(8193));
  auto error = c.expect_error("MESSAGE_TOO_LARGE");
  std::size_t skipped = 0;
  CAF_CHECK_EQUAL(c.expect_close(default_timeout, &skipped), 1009);
  CAF_CHECK_EQUAL(skipped, 0u);
  // A policy close ends the membership at once, with no grace.
  for (auto* member : {&a, &d}) {
    auto left = payload_of(member->expect("peer:left"));
    CAF_CHECK_EQUAL(text_of(left, "peerId"), c.peer_id());
    CAF_CHECK_EQUAL(text_of(left, "reason"), "left");
  }
  // Far over: a megabyte the server need not read to refuse.
  // The server may close before it read all of it, so the write may fail.
  d.try_send_text(std::string(R"({"type":"room:message","payload":{"roomId":")") + room
                  + R"(","data":")" + std::string(1 << 20, 'x') + R"("}})");
  d.expect_error("MESSAGE_TOO_LARGE");
  CAF_CHECK_EQUAL(d.expect_close(), 1009);
  auto left = payload_of(a.expect("peer:left"));
  CAF_CHECK_EQUAL(text_of(left, "peerId"), d.peer_id());
  // The refused message reached nobody.
  a.expect_silence();
  CAF_CHECK(server_serves(small.port()));
}

CAF_TEST(a flood past the rate is limited then closed) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room();
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  // Default rate: 100/s, burst 200. 300 at once: the excess is dropped with
  // RATE_LIMITED, and every request still gets exactly one reply.
  constexpr int burst = 300;
  for (int i = 0; i < burst; ++i)
    a.send("ping", {}, "p-" + std::to_string(i));
  int pongs = 0;
  int limited = 0;
  std::vector<int> replies(burst, 0);
  for (int i = 0; i < burst; ++i) {
    auto reply = a.next();
    if (reply.empty())
      break;
    auto id = text_of(reply, "correlationId");
    if (id.size() > 2 && id.compare(0, 2, "p-") == 0) {
      auto n = std::stoi(id.substr(2));
      if (n >= 0 && n < burst)
        ++replies[n];
    }
    if (text_of(reply, "type") == "pong") {
      ++pongs;
    } else if (text_of(payload_of(reply), "code") == "RATE_LIMITED") {
      ++limited;
      CAF_CHECK_EQUAL(text_of(payload_of(reply), "requestType"), "ping");
    } else {
      report_failure(__FILE__, __LINE__, "unexpected reply " + json::serialize(reply));
    }
  }
  // The bucket starts full (200) and the join took one token.
  CAF_CHECK_GREATER_OR_EQUAL(pongs, 199);
  CAF_CHECK_GREATER_OR_EQUAL(limited, 1);
  CAF_CHECK_EQUAL(pongs + limited, burst);
  CAF_CHECK(std::all_of(replies.begin(), replies.end(), [](int n) { return n == 1; }));
  a.expect_silence();
  b.expect_silence();
  // Tokens come back with time: the connection is usable again.
  std::this_thread::sleep_for(200ms);
  a.send("ping", {}, "after");
  CAF_CHECK_EQUAL(text_of(a.expect("pong"), "correlationId"), "after");
  // Sustained flooding (more than 400 drops in 10 s) closes with 1008.
  int sent = 0;
  while (sent < 5000 && !a.closed() && a.try_send_text(R"({"type":"ping"})"))
    ++sent;
  CAF_MESSAGE("flood: " << sent << " pings sent before the close");
  CAF_CHECK_EQUAL(a.expect_close(default_timeout), 1008);
  auto left = payload_of(b.expect("peer:left"));
  CAF_CHECK_EQUAL(text_of(left, "peerId"), a.peer_id());
  CAF_CHECK_EQUAL(text_of(left, "reason"), "left");
  CAF_CHECK(server_serves(port()));
}

// -- heartbeat -----------------------------------------------------------------

CAF_TEST(heartbeat drops a client that never answers pings) {
  server_process beating{{"--heartbeat-ms=300", "--resume-grace-ms=300"}};
  CAF_REQUIRE(beating.ok());
  ws_client observer{beating.port()};
  client_options deaf;
  deaf.read = false;
  ws_client silent{beating.port(), deaf};
  auto room = unique_room();
  join(observer, room);
  silent.send("room:join", {{"roomId", room}});
  auto peer = object_of(payload_of(observer.expect("peer:joined")), "peer");
  CAF_CHECK_EQUAL(text_of(peer, "peerId"), silent.peer_id());
  ms after{0};
  CAF_CHECK(sees_departure(observer, silent.peer_id(), 3s, &after));
  CAF_MESSAGE("silent peer reported gone after " << after.count() << " ms");
  CAF_CHECK_LESS(after.count(), 2000);
  // The silent side finds its connection gone once it looks.
  silent.start_reading();
  auto code = silent.expect_close(default_timeout);
  CAF_CHECK_NOT_EQUAL(code, 0);
  // Dropped as lost: its session waits out the grace, then leaves.
  auto left = payload_of(observer.expect("peer:left"));
  CAF_CHECK_EQUAL(text_of(left, "reason"), "timeout");
  // The observer, which stayed alive, is still served.
  observer.send("room:state", {{"roomId", room}}, "st");
  auto state = payload_of(observer.expect("room:state"));
  CAF_CHECK_EQUAL(peer_ids(array_of(state, "peers")), std::vector<std::string>{observer.peer_id()});
}

CAF_TEST(heartbeat keeps a quiet client that reads) {
  server_process beating{{"--heartbeat-ms=300"}};
  CAF_REQUIRE(beating.ok());
  ws_client observer{beating.port()};
  // Sends nothing after its join, but reads, so Beast answers every ping.
  ws_client quiet{beating.port()};
  auto room = unique_room();
  join(observer, room);
  join(quiet, room);
  observer.expect("peer:joined");
  // Five intervals: three times what a dead peer gets.
  CAF_CHECK(!sees_departure(observer, quiet.peer_id(), 1500ms));
  CAF_CHECK(!quiet.closed());
  quiet.send("ping", {}, "still-here");
  CAF_CHECK_EQUAL(text_of(quiet.expect("pong"), "correlationId"), "still-here");
}

// -- races ---------------------------------------------------------------------

CAF_TEST(a join followed at once by a close leaks no room) {
  constexpr int rounds = 20;
  std::vector<std::string> rooms;
  for (int i = 0; i < rounds; ++i) {
    ws_client x{port()};
    rooms.emplace_back(unique_room("race-join"));
    x.send("room:join", {{"roomId", rooms.back()}});
    if (i % 2 == 0)
      x.drop();
    else
      x.close(1000);
  }
  // The same into a room that has a member already.
  ws_client y{port()};
  auto shared = unique_room("shared");
  join(y, shared);
  for (int i = 0; i < rounds; ++i) {
    ws_client x{port()};
    x.send("room:join", {{"roomId", shared}});
    if (i % 2 == 0)
      x.drop();
    else
      x.close(1000);
  }
  CAF_CHECK_EQUAL(await_metric(port(), "signal_rooms_open", 1).value_or(-1), 1.0);
  ws_client probe{port()};
  for (const auto& room : rooms)
    room_gone(probe, room, 500ms);
  // y saw every peer that made it in leave again.
  std::map<std::string, int> balance;
  for (;;) {
    auto event = y.next_event(silence_window);
    if (event.what != client_event::kind::text)
      break;
    auto message = object_from(event.data);
    auto type = text_of(message, "type");
    if (type == "peer:joined")
      ++balance[text_of(object_of(payload_of(message), "peer"), "peerId")];
    else if (type == "peer:reconnecting")
      continue; // a dropped joiner, whose peer:left follows after the grace
    else if (type == "peer:left")
      --balance[text_of(payload_of(message), "peerId")];
    else
      report_failure(__FILE__, __LINE__, "unexpected " + event.data);
  }
  for (const auto& [peer, count] : balance)
    if (count != 0)
      report_failure(__FILE__, __LINE__, "peer " + peer + " joined without leaving");
  leave_as_last(y, probe, shared);
  check_nothing_leaked(port());
}

CAF_TEST(a leave racing relays keeps one order) {
  ws_client probe{port()};
  // The losing interleaving needs a relay to land while a's leave is in
  // flight: many rounds make it show on most runs.
  constexpr int rounds = 50;
  constexpr int relays = 30;
  constexpr int leave_at = 10;
  for (int i = 0; i < rounds; ++i) {
    ws_client a{port()};
    ws_client b{port()};
    auto room = unique_room("race-relay");
    join(a, room);
    join(b, room);
    a.expect("peer:joined");
    // A stream of relays to a with a's leave landing somewhere inside it.
    for (int seq = 0; seq < relays; ++seq) {
      if (seq == leave_at)
        a.send("room:leave", {{"roomId", room}});
      b.send("room:message", {{"roomId", room}, {"to", a.peer_id()}, {"data", seq}},
             "r-" + std::to_string(seq));
    }
    // b sees the room's one order: acks for a prefix of the stream, then
    // a's peer:left, then PEER_NOT_FOUND for the rest.
    int acks = 0;
    int not_found = 0;
    bool left = false;
    std::string b_saw;
    for (int k = 0; k < relays + 1; ++k) {
      auto frame = b.next();
      auto type = text_of(frame, "type");
      auto id = text_of(frame, "correlationId");
      if (type == "ack" && !left && id == "r-" + std::to_string(acks)) {
        ++acks;
      } else if (type == "peer:left" && !left) {
        left = true;
      } else if (text_of(payload_of(frame), "code") == "PEER_NOT_FOUND" && left
                 && id == "r-" + std::to_string(acks + not_found)) {
        ++not_found;
      } else {
        report_failure(__FILE__, __LINE__,
                       "round " + std::to_string(i)
                         + ": out of order for b: " + json::serialize(frame) + " after " + b_saw);
        break;
      }
      b_saw += type + " " + id + "; ";
    }
    CAF_CHECK_EQUAL(acks + not_found, relays);
    // a gets exactly the acked relays, in order, and then room:left:
    // nothing of a room arrives after leaving it.
    std::vector<std::string> expected;
    for (int seq = 0; seq < acks; ++seq)
      expected.emplace_back("room:message " + std::to_string(seq));
    expected.emplace_back("room:left");
    std::vector<std::string> seen;
    for (;;) {
      auto event = a.next_event(seen.size() >= expected.size() ? 50ms : default_timeout);
      if (event.what != client_event::kind::text)
        break;
      auto frame = object_from(event.data);
      auto type = text_of(frame, "type");
      if (type == "room:message")
        type += " " + std::to_string(integer_of(payload_of(frame), "data"));
      seen.emplace_back(type);
    }
    if (seen != expected)
      report_failure(__FILE__, __LINE__,
                     "round " + std::to_string(i) + ": the leaver saw " + joined_list(seen)
                       + ", expected " + joined_list(expected));
    CAF_CHECK_EQUAL(seen, expected);
    leave_as_last(b, probe, room);
  }
  check_nothing_leaked(port());
}

CAF_TEST(the last two members leaving at once leak no room) {
  ws_client probe{port()};
  constexpr int rounds = 20;
  for (int i = 0; i < rounds; ++i) {
    ws_client a{port()};
    ws_client b{port()};
    auto room = unique_room("race-leave");
    join(a, room);
    join(b, room);
    a.expect("peer:joined");
    switch (i % 3) {
      case 0:
        a.send("room:leave", {{"roomId", room}});
        b.send("room:leave", {{"roomId", room}});
        // Each gets room:left, maybe after the other's peer:left, never
        // the other way round.
        for (auto* member : {&a, &b}) {
          auto seen = types_through(*member, "room:left");
          if (seen.size() == 2 && seen[0] == "peer:left")
            seen.erase(seen.begin());
          if (seen != std::vector<std::string>{"room:left"})
            report_failure(__FILE__, __LINE__,
                           "round " + std::to_string(i) + ": a leaver saw " + joined_list(seen));
        }
        break;
      case 1:
        a.close();
        b.close();
        break;
      default:
        a.drop();
        b.drop();
        break;
    }
    room_gone(probe, room);
  }
  check_nothing_leaked(port());
}

CAF_TEST(a join racing the last leave lands in a live room) {
  ws_client probe{port()};
  constexpr int rounds = 20;
  for (int i = 0; i < rounds; ++i) {
    ws_client a{port()};
    ws_client c{port()};
    auto room = unique_room("race-rejoin");
    join(a, room);
    a.send("room:leave", {{"roomId", room}});
    c.send("room:join", {{"roomId", room}});
    auto joined = payload_of(c.expect("room:joined"));
    auto others = peer_ids(array_of(joined, "peers"));
    // Either the room a just left, or a fresh one; never a dead one.
    if (!others.empty()) {
      CAF_CHECK_EQUAL(others, std::vector<std::string>{a.peer_id()});
      CAF_CHECK_EQUAL(text_of(payload_of(c.expect("peer:left")), "peerId"), a.peer_id());
    }
    c.send("room:state", {{"roomId", room}});
    CAF_CHECK_EQUAL(peer_ids(array_of(payload_of(c.expect("room:state")), "peers")),
                    std::vector<std::string>{c.peer_id()});
    // a got room:left, after c's peer:joined exactly when c came first.
    auto seen = types_through(a, "room:left");
    auto expected = others.empty() ? std::vector<std::string>{"room:left"}
                                   : std::vector<std::string>{"peer:joined", "room:left"};
    if (seen != expected)
      report_failure(__FILE__, __LINE__,
                     "round " + std::to_string(i) + ": the leaver saw " + joined_list(seen)
                       + ", expected " + joined_list(expected));
    // The room c is in works: a can come back and hear from c.
    CAF_CHECK_EQUAL(peer_ids(array_of(join(a, room), "peers")),
                    std::vector<std::string>{c.peer_id()});
    c.expect("peer:joined");
    c.send("room:message", {{"roomId", room}, {"data", "alive"}});
    CAF_CHECK_EQUAL(text_of(payload_of(a.expect("room:message")), "from"), c.peer_id());
    a.close();
    c.close();
    room_gone(probe, room);
  }
  check_nothing_leaked(port());
}

CAF_TEST(concurrent joins never overfill a room) {
  constexpr int clients = 10;
  constexpr int capacity = 3;
  std::vector<std::unique_ptr<ws_client>> joiners;
  for (int i = 0; i < clients; ++i)
    joiners.emplace_back(std::make_unique<ws_client>(port()));
  auto room = unique_room("crowd");
  for (auto& joiner : joiners)
    joiner->send("room:join", {{"roomId", room}, {"maxPeers", capacity}});
  int joined = 0;
  int full = 0;
  for (auto& joiner : joiners) {
    // Members may hear of later joins before their own reply is read.
    auto reply = joiner->next();
    if (text_of(reply, "type") == "room:joined")
      ++joined;
    else if (text_of(payload_of(reply), "code") == "ROOM_FULL")
      ++full;
    else
      report_failure(__FILE__, __LINE__, "unexpected " + json::serialize(reply));
  }
  CAF_CHECK_EQUAL(joined, capacity);
  CAF_CHECK_EQUAL(full, clients - capacity);
  ws_client probe{port()};
  joiners.clear();
  room_gone(probe, room);
  check_nothing_leaked(port());
}

// -- slow reader ---------------------------------------------------------------

CAF_TEST(a reader too slow for its queue is closed with 1013) {
  server_process slow_server{
    {"--max-outgoing-bytes=65536", "--rate=100000", "--rate-burst=100000"}};
  CAF_REQUIRE(slow_server.ok());
  client_options slow;
  slow.read = false;
  // A small receive window lets the server's queue fill after a few MB
  // instead of tens of MB of kernel buffers.
  slow.receive_buffer = 4096;
  ws_client reader{slow_server.port(), slow};
  ws_client flooder{slow_server.port()};
  auto room = unique_room("slow");
  reader.send("room:join", {{"roomId", room}});
  // The reader reads no room:joined: the flooder sees it in the room instead.
  auto joined = join(flooder, room);
  if (array_of(joined, "peers").empty())
    flooder.expect("peer:joined");
  auto frame = json::serialize(
    envelope("room:message", {{"roomId", room}, {"data", std::string(15'000, 'x')}}));
  auto resident_before = status_kib(slow_server.pid(), "VmRSS");
  CAF_REQUIRE_GREATER(resident_before, 0);
  std::size_t sent_bytes = 0;
  bool reader_gone = false;
  auto deadline = clock_type::now() + 20s;
  while (!reader_gone && sent_bytes < (std::size_t{64} << 20) && clock_type::now() < deadline) {
    if (!flooder.send_text(frame))
      break;
    sent_bytes += frame.size();
    auto event = flooder.next_event(ms{0});
    if (event.what != client_event::kind::text)
      continue;
    auto message = object_from(event.data);
    if (text_of(message, "type") == "peer:left"
        && text_of(payload_of(message), "peerId") == reader.peer_id()) {
      reader_gone = true;
      CAF_CHECK_EQUAL(text_of(payload_of(message), "reason"), "left");
    } else {
      report_failure(__FILE__, __LINE__, "flooder got " + event.data.substr(0, 200));
    }
  }
  CAF_MESSAGE("flooded " << sent_bytes / 1024 << " KiB before the reader was dropped");
  CAF_CHECK(reader_gone);
  // Memory stays bounded while the reader reads nothing: what the server
  // may hold for it is its queue (64 KiB here), the bytes gathered for its
  // socket (64 KiB) and the frames on their way, under 1 MiB of growth in
  // the peak as measured. 32 MiB leaves room for allocator arenas and a
  // loaded machine, and is half of what an unbounded queue would take
  // from this loop, which floods until 64 MiB while the reader stays.
  // Under AddressSanitizer freed memory waits in its quarantine, so the
  // peak grows with all that was allocated (about 30 MiB here, measured):
  // four times the room.
  long long bound_kib = 32 * 1024;
#ifdef __SANITIZE_ADDRESS__
  bound_kib *= 4;
#endif
  auto growth_kib = status_kib(slow_server.pid(), "VmHWM") - resident_before;
  CAF_MESSAGE("the server's peak resident memory grew by " << growth_kib << " KiB");
  CAF_CHECK_LESS(growth_kib, bound_kib);
  reader.start_reading();
  std::size_t frames = 0;
  CAF_CHECK_EQUAL(reader.expect_close(10s, &frames), 1013);
  CAF_MESSAGE("the slow reader got " << frames << " frames before the close");
  flooder.send("ping", {}, "ok?");
  CAF_CHECK_EQUAL(text_of(flooder.expect("pong"), "correlationId"), "ok?");
  CAF_CHECK(server_serves(slow_server.port()));
}

CAF_TEST_FIXTURE_SCOPE_END()
