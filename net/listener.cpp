// The TCP acceptor of the server's one port.
#include "net/listener.hpp"

#include "actors/log.hpp"
#include "net/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

namespace signaling::net {

namespace asio = boost::asio;
using asio::ip::tcp;

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
  socket.set_option(tcp::no_delay(true), ec);
  std::make_shared<http_session>(std::move(socket), context_)->run();
  do_accept();
}

} // namespace signaling::net
