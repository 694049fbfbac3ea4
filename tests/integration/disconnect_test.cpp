// Suite `disconnects`: clients that vanish in every way a real network lets
// them, mostly while the server is writing to them. After each the server
// serves, and its gauges show nothing left behind.
#define CAF_SUITE disconnects
#include "caf/test/unit_test.hpp"

#include "raw_client.hpp"
#include "test_client.hpp"

#include <memory>

using namespace signaling::test;

namespace {

// Short, so that a silent peer is dropped within about a second, yet long
// enough for the partners to answer pings on a loaded machine; a short
// resume grace, so a lost peer's session ends soon after; the rate limit is
// out of the way of the floods.
const std::vector<std::string> fast_heartbeat{"--heartbeat-ms=500", "--resume-grace-ms=300",
                                              "--rate=100000", "--rate-burst=100000"};

/// How a peer's departure looks to the others (PROTOCOL.md item 4).
enum class departure {
  /// A close frame from the client, or a close by the server: peer:left.
  left,
  /// A lost connection: peer:reconnecting, then, with no resume within the
  /// grace, peer:left with reason timeout.
  lost,
};

std::string join_frame(const std::string& room) {
  return raw_client::frame(protocol_frame("room:join", R"({"roomId":")" + room + R"("})"));
}

std::string message_frame(const std::string& room, const std::string& data) {
  return raw_client::frame(
    protocol_frame("room:message", R"({"roomId":")" + room + R"(","data":")" + data + R"("})"));
}

/// A raw client that upgraded and joined `room`; null (and a failure) if it
/// could not.
std::unique_ptr<raw_client> raw_member(std::uint16_t port, const std::string& room,
                                       raw_options options = {},
                                       const char* file = __builtin_FILE(),
                                       int line = __builtin_LINE()) {
  auto client = std::make_unique<raw_client>(port, options);
  if (client->upgrade() && client->read_until("\"connected\"") && client->send(join_frame(room))
      && client->read_until("\"room:joined\""))
    return client;
  report_failure(file, line, "a raw client could not join " + room);
  return nullptr;
}

/// Sends `total` bytes of broadcast room:message from `sender`, `each` at a
/// time: the server writes them to every other member.
void flood(ws_client& sender, const std::string& room, std::size_t total, std::size_t each) {
  json::object payload{{"roomId", room}, {"data", std::string(each, 'x')}};
  auto text = json::serialize(json::object{{"type", "room:message"}, {"payload", payload}});
  for (std::size_t sent = 0; sent < total; sent += text.size())
    if (!sender.try_send_text(text))
      return;
}

/// The next event of `partner` that is not a relay.
json::object next_departure_event(ws_client& partner, const char* file, int line) {
  auto event = partner.next(default_timeout, file, line);
  while (text_of(event, "type") == "room:message")
    event = partner.next(default_timeout, file, line);
  return event;
}

/// `partner` hears that the peer who joined after it is gone (skipping any
/// relays) as `how` says, then the server settles with only `partner` left.
void departs(ws_client& partner, std::uint16_t port, departure how,
             const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  auto event = next_departure_event(partner, file, line);
  if (how == departure::lost) {
    if (text_of(event, "type") != "peer:reconnecting")
      report_failure(file, line, "expected peer:reconnecting, got " + json::serialize(event));
    event = next_departure_event(partner, file, line);
  }
  auto reason = how == departure::lost ? "timeout" : "left";
  if (text_of(event, "type") != "peer:left" || text_of(payload_of(event), "reason") != reason)
    report_failure(file, line,
                   std::string{"expected peer:left with reason "} + reason + ", got "
                     + json::serialize(event));
  settles_at(port, 1, 1, 5s, file, line);
  server_serves(port, file, line);
}

struct fixture {
  server_process server{fast_heartbeat};
  ws_client partner{server.port()};
  std::string room = unique_room("gone");

  fixture() {
    CAF_REQUIRE(server.ok());
    join(partner, room);
  }

  std::uint16_t port() const { return server.port(); }

  /// A raw member of the room, its arrival seen by the partner.
  std::unique_ptr<raw_client> member(raw_options options = {}) {
    auto client = raw_member(port(), room, options);
    partner.expect("peer:joined");
    return client;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(disconnect_tests, fixture)

CAF_TEST(a close frame followed by a stall) {
  auto stalled = member();
  CAF_REQUIRE(stalled);
  CAF_MESSAGE("the client sends its close frame, then neither reads nor sends FIN");
  stalled->send(raw_client::close_frame());
  flood(partner, room, 512 * 1024, 8 * 1024);
  departs(partner, port(), departure::left);
}

CAF_TEST(a reader that stops with megabytes queued in the kernel) {
  // A default receive buffer: the kernels' socket buffers take megabytes
  // before the server's own queue (1 MiB) would close it with 1013, so the
  // heartbeat drops it while a write is blocked in flight.
  auto stalled = member();
  CAF_REQUIRE(stalled);
  flood(partner, room, 4 * 1024 * 1024, 12 * 1024);
  departs(partner, port(), departure::lost);
}

CAF_TEST(a half open connection that goes silent) {
  auto silent = member();
  CAF_REQUIRE(silent);
  flood(partner, room, 64 * 1024, 1024);
  departs(partner, port(), departure::lost);
}

CAF_TEST(a reset in the middle of a frame) {
  auto client = member();
  CAF_REQUIRE(client);
  auto frame = message_frame(room, std::string(2000, 'y'));
  client->send(std::string_view{frame}.substr(0, frame.size() / 2));
  client->reset();
  departs(partner, port(), departure::lost);
}

CAF_TEST(a reset in the middle of a frame header) {
  auto client = member();
  CAF_REQUIRE(client);
  // Past 125 bytes the length takes two more bytes: stop between them.
  auto frame = message_frame(room, std::string(500, 'y'));
  client->send(std::string_view{frame}.substr(0, 3));
  client->reset();
  departs(partner, port(), departure::lost);
}

CAF_TEST(resets during the upgrade) {
  auto request = raw_client::upgrade_request();
  {
    raw_client half{port()};
    half.send(std::string_view{request}.substr(0, request.size() / 2));
    half.reset();
  }
  {
    raw_client unanswered{port()};
    unanswered.send(request);
    unanswered.reset();
  }
  {
    raw_client unread{port()};
    CAF_CHECK(unread.upgrade());
    unread.reset();
  }
  {
    // The upgrade request and a frame in one segment, then gone.
    raw_client eager{port()};
    eager.send(request + join_frame(room));
    eager.reset();
  }
  settles_at(port(), 1, 1);
  CAF_CHECK(server_serves(port()));
  partner.send("ping", {}, "still-here");
  CAF_CHECK_EQUAL(text_of(partner.expect("pong"), "correlationId"), "still-here");
}

CAF_TEST(a burst followed by a reset) {
  auto client = member();
  CAF_REQUIRE(client);
  constexpr int burst = 300;
  std::string frames;
  for (int i = 0; i < burst; ++i)
    frames += message_frame(room, "n" + std::to_string(i));
  client->send(frames);
  client->reset();
  CAF_MESSAGE("what arrived of the burst arrived once and in order, then the departure");
  int expected = 0;
  for (;;) {
    auto event = partner.next();
    auto type = text_of(event, "type");
    if (type != "room:message") {
      CAF_CHECK_EQUAL(type, "peer:reconnecting");
      break;
    }
    CAF_CHECK_EQUAL(text_of(payload_of(event), "data"), "n" + std::to_string(expected));
    ++expected;
  }
  CAF_MESSAGE(expected << " of " << burst << " relays arrived before the reset took effect");
  CAF_CHECK_EQUAL(text_of(payload_of(partner.expect("peer:left")), "reason"), "timeout");
  settles_at(port(), 1, 1);
  CAF_CHECK(server_serves(port()));
}

CAF_TEST(a reset with a write in flight) {
  raw_options small;
  small.receive_buffer = 4096;
  auto client = member(small);
  CAF_REQUIRE(client);
  flood(partner, room, 256 * 1024, 8 * 1024);
  client->reset();
  departs(partner, port(), departure::lost);
}

CAF_TEST(a slow reader closed with 1013 that never reads again) {
  // The close frame waits behind the frame in flight, which the client
  // never takes: the socket must still go, within a heartbeat interval. The
  // interval is long enough for the queue to overflow first, so the reader
  // is closed for its slowness (no grace), not dropped as lost.
  server_process small_queue{
    {"--heartbeat-ms=2000", "--max-outgoing-bytes=65536", "--rate=100000", "--rate-burst=100000"}};
  CAF_REQUIRE(small_queue.ok());
  ws_client sender{small_queue.port()};
  auto slow_room = unique_room("slow");
  join(sender, slow_room);
  raw_options small;
  small.receive_buffer = 4096;
  auto reader = raw_member(small_queue.port(), slow_room, small);
  CAF_REQUIRE(reader);
  sender.expect("peer:joined");
  // More than the kernel may buffer for the socket (tcp_wmem allows 4 MiB),
  // so the queue overflows well before the heartbeat could find it silent.
  flood(sender, slow_room, 8 * 1024 * 1024, 8 * 1024);
  departs(sender, small_queue.port(), departure::left);
}

CAF_TEST_FIXTURE_SCOPE_END()
