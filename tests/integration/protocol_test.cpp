// Smoke.
#define CAF_SUITE protocol
#include "caf/test/unit_test.hpp"

#include "test_client.hpp"

using namespace signaling::test;

CAF_TEST(smoke) {
  server_process server;
  CAF_REQUIRE(server.ok());
  ws_client a{server.port()};
  CAF_CHECK(!a.peer_id().empty());
  auto p = join(a, "abc");
  CAF_CHECK_EQUAL(text_of(p, "roomId"), "abc");
  a.expect_silence();
  a.expect("nothing", 200ms);
}
