// The server actor under the deterministic scheduler: it keeps connections
// and drains them, answers the inspector's queries from its actors' status
// (an actor that does not answer shows as unresponsive), has rooms stream
// their events to a tracer, and its gate admits only the inspect token.
#define CAF_SUITE server
#include "actor_fixture.hpp"

#include "actors/inspect_gate_actor.hpp"
#include "actors/status.hpp"

using namespace signaling;
using namespace signaling::test;

namespace {

struct silent_state {
  static constexpr const char* name = "connection";
  /// Status asks it never answers (kept, so that none is dropped).
  std::vector<caf::typed_response_promise<caf::settings>> unanswered;
};

/// A connection too busy to answer its status.
actors::connection_actor::behavior_type
silent_connection(actors::connection_actor::stateful_pointer<silent_state> self) {
  using namespace actors;
  return {
    [](frame_atom, const std::string&, std::int64_t) {},
    [](binary_atom) {},
    [](oversized_atom) {},
    [](pong_atom, const std::string&) {},
    [](closed_atom, close_cause) {},
    [](deliver_atom, const text_frame&) {},
    [](heartbeat_atom) {},
    [](shutdown_atom) {},
    [](close_atom, schema::close_code) {},
    [](confirm_atom) {},
    [self](status_atom) {
      self->state.unanswered.emplace_back(self->make_response_promise<caf::settings>());
      return self->state.unanswered.back();
    },
  };
}

struct tracer_state {
  static constexpr const char* name = "tracer";
  std::vector<actors::room_trace_event> events;
};

actors::trace_subscriber_actor::behavior_type
tracer(actors::trace_subscriber_actor::stateful_pointer<tracer_state> self) {
  return {
    [self](actors::trace_atom, actors::room_trace_event& event) {
      self->state.events.emplace_back(std::move(event));
    },
  };
}

using tracer_actor = caf::stateful_actor<tracer_state, actors::trace_subscriber_actor::base>;

struct server_fixture : actor_fixture {
  /// Asks the server `query` and runs until it answers (firing no timer).
  caf::settings ask(actors::inspect_query query) {
    auto answer = self->request(server(), caf::infinite, actors::inspect_atom_v, std::move(query));
    run();
    return receive_settings(answer);
  }

  template <class Answer>
  caf::settings receive_settings(Answer& answer) {
    caf::settings result;
    answer.receive([&](caf::settings& x) { result = std::move(x); },
                   [&](caf::error& error) { CAF_FAIL("no answer: " << sys.render(error)); });
    return result;
  }

  static std::int64_t integer_at(const caf::settings& xs, std::string_view key) {
    return caf::get_or(xs, key, std::int64_t{-1});
  }

  static caf::settings dictionary_at(const caf::settings& xs, std::string_view key) {
    return caf::get_or(xs, key, caf::settings{});
  }

  static caf::config_value::list list_at(const caf::settings& xs, std::string_view key) {
    return caf::get_or(xs, key, caf::config_value::list{});
  }
};

actors::inspect_query query_of(actors::inspect_command command, std::string id = {}) {
  return actors::inspect_query{command, std::move(id), 10};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(server_tests, server_fixture)

CAF_TEST(the summary counts sessions by state rooms members and actors) {
  auto a = connect();
  auto b = connect();
  join(a, "summary-room");
  join(b, "summary-room");
  lose(b);
  auto summary = ask(query_of(actors::inspect_command::summary));
  CAF_CHECK_EQUAL(integer_at(summary, "connections"), 1);
  auto sessions = dictionary_at(summary, "sessions");
  CAF_CHECK_EQUAL(integer_at(sessions, "attached"), 1);
  CAF_CHECK_EQUAL(integer_at(sessions, "detached"), 1);
  CAF_CHECK_EQUAL(integer_at(summary, "rooms"), 1);
  CAF_CHECK_EQUAL(integer_at(summary, "members"), 2);
  auto actors = dictionary_at(summary, "actors");
  CAF_CHECK_EQUAL(integer_at(actors, "session"), 2);
  CAF_CHECK_EQUAL(integer_at(actors, "room"), 1);
  CAF_CHECK_EQUAL(integer_at(actors, "server"), 1);
  CAF_CHECK_EQUAL(integer_at(summary, "unresponsiveActors"), 0);
}

CAF_TEST(room answers with the members in join order and their presence) {
  auto a = connect();
  auto b = connect();
  auto c = connect();
  for (const auto* who : {&a, &b, &c})
    join(*who, "ordered");
  relay(a, "ordered", "", "\"one\"");
  relay(a, "ordered", "", "\"two\"");
  lose(b);
  auto room = ask(query_of(actors::inspect_command::room, "ordered"));
  auto members = list_at(room, "members");
  CAF_REQUIRE_EQUAL(members.size(), 3u);
  std::vector<std::string> ids;
  std::vector<std::string> states;
  std::vector<std::int64_t> relayed;
  for (const auto& member : members) {
    const auto& fields = caf::get<caf::settings>(member);
    ids.emplace_back(caf::get_or(fields, "peerId", std::string{}));
    states.emplace_back(caf::get_or(fields, "state", std::string{}));
    relayed.emplace_back(integer_at(fields, "relayed"));
  }
  CAF_CHECK_EQUAL(ids, (std::vector<std::string>{a.id, b.id, c.id}));
  CAF_CHECK_EQUAL(states, (std::vector<std::string>{"attached", "reconnecting", "attached"}));
  CAF_CHECK_EQUAL(relayed, (std::vector<std::int64_t>{2, 0, 0}));
  CAF_CHECK_EQUAL(integer_at(room, "relays"), 2);
}

CAF_TEST(an unknown room or peer is an error naming it) {
  auto room = self->request(server(), caf::infinite, actors::inspect_atom_v,
                            query_of(actors::inspect_command::room, "missing"));
  auto peer = self->request(server(), caf::infinite, actors::inspect_atom_v,
                            query_of(actors::inspect_command::peer, "nobody"));
  run();
  auto code_of = [&](auto& answer) {
    std::string message;
    answer.receive([](caf::settings&) { CAF_FAIL("an answer for nothing"); },
                   [&](caf::error& error) {
                     CAF_CHECK_EQUAL(error.category(), actors::protocol_error_category);
                     message = error.context().template get_as<std::string>(0);
                   });
    return message;
  };
  CAF_CHECK_EQUAL(code_of(room), "no room 'missing'");
  CAF_CHECK_EQUAL(code_of(peer), "no peer 'nobody' on this node");
}

CAF_TEST(an actor that does not answer in time shows as unresponsive) {
  auto busy = connect(sys.spawn(silent_connection));
  auto idle = connect();
  auto answer = self->request(server(), caf::infinite, actors::inspect_atom_v,
                              query_of(actors::inspect_command::actors));
  run();
  CAF_MESSAGE("the busy connection's session answers once its own ask times out");
  advance(actors::nested_status_timeout);
  CAF_CHECK(self->mailbox().empty());
  CAF_MESSAGE("the answer comes at the status timeout, with the busy one unresponsive");
  advance(actors::status_timeout - actors::nested_status_timeout);
  auto actors = receive_settings(answer);
  std::int64_t unresponsive = 0;
  for (const auto& actor : list_at(actors, "top"))
    if (caf::get_or(caf::get<caf::settings>(actor), "unresponsive", false))
      ++unresponsive;
  CAF_CHECK_EQUAL(unresponsive, 1);
  CAF_MESSAGE("the peer of the busy connection answers, with its connection unresponsive");
  auto peer = self->request(server(), caf::infinite, actors::inspect_atom_v,
                            query_of(actors::inspect_command::peer, busy.id));
  run();
  advance(actors::nested_status_timeout);
  auto status = receive_settings(peer);
  CAF_CHECK_EQUAL(caf::get_or(status, "peerId", std::string{}), busy.id);
  CAF_CHECK(caf::get_or(dictionary_at(status, "connection"), "unresponsive", false));
}

CAF_TEST(a tracer hears joins relays and leaves in order with contents redacted) {
  auto a = connect();
  auto b = connect();
  join(a, "traced");
  auto subscriber = sys.spawn(tracer);
  auto traced = self->request(server(), caf::infinite, actors::trace_atom_v, std::string{"traced"},
                              subscriber, false);
  run();
  traced.receive([](caf::ok_atom) {},
                 [&](caf::error& error) { CAF_FAIL("no trace: " << sys.render(error)); });
  join(b, "traced");
  request(a, schema::relay_request{schema::relay_kind::ice_candidate, "traced", "",
                                   R"({"candidate":"candidate:1 1 udp 9 10.0.0.1 5 typ srflx"})"});
  request(a, schema::relay_request{schema::relay_kind::sdp_offer, "traced", b.id,
                                   R"({"type":"offer","sdp":"v=0"})"});
  request(b, schema::leave_request{"traced"});
  request(a, schema::leave_request{"traced"});
  const auto& events = deref<tracer_actor>(subscriber).state.events;
  std::vector<std::string> seen;
  for (const auto& event : events)
    seen.emplace_back(event.event + ' ' + event.peer_id + ' ' + event.content);
  CAF_CHECK_EQUAL(
    seen, (std::vector<std::string>{"peer-joined " + b.id + ' ', "relay " + a.id + " typ srflx",
                                    "relay " + a.id + ' ', "peer-left " + b.id + ' ',
                                    "peer-left " + a.id + ' ', "room-closed  "}));
  caf::anon_send_exit(subscriber, caf::exit_reason::user_shutdown);
}

CAF_TEST(the drain answers once every connection ended or the drain time is up) {
  settings.drain_ms = 3'000;
  auto a = connect();
  auto b = connect();
  auto drained = self->request(server(), caf::infinite, actors::shutdown_atom_v);
  run();
  CAF_MESSAGE("one connection ends; the other ignores the shutdown");
  caf::anon_send_exit(a.connection, caf::exit_reason::user_shutdown);
  run();
  CAF_CHECK(self->mailbox().empty());
  advance(std::chrono::milliseconds{settings.drain_ms});
  auto done = false;
  drained.receive([&](caf::ok_atom) { done = true; },
                  [&](caf::error& error) { CAF_FAIL("drain failed: " << sys.render(error)); });
  CAF_CHECK(done);
}

CAF_TEST(the drain answers at once when the last connection ends) {
  auto a = connect();
  auto drained = self->request(server(), caf::infinite, actors::shutdown_atom_v);
  run();
  caf::anon_send_exit(a.connection, caf::exit_reason::user_shutdown);
  run();
  auto done = false;
  drained.receive([&](caf::ok_atom) { done = true; },
                  [&](caf::error& error) { CAF_FAIL("drain failed: " << sys.render(error)); });
  CAF_CHECK(done);
}

CAF_TEST(the summary rates are what arrived during the last sample interval) {
  auto a = connect();
  auto b = connect();
  join(a, "rated");
  join(b, "rated");
  // net/ counts what it parses; here nothing goes through net/, so count as it would.
  for (int received = 0; received < 6; ++received)
    metrics->count_received(schema::client_type::room_message);
  relay(a, "rated", b.id, R"({"n":1})");
  relay(b, "rated", a.id, R"({"n":2})");
  relay(a, "rated", "", R"({"n":3})");
  advance(actors::server_state::rate_interval);
  auto summary = ask(query_of(actors::inspect_command::summary));
  CAF_CHECK_EQUAL(caf::get_or(summary, "messagesReceivedPerSecond", -1.0), 6.0);
  CAF_CHECK_EQUAL(caf::get_or(summary, "relaysPerSecond", -1.0), 3.0);
  // A quiet second brings both back to zero.
  advance(actors::server_state::rate_interval);
  summary = ask(query_of(actors::inspect_command::summary));
  CAF_CHECK_EQUAL(caf::get_or(summary, "messagesReceivedPerSecond", -1.0), 0.0);
  CAF_CHECK_EQUAL(caf::get_or(summary, "relaysPerSecond", -1.0), 0.0);
}

CAF_TEST(the server looks at the hubs mailboxes for metrics every few seconds) {
  auto a = connect();
  join(a, "sampled");
  metrics->set_mailbox_depth_max(-1);
  // The server sampled once as it started; each advance fires one sample.
  for (int sample = 2; sample < actors::server_state::mailbox_sample_every; ++sample)
    advance(actors::server_state::rate_interval);
  CAF_CHECK_EQUAL(metrics->mailbox_depth_max.load(), -1);
  advance(actors::server_state::rate_interval);
  CAF_CHECK_EQUAL(metrics->mailbox_depth_max.load(), 0);
}

CAF_TEST(the gate passes queries with the inspect token and refuses others) {
  auto gate = sys.spawn(actors::inspect_gate, server(), std::string{"the inspect token"});
  auto refused = self->request(gate, caf::infinite, actors::inspect_atom_v, std::string{"guess"},
                               query_of(actors::inspect_command::summary));
  auto admitted =
    self->request(gate, caf::infinite, actors::inspect_atom_v, std::string{"the inspect token"},
                  query_of(actors::inspect_command::summary));
  run();
  refused.receive([](caf::settings&) { CAF_FAIL("a guess was admitted"); },
                  [](caf::error& error) {
                    CAF_CHECK_EQUAL(error.code(),
                                    static_cast<std::uint8_t>(schema::error_code::unauthorized));
                  });
  auto summary = receive_settings(admitted);
  CAF_CHECK_EQUAL(caf::get_or(summary, "kind", std::string{}), "server");
  caf::anon_send_exit(gate, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
