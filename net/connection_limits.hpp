// What a client may hold of the server before it speaks the protocol: the
// time to finish its HTTP request or WebSocket upgrade, and how many sockets
// one remote address may keep open at once (refused at accept beyond that).
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace signaling::net {

/// Filled from --handshake-timeout-ms and --max-connections-per-ip. These
/// bound HTTP, below the signaling protocol, and PROTOCOL.md is silent on
/// them: their defaults live here, not in schema/limits.hpp.
struct connection_limits {
  /// From accept until a request is read whole or the WebSocket upgrade
  /// completes; also the idle time allowed between keep-alive requests and
  /// the time a WebSocket closing handshake may take.
  std::uint32_t handshake_timeout_ms = 5'000;
  /// Concurrent TCP connections from one remote address. High, because
  /// many users may share one address behind a NAT; behind a reverse proxy
  /// every connection comes from the proxy's.
  std::uint32_t max_connections_per_ip = 1'000;
};

class address_quota;

/// One connection's claim on its address's share. The session that owns the
/// socket holds it, so however the socket ends (an upgrade that fails
/// included) the claim is given back when that session is destroyed.
class address_slot {
public:
  address_slot() = default;
  address_slot(address_slot&& other) noexcept;
  address_slot& operator=(address_slot&& other) noexcept;
  address_slot(const address_slot&) = delete;
  address_slot& operator=(const address_slot&) = delete;
  ~address_slot();

  /// Whether this slot holds a claim (a moved-from one does not).
  [[nodiscard]] bool held() const noexcept { return quota_ != nullptr; }

private:
  friend class address_quota;

  address_slot(address_quota* quota, const boost::asio::ip::address& address)
    : quota_(quota), address_(address) {
    // nop
  }

  void release() noexcept;

  /// Outlives the slot: it lives in the server_context that every session
  /// holding a slot keeps alive.
  address_quota* quota_ = nullptr;
  boost::asio::ip::address address_;
};

/// Open connections per remote address; thread-safe, since sockets end on
/// every io thread. An address with no open connection has no entry.
class address_quota {
public:
  /// A slot for `address` if it holds fewer than `limit` connections now.
  [[nodiscard]] std::optional<address_slot> try_acquire(boost::asio::ip::address address,
                                                        std::uint32_t limit);

  /// Open connections of `address`.
  [[nodiscard]] std::uint32_t count(boost::asio::ip::address address) const;

  /// Addresses with at least one open connection.
  [[nodiscard]] std::size_t addresses() const;

private:
  friend class address_slot;

  void release(const boost::asio::ip::address& address) noexcept;

  mutable std::mutex mutex_;
  std::unordered_map<boost::asio::ip::address, std::uint32_t> counts_;
};

} // namespace signaling::net
