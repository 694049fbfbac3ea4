// One WebSocket: the bridge between a Beast stream and its connection actor.
// Reads whole messages (enforcing the size limit itself, so the client gets
// MESSAGE_TOO_LARGE before 1009), and writes a bounded queue of frames.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/transport.hpp"
#include "net/coalescing_stream.hpp"
#include "net/server_context.hpp"
#include "net/write_queue.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace signaling::net {

class websocket_session : public actors::transport,
                          public std::enable_shared_from_this<websocket_session> {
public:
  /// `slot`: the connection's claim on its address's quota, kept for the
  /// socket's life.
  websocket_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<server_context> context,
                    address_slot slot);

  ~websocket_session() override;

  /// Completes the upgrade of `request` by `deadline` (its accept plus
  /// --handshake-timeout-ms), then starts the connection actor.
  void run(boost::beast::http::request<boost::beast::http::string_body> request,
           std::chrono::steady_clock::time_point deadline);

  // -- actors::transport -------------------------------------------------------

  void send(std::shared_ptr<const std::string> frame, std::int64_t read_at_ns) override;
  void ping(std::string payload) override;
  void close(schema::close_code code) override;
  void abort() override;
  [[nodiscard]] const std::string& remote_address() const override { return remote_address_; }

private:
  /// Called from any thread. On the socket's own thread `frame` is queued at
  /// once; from another it waits in `submitted_`, one post per batch.
  void submit(outgoing_frame frame);
  void drain_submitted();
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void enqueue(outgoing_frame frame);
  void do_write();
  void on_write(boost::beast::error_code ec);
  /// Bounds the time a closing socket may take to flush its queue.
  void arm_close_deadline();
  /// Drops the socket at once; pending operations complete with an error.
  void drop_socket();
  /// The socket is gone: tell the actor once, and why.
  void finish(actors::close_cause cause);

  boost::beast::websocket::stream<coalescing_stream> stream_;
  /// The io_context whose one thread serves this socket.
  boost::asio::io_context::executor_type home_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<server_context> context_;
  /// After context_, which keeps its quota alive.
  address_slot slot_;
  actors::connection_actor actor_;
  /// "address:port" of the client, for the inspector; empty if unknown.
  std::string remote_address_;
  /// The token the upgrade request carried, until the actor takes it.
  std::string upgrade_token_;
  /// Items submitted from other threads and not yet taken by home_. Under
  /// load many frames share one post instead of one post each.
  std::mutex submitted_mutex_;
  std::vector<outgoing_frame> submitted_;
  write_queue queue_;
  /// Armed once a close is queued: a client that stops reading must not
  /// keep a closed connection's socket and queue forever.
  boost::asio::steady_timer close_deadline_;
  /// Set while the gathered bytes wait for the socket to take them.
  bool waiting_for_socket_ = false;
  /// A close frame (with its code) was queued by the server.
  bool closed_by_server_ = false;
  bool finished_ = false;
};

} // namespace signaling::net
