// Accepts TCP connections on the server's port; each becomes an http_session
// on the next io thread in turn, which serves it for its whole life, unless
// its remote address already holds --max-connections-per-ip (then: 503).
#pragma once

#include "net/io_threads.hpp"
#include "net/server_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <memory>

namespace signaling::net {

class listener : public std::enable_shared_from_this<listener> {
public:
  /// Binds and listens; throws boost::system::system_error on failure.
  listener(io_threads& threads, const boost::asio::ip::tcp::endpoint& endpoint,
           std::shared_ptr<server_context> context);

  void run();

  /// Stops accepting; open connections are unaffected.
  void stop();

  /// The bound port (useful with port 0).
  [[nodiscard]] unsigned short port() const;

private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  io_threads& threads_;
  boost::asio::ip::tcp::acceptor acceptor_;
  /// Paces accepting after a failure such as running out of descriptors.
  boost::asio::steady_timer retry_timer_;
  std::shared_ptr<server_context> context_;
};

} // namespace signaling::net
