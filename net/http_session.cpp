// HTTP routing on the server's one port. Requests are small and bounded:
// 16 KiB of header, 8 KiB of body, --handshake-timeout-ms to arrive whole.
#include "net/http_session.hpp"

#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "net/websocket_session.hpp"

#include <boost/beast/websocket.hpp>

#include <fstream>
#include <sstream>

namespace signaling::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// Room for the longest token PROTOCOL.md lets an upgrade carry (8 KiB, in
// `?token=` or `Authorization: Bearer`) beside a browser's usual headers;
// past it the answer is 431.
constexpr std::uint32_t max_header_bytes = 16 * std::uint32_t{1024};
// No path served here takes a body (only GET and HEAD are routed); one this
// large is an attack, answered 413. The server API's 64 KiB bodies
// (PROTOCOL.md) will need their own limit on /api/ once it exists.
constexpr std::uint64_t max_body_bytes = 8 * std::uint64_t{1024};
// Writing a response is not bounded by the handshake timeout, which is the
// client's time to send; a client this slow to take a small file is gone.
constexpr auto response_timeout = std::chrono::seconds{30};

using response = http::response<http::string_body>;

/// The answer to a request that could not be read whole (no request object
/// to take the version from); it ends the connection.
response make_final_response(http::status status, std::string body) {
  response result{status, 11};
  result.set(http::field::server, "signal-server");
  result.set(http::field::content_type, "text/plain");
  result.keep_alive(false);
  result.body() = std::move(body);
  result.prepare_payload();
  return result;
}

response make_response(const http::request<http::string_body>& request, http::status status,
                       std::string body, std::string_view content_type) {
  response result{status, request.version()};
  result.set(http::field::server, "signal-server");
  result.set(http::field::content_type, content_type);
  result.keep_alive(request.keep_alive());
  result.body() = std::move(body);
  result.prepare_payload();
  return result;
}

std::string_view content_type_of(std::string_view path) {
  auto dot = path.rfind('.');
  auto extension = dot == std::string_view::npos ? std::string_view{} : path.substr(dot);
  if (extension == ".html")
    return "text/html; charset=utf-8";
  if (extension == ".js" || extension == ".mjs")
    return "text/javascript; charset=utf-8";
  if (extension == ".css")
    return "text/css; charset=utf-8";
  if (extension == ".json")
    return "application/json";
  if (extension == ".svg")
    return "image/svg+xml";
  if (extension == ".png")
    return "image/png";
  if (extension == ".ico")
    return "image/x-icon";
  return "application/octet-stream";
}

/// A static file under the web root, or nothing (missing, or a path that
/// tries to leave the root).
std::optional<std::string> read_static_file(const std::string& root, std::string_view target,
                                            std::string& path) {
  if (root.empty() || target.empty() || target.front() != '/'
      || target.find("..") != std::string_view::npos || target.find('\\') != std::string_view::npos)
    return std::nullopt;
  path = root + std::string{target};
  if (path.back() == '/')
    path += "index.html";
  std::ifstream file{path, std::ios::binary};
  if (!file)
    return std::nullopt;
  std::ostringstream content;
  content << file.rdbuf();
  if (!file.good() && !file.eof())
    return std::nullopt;
  return content.str();
}

response route(const server_context& context, const http::request<http::string_body>& request) {
  auto target = std::string_view{request.target().data(), request.target().size()};
  target = target.substr(0, target.find('?'));
  if (request.method() != http::verb::get && request.method() != http::verb::head)
    return make_response(request, http::status::method_not_allowed, "method not allowed\n",
                         "text/plain");
  if (target == "/healthz")
    return make_response(request, http::status::ok, "ok", "text/plain");
  if (target == "/metrics")
    return make_response(request, http::status::ok, actors::render_prometheus(*context.metrics),
                         "text/plain; version=0.0.4");
  if (target == "/ws")
    return make_response(request, http::status::upgrade_required, "WebSocket upgrade required\n",
                         "text/plain");
  std::string path;
  if (auto content = read_static_file(context.web_root, target, path))
    return make_response(request, http::status::ok, std::move(*content), content_type_of(path));
  return make_response(request, http::status::not_found, "not found\n", "text/plain");
}

} // namespace

bool origin_allowed(const server_context& context, std::string_view origin) {
  if (origin.empty() || context.allowed_origins.empty())
    return true;
  for (const auto& allowed : context.allowed_origins)
    if (allowed == origin)
      return true;
  return false;
}

http_session::http_session(boost::asio::ip::tcp::socket&& socket,
                           std::shared_ptr<server_context> context, address_slot slot)
  : stream_(std::move(socket)), context_(std::move(context)), slot_(std::move(slot)) {
  // nop
}

void http_session::run() {
  do_read();
}

std::chrono::milliseconds http_session::handshake_timeout() const {
  return std::chrono::milliseconds{context_->limits.handshake_timeout_ms};
}

void http_session::do_read() {
  parser_.emplace();
  parser_->header_limit(max_header_bytes);
  parser_->body_limit(max_body_bytes);
  // The whole request, however it dribbles in, must arrive in time: the
  // first from the accept (run() follows it at once), a later one from the
  // end of the previous answer, which bounds a keep-alive connection's idle
  // time as well. An upgrade's handshake must complete by the same deadline.
  deadline_ = std::chrono::steady_clock::now() + handshake_timeout();
  stream_.expires_at(deadline_);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::header_limit) {
    reject(http::status::request_header_fields_too_large, "request header too large\n");
    return;
  }
  if (ec == http::error::body_limit) {
    reject(http::status::payload_too_large, "request body too large\n");
    return;
  }
  if (ec) {
    // EOF, timeout or a malformed request: nothing to answer, just close.
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  auto request = parser_->release();
  auto target = std::string_view{request.target().data(), request.target().size()};
  if (websocket::is_upgrade(request)) {
    if (target.substr(0, target.find('?')) != "/ws") {
      refuse(request, http::status::not_found, "no WebSocket endpoint here; connect to /ws\n");
      return;
    }
    auto origin = request[http::field::origin];
    if (!origin_allowed(*context_, std::string_view{origin.data(), origin.size()})) {
      actors::log(actors::log_level::info, "origin-refused",
                  {{"origin", std::string_view{origin.data(), origin.size()}}});
      refuse(request, http::status::forbidden, "origin not allowed\n");
      return;
    }
    stream_.expires_never();
    std::make_shared<websocket_session>(stream_.release_socket(), context_, std::move(slot_))
      ->run(std::move(request), deadline_);
    return;
  }
  auto answer = std::make_shared<response>(route(*context_, request));
  if (request.method() == http::verb::head)
    answer->body().clear();
  auto keep_alive = answer->keep_alive();
  stream_.expires_after(response_timeout);
  http::async_write(stream_, *answer,
                    [self = shared_from_this(), answer, keep_alive](
                      beast::error_code ec, std::size_t n) { self->on_write(keep_alive, ec, n); });
}

void http_session::refuse(const http::request<http::string_body>& request, http::status status,
                          std::string body) {
  // A refused upgrade ends the connection: the client wanted a WebSocket.
  auto refusal =
    std::make_shared<response>(make_response(request, status, std::move(body), "text/plain"));
  refusal->keep_alive(false);
  stream_.expires_after(response_timeout);
  http::async_write(stream_, *refusal,
                    [self = shared_from_this(), refusal](beast::error_code ec, std::size_t n) {
                      self->on_write(false, ec, n);
                    });
}

void http_session::reject(http::status status, std::string body) {
  auto answer = std::make_shared<response>(make_final_response(status, std::move(body)));
  // The client gets one more handshake timeout to take the answer and stop
  // sending the rest of what was refused.
  stream_.expires_after(handshake_timeout());
  http::async_write(
    stream_, *answer, [self = shared_from_this(), answer](beast::error_code ec, std::size_t) {
      if (ec)
        return;
      beast::error_code ignored;
      self->stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
      self->discard_until_eof();
    });
}

void http_session::discard_until_eof() {
  // Closing with unread bytes would reset the connection, and a reset can
  // destroy the answer before the client reads it: read and drop until the
  // client closes its side or the timer cuts it off.
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (!ec)
                              self->discard_until_eof();
                          });
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec || !keep_alive) {
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  do_read();
}

} // namespace signaling::net
