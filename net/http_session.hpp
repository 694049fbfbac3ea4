// One HTTP connection: /healthz, /metrics, static files, and the upgrade of
// GET /ws to a WebSocket (after the Origin check).
#pragma once

#include "net/server_context.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>

namespace signaling::net {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<server_context> context);

  void run();

private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  /// Answers a refused upgrade with `status` and closes.
  void refuse(const boost::beast::http::request<boost::beast::http::string_body>& request,
              boost::beast::http::status status, std::string body);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<server_context> context_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
};

/// Whether a WebSocket upgrade from `origin` is allowed (no Origin header,
/// as from non-browser clients, always is).
[[nodiscard]] bool origin_allowed(const server_context& context, std::string_view origin);

} // namespace signaling::net
