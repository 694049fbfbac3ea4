// What a connection actor needs from its socket. net/ implements it over a
// Beast WebSocket; unit tests implement it in memory. Every call is
// thread-safe and returns at once.
#pragma once

#include "schema/limits.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace signaling::actors {

class transport {
public:
  virtual ~transport() = default;

  /// Queues a text frame; `read_at_ns`, when not 0, is when the relay it
  /// carries was read (the transport observes the relay latency). Past the
  /// outgoing byte limit the transport closes with close_code::overloaded by
  /// itself and reports closed.
  virtual void send(std::shared_ptr<const std::string> frame, std::int64_t read_at_ns) = 0;

  /// Sends a WebSocket ping frame with `payload` (at most 125 bytes), which
  /// the client's pong echoes.
  virtual void ping(std::string payload) = 0;

  /// Writes the queued frames, then a close frame with `code`, then shuts
  /// the socket down.
  virtual void close(schema::close_code code) = 0;

  /// Drops the socket without a close handshake (the peer is gone).
  virtual void abort() = 0;

  /// The client's address and port, for the inspector.
  [[nodiscard]] virtual const std::string& remote_address() const = 0;
};

using transport_ptr = std::shared_ptr<transport>;

} // namespace signaling::actors
