// The socket side of a connection. Every member is touched only on the
// socket's own thread: transport calls from other threads post onto it.
#include "net/websocket_session.hpp"

#include "actors/connection_actor.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"

#include <boost/asio/post.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

namespace signaling::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using actors::log;
using actors::log_level;

namespace {

// Bytes asked of the socket per read; a message may take several reads.
constexpr std::size_t read_chunk_bytes = 16 * std::size_t{1024};

/// A ping's payload, cut to the 125 bytes a control frame may carry.
websocket::ping_data ping_payload(std::string_view text) {
  websocket::ping_data result;
  result.assign(text.data(), std::min(text.size(), result.max_size()));
  return result;
}

/// Why a read ended the socket: a close handshake, a protocol violation
/// Beast answered with its own close (1002, 1007: the server's decision),
/// or a lost peer.
actors::close_cause close_cause_of(beast::error_code ec) {
  if (ec == websocket::error::closed)
    return actors::close_cause::client_close;
  if (ec == websocket::condition::protocol_violation)
    return actors::close_cause::policy_close;
  return actors::close_cause::lost;
}

/// The token an upgrade request carries (PROTOCOL.md item 2): the `token`
/// query parameter, else an `Authorization: Bearer` header; empty: none.
std::string upgrade_token(const http::request<http::string_body>& request) {
  auto target = request.target();
  if (auto url = boost::urls::parse_origin_form({target.data(), target.size()})) {
    auto params = url->params();
    if (auto token = params.find("token"); token != params.end() && !(*token).value.empty())
      return (*token).value;
  }
  auto authorization = request[http::field::authorization];
  constexpr std::string_view scheme = "Bearer ";
  std::string_view header{authorization.data(), authorization.size()};
  if (header.size() > scheme.size() && beast::iequals(header.substr(0, scheme.size()), scheme))
    return std::string{header.substr(scheme.size())};
  return {};
}

} // namespace

websocket_session::websocket_session(boost::asio::ip::tcp::socket&& socket,
                                     std::shared_ptr<server_context> context, address_slot slot)
  : stream_(std::move(socket)),
    home_(*stream_.get_executor().target<boost::asio::io_context::executor_type>()),
    context_(std::move(context)), slot_(std::move(slot)),
    queue_(context_->settings->max_outgoing_bytes), close_deadline_(stream_.get_executor()) {
  boost::system::error_code ec;
  auto remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  if (!ec)
    remote_address_ = remote.address().to_string() + ':' + std::to_string(remote.port());
  actors::add(context_->metrics->sockets_open, 1);
}

websocket_session::~websocket_session() {
  actors::add(context_->metrics->sockets_open, -1);
}

void websocket_session::run(http::request<http::string_body> request,
                            std::chrono::steady_clock::time_point deadline) {
  stream_.next_layer().set_owner(shared_from_this());
  upgrade_token_ = upgrade_token(request);
  // Our own heartbeat pings and drops silent peers (PROTOCOL.md), so Beast's
  // idle timer is off; the timeout bounds only the opening and closing
  // handshakes. The opening one gets what is left of the time since accept.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout =
    std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration{});
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  stream_.set_option(timeouts);
  // Size is checked per message in on_read, which can answer before closing.
  stream_.read_message_max(0);
  stream_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(http::field::server, "signal-server");
  }));
  beast::get_lowest_layer(stream_).expires_never();
  stream_.async_accept(
    request, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) {
    log(log_level::debug, "websocket-handshake-failed", {{"error", ec.message()}});
    return;
  }
  auto& context = *context_;
  // A closing handshake gets the whole --handshake-timeout-ms.
  websocket::stream_base::timeout timeouts{};
  stream_.get_option(timeouts);
  timeouts.handshake_timeout = std::chrono::milliseconds{context.limits.handshake_timeout_ms};
  stream_.set_option(timeouts);
  actor_ = context.system.spawn(actors::connection, actors::transport_ptr{shared_from_this()},
                                context.server, context.settings, context.metrics,
                                std::move(upgrade_token_));
  // Beast answers pings and swallows pongs inside reads; both prove the
  // client alive, which the connection actor's heartbeat must hear.
  stream_.control_callback([this](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::pong) {
      caf::anon_send(actor_, actors::pong_atom_v, std::string{payload.data(), payload.size()});
      return;
    }
    if (kind == websocket::frame_type::ping) {
      caf::anon_send(actor_, actors::pong_atom_v, std::string{});
      return;
    }
    // The client said goodbye: its session ends now (no resume grace), even
    // if Beast's answering close frame then waits on a client that stopped
    // reading, which the deadline bounds.
    arm_close_deadline();
    finish(actors::close_cause::client_close);
  });
  do_read();
}

void websocket_session::do_read() {
  stream_.async_read_some(
    buffer_, read_chunk_bytes,
    beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    // A close handshake finished, or the peer is gone (EOF, reset, abort):
    // either way nothing more will be written, and a write stuck on a peer
    // that stopped reading must not pin the socket.
    close_deadline_.cancel();
    if (ec != websocket::error::closed)
      drop_socket();
    finish(close_cause_of(ec));
    return;
  }
  if (buffer_.size() > context_->settings->max_message_bytes) {
    // Stop reading: the actor answers MESSAGE_TOO_LARGE and closes with 1009.
    caf::anon_send(actor_, actors::oversized_atom_v);
    buffer_.clear();
    return;
  }
  if (!stream_.is_message_done()) {
    do_read();
    return;
  }
  auto read_at_ns = actors::steady_now_ns();
  auto text = stream_.got_text();
  actors::count(context_->metrics->received_bytes_total, buffer_.size());
  auto frame = text ? beast::buffers_to_string(buffer_.data()) : std::string{};
  // Released, not kept: thousands of idle connections would each hold one.
  buffer_.clear();
  buffer_.shrink_to_fit();
  // The next read first: a frame already buffered then completes ahead of
  // the actor's turn, and the actor takes both frames in one wake-up.
  do_read();
  if (text)
    caf::anon_send(actor_, actors::frame_atom_v, std::move(frame), read_at_ns);
  else
    caf::anon_send(actor_, actors::binary_atom_v);
}

void websocket_session::send(std::shared_ptr<const std::string> frame, std::int64_t read_at_ns) {
  submit(outgoing_frame::make_text(std::move(frame), read_at_ns));
}

void websocket_session::ping(std::string payload) {
  submit(outgoing_frame::make_ping(std::make_shared<const std::string>(std::move(payload))));
}

void websocket_session::close(schema::close_code code) {
  submit(outgoing_frame::make_close(code));
}

void websocket_session::abort() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] { self->drop_socket(); });
}

void websocket_session::submit(outgoing_frame frame) {
  if (home_.running_in_this_thread()) {
    // Frames an actor queued from another thread go first: one order.
    drain_submitted();
    enqueue(std::move(frame));
    return;
  }
  actors::count(context_->metrics->frames_across_threads_total);
  bool first = false;
  {
    std::lock_guard<std::mutex> guard{submitted_mutex_};
    first = submitted_.empty();
    submitted_.emplace_back(std::move(frame));
  }
  if (first)
    boost::asio::post(home_, [self = shared_from_this()] { self->drain_submitted(); });
}

void websocket_session::drain_submitted() {
  std::vector<outgoing_frame> batch;
  {
    std::lock_guard<std::mutex> guard{submitted_mutex_};
    batch.swap(submitted_);
  }
  for (auto& frame : batch)
    enqueue(std::move(frame));
}

void websocket_session::enqueue(outgoing_frame frame) {
  auto closing = frame.what == outgoing_frame::kind::close;
  switch (queue_.push(std::move(frame))) {
    case write_queue::push_result::refused:
      return;
    case write_queue::push_result::overflowed:
      // The client reads too slowly: what was queued is dropped for a close
      // 1013, and the actor ends at once (the handshake finishes without it).
      log(log_level::info, "slow-reader",
          {{"limitBytes", std::to_string(context_->settings->max_outgoing_bytes)}});
      finish(actors::close_cause::policy_close);
      closing = true;
      break;
    case write_queue::push_result::queued:
      break;
  }
  if (closing) {
    closed_by_server_ = true;
    arm_close_deadline();
  }
  do_write();
}

void websocket_session::do_write() {
  auto& gather = stream_.next_layer();
  while (!queue_.in_flight() && !waiting_for_socket_) {
    if (!gather.writable()) {
      // The client reads slower than we write: wait for the socket.
      waiting_for_socket_ = true;
      gather.async_wait_writable([self = shared_from_this()](beast::error_code ec) {
        self->waiting_for_socket_ = false;
        if (!ec) {
          self->do_write();
          return;
        }
        self->drop_socket();
        self->finish(actors::close_cause::lost);
      });
      return;
    }
    const auto* frame = queue_.next();
    if (frame == nullptr)
      return;
    if (frame->what == outgoing_frame::kind::text) {
      // Copied into the gathered bytes: done as far as the queue goes.
      auto written = gather.write_text_frame(*frame->text);
      if (written) {
        auto& metrics = *context_->metrics;
        actors::count(metrics.sent_bytes_total, frame->text->size());
        metrics.observe_relay_latency(frame->read_at_ns);
      }
      queue_.complete();
      if (!written) {
        drop_socket();
        finish(actors::close_cause::lost);
        return;
      }
      continue;
    }
    // Control frames go through Beast, which knows the close handshake.
    auto handler = [self = shared_from_this()](beast::error_code ec, std::size_t = 0) {
      self->on_write(ec);
    };
    if (frame->what == outgoing_frame::kind::ping)
      stream_.async_ping(ping_payload(*frame->text), std::move(handler));
    else {
      context_->metrics->count_close(frame->code);
      stream_.async_close(websocket::close_reason{static_cast<std::uint16_t>(frame->code)},
                          std::move(handler));
    }
  }
}

void websocket_session::on_write(beast::error_code ec) {
  auto written = queue_.complete();
  if (ec || written.what == outgoing_frame::kind::close) {
    drop_socket();
    finish(actors::close_cause::lost);
    return;
  }
  do_write();
}

void websocket_session::arm_close_deadline() {
  // A client that reads nothing for a whole heartbeat interval would be
  // dropped as silent anyway; a closing one gets the same time to flush.
  close_deadline_.expires_after(std::chrono::milliseconds{context_->settings->heartbeat_ms});
  close_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->drop_socket();
  });
}

void websocket_session::drop_socket() {
  queue_.end();
  close_deadline_.cancel();
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().close(ignored);
}

void websocket_session::finish(actors::close_cause cause) {
  if (finished_)
    return;
  finished_ = true;
  // Once the server has queued its close, however the socket then ends
  // (handshake, deadline, reset) it ended by the server's decision.
  if (closed_by_server_)
    cause = actors::close_cause::policy_close;
  if (actor_)
    caf::anon_send(actor_, actors::closed_atom_v, cause);
}

} // namespace signaling::net
