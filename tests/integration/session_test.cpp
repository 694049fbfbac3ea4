// Suite `sessions`: the lifecycle over the real wire, against the real
// binary: resume after a lost connection, takeover, expiry, JWT auth at the
// upgrade and by auth:request, and TURN credentials checked by a real coturn.
#define CAF_SUITE sessions
#include "caf/test/unit_test.hpp"

#include "test_client.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

using namespace signaling::test;

namespace {

/// Sends session:resume for `token` on `client` and expects session:resumed.
json::object resume(ws_client& client, const std::string& token,
                    const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  client.send("session:resume", {{"resumeToken", token}}, "resume", file, line);
  return client.expect("session:resumed", default_timeout, file, line);
}

std::string token_of(const ws_client& client) {
  return text_of(payload_of(client.connected()), "resumeToken");
}

/// The output of `command` (bounded by the command itself); empty on failure.
std::string output_of(const std::string& command) {
  std::unique_ptr<FILE, decltype(&pclose)> pipe{popen(command.c_str(), "r"), pclose};
  if (!pipe)
    return {};
  std::string result;
  char buffer[512];
  while (auto n = std::fread(buffer, 1, sizeof(buffer), pipe.get()))
    result.append(buffer, n);
  while (!result.empty() && (result.back() == '\n' || result.back() == '\r'))
    result.pop_back();
  return result;
}

const std::string jwt_secret = "integration-test secret of more than 32 bytes";

struct resume_fixture {
  server_process server{{"--resume-grace-ms=5000"}};
  std::uint16_t port() const { return server.port(); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(resume_tests, resume_fixture)

CAF_TEST(a dropped client resumes its peer id its rooms and what it missed) {
  auto a = std::make_unique<ws_client>(port());
  ws_client b{port()};
  auto room = unique_room("resume");
  join(*a, room);
  join(b, room);
  a->expect("peer:joined");
  auto peer_id = a->peer_id();
  auto token = token_of(*a);
  a->drop();
  auto reconnecting = payload_of(b.expect("peer:reconnecting"));
  CAF_CHECK_EQUAL(text_of(reconnecting, "peerId"), peer_id);
  CAF_CHECK_EQUAL(text_of(reconnecting, "roomId"), room);
  for (int i = 0; i < 3; ++i)
    b.send("room:message", {{"roomId", room}, {"to", peer_id}, {"data", i}});
  ws_client again{port()};
  auto resumed_frame = resume(again, token);
  CAF_CHECK_EQUAL(text_of(resumed_frame, "correlationId"), "resume");
  auto resumed = payload_of(resumed_frame);
  CAF_CHECK_EQUAL(text_of(resumed, "peerId"), peer_id);
  CAF_CHECK_NOT_EQUAL(text_of(resumed, "resumeToken"), token);
  auto rooms = array_of(resumed, "rooms");
  CAF_REQUIRE_EQUAL(rooms.size(), 1u);
  CAF_CHECK_EQUAL(text_of(rooms[0].as_object(), "roomId"), room);
  CAF_CHECK_EQUAL(peer_ids(array_of(rooms[0].as_object(), "peers")),
                  std::vector<std::string>{b.peer_id()});
  for (int i = 0; i < 3; ++i) {
    auto message = payload_of(again.expect("room:message"));
    CAF_CHECK_EQUAL(integer_of(message, "data"), i);
    CAF_CHECK_EQUAL(text_of(message, "from"), b.peer_id());
  }
  CAF_CHECK_EQUAL(text_of(payload_of(b.expect("peer:resumed")), "peerId"), peer_id);
  again.send("room:message", {{"roomId", room}, {"data", "back"}});
  CAF_CHECK_EQUAL(text_of(payload_of(b.expect("room:message")), "from"), peer_id);
  CAF_CHECK(settles_at(port(), 2, 1));
}

CAF_TEST(an unknown token is SESSION_NOT_FOUND and the connection stays a fresh session) {
  ws_client a{port()};
  a.send("session:resume", {{"resumeToken", "0123456789abcdef0123456789abcdef"}}, "r");
  auto error = a.expect_error("SESSION_NOT_FOUND");
  CAF_CHECK_EQUAL(text_of(error, "correlationId"), "r");
  auto joined = join(a, unique_room());
  CAF_CHECK_EQUAL(text_of(joined, "peerId"), a.peer_id());
  a.send("session:resume", {{"resumeToken", token_of(a)}});
  a.expect_error("INVALID_MESSAGE");
}

CAF_TEST(a resume while the old socket looks open takes it over with 1000) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room("takeover");
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  ws_client again{port()};
  auto resumed = payload_of(resume(again, token_of(a)));
  CAF_CHECK_EQUAL(text_of(resumed, "peerId"), a.peer_id());
  CAF_CHECK_EQUAL(a.expect_close(), 1000);
  b.send("room:message", {{"roomId", room}, {"data", "to the new socket"}});
  CAF_CHECK_EQUAL(text_of(payload_of(again.expect("room:message")), "data"), "to the new socket");
  b.expect_silence();
}

CAF_TEST(a client close gets no grace and its token dies with it) {
  ws_client a{port()};
  ws_client b{port()};
  auto room = unique_room("closing");
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  auto token = token_of(a);
  a.close(1000);
  CAF_CHECK_EQUAL(text_of(payload_of(b.expect("peer:left")), "reason"), "left");
  ws_client again{port()};
  again.send("session:resume", {{"resumeToken", token}});
  again.expect_error("SESSION_NOT_FOUND");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(a lost session expires after the grace as peer left timeout) {
  server_process server{{"--resume-grace-ms=300"}};
  CAF_REQUIRE(server.ok());
  ws_client a{server.port()};
  ws_client b{server.port()};
  auto room = unique_room("expiry");
  join(a, room);
  join(b, room);
  a.expect("peer:joined");
  auto token = token_of(a);
  a.drop();
  b.expect("peer:reconnecting");
  auto left = payload_of(b.expect("peer:left"));
  CAF_CHECK_EQUAL(text_of(left, "reason"), "timeout");
  ws_client again{server.port()};
  again.send("session:resume", {{"resumeToken", token}});
  again.expect_error("SESSION_NOT_FOUND");
  CAF_CHECK(settles_at(server.port(), 2, 1));
}

namespace {

struct auth_fixture {
  temporary_file secret{jwt_secret};
  server_process server{{"--jwt-secret-file=" + secret.path, "--auth-timeout-ms=1500"}};

  std::uint16_t port() const { return server.port(); }

  /// A token from signal-make-token, as README shows.
  std::string token(const std::string& sub, const std::string& extra = {}) {
    return output_of(std::string{SIGNAL_MAKE_TOKEN_BINARY} + " --secret-file=" + secret.path
                     + " --sub=" + sub + " --name=" + sub + "-name " + extra);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(auth_tests, auth_fixture)

CAF_TEST(a token in the upgrade query or header authenticates the connection) {
  client_options query;
  query.target = "/ws?token=" + token("alice");
  ws_client a{port(), query};
  auto connected = payload_of(a.connected());
  CAF_CHECK_EQUAL(connected.at("authRequired").as_bool(), true);
  CAF_CHECK_EQUAL(connected.at("authenticated").as_bool(), true);
  CAF_CHECK_EQUAL(text_of(connected, "userId"), "alice");
  CAF_CHECK_EQUAL(text_of(connected, "displayName"), "alice-name");
  client_options header;
  header.bearer = token("bob");
  ws_client b{port(), header};
  CAF_CHECK_EQUAL(text_of(payload_of(b.connected()), "userId"), "bob");
  auto room = unique_room("users");
  join(a, room);
  auto joined = join(b, room);
  auto peers = array_of(joined, "peers");
  CAF_REQUIRE_EQUAL(peers.size(), 1u);
  CAF_CHECK_EQUAL(text_of(peers[0].as_object(), "userId"), "alice");
  a.expect("peer:joined");
  b.send("room:message", {{"roomId", room}, {"data", 1}});
  CAF_CHECK_EQUAL(text_of(payload_of(a.expect("room:message")), "fromUserId"), "bob");
}

CAF_TEST(without a token only auth request works and a good one answers auth response) {
  ws_client a{port()};
  CAF_CHECK(!payload_of(a.connected()).contains("authenticated"));
  a.send("room:join", {{"roomId", unique_room()}}, "j");
  a.expect_error("UNAUTHORIZED");
  a.send("ping", {}, "p");
  a.expect("pong");
  a.send("auth:request", {{"token", token("carol")}}, "auth");
  auto response = a.expect("auth:response");
  CAF_CHECK_EQUAL(text_of(response, "correlationId"), "auth");
  CAF_CHECK_EQUAL(text_of(payload_of(response), "userId"), "carol");
  join(a, unique_room());
}

CAF_TEST(a bad upgrade token connects then fails and the third failure closes 1008) {
  client_options forged;
  forged.target = "/ws?token=" + token("alice") + "x";
  ws_client a{port(), forged};
  CAF_CHECK(!payload_of(a.connected()).contains("authenticated"));
  auto error = payload_of(a.expect_error("UNAUTHORIZED"));
  CAF_CHECK_EQUAL(text_of(error, "message"), "token signature is invalid");
  a.send("auth:request", {{"token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}});
  a.expect_error("UNAUTHORIZED");
  a.send("auth:request", {{"token", "garbage"}});
  a.expect_error("UNAUTHORIZED");
  CAF_CHECK_EQUAL(a.expect_close(), 1008);
}

CAF_TEST(the rooms claim limits joins) {
  client_options limited;
  limited.bearer = token("dave", "--rooms=team-*,lobby");
  ws_client a{port(), limited};
  join(a, "team-red");
  a.send("room:join", {{"roomId", "elsewhere"}});
  auto refused = payload_of(a.expect_error("FORBIDDEN"));
  CAF_CHECK_EQUAL(text_of(refused, "requestType"), "room:join");
}

CAF_TEST(no auth within the auth timeout closes 1008) {
  ws_client a{port()};
  CAF_CHECK_EQUAL(a.expect_close(3s), 1008);
}

CAF_TEST(auth request on a server without a key is UNAVAILABLE) {
  server_process open_server;
  CAF_REQUIRE(open_server.ok());
  ws_client a{open_server.port()};
  auto connected = payload_of(a.connected());
  CAF_CHECK_EQUAL(connected.at("authRequired").as_bool(), false);
  a.send("auth:request", {{"token", token("erin")}});
  a.expect_error("UNAVAILABLE");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(turn credentials from the server open an allocation on a real coturn) {
  temporary_file turn_secret{"turn secret shared with coturn"};
  server_process server{{"--turn-urls=turn:127.0.0.1:3478", "--stun-urls=stun:127.0.0.1:3478",
                         "--turn-secret-file=" + turn_secret.path, "--turn-ttl-s=600"}};
  CAF_REQUIRE(server.ok());
  ws_client a{server.port()};
  a.send("turn:credentials", {}, "t");
  auto reply = payload_of(a.expect("turn:credentials"));
  CAF_CHECK_EQUAL(integer_of(reply, "ttlSeconds"), 600);
  auto servers = array_of(reply, "iceServers");
  CAF_REQUIRE_EQUAL(servers.size(), 2u);
  auto turn = servers[1].as_object();
  auto username = text_of(turn, "username");
  auto credential = text_of(turn, "credential");
  CAF_CHECK_EQUAL(username.substr(username.find(':') + 1), a.peer_id());
  // Asked again at once: coturn below takes longer than the 10 s interval.
  a.send("turn:credentials", {});
  a.expect_error("RATE_LIMITED");
  auto check = [&](const std::string& password) {
    return std::system((std::string{SIGNAL_TURN_CHECK} + " " + turn_secret.path + " '" + username
                        + "' '" + password + "' >/dev/null 2>&1")
                         .c_str());
  };
  CAF_CHECK_EQUAL(check(credential), 0);
  auto tampered = credential;
  tampered[0] = tampered[0] == 'A' ? 'B' : 'A';
  CAF_CHECK_NOT_EQUAL(check(tampered), 0);
}
