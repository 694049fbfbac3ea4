// Suite `resume`: a property test of session:resume with `received`. Three
// senders relay numbered messages to a victim (directed and broadcast, in
// turn) while the victim cuts its connection at random points, without a
// close frame (FIN or reset), and resumes on a new one with the count of
// frames it received. The victim must end up with every number of every
// sender exactly once and in order, whatever was in flight at each cut.
//
// The cuts come from a seeded PRNG; the seed is printed, and the environment
// variable SIGNAL_RESUME_SEED replays it (the cut points and kinds repeat,
// the timing of the machine does not).
#define CAF_SUITE resume
#include "caf/test/unit_test.hpp"

#include "resuming_client.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

using namespace signaling::test;

namespace {

constexpr int senders = 3;
constexpr int per_sender = 300;
constexpr int total = senders * per_sender;
constexpr int cuts = 10;
// One message from each sender per pause: about 200 relays a second, so the
// sending lasts some 4-5 s and every cut finds traffic in flight.
constexpr auto send_pause = 15ms;
// Bounds the whole exchange, should anything hang.
constexpr auto exchange_deadline = 40s;

std::uint64_t pick_seed() {
  if (const char* text = std::getenv("SIGNAL_RESUME_SEED"); text != nullptr && *text != '\0')
    return std::strtoull(text, nullptr, 10);
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

struct cut_plan {
  int at = 0; // cut once this many relays arrived in all
  cut_kind kind = cut_kind::fin;
  ms delay{0}; // before the new connection opens
};

std::vector<cut_plan> plan_cuts(std::mt19937_64& prng) {
  std::uniform_int_distribution<int> point{1, total - 1};
  std::set<int> points;
  while (points.size() < static_cast<std::size_t>(cuts))
    points.insert(point(prng));
  // Mostly at once (often a takeover of a socket the server still thinks
  // open), sometimes after the server noticed (peers see reconnecting).
  const ms delays[] = {0ms, 0ms, 0ms, 20ms, 100ms, 300ms};
  std::uniform_int_distribution<int> delay{0, 5};
  std::uniform_int_distribution<int> kind{0, 2};
  std::vector<cut_plan> result;
  for (auto at : points) {
    auto how = static_cast<cut_kind>(kind(prng));
    result.push_back({at, how, delays[delay(prng)]});
  }
  return result;
}

/// What the victim checks of the frames it counts: per sender, the number
/// due next.
struct tally {
  std::string room;
  std::vector<std::string> sender_ids;
  std::vector<int> next = std::vector<int>(senders, 0);
  int relays = 0;
  resuming_client* self = nullptr;

  void operator()(const std::string& type, const json::object& envelope, const std::string& text) {
    auto payload = payload_of(envelope);
    if (type == "peer:joined" || type == "peer:left")
      return;
    if (type != "room:message") {
      self->problem("unexpected frame " + text);
      return;
    }
    auto data = object_of(payload, "data");
    auto s = integer_of(data, "s");
    auto n = integer_of(data, "n");
    if (s < 0 || s >= senders || text_of(payload, "from") != sender_ids[static_cast<std::size_t>(s)]
        || text_of(payload, "roomId") != room) {
      self->problem("room:message not from the senders: " + text);
      return;
    }
    ++relays;
    auto& due = next[static_cast<std::size_t>(s)];
    if (n != due)
      self->problem("relay " + std::to_string(relays) + ": sender " + std::to_string(s) + " sent "
                    + std::to_string(n) + " where " + std::to_string(due) + " was due ("
                    + (n < due ? "duplicate" : "gap") + ")");
    due = std::max<int>(due, static_cast<int>(n) + 1);
  }
};

} // namespace

CAF_TEST(a victim that keeps cutting its connection misses nothing and gets nothing twice) {
  auto seed = pick_seed();
  CAF_MESSAGE("seed " << seed << " (replay with SIGNAL_RESUME_SEED=" << seed << ")");
  std::mt19937_64 prng{seed};
  auto plan = plan_cuts(prng);
  {
    std::ostringstream out;
    for (const auto& cut : plan)
      out << ' ' << cut.at << '/' << name_of(cut.kind) << '+' << cut.delay.count() << "ms";
    CAF_MESSAGE("cuts (at relays/kind+delay):" << out.str());
  }

  server_process server{
    {"--resume-grace-ms=5000", "--heartbeat-ms=1000", "--rate=100000", "--rate-burst=100000"}};
  CAF_REQUIRE(server.ok());
  auto port = server.port();

  auto room = unique_room("resume");
  std::vector<std::unique_ptr<ws_client>> sending;
  tally seen;
  seen.room = room;
  for (int i = 0; i < senders; ++i) {
    sending.emplace_back(std::make_unique<ws_client>(port));
    join(*sending.back(), room);
    for (int j = 0; j < i; ++j)
      sending[static_cast<std::size_t>(j)]->expect("peer:joined");
    seen.sender_ids.push_back(sending.back()->peer_id());
  }
  resuming_client v{port, std::ref(seen)};
  seen.self = &v;
  CAF_REQUIRE(v.ok());
  join(v.client(), room);
  v.count_read(); // room:joined counts like any frame
  for (auto& sender : sending)
    sender->expect("peer:joined");
  auto expected_peers = seen.sender_ids;
  std::sort(expected_peers.begin(), expected_peers.end());

  // Numbered messages, directed to the victim and broadcast in turn.
  std::atomic<bool> sending_failed{false};
  std::thread sender_thread{[&] {
    for (int n = 0; n < per_sender; ++n) {
      for (int s = 0; s < senders; ++s) {
        json::object payload{{"roomId", room}, {"data", {{"s", s}, {"n", n}}}};
        if (n % 2 == 0)
          payload["to"] = v.peer_id();
        if (!sending[static_cast<std::size_t>(s)]->send("room:message", std::move(payload))) {
          sending_failed = true;
          return;
        }
      }
      std::this_thread::sleep_for(send_pause);
    }
  }};

  auto started = std::chrono::steady_clock::now();
  auto deadline = started + exchange_deadline;
  std::size_t next_cut = 0;
  bool lost = false;
  // A cut late in the plan may come after the last relay: it still happens.
  while ((seen.relays < total || next_cut < plan.size())
         && std::chrono::steady_clock::now() < deadline) {
    if (next_cut < plan.size() && seen.relays >= plan[next_cut].at) {
      const auto& cut = plan[next_cut++];
      auto resumed = v.cut_and_resume(cut.kind, cut.delay);
      if (resumed.empty()) {
        lost = true;
        break;
      }
      // rooms: the one room, with the three senders in it.
      auto rooms = array_of(resumed, "rooms");
      std::vector<std::string> peers;
      if (rooms.size() == 1 && rooms[0].is_object()
          && text_of(rooms[0].get_object(), "roomId") == room)
        peers = peer_ids(array_of(rooms[0].get_object(), "peers"));
      std::sort(peers.begin(), peers.end());
      if (peers != expected_peers)
        v.problem("session:resumed rooms are not the room with the three senders: "
                  + json::serialize(resumed));
      continue;
    }
    if (v.poll(1s) == client_event::kind::closed) {
      lost = true;
      break;
    }
  }
  sender_thread.join();
  auto took = std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - started);
  CAF_MESSAGE(seen.relays << " relays in " << took.count() << " ms over " << v.attachment() + 1
                          << " connections");
  CAF_CHECK(!sending_failed);
  CAF_CHECK(!lost);
  CAF_CHECK_EQUAL(next_cut, plan.size());
  // Nothing more arrives: no late duplicates.
  if (!lost) {
    for (;;) {
      auto what = v.poll(silence_window * 2);
      if (what == client_event::kind::timeout || what == client_event::kind::closed)
        break;
    }
  }
  for (int s = 0; s < senders; ++s)
    CAF_CHECK_EQUAL(seen.next[static_cast<std::size_t>(s)], per_sender);
  CAF_CHECK_EQUAL(seen.relays, total);
  for (const auto& what : v.problems())
    report_failure(__FILE__, __LINE__, "seed " + std::to_string(seed) + ": " + what);
  CAF_CHECK(v.problems().empty());

  // Every sender saw the victim's losses as reconnecting/resumed pairs (a
  // resume that took over a socket the server still thought open shows
  // neither), and nothing else from it.
  std::this_thread::sleep_for(silence_window);
  std::vector<int> reconnects;
  for (int s = 0; s < senders; ++s) {
    int reconnecting = 0;
    int resumed = 0;
    for (;;) {
      auto event = sending[static_cast<std::size_t>(s)]->next_event(ms{0});
      if (event.what != client_event::kind::text) {
        CAF_CHECK(event.what == client_event::kind::timeout);
        break;
      }
      auto envelope = object_from(event.data);
      auto type = text_of(envelope, "type");
      auto payload = payload_of(envelope);
      if (type == "room:message" && text_of(payload, "from") != v.peer_id())
        continue; // another sender's broadcast
      if ((type == "peer:reconnecting" || type == "peer:resumed")
          && text_of(payload, "peerId") == v.peer_id() && text_of(payload, "roomId") == room) {
        auto& count = type == "peer:reconnecting" ? reconnecting : resumed;
        ++count;
        if (reconnecting - resumed != (type == "peer:reconnecting" ? 1 : 0))
          report_failure(__FILE__, __LINE__,
                         "seed " + std::to_string(seed) + ": sender " + std::to_string(s) + " saw "
                           + type + " out of turn (" + std::to_string(reconnecting)
                           + " reconnecting, " + std::to_string(resumed) + " resumed)");
        continue;
      }
      report_failure(__FILE__, __LINE__,
                     "seed " + std::to_string(seed) + ": sender " + std::to_string(s)
                       + " got an unexpected " + event.data);
    }
    CAF_CHECK_EQUAL(reconnecting, resumed);
    CAF_CHECK_LESS_OR_EQUAL(reconnecting, cuts);
    reconnects.push_back(reconnecting);
  }
  CAF_CHECK(std::all_of(reconnects.begin(), reconnects.end(),
                        [&](int x) { return x == reconnects.front(); }));
  CAF_MESSAGE(
    reconnects.front() << " of " << cuts << " cuts were seen by peers as reconnecting/resumed; "
                       << v.closed_by_takeover() << " takeovers closed the old socket with 1000");
  // A takeover shows peers nothing, a noticed loss shows them a pair.
  CAF_CHECK_LESS_OR_EQUAL(reconnects.front() + v.closed_by_takeover(), cuts);

  // Tokens are single use: none of the spent ones resumes anything.
  if (!v.used_tokens().empty()) {
    ws_client late{port};
    late.send("session:resume", {{"resumeToken", v.used_tokens().back()}});
    late.expect_error("SESSION_NOT_FOUND");
    late.close();
  }
  // The victim leaves for good; the sessions its cuts left behind are gone.
  v.client().close();
  for (auto& sender : sending) {
    auto left = sender->expect("peer:left");
    CAF_CHECK_EQUAL(text_of(payload_of(left), "peerId"), v.peer_id());
    CAF_CHECK_EQUAL(text_of(payload_of(left), "reason"), "left");
  }
  CAF_CHECK(settles_at(port, senders, 1));
  CAF_CHECK(server_serves(port));
}
