// The TCP acceptor of the server's one port.
#include "net/listener.hpp"

#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "net/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include <string>
#include <string_view>

namespace signaling::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// What a connection over its address's limit gets, written at once without
// reading its request: a client that sent nothing yet reads it whole, then
// EOF; one whose request had already arrived may see a reset instead, as
// the request is never read.
const std::string& refusal() {
  static const std::string text = [] {
    std::string_view body = "too many connections from one address\n";
    return "HTTP/1.1 503 Service Unavailable\r\nServer: signal-server\r\n"
           "Content-Type: text/plain\r\nContent-Length: "
           + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string{body};
  }();
  return text;
}

/// Answers 503 and closes, all without waiting: a refused client must cost
/// the server no more than its accept.
void refuse(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  // A fresh socket's send buffer takes these few bytes in one call.
  socket.write_some(asio::buffer(refusal()), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

} // namespace

listener::listener(io_threads& threads, const tcp::endpoint& endpoint,
                   std::shared_ptr<server_context> context)
  : threads_(threads), acceptor_(threads.context(0)), retry_timer_(acceptor_.get_executor()),
    context_(std::move(context)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void listener::run() {
  do_accept();
}

void listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

unsigned short listener::port() const {
  return acceptor_.local_endpoint().port();
}

void listener::do_accept() {
  // Each socket's io_context has one thread, which serializes the socket's
  // handlers as a strand would.
  acceptor_.async_accept(
    threads_.next(), boost::beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(boost::beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted)
    return;
  if (ec) {
    // Out of descriptors and the like: retrying at once would spin, so wait
    // a little; open connections are served meanwhile.
    actors::log(actors::log_level::warning, "accept-failed", {{"error", ec.message()}});
    retry_timer_.expires_after(std::chrono::milliseconds{100});
    retry_timer_.async_wait([self = shared_from_this()](boost::beast::error_code ec) {
      if (!ec)
        self->do_accept();
    });
    return;
  }
  auto remote = socket.remote_endpoint(ec);
  if (ec) {
    // Reset before we got to it: nothing to serve.
    do_accept();
    return;
  }
  auto slot =
    context_->addresses.try_acquire(remote.address(), context_->limits.max_connections_per_ip);
  if (!slot) {
    actors::count(context_->metrics->connections_refused_total);
    // Debug only: a client hammering the limit would flood the log.
    if (actors::log_enabled(actors::log_level::debug))
      actors::log(actors::log_level::debug, "connection-refused",
                  {{"address", remote.address().to_string()}});
    refuse(socket);
    do_accept();
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  std::make_shared<http_session>(std::move(socket), context_, std::move(*slot))->run();
  do_accept();
}

} // namespace signaling::net
