// The socket side of a connection. Every member is touched only on the
// session's strand: transport calls from actor threads post onto it.
#include "net/websocket_session.hpp"

#include "actors/connection_actor.hpp"
#include "actors/log.hpp"

#include <boost/asio/post.hpp>

namespace signaling::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using actors::log;
using actors::log_level;

namespace {

// Bytes asked of the socket per read; a message may take several reads.
constexpr std::size_t read_chunk_bytes = 16 * std::size_t{1024};

} // namespace

websocket_session::websocket_session(boost::asio::ip::tcp::socket&& socket,
                                     std::shared_ptr<server_context> context)
  : stream_(std::move(socket)), context_(std::move(context)) {
  // nop
}

websocket_session::~websocket_session() {
  if (actor_)
    context_->connections.remove(actor_);
}

void websocket_session::run(http::request<http::string_body> request) {
  // Our own heartbeat pings and drops silent peers (PROTOCOL.md), so Beast's
  // idle timer is off; the timeout bounds only the opening and closing
  // handshakes.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds{10};
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
  actor_ = context.system.spawn(actors::connection, actors::transport_ptr{shared_from_this()},
                                context.directory, context.settings);
  context.connections.add(actor_);
  // Beast answers pings and swallows pongs inside reads; both prove the
  // client alive, which the connection actor's heartbeat must hear.
  stream_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind != websocket::frame_type::close)
      caf::anon_send(actor_, actors::pong_atom_v);
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
    finish(ec == websocket::error::closed);
    return;
  }
  if (buffer_.size() > context_->settings.max_message_bytes) {
    // Stop reading: the actor answers MESSAGE_TOO_LARGE and closes with 1009.
    caf::anon_send(actor_, actors::oversized_atom_v);
    buffer_.clear();
    return;
  }
  if (!stream_.is_message_done()) {
    do_read();
    return;
  }
  if (stream_.got_text())
    caf::anon_send(actor_, actors::frame_atom_v, beast::buffers_to_string(buffer_.data()));
  else
    caf::anon_send(actor_, actors::binary_atom_v);
  buffer_.clear();
  do_read();
}

void websocket_session::send(std::shared_ptr<const std::string> frame) {
  submit(outgoing{outgoing::kind::text, std::move(frame)});
}

void websocket_session::ping() {
  submit(outgoing{outgoing::kind::ping, nullptr});
}

void websocket_session::close(schema::close_code code) {
  submit(outgoing{outgoing::kind::close, nullptr, code});
}

void websocket_session::submit(outgoing item) {
  bool first = false;
  {
    std::lock_guard<std::mutex> guard{submitted_mutex_};
    first = submitted_.empty();
    submitted_.emplace_back(std::move(item));
  }
  if (first)
    boost::asio::post(stream_.get_executor(),
                      [self = shared_from_this()] { self->drain_submitted(); });
}

void websocket_session::drain_submitted() {
  std::vector<outgoing> batch;
  {
    std::lock_guard<std::mutex> guard{submitted_mutex_};
    batch.swap(submitted_);
  }
  for (auto& item : batch)
    enqueue(std::move(item));
}

void websocket_session::abort() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    self->queue_.clear();
    beast::error_code ignored;
    beast::get_lowest_layer(self->stream_).socket().close(ignored);
  });
}

void websocket_session::enqueue(outgoing item) {
  if (closing_)
    return;
  if (item.what == outgoing::kind::close) {
    closing_ = true;
  } else if (item.what == outgoing::kind::text) {
    queued_bytes_ += item.text->size();
    if (queued_bytes_ > context_->settings.max_outgoing_bytes) {
      // The client reads too slowly: drop what is queued and close 1013.
      log(log_level::info, "slow-reader", {{"queuedBytes", std::to_string(queued_bytes_)}});
      queue_.erase(queue_.begin() + (writing_ ? 1 : 0), queue_.end());
      queued_bytes_ = writing_ && queue_.front().text ? queue_.front().text->size() : 0;
      closing_ = true;
      item = outgoing{outgoing::kind::close, nullptr, schema::close_code::overloaded};
      // The actor ends at once; the close handshake finishes without it.
      caf::anon_send(actor_, actors::closed_atom_v, false);
    }
  }
  queue_.push_back(std::move(item));
  if (!writing_)
    do_write();
}

void websocket_session::do_write() {
  writing_ = true;
  auto& item = queue_.front();
  auto handler = [self = shared_from_this()](beast::error_code ec, std::size_t = 0) {
    self->on_write(ec);
  };
  switch (item.what) {
    case outgoing::kind::text:
      stream_.text(true);
      stream_.async_write(boost::asio::buffer(*item.text), std::move(handler));
      break;
    case outgoing::kind::ping:
      stream_.async_ping({}, std::move(handler));
      break;
    case outgoing::kind::close:
      stream_.async_close(websocket::close_reason{static_cast<std::uint16_t>(item.code)},
                          std::move(handler));
      break;
  }
}

void websocket_session::on_write(beast::error_code ec) {
  auto finished = std::move(queue_.front());
  queue_.pop_front();
  writing_ = false;
  if (finished.what == outgoing::kind::text)
    queued_bytes_ -= finished.text->size();
  if (ec || finished.what == outgoing::kind::close) {
    queue_.clear();
    closing_ = true;
    finish(false);
    return;
  }
  if (!queue_.empty())
    do_write();
}

void websocket_session::finish(bool clean) {
  if (finished_)
    return;
  finished_ = true;
  if (actor_)
    caf::anon_send(actor_, actors::closed_atom_v, clean);
}

} // namespace signaling::net
