// Suite `hostile`: clients that attack the HTTP layer rather than the
// protocol: requests that dribble in, oversized headers and bodies, and one
// address opening more connections than it may hold.
#define CAF_SUITE hostile
#include "caf/test/unit_test.hpp"

#include "raw_client.hpp"
#include "test_client.hpp"

#include <memory>
#include <vector>

using namespace signaling::test;

namespace {

using clock_type = std::chrono::steady_clock;

// Short, so that a client cut off by it is cut off quickly; long enough for
// a well-behaved request on a loaded machine.
constexpr ms handshake_timeout{500};
const std::string handshake_flag =
  "--handshake-timeout-ms=" + std::to_string(handshake_timeout.count());

// What the server's timer may lag behind its deadline on a loaded machine.
constexpr ms timer_margin{3000};

ms since(clock_type::time_point start) {
  return std::chrono::duration_cast<ms>(clock_type::now() - start);
}

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

/// An upgrade request for /ws with an extra header of `padding` bytes.
std::string padded_upgrade(std::size_t padding) {
  auto request = raw_client::upgrade_request();
  request.insert(request.size() - 2, "X-Padding: " + std::string(padding, 'p') + "\r\n");
  return request;
}

/// A raw client that upgraded and read `connected`, or null.
std::unique_ptr<raw_client> upgraded(std::uint16_t port, raw_options options = {}) {
  auto client = std::make_unique<raw_client>(port, options);
  if (client->upgrade() && client->read_until("\"connected\""))
    return client;
  return nullptr;
}

/// The server gives a slot back a moment after the client sees its
/// connection end: tries to upgrade until one is accepted or `timeout`
/// passes, counting the refusals (503) met on the way.
std::unique_ptr<raw_client> upgraded_when_free(std::uint16_t port, int& refusals, ms timeout = 5s) {
  auto deadline = clock_type::now() + timeout;
  while (clock_type::now() < deadline) {
    auto client = std::make_unique<raw_client>(port);
    if (client->upgrade() && client->read_until("\"connected\""))
      return client;
    if (starts_with(client->received(), "HTTP/1.1 503"))
      ++refusals;
    std::this_thread::sleep_for(20ms);
  }
  return nullptr;
}

/// One plain HTTP request over a raw client from `source` (an address of
/// 127.0.0.0/8), read to the end: the whole response, or "" on failure.
std::string http_from(std::uint16_t port, const std::string& source, const std::string& target) {
  raw_options options;
  options.source = source;
  raw_client client{port, options};
  if (!client.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
      || !client.read_until_closed())
    return {};
  return client.received();
}

/// The value of `metric` in a /metrics response, or -1.
double metric_in(const std::string& response, const std::string& metric) {
  auto at = response.find("\n" + metric + " ");
  if (at == std::string::npos)
    return -1;
  return std::stod(response.substr(at + metric.size() + 2));
}

/// A ping frame is answered by pong: the connection is served.
bool answers_ping(raw_client& client) {
  return client.send(raw_client::frame(protocol_frame("ping", "{}"))) && client.read_until("pong");
}

} // namespace

// -- slow clients --------------------------------------------------------------

CAF_TEST(an upgrade that dribbles in is cut off after the handshake timeout) {
  server_process server{{handshake_flag}};
  CAF_REQUIRE(server.ok());
  ws_client bystander{server.port()};
  CAF_REQUIRE(bystander.ok());
  auto request = raw_client::upgrade_request();
  raw_client slow{server.port()};
  auto start = clock_type::now();
  bool cut_off = false;
  std::size_t sent = 0;
  // One byte every 200 ms: the whole request would take half a minute,
  // though every single read completes quickly.
  while (!cut_off && sent < request.size()) {
    if (!slow.send(std::string_view{request}.substr(sent++, 1)))
      cut_off = true;
    else
      cut_off = slow.read_until_closed(200ms);
  }
  auto elapsed = since(start);
  CAF_MESSAGE("cut off after " << elapsed.count() << " ms and " << sent << " bytes");
  CAF_CHECK(cut_off);
  // The server's clock starts at its accept, after our connect returned,
  // and no timer fires early.
  CAF_CHECK_GREATER_OR_EQUAL(elapsed.count(), handshake_timeout.count());
  CAF_CHECK_LESS(elapsed.count(), (handshake_timeout + timer_margin).count());
  CAF_CHECK_EQUAL(slow.received(), "");
  // The bystander, upgraded before and open far longer than the handshake
  // timeout, is still served: the deadline ends with the upgrade.
  bystander.send("ping", {}, "still-here");
  CAF_CHECK_EQUAL(text_of(bystander.expect("pong"), "correlationId"), "still-here");
  CAF_CHECK(server_serves(server.port()));
}

CAF_TEST(an idle keep alive connection is closed after the handshake timeout) {
  server_process server{{handshake_flag}};
  CAF_REQUIRE(server.ok());
  raw_client client{server.port()};
  CAF_REQUIRE(client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  CAF_REQUIRE(client.read_until("\r\n\r\nok"));
  auto start = clock_type::now();
  CAF_CHECK(client.read_until_closed(handshake_timeout + timer_margin));
  // Idle time counts from the end of the answer, which we read before
  // starting the clock.
  CAF_MESSAGE("closed after " << since(start).count() << " ms idle");
  CAF_CHECK_LESS(since(start).count(), (handshake_timeout + timer_margin).count());
  CAF_CHECK(server_serves(server.port()));
}

// -- oversized requests --------------------------------------------------------

CAF_TEST(a request header of 64 KiB is refused with 431) {
  server_process server;
  CAF_REQUIRE(server.ok());
  raw_client client{server.port()};
  CAF_REQUIRE(client.send(padded_upgrade(64 * 1024)));
  CAF_CHECK(client.read_until_closed());
  CAF_CHECK(starts_with(client.received(), "HTTP/1.1 431 "));
  CAF_CHECK(server_serves(server.port()));
}

CAF_TEST(an upgrade carrying a token of 8 KiB is not too large) {
  // PROTOCOL.md lets the upgrade carry the token in a header; schema's
  // longest token is 8 KiB, which the header limit must leave room for.
  server_process server;
  CAF_REQUIRE(server.ok());
  auto request = raw_client::upgrade_request();
  request.insert(request.size() - 2,
                 "Authorization: Bearer " + std::string(8 * 1024, 't') + "\r\n");
  raw_client client{server.port()};
  CAF_REQUIRE(client.send(request));
  CAF_CHECK(client.read_until("\"connected\""));
  CAF_CHECK(starts_with(client.received(), "HTTP/1.1 101 "));
}

CAF_TEST(a request body over the limit is refused with 413) {
  server_process server;
  CAF_REQUIRE(server.ok());
  raw_client client{server.port()};
  std::string body(100'000, 'b');
  CAF_REQUIRE(client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                          + std::to_string(body.size()) + "\r\n\r\n"));
  // The refusal does not wait for the body, nor lose it to a reset while
  // the rest of the body is still coming.
  client.send(body);
  CAF_CHECK(client.read_until_closed());
  CAF_CHECK(starts_with(client.received(), "HTTP/1.1 413 "));
  CAF_CHECK(server_serves(server.port()));
}

// -- connections per address ---------------------------------------------------

CAF_TEST(connections past the limit of one address are refused at accept) {
  server_process server{{"--max-connections-per-ip=5"}};
  CAF_REQUIRE(server.ok());
  std::vector<std::unique_ptr<raw_client>> held;
  for (int i = 0; i < 5; ++i) {
    held.emplace_back(upgraded(server.port()));
    CAF_REQUIRE(held.back() != nullptr);
  }
  CAF_MESSAGE("the sixth connection is refused at once, and sent nothing");
  raw_client sixth{server.port()};
  CAF_CHECK(sixth.read_until_closed());
  CAF_CHECK(starts_with(sixth.received(), "HTTP/1.1 503 "));
  int refusals = 1;
  CAF_MESSAGE("the five stay usable");
  for (auto& client : held)
    CAF_CHECK(answers_ping(*client));
  CAF_MESSAGE("another address is not affected");
  auto metrics = http_from(server.port(), "127.0.0.2", "/metrics");
  CAF_CHECK(starts_with(metrics, "HTTP/1.1 200 "));
  CAF_MESSAGE("after one of the five closes, a new connection is accepted");
  held.front()->send(raw_client::close_frame());
  CAF_CHECK(held.front()->read_until_closed());
  held.erase(held.begin());
  auto replacement = upgraded_when_free(server.port(), refusals);
  CAF_REQUIRE(replacement != nullptr);
  CAF_CHECK(answers_ping(*replacement));
  metrics = http_from(server.port(), "127.0.0.2", "/metrics");
  CAF_CHECK_EQUAL(metric_in(metrics, "signal_connections_refused_total"), refusals);
}

CAF_TEST(every way a connection ends gives its address slot back) {
  // Three slots; each way of ending below happens three times, so one that
  // kept its slot would use the quota up.
  server_process server{{"--max-connections-per-ip=3", handshake_flag}};
  CAF_REQUIRE(server.ok());
  auto port = server.port();
  auto request = raw_client::upgrade_request();
  for (int round = 0; round < 3; ++round) {
    CAF_MESSAGE("round " << round);
    {
      // Reset halfway through the request.
      raw_client client{port};
      client.send(std::string_view{request}.substr(0, 20));
      client.reset();
    }
    {
      // Cut off by the handshake timeout.
      raw_client client{port};
      client.send(std::string_view{request}.substr(0, 20));
      CAF_CHECK(client.read_until_closed(handshake_timeout + timer_margin));
      CAF_CHECK_EQUAL(client.received(), "");
    }
    {
      // An upgrade to a path with no WebSocket.
      raw_client client{port};
      client.send(raw_client::upgrade_request("/nowhere"));
      CAF_CHECK(client.read_until_closed());
      CAF_CHECK(starts_with(client.received(), "HTTP/1.1 404 "));
    }
    {
      // An upgrade the WebSocket handshake itself fails (no key), after the
      // socket went from the HTTP session to the WebSocket one.
      std::string keyless = request;
      auto key = keyless.find("Sec-WebSocket-Key");
      keyless.erase(key, keyless.find("\r\n", key) + 2 - key);
      raw_client client{port};
      client.send(keyless);
      CAF_CHECK(client.read_until_closed());
      CAF_CHECK(starts_with(client.received(), "HTTP/1.1 400 "));
    }
    {
      // Refused as too large.
      raw_client client{port};
      client.send(padded_upgrade(20 * 1024));
      CAF_CHECK(client.read_until_closed());
      CAF_CHECK(starts_with(client.received(), "HTTP/1.1 431 "));
    }
    {
      // A WebSocket that closes properly, and one that is reset.
      auto closing = upgraded(port);
      CAF_REQUIRE(closing != nullptr);
      closing->send(raw_client::close_frame());
      CAF_CHECK(closing->read_until_closed());
      auto dropped = upgraded(port);
      CAF_REQUIRE(dropped != nullptr);
      dropped->reset();
    }
    {
      // A plain request that asks to close.
      raw_client client{port};
      client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      CAF_CHECK(client.read_until_closed());
      CAF_CHECK(starts_with(client.received(), "HTTP/1.1 200 "));
    }
  }
  CAF_MESSAGE("all three slots are free again, and no more than three");
  int refusals = 0;
  std::vector<std::unique_ptr<raw_client>> held;
  for (int i = 0; i < 3; ++i) {
    held.emplace_back(upgraded_when_free(port, refusals));
    CAF_REQUIRE(held.back() != nullptr);
  }
  raw_client fourth{port};
  CAF_CHECK(fourth.read_until_closed());
  CAF_CHECK(starts_with(fourth.received(), "HTTP/1.1 503 "));
}
