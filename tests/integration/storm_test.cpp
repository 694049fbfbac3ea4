// Suite `storm`: 2,000 connections join rooms and die in every way of the
// disconnects suite while 50 rooms of 2 keep relaying numbered messages.
// Afterwards every relay arrived exactly once and in order, and the server's
// gauges show nothing left behind. Bounded in count and time; loopback only.
#define CAF_SUITE storm
#include "caf/test/unit_test.hpp"

#include "raw_client.hpp"
#include "test_client.hpp"

#include <atomic>
#include <memory>
#include <thread>

using namespace signaling::test;

namespace {

constexpr int pairs = 50;
constexpr int storm_connections = 2'000;
constexpr int storm_threads = 4;
// Connections one storm thread keeps at once before they die: 4 threads
// make 200 at a time.
constexpr int batch = 50;
// Relay rounds are paced and capped, so the relays last as long as the storm
// and stop by themselves if it hangs.
constexpr int max_rounds = 4'000;
constexpr auto round_pause = 5ms;
// Long enough for the relaying clients to answer pings on a loaded machine.
constexpr auto heartbeat = 1000ms;
// Longer than two heartbeats: the server drops the stalled ones meanwhile.
constexpr auto stall_time = 2500ms;

/// The ways a storm connection dies.
enum class ending {
  reset_after_join,
  reset_mid_frame,
  reset_mid_upgrade,
  reset_before_response,
  close_frame_then_stall,
  silent,
  burst_then_reset,
  stalled_reader,
};
constexpr int endings = 8;

std::string join_payload(const std::string& room) {
  return R"({"roomId":")" + room + R"(","maxPeers":500})";
}

struct relay_pair {
  std::unique_ptr<ws_client> a;
  std::unique_ptr<ws_client> b;
  std::string room;
};

/// Both members of every pair send round `round` to their room.
bool send_round(std::vector<relay_pair>& relays, int round) {
  bool ok = true;
  for (auto& pair : relays)
    for (auto* sender : {pair.a.get(), pair.b.get()})
      ok = sender->send("room:message", {{"roomId", pair.room}, {"data", round}}) && ok;
  return ok;
}

/// `receiver` got every round of `sender` from 0 to `rounds`, once each and
/// in order (other members' arrivals, departures and bursts in between).
void check_received(ws_client& receiver, const ws_client& sender, int rounds) {
  int next = 0;
  while (next < rounds) {
    auto event = receiver.next(10s);
    if (event.empty())
      break;
    auto type = text_of(event, "type");
    auto payload = payload_of(event);
    if (type == "peer:joined" || type == "peer:left" || type == "peer:reconnecting")
      continue;
    if (type != "room:message") {
      report_failure(__FILE__, __LINE__, "unexpected frame " + json::serialize(event));
      continue;
    }
    // Storm connections' bursts land in the room too.
    if (text_of(payload, "from") != sender.peer_id())
      continue;
    auto round = integer_of(payload, "data");
    if (round != next) {
      report_failure(__FILE__, __LINE__,
                     "round " + std::to_string(round) + " where " + std::to_string(next)
                       + " was due");
      return;
    }
    ++next;
  }
  CAF_CHECK_EQUAL(next, rounds);
}

/// One storm connection: joins `room` (unless it dies in the upgrade) and
/// ends as `how` says. Stalling ones are returned to be held a while.
std::unique_ptr<raw_client> storm_one(std::uint16_t port, const std::string& room, ending how,
                                      int& failures) {
  raw_options options;
  options.io_timeout = 10s;
  if (how == ending::stalled_reader)
    options.receive_buffer = 4096;
  auto client = std::make_unique<raw_client>(port, options);
  auto request = raw_client::upgrade_request();
  if (how == ending::reset_mid_upgrade) {
    client->send(std::string_view{request}.substr(0, request.size() / 2));
    client->reset();
    return nullptr;
  }
  if (how == ending::reset_before_response) {
    client->send(request);
    client->reset();
    return nullptr;
  }
  if (!client->upgrade() || !client->read_until("\"connected\"")
      || !client->send(raw_client::frame(protocol_frame("room:join", join_payload(room))))
      || !client->read_until("\"room:joined\"")) {
    ++failures;
    return nullptr;
  }
  switch (how) {
    case ending::reset_mid_frame: {
      auto frame = raw_client::frame(
        protocol_frame("room:message", R"({"roomId":")" + room + R"(","data":"half"})"));
      client->send(std::string_view{frame}.substr(0, frame.size() / 2));
      client->reset();
      return nullptr;
    }
    case ending::burst_then_reset: {
      std::string burst;
      for (int i = 0; i < 50; ++i)
        burst += raw_client::frame(
          protocol_frame("room:message", R"({"roomId":")" + room + R"(","data":"burst"})"));
      client->send(burst);
      client->reset();
      return nullptr;
    }
    case ending::close_frame_then_stall:
      client->send(raw_client::close_frame());
      return client;
    case ending::silent:
    case ending::stalled_reader:
      return client;
    default:
      client->reset();
      return nullptr;
  }
}

} // namespace

CAF_TEST(relays survive a storm of vanishing connections) {
  // Lost storm connections keep their sessions for a short grace, so the
  // rooms settle soon after the storm.
  server_process server{{"--heartbeat-ms=" + std::to_string(heartbeat.count()),
                         "--resume-grace-ms=500", "--rate=100000", "--rate-burst=100000"}};
  CAF_REQUIRE(server.ok());
  auto port = server.port();
  std::vector<relay_pair> relays(pairs);
  for (auto& pair : relays) {
    pair.room = unique_room("relay");
    pair.a = std::make_unique<ws_client>(port);
    pair.b = std::make_unique<ws_client>(port);
    join(*pair.a, pair.room, {{"maxPeers", 500}});
    join(*pair.b, pair.room);
    pair.a->expect("peer:joined");
  }

  std::atomic<bool> storm_over{false};
  std::atomic<int> rounds{0};
  std::thread relay_thread{[&] {
    while (!storm_over && rounds < max_rounds) {
      if (!send_round(relays, rounds))
        return;
      ++rounds;
      std::this_thread::sleep_for(round_pause);
    }
  }};

  std::atomic<int> failures{0};
  std::vector<std::thread> storm;
  for (int t = 0; t < storm_threads; ++t) {
    storm.emplace_back([&, t] {
      int local_failures = 0;
      constexpr int per_thread = storm_connections / storm_threads;
      for (int start = 0; start < per_thread; start += batch) {
        std::vector<std::unique_ptr<raw_client>> stalled;
        for (int i = start; i < start + batch; ++i) {
          auto n = t * per_thread + i;
          // Half of them join the relaying rooms, where traffic flows to them.
          auto room = n % 2 == 0 ? relays[static_cast<std::size_t>(n / 2 % pairs)].room
                                 : "storm-" + std::to_string(n % 97);
          if (auto held = storm_one(port, room, static_cast<ending>(n % endings), local_failures))
            stalled.emplace_back(std::move(held));
        }
        std::this_thread::sleep_for(stall_time);
        // What the heartbeat did not drop yet goes away without a close frame.
        for (auto& client : stalled)
          client->close();
      }
      failures += local_failures;
    });
  }
  for (auto& thread : storm)
    thread.join();
  storm_over = true;
  relay_thread.join();
  CAF_MESSAGE(rounds << " relay rounds of " << 2 * pairs << " messages during the storm");
  CAF_CHECK_EQUAL(failures.load(), 0);
  CAF_CHECK_GREATER(rounds.load(), 0);

  for (auto& pair : relays) {
    check_received(*pair.b, *pair.a, rounds);
    check_received(*pair.a, *pair.b, rounds);
  }
  CAF_MESSAGE("only the relaying pairs remain, each room with exactly its two members");
  CAF_CHECK(settles_at(port, 2 * pairs, pairs, 20s));
  for (auto& pair : relays) {
    pair.a->send("room:state", {{"roomId", pair.room}});
    json::object state;
    // Arrivals and departures from the storm may still be ahead of it.
    do
      state = pair.a->next();
    while (!state.empty() && text_of(state, "type") != "room:state");
    CAF_CHECK_EQUAL(peer_ids(array_of(payload_of(state), "peers")),
                    (std::vector<std::string>{pair.a->peer_id(), pair.b->peer_id()}));
  }
  CAF_CHECK(server_serves(port));
}
