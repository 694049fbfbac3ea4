// The per-address connection count behind --max-connections-per-ip.
#include "net/connection_limits.hpp"

#include <utility>

namespace signaling::net {

namespace {

/// An IPv4 client of a socket bound to "::" arrives as ::ffff:a.b.c.d; it is
/// the same client as a.b.c.d and must share its count.
boost::asio::ip::address canonical(const boost::asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  return address;
}

} // namespace

// -- address_slot --------------------------------------------------------------

address_slot::address_slot(address_slot&& other) noexcept
  : quota_(other.quota_), address_(std::move(other.address_)) {
  other.quota_ = nullptr;
}

address_slot& address_slot::operator=(address_slot&& other) noexcept {
  if (this != &other) {
    release();
    quota_ = other.quota_;
    address_ = std::move(other.address_);
    other.quota_ = nullptr;
  }
  return *this;
}

address_slot::~address_slot() {
  release();
}

void address_slot::release() noexcept {
  if (quota_ == nullptr)
    return;
  quota_->release(address_);
  quota_ = nullptr;
}

// -- address_quota -------------------------------------------------------------

std::optional<address_slot> address_quota::try_acquire(boost::asio::ip::address address,
                                                       std::uint32_t limit) {
  address = canonical(address);
  std::lock_guard<std::mutex> guard{mutex_};
  auto& count = counts_[address];
  if (count >= limit) {
    if (count == 0)
      counts_.erase(address);
    return std::nullopt;
  }
  ++count;
  return address_slot{this, address};
}

std::uint32_t address_quota::count(boost::asio::ip::address address) const {
  address = canonical(address);
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = counts_.find(address);
  return i == counts_.end() ? 0 : i->second;
}

std::size_t address_quota::addresses() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return counts_.size();
}

void address_quota::release(const boost::asio::ip::address& address) noexcept {
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = counts_.find(address);
  if (i == counts_.end())
    return;
  if (--i->second == 0)
    counts_.erase(i);
}

} // namespace signaling::net
