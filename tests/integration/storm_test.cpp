// Suite `storm`: 2,000 connections join rooms and die in every way of the
// disconnects suite while 50 rooms of 2 keep relaying numbered messages.
// Afterwards every relay arrived exactly once and in order, and the server's
// gauges show nothing left behind. The second test runs the storm again while
// some of the vanishing connections resume their sessions within the grace
// (with `received`): they too get every relay round exactly once and in
// order, while the rest expire. Bounded in count and time; loopback only.
#define CAF_SUITE storm
#include "caf/test/unit_test.hpp"

#include "raw_client.hpp"
#include "resuming_client.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
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
    if (type == "peer:joined" || type == "peer:left" || type == "peer:reconnecting"
        || type == "peer:resumed")
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

std::vector<relay_pair> make_pairs(std::uint16_t port) {
  std::vector<relay_pair> relays(pairs);
  for (auto& pair : relays) {
    pair.room = unique_room("relay");
    pair.a = std::make_unique<ws_client>(port);
    pair.b = std::make_unique<ws_client>(port);
    join(*pair.a, pair.room, {{"maxPeers", 500}});
    join(*pair.b, pair.room);
    pair.a->expect("peer:joined");
  }
  return relays;
}

/// Runs on a thread of its own beside the storm, until the storm is over
/// (storm_over) and it returns; `rounds` counts the relay rounds sent so far.
using storm_companion =
  std::function<void(const std::atomic<bool>& storm_over, const std::atomic<int>& rounds)>;

/// Relays rounds in every pair while 2,000 storm connections come and go
/// (and `companions` run beside them); the number of rounds sent.
int relay_through_storm(std::uint16_t port, std::vector<relay_pair>& relays,
                        const std::vector<storm_companion>& companions = {}) {
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
  std::vector<std::thread> beside;
  for (const auto& companion : companions)
    beside.emplace_back([&] { companion(storm_over, rounds); });

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
  for (auto& thread : beside)
    thread.join();
  relay_thread.join();
  CAF_MESSAGE(rounds << " relay rounds of " << 2 * pairs << " messages during the storm");
  CAF_CHECK_EQUAL(failures.load(), 0);
  CAF_CHECK_GREATER(rounds.load(), 0);
  return rounds;
}

/// Every relay of the pairs arrived once and in order, and only the pairs
/// and their rooms remain.
void check_pairs_and_settling(std::uint16_t port, std::vector<relay_pair>& relays, int rounds) {
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

// -- resumers ------------------------------------------------------------------

// Resumers are connections of the storm that join a relaying room, count
// their frames, cut their connection once or twice and resume in the grace.
constexpr int resumer_threads = 2;
constexpr auto resume_grace = 3000ms;
// Before each cut the resumer reads this long (uniformly at random)...
constexpr int min_read_ms = 50;
constexpr int max_read_ms = 400;
// ...and after it waits up to this long before it resumes, well within the
// grace even on a loaded machine.
constexpr int max_away_ms = 800;
// A resumer away for max_away_ms gets some 200 relays a second and the
// storm's bursts: the default 256 would end some sessions by overflow.
constexpr int resume_buffer_messages = 2048;

std::uint64_t pick_storm_seed() {
  if (const char* text = std::getenv("SIGNAL_STORM_SEED"); text != nullptr && *text != '\0')
    return std::strtoull(text, nullptr, 10);
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

/// One resumer and what it saw of its pair's rounds.
struct storm_resumer {
  const relay_pair* pair = nullptr;
  /// Rounds sent when room:joined arrived: round joined_at + 1 was sent
  /// after the join, so the first round seen from each member is at most it.
  int joined_at = 0;
  /// Per pair member (a, b): the first round seen and the one due next.
  int first[2] = {-1, -1};
  int next[2] = {-1, -1};
  int cuts = 0;
  std::string plan; // "fin+120ms takeover+0ms ..."
  std::unique_ptr<resuming_client> session;

  void on_frame(const std::string& type, const json::object& envelope, const std::string& text) {
    if (type == "peer:joined" || type == "peer:left" || type == "peer:reconnecting"
        || type == "peer:resumed")
      return;
    if (type != "room:message") {
      session->problem("unexpected frame " + text);
      return;
    }
    auto payload = payload_of(envelope);
    auto from = text_of(payload, "from");
    int member = from == pair->a->peer_id() ? 0 : from == pair->b->peer_id() ? 1 : -1;
    if (member < 0)
      return; // a storm connection's burst
    auto round = static_cast<int>(integer_of(payload, "data"));
    if (first[member] < 0) {
      first[member] = round;
      if (round > joined_at + 1)
        session->problem("first round " + std::to_string(round) + " from member "
                         + std::to_string(member) + ", but it joined at round "
                         + std::to_string(joined_at));
    } else if (round != next[member]) {
      session->problem("member " + std::to_string(member) + " sent round " + std::to_string(round)
                       + " where " + std::to_string(next[member]) + " was due ("
                       + (round < next[member] ? "duplicate" : "gap") + ")");
    }
    next[member] = std::max(next[member], round + 1);
  }

  /// Whether every round up to `rounds` from both members is in.
  [[nodiscard]] bool complete(int rounds) const {
    for (int m = 0; m < 2; ++m)
      if (next[m] != rounds && !(first[m] < 0 && joined_at + 1 >= rounds))
        return false;
    return true;
  }
};

/// Resumers one after the other, each joining a relaying room chosen at
/// random, until the storm is over; between two resumers the thread reads
/// what arrived for the ones done with their cuts, as live clients would
/// (left unread through a long storm, a backlog outgrows the socket buffers
/// and the server's outgoing limit, which closes the slow reader with 1013),
/// and all are checked at the end.
void run_resumers(std::uint16_t port, const std::vector<relay_pair>& relays, std::uint64_t seed,
                  const std::atomic<bool>& storm_over, const std::atomic<int>& rounds,
                  std::vector<std::unique_ptr<storm_resumer>>& out, std::mutex& out_mutex) {
  std::mt19937_64 prng{seed};
  std::uniform_int_distribution<std::size_t> pick_pair{0, relays.size() - 1};
  std::uniform_int_distribution<int> read_ms{min_read_ms, max_read_ms};
  std::uniform_int_distribution<int> away_ms{0, max_away_ms};
  std::uniform_int_distribution<int> kind{0, cut_kinds - 1};
  std::uniform_int_distribution<int> cuts{1, 2};
  std::vector<storm_resumer*> done;
  // Reads what arrived; true if the server closed it (reported once, then
  // read no more).
  auto read_all = [](storm_resumer* resumer) {
    auto event = resumer->session->poll(ms{0});
    while (event == client_event::kind::text)
      event = resumer->session->poll(ms{0});
    return event == client_event::kind::closed;
  };
  while (!storm_over) {
    done.erase(std::remove_if(done.begin(), done.end(), read_all), done.end());
    auto r = std::make_unique<storm_resumer>();
    r->pair = &relays[pick_pair(prng)];
    auto* self = r.get();
    r->session = std::make_unique<resuming_client>(
      port, [self](const std::string& type, const json::object& envelope, const std::string& text) {
        self->on_frame(type, envelope, text);
      });
    if (!r->session->ok())
      continue; // reported by the client
    auto& client = r->session->client();
    client.send("room:join", {{"roomId", r->pair->room}});
    auto reply = client.next(10s);
    if (text_of(reply, "type") != "room:joined") {
      r->session->problem("join answered " + json::serialize(reply));
    } else {
      r->session->count_read();
      r->joined_at = rounds.load();
      auto n = cuts(prng);
      for (int k = 0; k < n; ++k) {
        std::this_thread::sleep_for(ms{read_ms(prng)});
        auto how = static_cast<cut_kind>(kind(prng));
        auto away = ms{away_ms(prng)};
        r->plan += std::string{r->plan.empty() ? "" : " "} + name_of(how) + "+"
                   + std::to_string(away.count()) + "ms";
        auto resumed = r->session->cut_and_resume(how, away);
        if (resumed.empty())
          break;
        ++r->cuts;
        // The room is still there, with both pair members in it.
        bool found = false;
        for (const auto& room : array_of(resumed, "rooms")) {
          if (!room.is_object() || text_of(room.get_object(), "roomId") != r->pair->room)
            continue;
          auto ids = peer_ids(array_of(room.get_object(), "peers"));
          found = std::count(ids.begin(), ids.end(), r->pair->a->peer_id()) == 1
                  && std::count(ids.begin(), ids.end(), r->pair->b->peer_id()) == 1;
        }
        if (!found)
          r->session->problem("session:resumed lacks the pair's room or members: "
                              + json::serialize(resumed));
      }
    }
    done.push_back(r.get());
    std::lock_guard<std::mutex> guard{out_mutex};
    out.emplace_back(std::move(r));
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
  auto relays = make_pairs(port);
  auto rounds = relay_through_storm(port, relays);
  check_pairs_and_settling(port, relays, rounds);
}

CAF_TEST(storm connections that resume miss no relay while the rest expire) {
  auto seed = pick_storm_seed();
  CAF_MESSAGE("seed " << seed << " (replay with SIGNAL_STORM_SEED=" << seed << ")");
  server_process server{{"--heartbeat-ms=" + std::to_string(heartbeat.count()),
                         "--resume-grace-ms=" + std::to_string(resume_grace.count()),
                         "--resume-buffer-messages=" + std::to_string(resume_buffer_messages),
                         "--rate=100000", "--rate-burst=100000"}};
  CAF_REQUIRE(server.ok());
  auto port = server.port();
  auto relays = make_pairs(port);
  std::vector<std::unique_ptr<storm_resumer>> resumers;
  std::mutex resumers_mutex;
  std::vector<storm_companion> companions;
  for (int t = 0; t < resumer_threads; ++t)
    companions.emplace_back(
      [&, t](const std::atomic<bool>& storm_over, const std::atomic<int>& rounds) {
        run_resumers(port, relays, seed + static_cast<std::uint64_t>(t), storm_over, rounds,
                     resumers, resumers_mutex);
      });
  auto rounds = relay_through_storm(port, relays, companions);

  int cuts = 0;
  int takeovers = 0;
  int failed = 0;
  // Slow is not lost: a loaded machine (the sanitizer build on two busy cores)
  // can be many seconds behind the storm, so a resumer waits as long as its
  // frames keep coming, up to 10 s of silence and two minutes for them all.
  auto give_up = std::chrono::steady_clock::now() + 120s;
  for (auto& r : resumers) {
    auto quiet_until = std::chrono::steady_clock::now() + 10s;
    while (!r->complete(rounds) && std::chrono::steady_clock::now() < quiet_until
           && std::chrono::steady_clock::now() < give_up) {
      auto event = r->session->poll(1s);
      if (event == client_event::kind::closed)
        break;
      if (event == client_event::kind::text)
        quiet_until = std::chrono::steady_clock::now() + 10s;
    }
    // Whatever is queued beyond the last round would be a duplicate.
    while (r->session->poll(ms{0}) == client_event::kind::text)
      continue;
    for (int m = 0; m < 2; ++m)
      if (r->next[m] != rounds && !(r->first[m] < 0 && r->joined_at + 1 >= rounds))
        r->session->problem("member " + std::to_string(m) + ": rounds "
                            + std::to_string(r->first[m]) + " to " + std::to_string(r->next[m])
                            + " of " + std::to_string(rounds) + " arrived");
    cuts += r->cuts;
    takeovers += r->session->closed_by_takeover();
    if (!r->session->problems().empty()) {
      ++failed;
      for (const auto& what : r->session->problems())
        report_failure(__FILE__, __LINE__,
                       "seed " + std::to_string(seed) + ", resumer joined at round "
                         + std::to_string(r->joined_at) + ", cuts " + r->plan + ": " + what);
    }
    r->session->client().close();
  }
  CAF_MESSAGE(resumers.size() << " resumers, " << cuts << " cuts (" << takeovers << " takeovers), "
                              << failed << " with problems");
  CAF_CHECK_GREATER(resumers.size(), 0u);
  CAF_CHECK_EQUAL(failed, 0);
  resumers.clear();
  check_pairs_and_settling(port, relays, rounds);
}
