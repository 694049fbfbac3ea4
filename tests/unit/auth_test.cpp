// A session's authentication and ICE servers under the deterministic
// scheduler: tokens at upgrade and by auth:request, the failure limit, the
// auth timeout, room grants, expiry and refresh, and turn:credentials.
#define CAF_SUITE auth
#include "actor_fixture.hpp"
#include "test_tokens.hpp"

#include "actors/token_verifier.hpp"

#include <chrono>

using namespace signaling;
using namespace signaling::test;
using namespace std::chrono_literals;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// A token for `sub` signed with the test secret, valid from a minute ago
/// for `lifetime`, with extra claims (a JSON fragment) if given.
std::string token_for(const std::string& sub, std::chrono::seconds lifetime = 3600s,
                      const std::string& extra = {}) {
  auto now = unix_now();
  return hs256(R"({"sub":")" + sub + R"(","name":"Name of )" + sub + R"(","nbf":)"
               + std::to_string(now - 60) + R"(,"exp":)" + std::to_string(now + lifetime.count())
               + extra + "}");
}

struct auth_fixture : actor_fixture {
  auth_fixture() {
    auto made = actors::token_verifier::make(secret, {});
    CAF_REQUIRE(std::holds_alternative<actors::token_verifier>(made));
    settings.verifier =
      std::make_shared<const actors::token_verifier>(std::get<actors::token_verifier>(made));
    settings.auth_timeout_ms = 10'000;
  }

  void authenticate(const peer& who, const std::string& token, std::string correlation = "a") {
    request(who, schema::auth_request{token}, std::move(correlation));
  }

  std::vector<schema::close_code>& closes_of(const peer& who) {
    return deref<recorder_actor>(who.connection).state.closes;
  }
};

std::string text_at(const boost::json::object& frame, const char* key) {
  return std::string{frame.at("payload").at(key).as_string()};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(auth_tests, auth_fixture)

CAF_TEST(with auth required only auth and resume come before authentication) {
  auto a = connect();
  CAF_CHECK_EQUAL(a.connected.at("authRequired").as_bool(), true);
  CAF_CHECK(!a.connected.contains("authenticated"));
  join(a, "r");
  auto refused = take_frame(a);
  CAF_CHECK_EQUAL(error_code_of(refused), "UNAUTHORIZED");
  CAF_CHECK_EQUAL(text_at(refused, "requestType"), "room:join");
  request(a, schema::turn_credentials_request{});
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "UNAUTHORIZED");
  authenticate(a, token_for("alice"));
  auto response = take_frame(a);
  CAF_CHECK_EQUAL(type_of(response), "auth:response");
  CAF_CHECK_EQUAL(response.at("payload").at("success").as_bool(), true);
  CAF_CHECK_EQUAL(text_at(response, "userId"), "alice");
  CAF_CHECK_EQUAL(text_at(response, "displayName"), "Name of alice");
  CAF_CHECK_EQUAL(response.at("correlationId").as_string(), "a");
  join(a, "r");
  CAF_CHECK_EQUAL(type_of(take_frame(a)), "room:joined");
}

CAF_TEST(a valid upgrade token authenticates the connected frame) {
  auto a = connect(token_for("alice"));
  CAF_CHECK_EQUAL(a.connected.at("authenticated").as_bool(), true);
  CAF_CHECK_EQUAL(a.connected.at("userId").as_string(), "alice");
  CAF_CHECK_EQUAL(a.connected.at("displayName").as_string(), "Name of alice");
  CAF_CHECK(take_frames(a).empty());
}

CAF_TEST(only a token sets userId and displayName and relays carry fromUserId) {
  auto a = connect(token_for("alice"));
  auto b = connect(token_for("bob"));
  schema::join_request join_as_mallory;
  join_as_mallory.room_id = "r";
  join_as_mallory.display_name = "Mallory";
  request(a, join_as_mallory);
  join(b, "r");
  auto joined = take_frame(b);
  const auto& other = joined.at("payload").at("peers").as_array().at(0).as_object();
  CAF_CHECK_EQUAL(other.at("userId").as_string(), "alice");
  CAF_CHECK_EQUAL(other.at("displayName").as_string(), "Name of alice");
  take_frames(a);
  relay(a, "r", b.id, R"("hi")");
  auto relayed = take_frame(b);
  CAF_CHECK_EQUAL(text_at(relayed, "from"), a.id);
  CAF_CHECK_EQUAL(text_at(relayed, "fromUserId"), "alice");
}

CAF_TEST(a bad upgrade token still connects then counts as the first failure) {
  auto a = connect("not.a.token");
  CAF_CHECK(!a.connected.contains("authenticated"));
  auto error = take_frame(a);
  CAF_CHECK_EQUAL(error_code_of(error), "UNAUTHORIZED");
  CAF_CHECK_EQUAL(text_at(error, "message").rfind("token is malformed", 0), 0u);
  authenticate(a, token_for("alice") + "x");
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "UNAUTHORIZED");
  CAF_CHECK(closes_of(a).empty());
  CAF_MESSAGE("the third failure closes with 1008");
  authenticate(a, sign(JWT_ALG_HS256, "a wrong secret that is also long enough", R"({"sub":"x"})"));
  auto third = take_frame(a);
  CAF_CHECK_EQUAL(text_at(third, "message"), "token signature is invalid");
  CAF_REQUIRE_EQUAL(closes_of(a).size(), 1u);
  CAF_CHECK(closes_of(a)[0] == schema::close_code::policy);
}

CAF_TEST(expired and not yet valid tokens are refused with what is wrong) {
  auto a = connect();
  authenticate(a, token_for("alice", -10s));
  CAF_CHECK_EQUAL(text_at(take_frame(a), "message"), "token expired");
  auto later = unix_now() + 600;
  authenticate(a, hs256(R"({"sub":"alice","nbf":)" + std::to_string(later) + "}"));
  CAF_CHECK_EQUAL(text_at(take_frame(a), "message"), "token not yet valid (nbf)");
}

CAF_TEST(no authentication within the auth timeout closes with 1008) {
  auto a = connect();
  auto b = connect();
  advance(9s);
  authenticate(b, token_for("bob"));
  CAF_CHECK(closes_of(a).empty());
  advance(1s);
  CAF_REQUIRE_EQUAL(closes_of(a).size(), 1u);
  CAF_CHECK(closes_of(a)[0] == schema::close_code::policy);
  CAF_CHECK(closes_of(b).empty());
}

CAF_TEST(the rooms claim limits joins with prefix entries) {
  auto a = connect(token_for("alice", 3600s, R"(,"rooms":["team-*","lobby"])"));
  for (auto room : {"team-a", "team-", "lobby"}) {
    join(a, room);
    CAF_CHECK_EQUAL(type_of(take_frame(a)), "room:joined");
  }
  for (auto room : {"lobby2", "team", "other"}) {
    join(a, room);
    auto refused = take_frame(a);
    CAF_CHECK_EQUAL(error_code_of(refused), "FORBIDDEN");
  }
}

CAF_TEST(a minute before exp the client hears auth expiring and a refresh keeps it) {
  auto a = connect(token_for("alice", 120s));
  advance(59s);
  CAF_CHECK(take_frames(a).empty());
  advance(1s);
  auto expiring = take_frame(a);
  CAF_CHECK_EQUAL(type_of(expiring), "auth:expiring");
  CAF_CHECK_GREATER(expiring.at("payload").at("expiresAt").as_int64(), unix_now() * 1000);
  CAF_MESSAGE("a token for someone else is no refresh");
  request(a, schema::auth_refresh_request{token_for("bob", 3600s)}, "r1");
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "UNAUTHORIZED");
  request(a, schema::auth_refresh_request{token_for("alice", 3600s)}, "r2");
  auto refreshed = take_frame(a);
  CAF_CHECK_EQUAL(type_of(refreshed), "auth:response");
  CAF_CHECK_EQUAL(refreshed.at("correlationId").as_string(), "r2");
  advance(120s);
  CAF_CHECK(closes_of(a).empty());
}

CAF_TEST(a token that expires unrefreshed closes with 1008) {
  auto a = connect(token_for("alice", 90s));
  advance(30s);
  CAF_CHECK_EQUAL(type_of(take_frame(a)), "auth:expiring");
  advance(60s);
  CAF_REQUIRE_EQUAL(closes_of(a).size(), 1u);
  CAF_CHECK(closes_of(a)[0] == schema::close_code::policy);
}

CAF_TEST(a resumed session keeps its identity) {
  auto a = connect(token_for("alice"));
  join(a, "r");
  take_frames(a);
  lose(a);
  auto fresh = connect();
  auto resumed = handoff(fresh.session, actors::request_atom_v,
                         schema::session_resume_request{a.resume_token, false, 0}, std::string{});
  CAF_CHECK_EQUAL(resumed.session, a.session);
  auto b = connect(token_for("bob"));
  join(b, "r");
  auto joined = take_frame(b);
  CAF_CHECK_EQUAL(joined.at("payload").at("peers").as_array().at(0).at("userId").as_string(),
                  "alice");
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

struct turn_fixture : actor_fixture {
  turn_fixture() {
    settings.turn.stun_urls = {"stun:stun.example.org:3478"};
    settings.turn.turn_urls = {"turn:turn.example.org:3478?transport=udp"};
    settings.turn.secret = "turn shared secret";
    settings.turn.ttl_s = 600;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(turn_tests, turn_fixture)

CAF_TEST(turn credentials name the peer and come at most once per 10 s) {
  auto a = connect();
  request(a, schema::turn_credentials_request{}, "t1");
  auto reply = take_frame(a);
  CAF_REQUIRE_EQUAL(type_of(reply), "turn:credentials");
  CAF_CHECK_EQUAL(reply.at("correlationId").as_string(), "t1");
  const auto& payload = reply.at("payload").as_object();
  CAF_CHECK_EQUAL(payload.at("ttlSeconds").as_int64(), 600);
  const auto& servers = payload.at("iceServers").as_array();
  CAF_REQUIRE_EQUAL(servers.size(), 2u);
  CAF_CHECK(!servers[0].as_object().contains("username"));
  auto username = std::string{servers[1].at("username").as_string()};
  auto colon = username.find(':');
  CAF_REQUIRE(colon != std::string::npos);
  CAF_CHECK_EQUAL(username.substr(colon + 1), a.id);
  auto expiry = std::stoll(username.substr(0, colon));
  CAF_CHECK(expiry >= unix_now() + 590 && expiry <= unix_now() + 610);
  CAF_CHECK_EQUAL(servers[1].at("credential").as_string(),
                  actors::turn_password(settings.turn.secret, username));
  request(a, schema::turn_credentials_request{});
  CAF_CHECK_EQUAL(error_code_of(take_frame(a)), "RATE_LIMITED");
  advance(10s);
  request(a, schema::turn_credentials_request{});
  CAF_CHECK_EQUAL(type_of(take_frame(a)), "turn:credentials");
}

CAF_TEST_FIXTURE_SCOPE_END()
