// One HTTP connection: /healthz, /metrics, static files, and the upgrade of
// GET /ws to a WebSocket (after the Origin check).
#pragma once

#include "net/server_context.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace signaling::net {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  /// `slot` is the connection's claim on its address's quota: held for the
  /// socket's life, and handed on to the WebSocket on upgrade.
  http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<server_context> context,
               address_slot slot);

  void run();

private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  /// Answers a refused upgrade with `status` and closes.
  void refuse(const boost::beast::http::request<boost::beast::http::string_body>& request,
              boost::beast::http::status status, std::string body);
  /// Answers a request that could not be read whole (too large) with
  /// `status`, then closes once the client stops sending.
  void reject(boost::beast::http::status status, std::string body);
  void discard_until_eof();
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  [[nodiscard]] std::chrono::milliseconds handshake_timeout() const;

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<server_context> context_;
  /// After context_, which keeps its quota alive.
  address_slot slot_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  /// When the request being read (or the upgrade it asks for) must be done.
  std::chrono::steady_clock::time_point deadline_;
};

/// Whether a WebSocket upgrade from `origin` is allowed (no Origin header,
/// as from non-browser clients, always is).
[[nodiscard]] bool origin_allowed(const server_context& context, std::string_view origin);

} // namespace signaling::net
