// Suite `connection_limits`: the per-address connection count behind
// --max-connections-per-ip, alone and under several threads.
#define CAF_SUITE connection_limits
#include "caf/test/unit_test.hpp"

#include "net/connection_limits.hpp"

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

using signaling::net::address_quota;
using signaling::net::address_slot;
namespace ip = boost::asio::ip;

namespace {

const ip::address first = ip::make_address("192.0.2.1");
const ip::address second = ip::make_address("192.0.2.2");

} // namespace

CAF_TEST(an address gets slots up to its limit and no more) {
  address_quota quota;
  std::vector<address_slot> slots;
  for (int i = 0; i < 3; ++i) {
    auto slot = quota.try_acquire(first, 3);
    CAF_REQUIRE(slot.has_value());
    slots.emplace_back(std::move(*slot));
  }
  CAF_CHECK_EQUAL(quota.count(first), 3u);
  CAF_CHECK(!quota.try_acquire(first, 3).has_value());
  CAF_MESSAGE("another address has its own count");
  CAF_CHECK(quota.try_acquire(second, 3).has_value());
  CAF_MESSAGE("a slot given back makes room for one more");
  slots.pop_back();
  CAF_CHECK_EQUAL(quota.count(first), 2u);
  CAF_CHECK(quota.try_acquire(first, 3).has_value());
}

CAF_TEST(a moved slot is given back once) {
  address_quota quota;
  std::optional<address_slot> moved_to;
  {
    auto slot = quota.try_acquire(first, 1);
    CAF_REQUIRE(slot.has_value());
    moved_to.emplace(std::move(*slot));
    CAF_CHECK(!slot->held());
  }
  CAF_CHECK(moved_to->held());
  CAF_CHECK_EQUAL(quota.count(first), 1u);
  address_slot assigned;
  assigned = std::move(*moved_to);
  moved_to.reset();
  CAF_CHECK_EQUAL(quota.count(first), 1u);
  assigned = address_slot{};
  CAF_CHECK_EQUAL(quota.count(first), 0u);
  CAF_CHECK_EQUAL(quota.addresses(), 0u);
}

CAF_TEST(an ipv4 client seen through an ipv6 socket shares its count) {
  address_quota quota;
  auto v4 = quota.try_acquire(first, 1);
  CAF_REQUIRE(v4.has_value());
  CAF_CHECK(!quota.try_acquire(ip::make_address("::ffff:192.0.2.1"), 1).has_value());
  CAF_CHECK_EQUAL(quota.count(ip::make_address("::ffff:192.0.2.1")), 1u);
}

CAF_TEST(threads acquiring and releasing at once leave nothing behind) {
  address_quota quota;
  constexpr int thread_count = 4;
  constexpr int rounds = 20'000;
  constexpr std::uint32_t limit = 3;
  std::vector<std::thread> threads;
  std::atomic<bool> over_limit{false};
  for (int t = 0; t < thread_count; ++t)
    threads.emplace_back([&, t] {
      auto address = t % 2 == 0 ? first : second;
      for (int i = 0; i < rounds; ++i) {
        auto slot = quota.try_acquire(address, limit);
        if (quota.count(address) > limit)
          over_limit = true;
      }
    });
  for (auto& thread : threads)
    thread.join();
  CAF_CHECK(!over_limit);
  CAF_CHECK_EQUAL(quota.addresses(), 0u);
}
