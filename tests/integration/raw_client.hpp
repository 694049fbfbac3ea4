// A WebSocket client written by hand over a plain socket, for what a
// well-behaved client cannot do: stop halfway through a handshake or a frame,
// stall without reading, reset the connection. Every call is bounded in time.
#pragma once

#include "server_process.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace signaling::test {

struct raw_options {
  /// The local address to connect from (127.0.0.0/8 spreads many sockets
  /// over source addresses); empty: the kernel picks.
  std::string source;
  /// SO_RCVBUF before connecting (0: kernel default); small makes a client
  /// that does not read back up its server quickly.
  int receive_buffer = 0;
  /// How long one send or receive may block.
  ms io_timeout = 5s;
};

class raw_client {
public:
  explicit raw_client(std::uint16_t port, raw_options options = {});

  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  /// Closes the socket (with FIN) if still open.
  ~raw_client();

  /// Whether the TCP connection is up.
  [[nodiscard]] bool connected() const noexcept { return fd_ >= 0; }

  /// The upgrade request for `target` as a client sends it.
  static std::string upgrade_request(std::string_view target = "/ws");

  /// A masked client frame (RFC 6455) with `opcode` (1 text, 8 close).
  static std::string frame(std::string_view payload, std::uint8_t opcode = 1);

  /// A close frame with `code`.
  static std::string close_frame(std::uint16_t code = 1000);

  /// Sends all of `bytes`; false on error or timeout.
  bool send(std::string_view bytes);

  /// Sends the upgrade and reads the response head; true on 101.
  bool upgrade();

  /// Reads until `needle` appears in what arrived (which is kept, so a
  /// later call also finds what came before); false on timeout or EOF.
  bool read_until(std::string_view needle, ms timeout = 5s);

  /// Reads until the server ends the connection (EOF or reset), keeping
  /// what arrives; false if it is still open after `timeout`.
  bool read_until_closed(ms timeout = 5s);

  /// How often `needle` occurs in everything received so far.
  [[nodiscard]] std::size_t count(std::string_view needle) const;

  /// Everything received so far.
  [[nodiscard]] const std::string& received() const noexcept { return received_; }

  /// Drops the connection with a TCP reset (SO_LINGER 0), no close frame.
  void reset();

  /// Closes the socket normally (FIN), no close frame.
  void close();

private:
  enum class receive_result { data, closed, timeout };

  /// Waits until `deadline` for bytes and reads what came into chunk_.
  receive_result receive_some(std::chrono::steady_clock::time_point deadline);

  std::array<char, 16384> chunk_{};
  std::size_t chunk_size_ = 0;
  int fd_ = -1;
  std::string received_;
  ms io_timeout_;
};

/// A JSON frame of the protocol: {"type":type,"payload":payload}.
std::string protocol_frame(std::string_view type, std::string_view payload_json,
                           std::string_view correlation = {});

} // namespace signaling::test
