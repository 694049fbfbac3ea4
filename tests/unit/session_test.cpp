// The session's life apart from its connection, under the deterministic
// scheduler with time driven by advance_time: attached, detached (lost),
// resumed, expired, taken over, and the registry's single-use tokens.
#define CAF_SUITE session
#include "actor_fixture.hpp"

using namespace signaling;
using namespace signaling::test;
using namespace std::chrono_literals;

namespace {

struct session_fixture : actor_fixture {
  session_fixture() {
    settings.resume_grace_ms = 15'000;
    settings.resume_buffer_messages = 8;
  }

  /// `fresh` asks to resume the session of `token`; returns the session
  /// that serves its connection afterwards.
  actors::session_handoff resume(const peer& fresh, const std::string& token,
                                 std::string correlation = "resume-1") {
    return handoff(fresh.session, actors::request_atom_v,
                   schema::session_resume_request{token, false, 0}, std::move(correlation));
  }

  /// A resume by a client that counted `received` frames.
  actors::session_handoff resume_counted(const peer& fresh, const std::string& token,
                                         std::uint64_t received) {
    return handoff(fresh.session, actors::request_atom_v,
                   schema::session_resume_request{token, true, received}, std::string{});
  }

  actors::session_state& session_of(const peer& who) {
    return deref<actors::session_stateful_actor>(who.session).state;
  }

  /// The data of each relayed frame in `frames`, in order.
  static std::vector<std::int64_t> relayed_data(const std::vector<boost::json::object>& frames) {
    std::vector<std::int64_t> result;
    for (const auto& frame : frames)
      if (type_of(frame) == "room:message")
        result.emplace_back(frame.at("payload").at("data").as_int64());
    return result;
  }

  /// Two registry-made peers in room "r", their frames so far taken.
  std::pair<peer, peer> pair_in_room() {
    auto a = connect();
    auto b = connect();
    join(a, "r");
    join(b, "r");
    take_frames(a);
    take_frames(b);
    return {a, b};
  }

  actors::room_actor room_of(const std::string& room_id) {
    using directory_actor =
      caf::stateful_actor<actors::room_directory_state, actors::room_directory_actor::base>;
    return deref<directory_actor>(directory()).state.rooms.at(room_id);
  }

  std::size_t closes_of(const peer& who) {
    return deref<recorder_actor>(who.connection).state.closes.size();
  }
};

std::string payload_string(const boost::json::object& frame, const char* key) {
  return std::string{frame.at("payload").at(key).as_string()};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_tests, session_fixture)

CAF_TEST(a lost connection detaches the session and peers see peer : reconnecting) {
  auto [a, b] = pair_in_room();
  auto room = room_of("r");
  CAF_MESSAGE("the session tells each of its rooms, which tells the others");
  self->send(a.session, actors::detach_atom_v, a.connection, actors::close_cause::lost);
  expect((actors::detach_atom, actors::connection_actor, actors::close_cause),
         from(self).to(a.session).with(_, a.connection, actors::close_cause::lost));
  expect((actors::presence_atom, std::string, schema::peer_presence),
         from(a.session).to(room).with(_, a.id, schema::peer_presence::reconnecting));
  run();
  auto reconnecting = take_frame(b);
  CAF_CHECK_EQUAL(type_of(reconnecting), "peer:reconnecting");
  CAF_CHECK_EQUAL(payload_string(reconnecting, "roomId"), "r");
  CAF_CHECK_EQUAL(payload_string(reconnecting, "peerId"), a.id);
  CAF_CHECK_EQUAL(room_count(), 1u);
}

CAF_TEST(a resume within the grace restores the peer id the rooms and what it missed) {
  auto [a, b] = pair_in_room();
  lose(a);
  take_frames(b);
  for (auto text : {"1", "2", "3"})
    relay(b, "r", a.id, text);
  advance(10s);
  auto fresh = connect();
  auto resumed = resume(fresh, a.resume_token);
  CAF_CHECK_EQUAL(resumed.session, a.session);
  CAF_CHECK_EQUAL(resumed.peer_id, a.id);
  auto frames = take_frames(fresh);
  CAF_REQUIRE_EQUAL(frames.size(), 4u);
  CAF_CHECK_EQUAL(type_of(frames[0]), "session:resumed");
  CAF_CHECK_EQUAL(frames[0].at("correlationId").as_string(), "resume-1");
  CAF_CHECK_EQUAL(payload_string(frames[0], "peerId"), a.id);
  auto new_token = payload_string(frames[0], "resumeToken");
  CAF_CHECK_EQUAL(new_token.size(), 32u);
  CAF_CHECK_NOT_EQUAL(new_token, a.resume_token);
  const auto& rooms = frames[0].at("payload").at("rooms").as_array();
  CAF_REQUIRE_EQUAL(rooms.size(), 1u);
  CAF_CHECK_EQUAL(rooms[0].at("roomId").as_string(), "r");
  CAF_REQUIRE_EQUAL(rooms[0].at("peers").as_array().size(), 1u);
  CAF_CHECK_EQUAL(rooms[0].at("peers").as_array()[0].at("peerId").as_string(), b.id);
  CAF_MESSAGE("then the buffered relays, in their order");
  for (std::size_t i = 1; i < 4; ++i) {
    CAF_CHECK_EQUAL(type_of(frames[i]), "room:message");
    CAF_CHECK_EQUAL(frames[i].at("payload").at("data").as_int64(), static_cast<std::int64_t>(i));
  }
  auto back = take_frame(b);
  CAF_CHECK_EQUAL(type_of(back), "peer:resumed");
  CAF_CHECK_EQUAL(payload_string(back, "peerId"), a.id);
  CAF_MESSAGE("the grace of the old detach no longer ends anything");
  advance(10s);
  CAF_CHECK(take_frames(b).empty());
  relay(b, "r", a.id, "4");
  CAF_CHECK_EQUAL(relayed_data(take_frames(fresh)), (std::vector<std::int64_t>{4}));
}

CAF_TEST(the rooms in session : resumed are as they are now and events follow in order) {
  auto [a, b] = pair_in_room();
  lose(a);
  auto c = connect();
  join(c, "r");
  auto fresh = connect();
  resume(fresh, a.resume_token);
  auto frames = take_frames(fresh);
  CAF_REQUIRE_EQUAL(frames.size(), 2u);
  const auto& peers = frames[0].at("payload").at("rooms").as_array()[0].at("peers").as_array();
  CAF_REQUIRE_EQUAL(peers.size(), 2u);
  CAF_CHECK_EQUAL(peers[0].at("peerId").as_string(), b.id);
  CAF_CHECK_EQUAL(peers[1].at("peerId").as_string(), c.id);
  CAF_CHECK_EQUAL(type_of(frames[1]), "peer:joined");
}

CAF_TEST(a resume token is single use) {
  auto [a, b] = pair_in_room();
  lose(a);
  auto first = connect();
  resume(first, a.resume_token);
  auto second = connect();
  auto refused = resume(second, a.resume_token);
  CAF_CHECK_EQUAL(refused.session, second.session);
  auto error = take_frame(second);
  CAF_CHECK_EQUAL(error_code_of(error), "SESSION_NOT_FOUND");
  CAF_CHECK_EQUAL(error.at("payload").at("requestType").as_string(), "session:resume");
  CAF_MESSAGE("the refused connection keeps its own fresh session");
  join(second, "r");
  CAF_CHECK_EQUAL(type_of(take_frame(second)), "room:joined");
}

CAF_TEST(an unknown token is SESSION_NOT_FOUND and a resume after a join is INVALID_MESSAGE) {
  auto a = connect();
  CAF_CHECK_EQUAL(resume(a, "no-such-token").session, a.session);
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "SESSION_NOT_FOUND");
  resume(a, a.resume_token);
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "INVALID_MESSAGE");
  join(a, "r");
  take_frames(a);
  auto b = connect();
  lose(b);
  resume(a, b.resume_token);
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "INVALID_MESSAGE");
  CAF_MESSAGE("the refusal did not use up the token");
  auto fresh = connect();
  CAF_CHECK_EQUAL(resume(fresh, b.resume_token).session, b.session);
}

CAF_TEST(an expired grace ends the session as peer : left with reason timeout) {
  auto [a, b] = pair_in_room();
  lose(a);
  take_frames(b);
  advance(14s);
  CAF_CHECK(take_frames(b).empty());
  advance(1s);
  auto left = take_frame(b);
  CAF_CHECK_EQUAL(type_of(left), "peer:left");
  CAF_CHECK_EQUAL(payload_string(left, "peerId"), a.id);
  CAF_CHECK_EQUAL(payload_string(left, "reason"), "timeout");
  auto fresh = connect();
  resume(fresh, a.resume_token);
  CAF_CHECK_EQUAL(error_code_of(take_frame(fresh)), "SESSION_NOT_FOUND");
}

CAF_TEST(a buffer past its bound ends the session as an expired grace would) {
  auto [a, b] = pair_in_room();
  lose(a);
  take_frames(b);
  for (int i = 0; i < 8; ++i)
    relay(b, "r", a.id, std::to_string(i));
  CAF_CHECK(take_frames(b).empty());
  relay(b, "r", a.id, "one too many");
  auto left = take_frame(b);
  CAF_CHECK_EQUAL(type_of(left), "peer:left");
  CAF_CHECK_EQUAL(payload_string(left, "reason"), "timeout");
  CAF_CHECK_EQUAL(room_count(), 1u);
}

CAF_TEST(a buffer past its byte bound ends the session too) {
  settings.resume_buffer_bytes = 1024;
  auto [a, b] = pair_in_room();
  lose(a);
  take_frames(b);
  relay(b, "r", a.id, '"' + std::string(600, 'x') + '"');
  CAF_CHECK(take_frames(b).empty());
  relay(b, "r", a.id, '"' + std::string(600, 'x') + '"');
  CAF_CHECK_EQUAL(payload_string(take_frame(b), "reason"), "timeout");
}

CAF_TEST(a resume while the old connection looks open takes it over and closes it with 1000) {
  auto [a, b] = pair_in_room();
  auto fresh = connect();
  auto resumed = resume(fresh, a.resume_token);
  CAF_CHECK_EQUAL(resumed.session, a.session);
  auto& closes = deref<recorder_actor>(a.connection).state.closes;
  CAF_REQUIRE_EQUAL(closes.size(), 1u);
  CAF_CHECK(closes[0] == schema::close_code::normal);
  CAF_CHECK_EQUAL(type_of(take_frames(fresh).at(0)), "session:resumed");
  CAF_MESSAGE("peers never saw it reconnecting, so they hear nothing");
  CAF_CHECK(take_frames(b).empty());
  CAF_MESSAGE("the old connection reporting its end changes nothing");
  CAF_CHECK(take_frames(a).empty());
  lose(a);
  CAF_CHECK(take_frames(b).empty());
  relay(b, "r", a.id, "7");
  CAF_CHECK_EQUAL(relayed_data(take_frames(fresh)), (std::vector<std::int64_t>{7}));
}

CAF_TEST(a client close ends the session at once and its token with it) {
  auto [a, b] = pair_in_room();
  disconnect(a);
  auto left = take_frame(b);
  CAF_CHECK_EQUAL(payload_string(left, "reason"), "left");
  auto fresh = connect();
  resume(fresh, a.resume_token);
  CAF_CHECK_EQUAL(error_code_of(take_frame(fresh)), "SESSION_NOT_FOUND");
}

CAF_TEST(a policy close gets no grace either) {
  auto [a, b] = pair_in_room();
  end_connection(a, actors::close_cause::policy_close);
  CAF_CHECK_EQUAL(payload_string(take_frame(b), "reason"), "left");
  CAF_CHECK_EQUAL(closes_of(a), 0u);
}

CAF_TEST(a connection that dies without a word is treated as lost) {
  auto [a, b] = pair_in_room();
  caf::anon_send_exit(a.connection, caf::exit_reason::kill);
  run();
  CAF_CHECK_EQUAL(type_of(take_frame(b)), "peer:reconnecting");
}

CAF_TEST(a lost connection with no grace configured ends the session at once) {
  settings.resume_grace_ms = 0;
  auto [a, b] = pair_in_room();
  lose(a);
  CAF_CHECK_EQUAL(payload_string(take_frame(b), "reason"), "left");
}

CAF_TEST(a resumed session can be lost and resumed again with its new token) {
  auto [a, b] = pair_in_room();
  lose(a);
  auto first = connect();
  resume(first, a.resume_token);
  auto token = payload_string(take_frames(first).at(0), "resumeToken");
  peer again{a.id, first.connection, a.session, token, {}};
  lose(again);
  relay(b, "r", a.id, "8");
  auto second = connect();
  CAF_CHECK_EQUAL(resume(second, token).session, a.session);
  auto frames = take_frames(second);
  CAF_REQUIRE_EQUAL(frames.size(), 2u);
  CAF_CHECK_EQUAL(frames[1].at("payload").at("data").as_int64(), 8);
  CAF_CHECK_EQUAL(type_of(take_frames(b).back()), "peer:resumed");
}

CAF_TEST(a client that counts what it received gets exactly what it lacks) {
  auto [a, b] = pair_in_room();
  CAF_MESSAGE("a has room:joined and peer:joined, then relays 1 to 3, of which its socket "
              "delivered only 1 before it died");
  for (auto text : {"1", "2", "3"})
    relay(b, "r", a.id, text);
  lose(a);
  relay(b, "r", a.id, "4");
  auto fresh = connect();
  resume_counted(fresh, a.resume_token, 3);
  auto frames = take_frames(fresh);
  CAF_REQUIRE(!frames.empty());
  CAF_CHECK_EQUAL(type_of(frames[0]), "session:resumed");
  CAF_CHECK_EQUAL(relayed_data(frames), (std::vector<std::int64_t>{2, 3, 4}));
  CAF_MESSAGE("lost again after two of them: the count starts after session:resumed");
  auto token = payload_string(frames[0], "resumeToken");
  lose(peer{a.id, fresh.connection, a.session, token, {}});
  auto again = connect();
  resume_counted(again, token, 2);
  CAF_CHECK_EQUAL(relayed_data(take_frames(again)), (std::vector<std::int64_t>{4}));
}

CAF_TEST(a client that does not count gets what reached the session after it detached) {
  auto [a, b] = pair_in_room();
  relay(b, "r", a.id, "1");
  lose(a);
  relay(b, "r", a.id, "2");
  auto fresh = connect();
  resume(fresh, a.resume_token);
  CAF_CHECK_EQUAL(relayed_data(take_frames(fresh)), (std::vector<std::int64_t>{2}));
}

CAF_TEST(frames a pong confirmed are forgotten and never replayed) {
  auto [a, b] = pair_in_room();
  for (auto text : {"1", "2", "3"})
    relay(b, "r", a.id, text);
  CAF_CHECK_EQUAL(session_of(a).unconfirmed.size(), 5u);
  self->send(a.session, actors::confirmed_atom_v, std::uint64_t{4});
  run();
  CAF_CHECK_EQUAL(session_of(a).unconfirmed.size(), 1u);
  lose(a);
  auto fresh = connect();
  CAF_MESSAGE("a client claiming less than it confirmed gets only the unconfirmed rest");
  resume_counted(fresh, a.resume_token, 0);
  CAF_CHECK_EQUAL(relayed_data(take_frames(fresh)), (std::vector<std::int64_t>{3}));
}

CAF_TEST(past half its bound the session asks its connection for a confirmation) {
  auto [a, b] = pair_in_room();
  auto& asked = deref<recorder_actor>(a.connection).state.confirmations_asked;
  relay(b, "r", a.id, "1");
  relay(b, "r", a.id, "2");
  CAF_CHECK_EQUAL(asked, 0);
  relay(b, "r", a.id, "3");
  CAF_CHECK_EQUAL(asked, 1);
  relay(b, "r", a.id, "4");
  CAF_CHECK_EQUAL(asked, 1);
  CAF_MESSAGE("beyond the bound the oldest go unconfirmed");
  for (int i = 5; i < 12; ++i)
    relay(b, "r", a.id, std::to_string(i));
  CAF_CHECK_EQUAL(session_of(a).unconfirmed.size(), 8u);
  self->send(a.session, actors::confirmed_atom_v, std::uint64_t{13});
  run();
  CAF_CHECK(session_of(a).unconfirmed.empty());
  relay(b, "r", a.id, "12");
  CAF_CHECK_EQUAL(asked, 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
