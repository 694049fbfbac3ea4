// The connection actor against an in-memory transport: the connected frame,
// frame validation, rate limit, flooding, size limit, heartbeat, shutdown.
#define CAF_SUITE connection
#include "actor_fixture.hpp"

#include "actors/connection_actor.hpp"

using namespace signaling;
using namespace signaling::test;
using namespace std::chrono_literals;

namespace {

/// Records what the connection actor does to its socket.
class memory_transport : public actors::transport {
public:
  void send(std::shared_ptr<const std::string> frame, std::int64_t read_at_ns) override {
    frames.emplace_back(parse_frame(*frame));
    read_times.push_back(read_at_ns);
  }

  void ping(std::string payload) override {
    if (ping_throws)
      throw std::runtime_error{"a bug in the ping path"};
    ++pings;
    last_ping = std::move(payload);
  }

  void close(schema::close_code code) override { close_code = static_cast<int>(code); }

  void abort() override { aborted = true; }

  [[nodiscard]] const std::string& remote_address() const override { return address; }

  std::string address = "127.0.0.1:50000";
  std::vector<boost::json::object> frames;
  /// The read time each frame came with (0: not a relay).
  std::vector<std::int64_t> read_times;
  int pings = 0;
  std::string last_ping;
  int close_code = 0;
  bool aborted = false;
  /// Stands in for a bug: the connection actor's heartbeat throws.
  bool ping_throws = false;
};

struct connection_fixture : actor_fixture {
  connection_fixture() {
    settings.rate_per_second = 10;
    settings.rate_burst = 5;
    settings.heartbeat_ms = 1000;
  }

  void start() {
    socket = std::make_shared<memory_transport>();
    connection = spawn_connection(socket);
  }

  /// A connection on `transport`, run until its connected frame is out.
  actors::connection_actor spawn_connection(std::shared_ptr<memory_transport> transport) {
    auto result = sys.spawn(actors::connection, std::move(transport), server(), current_settings(),
                            metrics, std::string{});
    connections.emplace_back(result);
    run();
    return result;
  }

  void client_sends(std::string text) { client_sends(connection, std::move(text), 0); }

  /// `text` as net/ would hand it to `receiver` after reading it at
  /// `read_at_ns`.
  void client_sends(const actors::connection_actor& receiver, std::string text,
                    std::int64_t read_at_ns) {
    self->send(receiver, actors::frame_atom_v, std::move(text), read_at_ns);
    run();
  }

  boost::json::object take_frame() {
    CAF_REQUIRE(!socket->frames.empty());
    auto frame = socket->frames.front();
    socket->frames.erase(socket->frames.begin());
    return frame;
  }

  std::shared_ptr<memory_transport> socket;
  actors::connection_actor connection;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(connection_tests, connection_fixture)

CAF_TEST(a new connection hears connected with its peer id and heartbeat) {
  start();
  auto connected = take_frame();
  CAF_CHECK_EQUAL(type_of(connected), "connected");
  const auto& payload = connected.at("payload").as_object();
  CAF_CHECK_EQUAL(payload.at("peerId").as_string().size(), 32u);
  CAF_CHECK_EQUAL(payload.at("resumeToken").as_string().size(), 32u);
  CAF_CHECK_NOT_EQUAL(payload.at("peerId"), payload.at("resumeToken"));
  CAF_CHECK_EQUAL(payload.at("heartbeatIntervalMs").as_int64(), 1000);
  CAF_CHECK_EQUAL(payload.at("protocolVersion").as_int64(), 1);
  CAF_CHECK_EQUAL(payload.at("authRequired").as_bool(), false);
  CAF_CHECK(payload.at("serverTime").is_int64());
}

CAF_TEST(ping answers pong with the correlationId) {
  start();
  take_frame();
  client_sends(R"({"type":"ping","correlationId":"p1"})");
  auto pong = take_frame();
  CAF_CHECK_EQUAL(type_of(pong), "pong");
  CAF_CHECK_EQUAL(pong.at("correlationId").as_string(), "p1");
  CAF_CHECK(pong.at("payload").at("serverTime").is_int64());
}

CAF_TEST(invalid frames answer errors and the connection stays usable) {
  start();
  take_frame();
  client_sends("not json");
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "INVALID_MESSAGE");
  self->send(connection, actors::binary_atom_v);
  run();
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "INVALID_MESSAGE");
  client_sends(R"({"type":"room:join","payload":{"roomId":"bad id!"},"correlationId":"j"})");
  auto error = take_frame();
  CAF_CHECK_EQUAL(error_code_of(error), "INVALID_MESSAGE");
  CAF_CHECK_EQUAL(error.at("payload").at("details").at("path").as_string(), "payload.roomId");
  CAF_CHECK_EQUAL(error.at("payload").at("requestType").as_string(), "room:join");
  CAF_CHECK_EQUAL(error.at("correlationId").as_string(), "j");
  client_sends(R"({"type":"ping"})");
  CAF_CHECK_EQUAL(type_of(take_frame()), "pong");
  CAF_CHECK_EQUAL(socket->close_code, 0);
}

CAF_TEST(features this server lacks answer UNAVAILABLE or SESSION_NOT_FOUND) {
  start();
  take_frame();
  client_sends(R"({"type":"auth:request","payload":{"token":"x"}})");
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "UNAVAILABLE");
  client_sends(R"({"type":"auth:refresh","payload":{"token":"x"}})");
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "UNAVAILABLE");
  advance_time(1s); // the burst of 5 refills
  client_sends(R"({"type":"turn:credentials"})");
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "UNAVAILABLE");
  client_sends(R"({"type":"session:resume","payload":{"resumeToken":"t"}})");
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "SESSION_NOT_FOUND");
  CAF_MESSAGE("after a join, session:resume is INVALID_MESSAGE");
  client_sends(R"({"type":"room:join","payload":{"roomId":"r"}})");
  CAF_CHECK_EQUAL(type_of(take_frame()), "room:joined");
  client_sends(R"({"type":"session:resume","payload":{"resumeToken":"t"}})");
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "INVALID_MESSAGE");
}

CAF_TEST(a frame over the limit answers MESSAGE_TOO_LARGE then closes 1009) {
  settings.max_message_bytes = 1024;
  start();
  take_frame();
  client_sends(R"({"type":"ping","pad":")" + std::string(1100, 'x') + R"("})");
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "MESSAGE_TOO_LARGE");
  CAF_CHECK_EQUAL(socket->close_code, 1009);
  CAF_MESSAGE("the transport's own size check takes the same path");
  start();
  take_frame();
  self->send(connection, actors::oversized_atom_v);
  run();
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "MESSAGE_TOO_LARGE");
  CAF_CHECK_EQUAL(socket->close_code, 1009);
}

CAF_TEST(messages past the burst are dropped with RATE_LIMITED until tokens refill) {
  start();
  take_frame();
  for (int i = 0; i < 5; ++i)
    client_sends(R"({"type":"ping"})");
  for (int i = 0; i < 5; ++i)
    CAF_CHECK_EQUAL(type_of(take_frame()), "pong");
  client_sends(R"({"type":"ping","correlationId":"over"})");
  auto limited = take_frame();
  CAF_CHECK_EQUAL(error_code_of(limited), "RATE_LIMITED");
  CAF_CHECK_EQUAL(limited.at("correlationId").as_string(), "over");
  CAF_CHECK_EQUAL(limited.at("payload").at("requestType").as_string(), "ping");
  CAF_MESSAGE("at 10 messages/s, 200 ms bring two tokens back");
  advance_time(200ms);
  client_sends(R"({"type":"ping"})");
  client_sends(R"({"type":"ping"})");
  client_sends(R"({"type":"ping"})");
  CAF_CHECK_EQUAL(type_of(take_frame()), "pong");
  CAF_CHECK_EQUAL(type_of(take_frame()), "pong");
  CAF_CHECK_EQUAL(error_code_of(take_frame()), "RATE_LIMITED");
  CAF_CHECK_EQUAL(socket->close_code, 0);
}

CAF_TEST(more than 400 drops within 10 s close the connection with 1008) {
  start();
  take_frame();
  for (int i = 0; i < 5 + 400; ++i)
    self->send(connection, actors::frame_atom_v, std::string{R"({"type":"ping"})"},
               std::int64_t{0});
  run();
  CAF_CHECK_EQUAL(socket->close_code, 0);
  client_sends(R"({"type":"ping"})");
  CAF_CHECK_EQUAL(socket->close_code, 1008);
}

CAF_TEST(drops spread over more than 10 s do not count as flooding) {
  start();
  take_frame();
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 300; ++i)
      self->send(connection, actors::frame_atom_v, std::string{R"({"type":"ping"})"},
                 std::int64_t{0});
    run();
    advance_time(11s);
    self->send(connection, actors::pong_atom_v, std::string{});
    run();
  }
  CAF_CHECK_EQUAL(socket->close_code, 0);
  CAF_CHECK(!socket->aborted);
}

CAF_TEST(the heartbeat pings and drops a peer silent for a whole interval) {
  start();
  take_frame();
  CAF_MESSAGE("the first interval ends with a ping");
  advance_time(1000ms);
  run();
  CAF_CHECK_EQUAL(socket->pings, 1);
  CAF_MESSAGE("a pong keeps the connection");
  self->send(connection, actors::pong_atom_v, std::string{});
  run();
  advance_time(1000ms);
  run();
  CAF_CHECK_EQUAL(socket->pings, 2);
  CAF_CHECK(!socket->aborted);
  CAF_MESSAGE("any frame counts as liveness too");
  client_sends(R"({"type":"ping"})");
  advance_time(1000ms);
  run();
  CAF_CHECK_EQUAL(socket->pings, 3);
  CAF_CHECK(!socket->aborted);
  CAF_MESSAGE("a whole silent interval after a ping drops the peer");
  advance_time(1000ms);
  run();
  CAF_CHECK(socket->aborted);
}

CAF_TEST(a connection dropped by the heartbeat was lost and its peer gets the grace) {
  settings.resume_grace_ms = 5000;
  start();
  take_frame();
  client_sends(R"({"type":"room:join","payload":{"roomId":"r"}})");
  take_frame();
  auto other = make_peer("other");
  join(other, "r");
  CAF_CHECK_EQUAL(type_of(actor_fixture::take_frame(other)), "room:joined");
  advance(1000ms);
  advance(1000ms);
  CAF_REQUIRE(socket->aborted);
  auto reconnecting = actor_fixture::take_frame(other);
  CAF_CHECK_EQUAL(type_of(reconnecting), "peer:reconnecting");
  CAF_CHECK_EQUAL(reconnecting.at("payload").at("roomId").as_string(), "r");
  CAF_MESSAGE("nobody resumes it: the grace ends it as a timeout");
  advance(5000ms);
  auto left = actor_fixture::take_frame(other);
  CAF_CHECK_EQUAL(type_of(left), "peer:left");
  CAF_CHECK_EQUAL(left.at("payload").at("reason").as_string(), "timeout");
  CAF_CHECK_EQUAL(room_count(), 1u);
}

CAF_TEST(a ping names the frames delivered and its pong confirms them to the session) {
  start();
  take_frame();
  for (int i = 0; i < 2; ++i)
    self->send(connection, actors::deliver_atom_v, actors::text_frame::make(R"({"type":"x"})"));
  run();
  advance_time(1000ms);
  run();
  CAF_CHECK_EQUAL(socket->last_ping, "1:2");
  auto session =
    deref<caf::stateful_actor<actors::connection_state, actors::connection_actor::base>>(connection)
      .state.session;
  self->send(connection, actors::pong_atom_v, std::string{"1:2"});
  expect((actors::pong_atom, std::string), to(connection));
  expect((actors::confirmed_atom, std::uint64_t), from(connection).to(session).with(_, 2u));
  CAF_MESSAGE("a pong of another payload is liveness only");
  self->send(connection, actors::pong_atom_v, std::string{"0:2"});
  expect((actors::pong_atom, std::string), to(connection));
  disallow((actors::confirmed_atom, std::uint64_t), from(connection).to(session));
}

CAF_TEST(a relayed frame reaches the recipient transport with the time its frame was read) {
  start();
  auto other_socket = std::make_shared<memory_transport>();
  auto other = spawn_connection(other_socket);
  client_sends(R"({"type":"room:join","payload":{"roomId":"r"}})");
  client_sends(other, R"({"type":"room:join","payload":{"roomId":"r"}})", 0);
  // An arbitrary stamp: the transport, not the actors, reads the clock.
  constexpr std::int64_t read_at_ns = 123'456'789;
  client_sends(other, R"({"type":"room:message","payload":{"roomId":"r","data":1}})", read_at_ns);
  CAF_MESSAGE("the sender's own frames carry no stamp (connected, room:joined)");
  CAF_CHECK_EQUAL(other_socket->read_times, (std::vector<std::int64_t>{0, 0}));
  CAF_REQUIRE_EQUAL(socket->frames.size(), 4u);
  CAF_CHECK_EQUAL(type_of(socket->frames.back()), "room:message");
  CAF_CHECK_EQUAL(socket->read_times, (std::vector<std::int64_t>{0, 0, 0, read_at_ns}));
}

CAF_TEST(the connection counts messages by type and its own errors by code) {
  start();
  client_sends(R"({"type":"ping"})");
  client_sends(R"({"type":"ping"})");
  client_sends(R"({"type":"room:join","payload":{"roomId":"r"}})");
  client_sends("not json");
  client_sends(R"({"type":"no:such"})");
  using schema::client_type;
  using schema::server_type;
  auto received = [this](client_type type) {
    return metrics->messages_received_total[static_cast<std::size_t>(type)].load();
  };
  auto sent = [this](server_type type) {
    return metrics->messages_sent_total[static_cast<std::size_t>(type)].load();
  };
  CAF_CHECK_EQUAL(received(client_type::ping), 2u);
  CAF_CHECK_EQUAL(received(client_type::room_join), 1u);
  CAF_CHECK_EQUAL(received(client_type::room_leave), 0u);
  CAF_CHECK_EQUAL(sent(server_type::connected), 1u);
  CAF_CHECK_EQUAL(sent(server_type::pong), 2u);
  CAF_CHECK_EQUAL(sent(server_type::room_joined), 1u);
  CAF_CHECK_EQUAL(sent(server_type::error), 2u);
  CAF_CHECK_EQUAL(metrics->errors(schema::error_code::invalid_message), 1u);
  CAF_CHECK_EQUAL(metrics->errors(schema::error_code::unknown_type), 1u);
  CAF_CHECK_EQUAL(metrics->connections_open.load(), 1);
  CAF_CHECK_EQUAL(metrics->connections_accepted_total.load(), 1u);
}

CAF_TEST(shutdown sends server : shutdown then closes 1001) {
  start();
  take_frame();
  self->send(connection, actors::shutdown_atom_v);
  run();
  auto shutdown = take_frame();
  CAF_CHECK_EQUAL(type_of(shutdown), "server:shutdown");
  CAF_CHECK(shutdown.at("payload").at("reconnectAfterMs").is_int64());
  CAF_CHECK_EQUAL(socket->close_code, 1001);
}

CAF_TEST(a connection actor that dies of an exception closes its socket 1011) {
  start();
  take_frame();
  socket->ping_throws = true;
  advance(1000ms);
  CAF_CHECK_EQUAL(socket->close_code, 1011);
  CAF_CHECK_EQUAL(metrics->connections_open.load(), 0);
}

CAF_TEST(a connection actor told to exit closes its socket and says going away on shutdown) {
  start();
  auto first = socket;
  start();
  caf::anon_send_exit(connection, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(connections.front(), caf::exit_reason::kill);
  run();
  CAF_CHECK_EQUAL(socket->close_code, 1001);
  CAF_CHECK_EQUAL(first->close_code, 1011);
}

CAF_TEST_FIXTURE_SCOPE_END()
