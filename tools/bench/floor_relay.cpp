// signal-floor-relay: the benchmark floor. A bare single-threaded Beast relay
// (no actors, no validation) speaking just what signal-load uses of PROTOCOL.md.
//
// tools/bench/run.sh runs every scenario against it and signal-server alike,
// so the ratio between the two is what the server's design costs. Left out on
// purpose: auth, resume, heartbeats, rate limits, correlationId/ack, room size
// limits, back-pressure, draining on shutdown.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using frame_ptr = std::shared_ptr<const std::string>;

class session;

// Room id -> members in join order. One thread, so plain pointers suffice: a
// session is listed only while its read loop runs, and that loop keeps it alive.
std::unordered_map<std::string, std::vector<session*>> rooms;
std::uint64_t last_peer_number = 0;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// A server message, serialized once however many members it goes to. "type"
/// comes first: signal-load finds it by prefix.
frame_ptr envelope(std::string_view type, json::object payload) {
  json::object message;
  message.reserve(3);
  message.emplace("type", type);
  message.emplace("payload", std::move(payload));
  message.emplace("timestamp", now_ms());
  return std::make_shared<const std::string>(json::serialize(message));
}

frame_ptr error(std::string_view code) {
  return envelope("error", {{"code", code}, {"message", code}});
}

std::string_view string_field(const json::object& object, std::string_view key) {
  auto* value = object.if_contains(key);
  auto* text = value ? value->if_string() : nullptr;
  return text ? std::string_view{*text} : std::string_view{};
}

class session : public std::enable_shared_from_this<session> {
public:
  explicit session(tcp::socket socket)
    : ws_(std::move(socket)), peer_id_("p" + std::to_string(++last_peer_number)) {}

  void run() {
    http::async_read(
      ws_.next_layer(), buffer_, upgrade_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_upgrade(ec); });
  }

  /// One async_write at a time; the rest waits here, unbounded.
  void send(frame_ptr frame) {
    queue_.push_back(std::move(frame));
    if (queue_.size() == 1)
      write();
  }

  const std::string& peer_id() const { return peer_id_; }

private:
  void on_upgrade(beast::error_code ec) {
    // Anything but an upgrade at /ws ends here; the socket closes with us.
    if (ec || !websocket::is_upgrade(upgrade_) || upgrade_.target() != "/ws")
      return;
    ws_.read_message_max(64 * std::size_t{1024});
    ws_.async_accept(upgrade_, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return;
      self->upgrade_ = {}; // its header fields would only add to idle RSS
      self->ws_.text(true);
      self->send(envelope("connected", {{"peerId", self->peer_id_}, {"protocolVersion", 1}}));
      self->read();
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        // Closed, reset or vanished alike: the session ends.
        self->leave_all();
        return;
      }
      auto data = self->buffer_.cdata();
      self->handle({static_cast<const char*>(data.data()), data.size()});
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void write() {
    ws_.async_write(asio::buffer(*queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) {
                        // Fail the read too, so that the session leaves its
                        // rooms instead of queueing for a dead socket.
                        self->ws_.next_layer().close(ec);
                        return;
                      }
                      self->queue_.pop_front();
                      if (!self->queue_.empty())
                        self->write();
                    });
  }

  void handle(std::string_view text) {
    boost::system::error_code ec;
    auto message = json::parse(text, ec);
    auto* object = message.if_object();
    auto* type = object ? object->if_contains("type") : nullptr;
    if (!type || !type->is_string()) {
      send(error("INVALID_MESSAGE"));
      return;
    }
    auto* payload_value = object->if_contains("payload");
    json::object payload;
    if (payload_value && payload_value->is_object())
      payload = std::move(payload_value->get_object());
    std::string_view kind = type->get_string();
    if (kind == "room:join")
      join(std::string{string_field(payload, "roomId")});
    else if (kind == "room:leave")
      leave(std::string{string_field(payload, "roomId")});
    else if (kind == "ping")
      send(envelope("pong", {{"serverTime", now_ms()}}));
    else if (kind == "ice:candidate" || kind == "room:message" || kind == "sdp:offer"
             || kind == "sdp:answer")
      relay(kind, std::move(payload));
    else
      send(error("UNKNOWN_TYPE"));
  }

  void join(const std::string& room_id) {
    if (room_id.empty()) {
      send(error("INVALID_MESSAGE"));
      return;
    }
    auto& members = rooms[room_id];
    json::array peers;
    for (auto* member : members)
      if (member != this)
        peers.push_back(json::object{{"peerId", member->peer_id()}});
    // Joining again only answers again, as PROTOCOL.md says.
    if (std::find(members.begin(), members.end(), this) == members.end()) {
      auto joined = envelope("peer:joined",
                             {{"roomId", room_id}, {"peer", json::object{{"peerId", peer_id_}}}});
      for (auto* member : members)
        member->send(joined);
      members.push_back(this);
      rooms_.push_back(room_id);
    }
    send(envelope("room:joined",
                  {{"roomId", room_id}, {"peerId", peer_id_}, {"peers", std::move(peers)}}));
  }

  void leave(const std::string& room_id) {
    auto mine = std::find(rooms_.begin(), rooms_.end(), room_id);
    if (mine == rooms_.end()) {
      send(error("NOT_IN_ROOM"));
      return;
    }
    rooms_.erase(mine);
    remove_from(room_id);
    send(envelope("room:left", {{"roomId", room_id}}));
  }

  void leave_all() {
    for (auto& room_id : rooms_)
      remove_from(room_id);
    rooms_.clear();
  }

  // Takes this session out of a room and tells the rest; the last one out
  // removes the room.
  void remove_from(const std::string& room_id) {
    auto room = rooms.find(room_id);
    auto& members = room->second;
    members.erase(std::find(members.begin(), members.end(), this));
    if (members.empty()) {
      rooms.erase(room);
      return;
    }
    auto left =
      envelope("peer:left", {{"roomId", room_id}, {"peerId", peer_id_}, {"reason", "left"}});
    for (auto* member : members)
      member->send(left);
  }

  // To `to` if given, else to every other member; the content goes on as sent,
  // with `from` added and `to` removed.
  void relay(std::string_view type, json::object payload) {
    auto room = rooms.find(std::string{string_field(payload, "roomId")});
    if (room == rooms.end()
        || std::find(room->second.begin(), room->second.end(), this) == room->second.end()) {
      send(error("NOT_IN_ROOM"));
      return;
    }
    std::string to{string_field(payload, "to")};
    payload.erase("to");
    payload["from"] = peer_id_;
    auto frame = envelope(type, std::move(payload));
    for (auto* member : room->second)
      if (member != this && (to.empty() || member->peer_id() == to))
        member->send(frame);
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> upgrade_;
  std::deque<frame_ptr> queue_;
  std::vector<std::string> rooms_; // this session's, for leaving them all at the end
  std::string peer_id_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted)
      return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<session>(std::move(socket))->run();
    }
    // Other errors (out of descriptors) are simply retried: the benchmark
    // stays below the descriptor limit.
    accept(acceptor);
  });
}

} // namespace

int main(int argc, char** argv) {
  unsigned short port = 18091;
  std::string bind = "127.0.0.1";
  try {
    for (int i = 1; i < argc; ++i) {
      std::string_view arg = argv[i];
      if (arg.rfind("--port=", 0) == 0)
        port = static_cast<unsigned short>(std::stoi(std::string{arg.substr(7)}));
      else if (arg.rfind("--bind=", 0) == 0)
        bind = arg.substr(7);
      else {
        std::cerr << "usage: signal-floor-relay [--port=N] [--bind=ADDR]\n";
        return 2;
      }
    }
    asio::io_context io{1}; // one thread: no locking inside asio
    tcp::acceptor acceptor{io, {asio::ip::make_address(bind), port}};
    accept(acceptor);
    // Exits at once on a signal: a floor has no clients worth draining.
    asio::signal_set signals{io, SIGINT, SIGTERM};
    signals.async_wait([&io](beast::error_code, int) { io.stop(); });
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "signal-floor-relay: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
