// ICE servers and TURN credentials on their own: the password coturn will
// recompute, the username holding the expiry, and the turn:credentials frame
// read back with Boost.JSON as a browser's RTCPeerConnection would get it.
#define CAF_SUITE ice_servers
#include "caf/test/unit_test.hpp"

#include "actors/ice_servers.hpp"
#include "schema/limits.hpp"
#include "schema/server_messages.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace json = boost::json;
using namespace signaling;
using namespace signaling::actors;

namespace {

constexpr std::int64_t now_s = 1'763'769'600;

turn_settings both() {
  turn_settings result;
  result.stun_urls = {"stun:stun.signal.test:3478"};
  result.turn_urls = {"turn:turn.signal.test:3478?transport=udp",
                      "turn:turn.signal.test:3478?transport=tcp"};
  result.secret = "signal-test-secret";
  return result;
}

std::vector<std::string> strings(const json::value& x) {
  std::vector<std::string> result;
  for (const auto& item : x.as_array())
    result.emplace_back(item.as_string());
  return result;
}

std::vector<std::string> keys(const json::value& x) {
  std::vector<std::string> result;
  for (const auto& item : x.as_object())
    result.emplace_back(item.key());
  return result;
}

} // namespace

CAF_TEST(turn_password is base64 of HMAC SHA1 of the username) {
  // Each expected value is the output of
  //   printf %s USERNAME | openssl dgst -sha1 -hmac SECRET -binary | base64
  CAF_CHECK_EQUAL(turn_password("signal-test-secret", "1763773200:alice"),
                  "l0RlHqwAMWo3X4hZNr44PvcyhAc=");
  CAF_CHECK_EQUAL(turn_password("secret", "user"), "An2kjIxkLKTFjrmC7sgZFReed6M=");
  CAF_CHECK_EQUAL(turn_password("secret", ""), "Ja9hdKD87MTTRmgKcrfOZEuaiOg=");
  // RFC 2202 test case 2 (hex effcdf6ae5eb2fa2d27416d5f184df9c259a7c79).
  CAF_CHECK_EQUAL(turn_password("Jefe", "what do ya want for nothing?"),
                  "7/zfauXrL6LSdBbV8YTfnCWafHk=");
}

CAF_TEST(the username is the expiry and the user) {
  auto settings = both();
  CAF_CHECK_EQUAL(settings.ttl_s, 3600u);
  auto reply = ice_servers_for(settings, "alice", now_s);
  CAF_REQUIRE_EQUAL(reply.ice_servers.size(), 2u);
  const auto& turn = reply.ice_servers[1];
  CAF_CHECK_EQUAL(turn.urls, settings.turn_urls);
  CAF_CHECK_EQUAL(turn.username, "1763773200:alice"); // now_s + 3600
  CAF_CHECK_EQUAL(turn.credential, "l0RlHqwAMWo3X4hZNr44PvcyhAc=");
  CAF_CHECK_EQUAL(reply.ttl_seconds, schema::default_turn_ttl_s);
  settings.ttl_s = 60;
  auto short_lived = ice_servers_for(settings, "p-1:x", now_s);
  CAF_CHECK_EQUAL(short_lived.ice_servers[1].username, "1763769660:p-1:x");
  CAF_CHECK_EQUAL(short_lived.ttl_seconds, 60u);
}

CAF_TEST(stun entries carry no credentials) {
  auto reply = ice_servers_for(both(), "alice", now_s);
  CAF_REQUIRE_EQUAL(reply.ice_servers.size(), 2u);
  CAF_CHECK_EQUAL(reply.ice_servers[0].urls, both().stun_urls);
  CAF_CHECK_EQUAL(reply.ice_servers[0].username, "");
  CAF_CHECK_EQUAL(reply.ice_servers[0].credential, "");
}

CAF_TEST(only what is configured is offered) {
  turn_settings nothing;
  CAF_CHECK(!configured(nothing));
  CAF_CHECK(ice_servers_for(nothing, "alice", now_s).ice_servers.empty());
  auto stun_only = both();
  stun_only.turn_urls.clear();
  stun_only.secret.clear();
  CAF_CHECK(configured(stun_only));
  auto reply = ice_servers_for(stun_only, "alice", now_s);
  CAF_REQUIRE_EQUAL(reply.ice_servers.size(), 1u);
  CAF_CHECK(reply.ice_servers[0].username.empty());
  auto turn_only = both();
  turn_only.stun_urls.clear();
  CAF_CHECK(configured(turn_only));
  auto turn_reply = ice_servers_for(turn_only, "alice", now_s);
  CAF_REQUIRE_EQUAL(turn_reply.ice_servers.size(), 1u);
  CAF_CHECK_EQUAL(turn_reply.ice_servers[0].urls, turn_only.turn_urls);
  // TURN urls without a secret could only fail in the browser.
  auto no_secret = turn_only;
  no_secret.secret.clear();
  CAF_CHECK(!configured(no_secret));
  CAF_CHECK(ice_servers_for(no_secret, "alice", now_s).ice_servers.empty());
}

CAF_TEST(the reply encodes as RTCIceServer objects) {
  auto reply = ice_servers_for(both(), "alice", now_s);
  auto frame = json::parse(schema::encode(reply, {now_s * 1000, "c-1"})).as_object();
  CAF_CHECK_EQUAL(std::string{frame.at("type").as_string()}, "turn:credentials");
  CAF_CHECK_EQUAL(frame.at("timestamp").to_number<std::int64_t>(), now_s * 1000);
  CAF_CHECK_EQUAL(std::string{frame.at("correlationId").as_string()}, "c-1");
  const auto& payload = frame.at("payload");
  CAF_CHECK_EQUAL(keys(payload), (std::vector<std::string>{"iceServers", "ttlSeconds"}));
  CAF_CHECK_EQUAL(payload.at("ttlSeconds").to_number<std::int64_t>(), 3600);
  const auto& servers = payload.at("iceServers").as_array();
  CAF_REQUIRE_EQUAL(servers.size(), 2u);
  CAF_CHECK_EQUAL(keys(servers[0]), (std::vector<std::string>{"urls"}));
  CAF_CHECK_EQUAL(strings(servers[0].at("urls")), both().stun_urls);
  CAF_CHECK_EQUAL(keys(servers[1]), (std::vector<std::string>{"urls", "username", "credential"}));
  CAF_CHECK_EQUAL(strings(servers[1].at("urls")), both().turn_urls);
  CAF_CHECK_EQUAL(std::string{servers[1].at("username").as_string()}, "1763773200:alice");
  CAF_CHECK_EQUAL(std::string{servers[1].at("credential").as_string()},
                  turn_password("signal-test-secret", "1763773200:alice"));
}

CAF_TEST(an empty reply encodes as an empty list) {
  auto frame = json::parse(schema::encode(schema::turn_credentials_reply{}, {1, {}})).as_object();
  CAF_CHECK(!frame.contains("correlationId"));
  CAF_CHECK(frame.at("payload").at("iceServers").as_array().empty());
  CAF_CHECK_EQUAL(frame.at("payload").at("ttlSeconds").to_number<std::int64_t>(), 0);
}

CAF_TEST(user ids with quotes stay valid JSON) {
  auto reply = ice_servers_for(both(), R"(a"b\c)", now_s);
  auto frame = json::parse(schema::encode(reply, {1, {}}));
  CAF_CHECK_EQUAL(
    std::string{frame.at("payload").at("iceServers").at(1).at("username").as_string()},
    std::string{"1763773200:"} + R"(a"b\c)");
}
