// The metrics: Prometheus rendering of each kind of family, errors counted by
// code through real session and room flows, sessions by state, and two actor
// systems that keep their counts apart.
#define CAF_SUITE metrics
#include "actor_fixture.hpp"

#include "actors/metrics.hpp"

using namespace signaling;
using namespace signaling::test;

namespace {

using schema::error_code;

/// The lines of `text` that start with `prefix`, joined by newlines.
std::string lines_of(const std::string& text, const std::string& prefix) {
  std::string result;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    auto line = text.substr(start, end - start);
    if (line.compare(0, prefix.size(), prefix) == 0)
      result += line + '\n';
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return result;
}

} // namespace

CAF_TEST(a counter renders with its help and type) {
  actors::server_metrics metrics;
  actors::count(metrics.relays_total, 3);
  auto text = actors::render_prometheus(metrics);
  CAF_CHECK_EQUAL(lines_of(text, "# HELP signal_relays_total")
                    + lines_of(text, "# TYPE signal_relays_total")
                    + lines_of(text, "signal_relays_total"),
                  "# HELP signal_relays_total Offers, answers, candidates and room messages a "
                  "room relayed.\n"
                  "# TYPE signal_relays_total counter\n"
                  "signal_relays_total 3\n");
}

CAF_TEST(a labeled family renders one sample per wire name) {
  actors::server_metrics metrics;
  metrics.count_error(error_code::room_full);
  metrics.count_error(error_code::room_full);
  metrics.count_error(error_code::internal);
  auto text = actors::render_prometheus(metrics);
  CAF_CHECK_EQUAL(lines_of(text, "# TYPE signal_errors_total"),
                  "# TYPE signal_errors_total counter\n");
  CAF_CHECK_EQUAL(lines_of(text, "signal_errors_total{"),
                  "signal_errors_total{code=\"INVALID_MESSAGE\"} 0\n"
                  "signal_errors_total{code=\"UNKNOWN_TYPE\"} 0\n"
                  "signal_errors_total{code=\"MESSAGE_TOO_LARGE\"} 0\n"
                  "signal_errors_total{code=\"UNAUTHORIZED\"} 0\n"
                  "signal_errors_total{code=\"FORBIDDEN\"} 0\n"
                  "signal_errors_total{code=\"UNAVAILABLE\"} 0\n"
                  "signal_errors_total{code=\"ROOM_NOT_FOUND\"} 0\n"
                  "signal_errors_total{code=\"ROOM_FULL\"} 2\n"
                  "signal_errors_total{code=\"TOO_MANY_ROOMS\"} 0\n"
                  "signal_errors_total{code=\"NOT_IN_ROOM\"} 0\n"
                  "signal_errors_total{code=\"PEER_NOT_FOUND\"} 0\n"
                  "signal_errors_total{code=\"RATE_LIMITED\"} 0\n"
                  "signal_errors_total{code=\"SESSION_NOT_FOUND\"} 0\n"
                  "signal_errors_total{code=\"INTERNAL\"} 1\n");
  metrics.count_close(schema::close_code::overloaded);
  metrics.count_sent(schema::server_type::peer_joined);
  text = actors::render_prometheus(metrics);
  CAF_CHECK_EQUAL(lines_of(text, "signal_closes_total{code=\"1013\"}"),
                  "signal_closes_total{code=\"1013\"} 1\n");
  CAF_CHECK_EQUAL(lines_of(text, "signal_messages_sent_total{type=\"peer:joined\"}"),
                  "signal_messages_sent_total{type=\"peer:joined\"} 1\n");
}

CAF_TEST(a histogram renders cumulative buckets then sum and count in base units) {
  actors::server_metrics metrics;
  // 40 us, 40 us, 2 ms and 3 s, in nanoseconds: the last is past every bound.
  for (std::uint64_t nanoseconds : {40'000u, 40'000u, 2'000'000u, 3'000'000'000u})
    metrics.relay_latency.observe(nanoseconds);
  auto text = actors::render_prometheus(metrics);
  CAF_CHECK_EQUAL(lines_of(text, "# TYPE signal_relay_latency_seconds"),
                  "# TYPE signal_relay_latency_seconds histogram\n");
  CAF_CHECK_EQUAL(lines_of(text, "signal_relay_latency_seconds_"),
                  "signal_relay_latency_seconds_bucket{le=\"0.00001\"} 0\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.000025\"} 0\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.00005\"} 2\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.0001\"} 2\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.00025\"} 2\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.0005\"} 2\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.001\"} 2\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.0025\"} 3\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.005\"} 3\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.01\"} 3\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.025\"} 3\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.1\"} 3\n"
                  "signal_relay_latency_seconds_bucket{le=\"0.5\"} 3\n"
                  "signal_relay_latency_seconds_bucket{le=\"1\"} 3\n"
                  "signal_relay_latency_seconds_bucket{le=\"+Inf\"} 4\n"
                  "signal_relay_latency_seconds_sum 3.00208\n"
                  "signal_relay_latency_seconds_count 4\n");
}

CAF_TEST(every family has help and type lines before its samples) {
  actors::server_metrics metrics;
  auto text = actors::render_prometheus(metrics);
  for (const auto* name :
       {"signal_connections_open", "signal_sessions_open", "signal_rooms_open",
        "signal_room_size_peers", "signal_messages_received_total", "signal_actors",
        "signal_mailbox_depth_max", "process_resident_memory_bytes", "process_open_fds",
        "process_start_time_seconds"}) {
    auto help = text.find(std::string{"# HELP "} + name + ' ');
    auto type = text.find(std::string{"# TYPE "} + name + ' ');
    auto sample = text.find(std::string{"\n"} + name);
    CAF_CHECK(help != std::string::npos && help < type && type < sample);
  }
  metrics.set_mailbox_depth_max(17);
  text = actors::render_prometheus(metrics);
  CAF_CHECK_EQUAL(lines_of(text, "signal_mailbox_depth_max "), "signal_mailbox_depth_max 17\n");
  CAF_CHECK(lines_of(text, "process_resident_memory_bytes ")
            != "process_resident_memory_bytes 0\n");
}

CAF_TEST_FIXTURE_SCOPE(metrics_tests, actor_fixture)

CAF_TEST(errors of sessions and rooms are counted by code) {
  settings.max_rooms_per_peer = 2;
  auto a = make_peer("a");
  auto b = make_peer("b");
  auto c = make_peer("c");
  join(a, "r", 2);
  join(b, "r");
  CAF_MESSAGE("the room refuses c (ROOM_FULL, answered through the session)");
  join(c, "r");
  CAF_MESSAGE("the session refuses a relay to a room c is not in (NOT_IN_ROOM)");
  relay(c, "r", "a", "1");
  CAF_MESSAGE("the room refuses a relay to a peer it does not have (PEER_NOT_FOUND)");
  relay(a, "r", "nobody", "1");
  relay(a, "r", "nobody", "2");
  CAF_MESSAGE("the session refuses a third room (TOO_MANY_ROOMS)");
  join(a, "s");
  join(a, "t");
  CAF_CHECK_EQUAL(metrics->errors(error_code::room_full), 1u);
  CAF_CHECK_EQUAL(metrics->errors(error_code::not_in_room), 1u);
  CAF_CHECK_EQUAL(metrics->errors(error_code::peer_not_found), 2u);
  CAF_CHECK_EQUAL(metrics->errors(error_code::too_many_rooms), 1u);
  CAF_CHECK_EQUAL(metrics->errors(error_code::room_not_found), 0u);
  CAF_MESSAGE("each counted error reached its client");
  std::vector<std::string> codes;
  for (const auto& who : {a, c})
    for (const auto& frame : take_frames(who))
      if (type_of(frame) == "error")
        codes.emplace_back(error_code_of(frame));
  CAF_CHECK_EQUAL(codes, (std::vector<std::string>{"PEER_NOT_FOUND", "PEER_NOT_FOUND",
                                                   "TOO_MANY_ROOMS", "ROOM_FULL", "NOT_IN_ROOM"}));
}

CAF_TEST(relays rooms and room sizes are counted) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  auto c = make_peer("c");
  join(a, "r");
  join(b, "r");
  join(c, "r");
  relay(a, "r", "", "1");
  relay(a, "r", "b", "2");
  CAF_CHECK_EQUAL(metrics->relays_total.load(), 2u);
  CAF_CHECK_EQUAL(metrics->relay_deliveries_total.load(), 3u);
  CAF_CHECK_EQUAL(metrics->rooms_open.load(), 1);
  CAF_CHECK_EQUAL(metrics->rooms_created_total.load(), 1u);
  CAF_MESSAGE("the room had 1, 2 and 3 members after the joins");
  CAF_CHECK_EQUAL(metrics->room_size.in_bucket(0), 1u);
  CAF_CHECK_EQUAL(metrics->room_size.in_bucket(1), 1u);
  CAF_CHECK_EQUAL(metrics->room_size.in_bucket(2), 1u);
  CAF_CHECK_EQUAL(metrics->room_size.sum(), 6u);
  for (const auto& who : {a, b, c})
    request(who, schema::leave_request{"r"});
  CAF_CHECK_EQUAL(metrics->rooms_open.load(), 0);
}

CAF_TEST(sessions are counted as attached or detached in their grace) {
  auto a = connect();
  auto b = connect();
  using actors::session_state_kind;
  CAF_CHECK_EQUAL(metrics->sessions_in(session_state_kind::attached).load(), 2);
  lose(a);
  CAF_CHECK_EQUAL(metrics->sessions_in(session_state_kind::attached).load(), 1);
  CAF_CHECK_EQUAL(metrics->sessions_in(session_state_kind::detached).load(), 1);
  CAF_MESSAGE("the grace runs out: the session is gone");
  advance(std::chrono::milliseconds{settings.resume_grace_ms + 1});
  CAF_CHECK_EQUAL(metrics->sessions_in(session_state_kind::detached).load(), 0);
  disconnect(b);
  CAF_CHECK_EQUAL(metrics->sessions_in(session_state_kind::attached).load(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(two actor systems in one process keep their counts apart) {
  actor_fixture first;
  actor_fixture second;
  CAF_REQUIRE(first.metrics != second.metrics);
  auto a = first.make_peer("a");
  auto b = first.make_peer("b");
  first.join(a, "r", 1);
  first.join(b, "r");
  CAF_CHECK_EQUAL(first.metrics->errors(error_code::room_full), 1u);
  CAF_CHECK_EQUAL(second.metrics->errors(error_code::room_full), 0u);
  CAF_CHECK_EQUAL(second.metrics->rooms_open.load(), 0);
  auto c = second.make_peer("c");
  second.relay(c, "nowhere", "", "1");
  CAF_CHECK_EQUAL(second.metrics->errors(error_code::not_in_room), 1u);
  CAF_CHECK_EQUAL(first.metrics->errors(error_code::not_in_room), 0u);
  CAF_CHECK_EQUAL(first.metrics->rooms_open.load(), 1);
}
