// Rooms, the room directory and sessions under the deterministic scheduler:
// membership, ordering, errors and room lifetime.
#define CAF_SUITE room
#include "actor_fixture.hpp"

using namespace signaling;
using namespace signaling::test;

namespace {

std::vector<std::string> peer_ids(const boost::json::value& peers) {
  std::vector<std::string> result;
  for (const auto& peer : peers.as_array())
    result.emplace_back(peer.at("peerId").as_string());
  return result;
}

/// A readable trace of what a peer saw: "peer:joined b", "room:message a 3".
std::vector<std::string> trace(const std::vector<boost::json::object>& frames) {
  std::vector<std::string> result;
  for (const auto& frame : frames) {
    const auto& payload = frame.at("payload").as_object();
    auto line = type_of(frame);
    if (auto peer = payload.if_contains("peer"))
      line += " " + std::string{peer->at("peerId").as_string()};
    if (auto peer_id = payload.if_contains("peerId"))
      line += " " + std::string{peer_id->as_string()};
    if (auto from = payload.if_contains("from"))
      line +=
        " " + std::string{from->as_string()} + " " + boost::json::serialize(payload.at("data"));
    result.emplace_back(std::move(line));
  }
  return result;
}

/// Keeps the lines both traces could contain, to compare relative order.
std::vector<std::string> without(std::vector<std::string> lines, const std::string& needle) {
  std::vector<std::string> result;
  for (auto& line : lines)
    if (line.find(needle) == std::string::npos)
      result.emplace_back(std::move(line));
  return result;
}

/// Each reply as "type correlationId", in arrival order.
std::vector<std::string> replies(const std::vector<boost::json::object>& frames) {
  std::vector<std::string> result;
  for (const auto& frame : frames) {
    auto correlation = frame.if_contains("correlationId");
    result.emplace_back(type_of(frame) + " "
                        + (correlation ? std::string{correlation->as_string()} : "-"));
  }
  return result;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(room_tests, actor_fixture)

CAF_TEST(the first join creates the room and later joiners see earlier ones) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "lobby", 4);
  auto joined = take_frame(a);
  CAF_CHECK_EQUAL(type_of(joined), "room:joined");
  CAF_CHECK_EQUAL(joined.at("payload").at("peers").as_array().size(), 0u);
  CAF_CHECK_EQUAL(joined.at("payload").at("maxPeers").as_int64(), 4);
  CAF_CHECK_EQUAL(room_count(), 1u);
  CAF_MESSAGE("maxPeers of a later join does not change the room");
  join(b, "lobby", 9);
  auto b_joined = take_frame(b);
  CAF_CHECK_EQUAL(peer_ids(b_joined.at("payload").at("peers")), std::vector<std::string>{"a"});
  CAF_CHECK_EQUAL(b_joined.at("payload").at("maxPeers").as_int64(), 4);
  auto notice = take_frame(a);
  CAF_CHECK_EQUAL(type_of(notice), "peer:joined");
  CAF_CHECK_EQUAL(notice.at("payload").at("peer").at("peerId").as_string(), "b");
}

CAF_TEST(joining again answers room : joined and notifies nobody) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "lobby");
  join(b, "lobby");
  take_frames(a);
  take_frames(b);
  join(b, "lobby");
  auto again = take_frame(b);
  CAF_CHECK_EQUAL(type_of(again), "room:joined");
  CAF_CHECK_EQUAL(peer_ids(again.at("payload").at("peers")), std::vector<std::string>{"a"});
  CAF_CHECK(take_frames(a).empty());
}

CAF_TEST(every member sees one order under interleaved joins leaves and relays) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  auto c = make_peer("c");
  auto d = make_peer("d");
  join(a, "r");
  join(b, "r");
  join(d, "r");
  take_frames(a);
  take_frames(b);
  take_frames(d);
  CAF_MESSAGE("queue requests of four peers before any is processed");
  auto message = [](std::string data) {
    return schema::relay_request{schema::relay_kind::room_message, "r", "", std::move(data)};
  };
  for (int i = 0; i < 6; ++i) {
    self->send(a.session, actors::request_atom_v, message(std::to_string(i)), std::string{});
    self->send(b.session, actors::request_atom_v, message(std::to_string(100 + i)), std::string{});
    self->send(d.session, actors::request_atom_v, message(std::to_string(200 + i)), std::string{});
    if (i == 0)
      self->send(c.session, actors::request_atom_v, schema::join_request{"r", "", "{}", true, 0},
                 std::string{});
    if (i == 3)
      self->send(c.session, actors::request_atom_v, schema::leave_request{"r"}, std::string{});
  }
  run();
  auto seen_by_a = trace(take_frames(a));
  auto seen_by_b = trace(take_frames(b));
  CAF_MESSAGE("a saw: " << caf::deep_to_string(seen_by_a));
  CAF_MESSAGE("b saw: " << caf::deep_to_string(seen_by_b));
  CAF_CHECK_EQUAL(seen_by_a.size(), 6u + 6u + 2u); // b's and d's relays, c joined and left
  CAF_MESSAGE("apart from each other's relays, a and b saw one order");
  CAF_CHECK_EQUAL(without(seen_by_a, "room:message b"), without(seen_by_b, "room:message a"));
  auto position = [](const std::vector<std::string>& lines, const std::string& prefix) {
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (lines[i].rfind(prefix, 0) == 0)
        return static_cast<std::ptrdiff_t>(i);
    return std::ptrdiff_t{-1};
  };
  CAF_CHECK(position(seen_by_a, "peer:joined c") < position(seen_by_a, "peer:left c"));
  CAF_MESSAGE("relays from one sender arrive in the order sent");
  std::vector<std::string> from_d;
  for (auto& line : seen_by_a)
    if (line.rfind("room:message d", 0) == 0)
      from_d.emplace_back(line);
  CAF_CHECK_EQUAL(from_d, (std::vector<std::string>{"room:message d 200", "room:message d 201",
                                                    "room:message d 202", "room:message d 203",
                                                    "room:message d 204", "room:message d 205"}));
}

CAF_TEST(a dead member is a peer:left for the others) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "r");
  join(b, "r");
  take_frames(a);
  disconnect(b);
  auto left = take_frame(a);
  CAF_CHECK_EQUAL(type_of(left), "peer:left");
  CAF_CHECK_EQUAL(left.at("payload").at("peerId").as_string(), "b");
  CAF_CHECK_EQUAL(left.at("payload").at("reason").as_string(), "left");
  CAF_CHECK_EQUAL(room_count(), 1u);
}

CAF_TEST(a room exits with its last member and the directory forgets it) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "r");
  join(b, "r");
  take_frames(a);
  request(a, schema::leave_request{"r"}, "c-1");
  auto left = take_frame(a);
  CAF_CHECK_EQUAL(type_of(left), "room:left");
  CAF_CHECK_EQUAL(left.at("correlationId").as_string(), "c-1");
  CAF_CHECK_EQUAL(room_count(), 1u);
  request(b, schema::leave_request{"r"});
  CAF_CHECK_EQUAL(room_count(), 0u);
  CAF_MESSAGE("the id is free for a new room");
  join(a, "r", 3);
  auto rejoined = take_frame(a);
  CAF_CHECK_EQUAL(rejoined.at("payload").at("maxPeers").as_int64(), 3);
  CAF_CHECK_EQUAL(room_count(), 1u);
}

CAF_TEST(room left comes after every event the room sent before the leave) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "r");
  join(b, "r");
  take_frames(a);
  CAF_MESSAGE("b's relays reach the room, then a's leave; a's session is not run before");
  for (int i = 0; i < 3; ++i) {
    self->send(b.session, actors::request_atom_v,
               schema::relay_request{schema::relay_kind::room_message, "r", "", std::to_string(i)},
               std::string{});
    sched.prioritize(b.session);
    sched.run_once();
  }
  self->send(a.session, actors::request_atom_v, schema::leave_request{"r"}, std::string{});
  sched.prioritize(a.session);
  sched.run_once();
  run();
  CAF_CHECK_EQUAL(trace(take_frames(a)),
                  (std::vector<std::string>{"room:message b 0", "room:message b 1",
                                            "room:message b 2", "room:left"}));
}

CAF_TEST(replies to joins and leaves sent without waiting keep their order) {
  auto a = make_peer("a");
  std::vector<std::string> expected;
  for (int i = 0; i < 3; ++i) {
    auto n = std::to_string(i);
    self->send(a.session, actors::request_atom_v, schema::join_request{"r", "", "{}", true, 0},
               "j" + n);
    self->send(a.session, actors::request_atom_v, schema::leave_request{"r"}, "l" + n);
    expected.emplace_back("room:joined j" + n);
    expected.emplace_back("room:left l" + n);
  }
  run();
  CAF_CHECK_EQUAL(replies(take_frames(a)), expected);
  CAF_CHECK_EQUAL(room_count(), 0u);
}

CAF_TEST(a relay ack comes before the reply to a later request about another room) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "r");
  join(a, "q");
  join(b, "r");
  take_frames(a);
  self->send(a.session, actors::request_atom_v,
             schema::relay_request{schema::relay_kind::room_message, "r", "", "1"}, "m");
  self->send(a.session, actors::request_atom_v, schema::state_request{"q"}, "s");
  CAF_MESSAGE("the session takes both requests before room r runs");
  for (int i = 0; i < 2; ++i) {
    sched.prioritize(a.session);
    sched.run_once();
  }
  CAF_MESSAGE("room q gets to answer before room r, if it was asked");
  auto q =
    deref<caf::stateful_actor<actors::room_directory_state, actors::room_directory_actor::base>>(
      directory())
      .state.rooms.at("q");
  if (sched.prioritize(q))
    sched.run_once();
  run();
  CAF_CHECK_EQUAL(replies(take_frames(a)), (std::vector<std::string>{"ack m", "room:state s"}));
}

CAF_TEST(a reply the connection made keeps its place among the replies of the session) {
  auto a = make_peer("a");
  self->send(a.session, actors::request_atom_v, schema::join_request{"r", "", "{}", true, 0},
             std::string{"j"});
  self->send(a.session, actors::reply_atom_v,
             actors::text_frame::make(R"({"type":"error","payload":{},"correlationId":"bad"})"));
  run();
  CAF_CHECK_EQUAL(replies(take_frames(a)),
                  (std::vector<std::string>{"room:joined j", "error bad"}));
}

CAF_TEST(a session past its backlog asks its connection to close with 1013) {
  auto a = make_peer("a");
  self->send(a.session, actors::request_atom_v, schema::join_request{"r", "", "{}", true, 0},
             std::string{"j"});
  for (std::size_t i = 0; i <= schema::max_queued_requests; ++i)
    self->send(a.session, actors::request_atom_v, schema::state_request{"r"}, std::string{});
  CAF_MESSAGE("the session takes every request before the directory answers the join");
  while (sched.prioritize(a.session))
    sched.run_once();
  run();
  const auto& closes = deref<recorder_actor>(a.connection).state.closes;
  CAF_REQUIRE_EQUAL(closes.size(), 1u);
  CAF_CHECK(closes.front() == schema::close_code::overloaded);
  CAF_MESSAGE("what was queued is still answered, in order");
  auto frames = take_frames(a);
  CAF_REQUIRE_EQUAL(frames.size(), schema::max_queued_requests + 1);
  CAF_CHECK_EQUAL(type_of(frames.front()), "room:joined");
  CAF_CHECK_EQUAL(type_of(frames.back()), "room:state");
}

CAF_TEST(the last two members leaving at once leave no room behind) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "r");
  join(b, "r");
  self->send(a.session, actors::request_atom_v, schema::leave_request{"r"}, std::string{});
  self->send(b.session, actors::request_atom_v, schema::leave_request{"r"}, std::string{});
  run();
  CAF_CHECK_EQUAL(room_count(), 0u);
}

CAF_TEST(a join racing the end of its connection leaves no room behind) {
  auto a = make_peer("a");
  self->send(a.session, actors::request_atom_v, schema::join_request{"r", "", "{}", true, 0},
             std::string{});
  self->send(a.session, actors::detach_atom_v, a.connection, actors::close_cause::client_close);
  run();
  CAF_CHECK_EQUAL(room_count(), 0u);
}

CAF_TEST(a join racing the exit of the room lands in a live room) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "r");
  take_frames(a);
  // a's leave empties the room while b's join is on its way to it.
  self->send(a.session, actors::request_atom_v, schema::leave_request{"r"}, std::string{});
  self->send(b.session, actors::request_atom_v, schema::join_request{"r", "", "{}", true, 0},
             std::string{});
  run();
  CAF_CHECK_EQUAL(type_of(take_frame(b)), "room:joined");
  CAF_CHECK_EQUAL(room_count(), 1u);
  request(b, schema::state_request{"r"});
  auto state = take_frame(b);
  CAF_CHECK_EQUAL(peer_ids(state.at("payload").at("peers")), std::vector<std::string>{"b"});
}

CAF_TEST(a full room answers ROOM_FULL) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  auto c = make_peer("c");
  join(a, "r", 2);
  join(b, "r");
  take_frames(a);
  join(c, "r");
  CAF_CHECK_EQUAL(error_code_of(take_frame(c)), "ROOM_FULL");
  CAF_CHECK(take_frames(a).empty());
}

CAF_TEST(one room more than the limit answers TOO_MANY_ROOMS) {
  settings.max_rooms_per_peer = 2;
  auto a = make_peer("a");
  join(a, "r1");
  join(a, "r2");
  take_frames(a);
  join(a, "r3");
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "TOO_MANY_ROOMS");
  CAF_CHECK_EQUAL(room_count(), 2u);
}

CAF_TEST(relays to missing peers or oneself answer PEER_NOT_FOUND) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "r");
  join(b, "r");
  take_frames(a);
  take_frames(b);
  relay(a, "r", "nobody", "1");
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "PEER_NOT_FOUND");
  relay(a, "r", "a", "1");
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "PEER_NOT_FOUND");
  CAF_CHECK(take_frames(b).empty());
  CAF_MESSAGE("a peer in another room is not found either");
  auto c = make_peer("c");
  join(c, "elsewhere");
  relay(a, "r", "c", "1");
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "PEER_NOT_FOUND");
}

CAF_TEST(requests about rooms one is not in answer NOT_IN_ROOM or ROOM_NOT_FOUND) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(b, "r");
  relay(a, "r", "b", "1");
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "NOT_IN_ROOM");
  request(a, schema::leave_request{"r"});
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "NOT_IN_ROOM");
  request(a, schema::state_request{"r"});
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "NOT_IN_ROOM");
  request(a, schema::state_request{"nowhere"});
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "ROOM_NOT_FOUND");
  request(a, schema::join_request{"nowhere", "", "{}", false, 0});
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "ROOM_NOT_FOUND");
  CAF_CHECK_EQUAL(room_count(), 1u);
}

CAF_TEST(relays reach their target with from set and are acked only on request) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "r");
  join(b, "r");
  take_frames(a);
  take_frames(b);
  request(a,
          schema::relay_request{schema::relay_kind::sdp_offer, "r", "b",
                                R"({"type":"offer","sdp":"v=0","x":1})"},
          "c-9");
  auto offer = take_frame(b);
  CAF_CHECK_EQUAL(type_of(offer), "sdp:offer");
  CAF_CHECK_EQUAL(offer.at("payload").at("from").as_string(), "a");
  CAF_CHECK_EQUAL(boost::json::serialize(offer.at("payload").at("sdp")),
                  R"({"type":"offer","sdp":"v=0","x":1})");
  CAF_CHECK(!offer.contains("correlationId"));
  auto ack = take_frame(a);
  CAF_CHECK_EQUAL(type_of(ack), "ack");
  CAF_CHECK_EQUAL(ack.at("payload").at("requestType").as_string(), "sdp:offer");
  CAF_CHECK_EQUAL(ack.at("correlationId").as_string(), "c-9");
  relay(a, "r", "b", "2");
  CAF_CHECK_EQUAL(take_frames(b).size(), 1u);
  CAF_CHECK(take_frames(a).empty());
}

CAF_TEST(room state lists every member in join order) {
  auto a = make_peer("a");
  auto b = make_peer("b");
  join(a, "r");
  join(b, "r");
  take_frames(b);
  request(b, schema::state_request{"r"}, "s");
  auto state = take_frame(b);
  CAF_CHECK_EQUAL(type_of(state), "room:state");
  CAF_CHECK_EQUAL(peer_ids(state.at("payload").at("peers")), (std::vector<std::string>{"a", "b"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
