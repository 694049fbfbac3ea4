// One WebSocket: the bridge between a Beast stream and its connection actor.
// Reads whole messages (enforcing the size limit itself, so the client gets
// MESSAGE_TOO_LARGE before 1009), and writes a bounded queue of frames.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/transport.hpp"
#include "net/server_context.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace signaling::net {

class websocket_session : public actors::transport,
                          public std::enable_shared_from_this<websocket_session> {
public:
  websocket_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<server_context> context);

  ~websocket_session() override;

  /// Completes the upgrade of `request`, then starts the connection actor.
  void run(boost::beast::http::request<boost::beast::http::string_body> request);

  // -- actors::transport -------------------------------------------------------

  void send(std::shared_ptr<const std::string> frame) override;
  void ping() override;
  void close(schema::close_code code) override;
  void abort() override;

private:
  /// One queued write: a text frame, a ping, or the final close.
  struct outgoing {
    enum class kind { text, ping, close } what;
    std::shared_ptr<const std::string> text;
    schema::close_code code = schema::close_code::normal;
  };

  /// Called from any thread: hands `item` to the strand, one post per batch.
  void submit(outgoing item);
  void drain_submitted();
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void enqueue(outgoing item);
  void do_write();
  void on_write(boost::beast::error_code ec);
  /// The socket is gone: tell the actor once and stop.
  void finish(bool clean);

  boost::beast::websocket::stream<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<server_context> context_;
  actors::connection_actor actor_;
  /// Items submitted by the actor and not yet taken by the strand. Under
  /// load many frames share one post instead of one post each.
  std::mutex submitted_mutex_;
  std::vector<outgoing> submitted_;
  std::deque<outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  /// A close was queued or the socket failed: nothing more is written.
  bool closing_ = false;
  bool finished_ = false;
};

} // namespace signaling::net
