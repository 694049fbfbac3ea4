// Suite `metrics`: /metrics of the real binary moves as rooms and traffic
// flow (messages by type, relays, errors by code, closes by code, bytes, the
// relay latency) and passes Prometheus's own checker, promtool.
#define CAF_SUITE metrics
#include "caf/test/unit_test.hpp"

#include "test_client.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

using namespace signaling::test;

namespace {

/// Debian's prometheus package puts it here (tools/setup-deps.sh installs it).
constexpr const char* promtool = "/usr/bin/promtool";

struct promtool_result {
  int exit_code = -1;
  std::string output;
};

/// `promtool check metrics` over `text` on its stdin.
promtool_result check_metrics(const std::string& text) {
  char path[] = "/tmp/signal-metrics-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return {-1, "cannot create a temporary file"};
  close(fd);
  std::ofstream{path} << text;
  promtool_result result;
  auto command = std::string{promtool} + " check metrics < " + path + " 2>&1";
  if (auto* pipe = popen(command.c_str(), "r")) {
    std::array<char, 512> chunk{};
    while (auto read = fread(chunk.data(), 1, chunk.size(), pipe))
      result.output.append(chunk.data(), read);
    auto status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  unlink(path);
  return result;
}

/// Every sample of `metric` (name and labels, as rendered) in one scrape.
struct scrape {
  explicit scrape(std::uint16_t port) : text(http_get(port, "/metrics").body) {
    // nop
  }

  /// The value of the sample named exactly `sample`, or -1.
  [[nodiscard]] double operator[](const std::string& sample) const {
    auto at = text.find('\n' + sample + ' ');
    if (at == std::string::npos)
      return -1;
    return std::stod(text.substr(at + sample.size() + 2));
  }

  std::string text;
};

std::string labeled(const std::string& name, const std::string& label, const std::string& value) {
  return name + '{' + label + "=\"" + value + "\"}";
}

std::string received(const std::string& type) {
  return labeled("signal_messages_received_total", "type", type);
}

std::string sent(const std::string& type) {
  return labeled("signal_messages_sent_total", "type", type);
}

std::string errors(const std::string& code) {
  return labeled("signal_errors_total", "code", code);
}

} // namespace

CAF_TEST(counters move as rooms and traffic flow and promtool accepts the text) {
  CAF_REQUIRE_EQUAL(access(promtool, X_OK), 0); // fails, never skips, without it
  server_process server{{"--max-message-bytes=1024"}};
  CAF_REQUIRE(server.ok());
  auto port = server.port();
  scrape idle{port};
  CAF_CHECK_EQUAL(idle[errors("ROOM_FULL")], 0);
  CAF_CHECK_EQUAL(idle["signal_relay_latency_seconds_count"], 0);
  auto idle_check = check_metrics(idle.text);
  CAF_CHECK_EQUAL(idle_check.exit_code, 0);
  CAF_CHECK_EQUAL(idle_check.output, "");

  ws_client a{port};
  ws_client b{port};
  ws_client c{port};
  auto room = unique_room("metrics");
  CAF_MESSAGE("a room of two, which refuses a third");
  join(a, room, {{"maxPeers", 2}});
  join(b, room);
  a.expect("peer:joined");
  c.send("room:join", {{"roomId", room}}, "full-1");
  c.expect_error("ROOM_FULL");
  c.send("room:message", {{"roomId", room}, {"data", 1}});
  c.expect_error("NOT_IN_ROOM");

  CAF_MESSAGE("relays: room messages to the room, one offer to b, one to nobody");
  constexpr int room_messages = 20;
  for (int i = 0; i < room_messages; ++i)
    a.send("room:message", {{"roomId", room}, {"data", i}});
  for (int i = 0; i < room_messages; ++i)
    b.expect("room:message");
  auto offer = object_from(R"({"type":"offer","sdp":"v=0\r\n"})");
  a.send("sdp:offer", {{"roomId", room}, {"to", b.peer_id()}, {"sdp", offer}});
  b.expect("sdp:offer");
  a.send("sdp:offer", {{"roomId", room}, {"to", "nobody"}, {"sdp", offer}});
  a.expect_error("PEER_NOT_FOUND");

  CAF_MESSAGE("a frame over the limit: MESSAGE_TOO_LARGE, then close 1009");
  {
    ws_client d{port};
    d.send_text(std::string(2000, ' ') + "{}");
    d.expect_error("MESSAGE_TOO_LARGE");
    CAF_CHECK_EQUAL(d.expect_close(), 1009);
  }
  CAF_REQUIRE_EQUAL(await_metric(port, "signal_connections_open", 3).value_or(-1), 3);
  auto attached = labeled("signal_sessions_open", "state", "attached");
  CAF_REQUIRE_EQUAL(await_metric(port, attached, 3).value_or(-1), 3);

  scrape busy{port};
  CAF_CHECK_EQUAL(busy[received("room:join")], 3);
  CAF_CHECK_EQUAL(busy[received("room:message")], room_messages + 1);
  CAF_CHECK_EQUAL(busy[received("sdp:offer")], 2);
  CAF_CHECK_EQUAL(busy[sent("connected")], 4);
  CAF_CHECK_EQUAL(busy[sent("room:joined")], 2);
  CAF_CHECK_EQUAL(busy[sent("peer:joined")], 1);
  CAF_CHECK_EQUAL(busy[sent("room:message")], room_messages);
  CAF_CHECK_EQUAL(busy[sent("sdp:offer")], 1);
  CAF_CHECK_EQUAL(busy[sent("error")], 4);
  CAF_CHECK_EQUAL(busy["signal_relays_total"], room_messages + 1);
  CAF_CHECK_EQUAL(busy["signal_relay_deliveries_total"], room_messages + 1);
  CAF_CHECK_EQUAL(busy[errors("ROOM_FULL")], 1);
  CAF_CHECK_EQUAL(busy[errors("NOT_IN_ROOM")], 1);
  CAF_CHECK_EQUAL(busy[errors("PEER_NOT_FOUND")], 1);
  CAF_CHECK_EQUAL(busy[errors("MESSAGE_TOO_LARGE")], 1);
  CAF_CHECK_EQUAL(busy[errors("INTERNAL")], 0);
  CAF_CHECK_EQUAL(busy[labeled("signal_closes_total", "code", "1009")], 1);
  CAF_CHECK_EQUAL(busy[labeled("signal_closes_total", "code", "1000")], 0);
  CAF_MESSAGE("every relayed frame that reached its socket has a latency");
  CAF_CHECK_EQUAL(busy["signal_relay_latency_seconds_count"], room_messages + 1);
  CAF_CHECK_EQUAL(busy[labeled("signal_relay_latency_seconds_bucket", "le", "+Inf")],
                  room_messages + 1);
  CAF_CHECK_GREATER(busy["signal_relay_latency_seconds_sum"], 0);
  CAF_CHECK_LESS(busy["signal_relay_latency_seconds_sum"], room_messages + 1);
  // 22 frames of at least 25 bytes in, and the oversized one is not read whole.
  CAF_CHECK_GREATER(busy["signal_websocket_received_bytes_total"], 25 * 22);
  CAF_CHECK_GREATER(busy["signal_websocket_sent_bytes_total"],
                    busy["signal_websocket_received_bytes_total"] / 2);
  CAF_CHECK_EQUAL(busy["signal_connections_accepted_total"], 4);
  CAF_CHECK_EQUAL(busy[attached], 3);
  CAF_CHECK_EQUAL(busy[labeled("signal_sessions_open", "state", "detached")], 0);
  CAF_CHECK_EQUAL(busy["signal_rooms_open"], 1);
  CAF_CHECK_EQUAL(busy[labeled("signal_actors", "kind", "room")], 1);
  CAF_CHECK_EQUAL(busy[labeled("signal_actors", "kind", "session")], 3);
  CAF_CHECK_EQUAL(busy["signal_room_size_peers_count"], 2);
  CAF_CHECK_EQUAL(busy["signal_room_size_peers_sum"], 3);
  CAF_CHECK_GREATER(busy["process_resident_memory_bytes"], 1024 * 1024);
  CAF_CHECK_GREATER(busy["process_open_fds"], 3);
  CAF_CHECK_GREATER(busy["process_start_time_seconds"], 1.5e9);
  auto busy_check = check_metrics(busy.text);
  CAF_CHECK_EQUAL(busy_check.exit_code, 0);
  CAF_CHECK_EQUAL(busy_check.output, "");
}

CAF_TEST(the checker this suite relies on refuses bad metrics) {
  CAF_REQUIRE_EQUAL(access(promtool, X_OK), 0);
  auto result = check_metrics("# TYPE x_total counter\nx_total{le=} one\n");
  CAF_CHECK_NOT_EQUAL(result.exit_code, 0);
}
