// A protocol WebSocket client for integration tests; every wait in it is bounded.
#pragma once

#include "server_process.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace signaling::test {

namespace json = boost::json;

/// Long enough for any reply on a loaded machine, short enough that a
/// missing reply fails fast instead of hanging the suite.
inline constexpr ms default_timeout = 5s;

/// How long "nothing arrives" is watched; replies on loopback take well
/// under a millisecond, so a late frame would still show up in this window.
inline constexpr ms silence_window = 250ms;

struct client_options {
  /// The Origin header of the upgrade request; empty: none.
  std::string origin;
  /// Read (and so answer pings) from the start. When false the client reads
  /// only `connected` and then nothing until start_reading(): a client that
  /// never answers pings and lets the server's queue fill.
  bool read = true;
  /// SO_RCVBUF set before connecting (0: kernel default); a small buffer
  /// makes a non-reading client back up its server quickly.
  int receive_buffer = 0;
  /// Expect the upgrade to succeed and `connected` to arrive first.
  bool expect_connected = true;
  /// The request target of the upgrade (a query may carry a token).
  std::string target = "/ws";
  /// A token sent as `Authorization: Bearer`; empty: none.
  std::string bearer;
};

/// One thing the reader observed, in arrival order.
struct client_event {
  enum class kind { text, binary, closed, timeout } what = kind::timeout;
  std::string data;
  /// For closed: the code of the server's close frame, or 1006 when the
  /// connection ended without one (EOF, reset).
  std::uint16_t close_code = 0;
  std::string error;
};

class ws_client {
public:
  explicit ws_client(std::uint16_t port, client_options options = {},
                     const char* file = __builtin_FILE(), int line = __builtin_LINE());

  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Closes with 1000 (bounded) if still open.
  ~ws_client();

  /// Whether the upgrade succeeded.
  [[nodiscard]] bool ok() const noexcept;

  /// The HTTP status of the upgrade response (101 on success, 0 if none).
  [[nodiscard]] int handshake_status() const noexcept;

  /// The `connected` envelope read by the constructor (empty if none).
  [[nodiscard]] const json::object& connected() const noexcept;

  /// connected.payload.peerId.
  [[nodiscard]] std::string peer_id() const;

  // -- sending -----------------------------------------------------------------

  bool send_text(std::string text, const char* file = __builtin_FILE(),
                 int line = __builtin_LINE());

  bool send_binary(std::string data, const char* file = __builtin_FILE(),
                   int line = __builtin_LINE());

  /// Sends {type, payload, correlationId?}; an empty correlation is left out.
  bool send(std::string_view type, json::object payload = {}, std::string_view correlation = {},
            const char* file = __builtin_FILE(), int line = __builtin_LINE());

  /// Sends a text frame without reporting failure: for floods that expect
  /// the server to close at some point. False once the write failed.
  bool try_send_text(std::string text);

  // -- receiving ---------------------------------------------------------------

  /// The next event, or kind::timeout. A close stays the next event forever.
  client_event next_event(ms timeout = default_timeout);

  /// The next text frame as an envelope; fails the test (and returns an
  /// empty object) on a timeout, a close, a binary frame or bad JSON.
  json::object next(ms timeout = default_timeout, const char* file = __builtin_FILE(),
                    int line = __builtin_LINE());

  /// The next frame, which must have `type`; its envelope.
  json::object expect(std::string_view type, ms timeout = default_timeout,
                      const char* file = __builtin_FILE(), int line = __builtin_LINE());

  /// The next frame, which must be an error with `code`; its envelope.
  json::object expect_error(std::string_view code, ms timeout = default_timeout,
                            const char* file = __builtin_FILE(), int line = __builtin_LINE());

  /// Passes if nothing arrives within `window`.
  bool expect_silence(ms window = silence_window, const char* file = __builtin_FILE(),
                      int line = __builtin_LINE());

  /// Skips text frames until the connection closes; the close code (1006:
  /// no close frame), or 0 and a failure on timeout. `skipped` counts the
  /// text frames passed over.
  std::uint16_t expect_close(ms timeout = default_timeout, std::size_t* skipped = nullptr,
                             const char* file = __builtin_FILE(), int line = __builtin_LINE());

  /// Starts (or resumes) reading for good.
  void start_reading();

  /// Stops reading after the frame being read, if any, and waits (at most
  /// `timeout`) until the reader has stopped: from then on nothing more is
  /// taken off the socket and no ping is answered, as on a half-dead
  /// connection, until start_reading(). Whether the reader stopped.
  bool pause_reading(ms timeout = 500ms);

  /// Whether the reader saw the connection end.
  [[nodiscard]] bool closed() const noexcept;

  // -- ending ------------------------------------------------------------------

  /// Sends a close frame with `code` and waits (bounded) for the handshake.
  void close(std::uint16_t code = 1000);

  /// Drops the TCP connection without a close frame.
  void drop();

  /// Drops the TCP connection with a reset (SO_LINGER 0), no close frame:
  /// what the kernel had received and the reader had not is discarded.
  void reset();

private:
  void end_connection(bool reset);

  bool send_frame(std::string data, bool binary, const char* file, int line);

  struct impl;
  std::unique_ptr<impl> impl_;
  json::object connected_;
};

// -- JSON helpers --------------------------------------------------------------

/// envelope.payload, or an empty object.
json::object payload_of(const json::object& envelope);

/// The string at `key`, or "" when absent or not a string.
std::string text_of(const json::object& object, std::string_view key);

/// The integer at `key`, or -1 when absent or not an integer.
std::int64_t integer_of(const json::object& object, std::string_view key);

/// The object at `key`, or an empty object.
json::object object_of(const json::object& object, std::string_view key);

/// The array at `key`, or an empty array.
json::array array_of(const json::object& object, std::string_view key);

/// A frame's JSON as a client parses it (null if it is not JSON).
json::value parse_server_frame(std::string_view text);

/// The object written as JSON text in `text` (test literals); empty if bad.
json::object object_from(std::string_view text);

/// Serialized `x`, for comparing JSON values with CAF_CHECK_EQUAL.
std::string dump(const json::value& x);

/// The peerIds of an array of peer objects, in order.
std::vector<std::string> peer_ids(const json::array& peers);

/// A room id no other test uses.
std::string unique_room(std::string_view prefix = "room");

/// Nothing reaches any of `clients` within one silence window (watched
/// once for all, so many quiet clients cost one window).
void all_quiet(std::initializer_list<ws_client*> clients, const char* file = __builtin_FILE(),
               int line = __builtin_LINE());

/// Joins `room_id` (extra payload fields merged in) and expects room:joined;
/// its payload.
json::object join(ws_client& client, const std::string& room_id, json::object extra = {},
                  const char* file = __builtin_FILE(), int line = __builtin_LINE());

/// a, b and c in one fresh room, every join event consumed; the room id.
std::string meet(ws_client& a, ws_client& b, ws_client& c, const char* file = __builtin_FILE(),
                 int line = __builtin_LINE());

/// /healthz answers "ok" and two fresh clients can meet in a fresh room and
/// exchange a message: the server still serves after whatever came before.
bool server_serves(std::uint16_t port, const char* file = __builtin_FILE(),
                   int line = __builtin_LINE());

/// Within `timeout` the server's own gauges come back to `connections` open
/// connections (with as many sockets and sessions) and `rooms` open rooms;
/// each gauge that does not is reported.
bool settles_at(std::uint16_t port, double connections, double rooms, ms timeout = 5s,
                const char* file = __builtin_FILE(), int line = __builtin_LINE());

} // namespace signaling::test
