// Typed server message -> JSON text frame. Frames are written directly into
// one string (no DOM): fan-out encodes once, so this is on the hot path.
#include "schema/limits.hpp"
#include "schema/server_messages.hpp"

#include <cstdio>

namespace signaling::schema {

namespace {

/// Appends JSON tokens to a string; the caller places commas via `key`.
class writer {
public:
  explicit writer(std::string_view type, std::size_t reserve = 128) {
    out_.reserve(reserve);
    out_ += R"({"type":)";
    string(type);
    out_ += R"(,"payload":{)";
  }

  writer& key(std::string_view name) {
    if (out_.back() != '{' && out_.back() != '[')
      out_ += ',';
    string(name);
    out_ += ':';
    return *this;
  }

  writer& string(std::string_view x) {
    append_json_string(out_, x);
    return *this;
  }

  writer& number(std::int64_t x) {
    out_ += std::to_string(x);
    return *this;
  }

  writer& boolean(bool x) {
    out_ += x ? "true" : "false";
    return *this;
  }

  /// Already-serialized JSON, copied verbatim.
  writer& raw(std::string_view json) {
    out_ += json;
    return *this;
  }

  writer& field(std::string_view name, std::string_view x) { return key(name).string(x); }

  writer& field(std::string_view name, std::int64_t x) { return key(name).number(x); }

  /// A string field that PROTOCOL.md marks optional: omitted when empty.
  writer& optional_field(std::string_view name, std::string_view x) {
    return x.empty() ? *this : field(name, x);
  }

  writer& open_object() {
    out_ += '{';
    return *this;
  }

  writer& close_object() {
    out_ += '}';
    return *this;
  }

  writer& open_array() {
    out_ += '[';
    return *this;
  }

  writer& close_array() {
    out_ += ']';
    return *this;
  }

  std::string finish(const envelope& env) && {
    out_ += R"(},"timestamp":)";
    number(env.timestamp_ms);
    if (!env.correlation_id.empty()) {
      out_ += R"(,"correlationId":)";
      string(env.correlation_id);
    }
    out_ += '}';
    return std::move(out_);
  }

private:
  std::string out_;
};

void write_peer(writer& out, const peer_description& x) {
  out.open_object()
    .field("peerId", x.peer_id)
    .optional_field("userId", x.user_id)
    .optional_field("displayName", x.display_name)
    .field("joinedAt", x.joined_at)
    .close_object();
}

void write_peers(writer& out, const std::vector<peer_description>& peers) {
  out.open_array();
  for (const auto& peer : peers) {
    if (&peer != &peers.front())
      out.raw(",");
    write_peer(out, peer);
  }
  out.close_array();
}

void write_room(writer& out, const room_description& x) {
  out.field("roomId", x.room_id).key("peers");
  write_peers(out, x.peers);
  out.key("metadata")
    .raw(x.metadata_json)
    .field("createdAt", x.created_at)
    .field("maxPeers", static_cast<std::int64_t>(x.max_peers));
}

} // namespace

void append_json_string(std::string& out, std::string_view x) {
  out += '"';
  for (char c : x) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string encode(const connected_event& x, envelope env) {
  writer out{type_name(server_type::connected)};
  out.field("peerId", x.peer_id)
    .field("resumeToken", x.resume_token)
    .field("heartbeatIntervalMs", static_cast<std::int64_t>(x.heartbeat_interval_ms))
    .field("serverTime", env.timestamp_ms)
    .field("protocolVersion", protocol_version)
    .key("authRequired")
    .boolean(x.auth_required);
  if (x.authenticated)
    out.key("authenticated")
      .boolean(true)
      .field("userId", x.user_id)
      .optional_field("displayName", x.display_name);
  return std::move(out).finish(env);
}

std::string encode(const room_joined_reply& x, envelope env) {
  writer out{type_name(server_type::room_joined),
             256 + x.room.peers.size() * 96 + x.room.metadata_json.size()};
  out.field("peerId", x.peer_id);
  write_room(out, x.room);
  return std::move(out).finish(env);
}

std::string encode(const room_left_reply& x, envelope env) {
  writer out{type_name(server_type::room_left)};
  out.field("roomId", x.room_id);
  return std::move(out).finish(env);
}

std::string encode(const room_state_reply& x, envelope env) {
  writer out{type_name(server_type::room_state),
             256 + x.room.peers.size() * 96 + x.room.metadata_json.size()};
  write_room(out, x.room);
  return std::move(out).finish(env);
}

std::string encode(const peer_joined_event& x, envelope env) {
  writer out{type_name(server_type::peer_joined)};
  out.field("roomId", x.room_id).key("peer");
  write_peer(out, x.peer);
  return std::move(out).finish(env);
}

std::string encode(const peer_left_event& x, envelope env) {
  writer out{type_name(server_type::peer_left)};
  out.field("roomId", x.room_id).field("peerId", x.peer_id).field("reason", x.reason);
  return std::move(out).finish(env);
}

std::string encode(const peer_presence_event& x, envelope env) {
  writer out{type_name(x.presence == peer_presence::resumed ? server_type::peer_resumed
                                                            : server_type::peer_reconnecting)};
  out.field("roomId", x.room_id).field("peerId", x.peer_id);
  return std::move(out).finish(env);
}

std::string encode(const session_resumed_reply& x, envelope env) {
  writer out{type_name(server_type::session_resumed), 256 + x.rooms.size() * 256};
  out.field("peerId", x.peer_id).field("resumeToken", x.resume_token).key("rooms").open_array();
  for (const auto& room : x.rooms) {
    if (&room != &x.rooms.front())
      out.raw(",");
    out.open_object().field("roomId", room.room_id).key("peers");
    write_peers(out, room.peers);
    out.close_object();
  }
  out.close_array();
  return std::move(out).finish(env);
}

std::string encode(const relay_event& x, envelope env) {
  static constexpr std::string_view content_keys[] = {"sdp", "sdp", "candidate", "data"};
  writer out{type_name(x.kind), 160 + x.content_json.size()};
  out.field("roomId", x.room_id)
    .field("from", x.from)
    .optional_field("fromUserId", x.from_user_id)
    .key(content_keys[static_cast<std::size_t>(x.kind)])
    .raw(x.content_json);
  return std::move(out).finish(env);
}

std::string encode(const ack_reply& x, envelope env) {
  writer out{type_name(server_type::ack)};
  out.field("requestType", x.request_type);
  return std::move(out).finish(env);
}

std::string encode(const error_reply& x, envelope env) {
  writer out{type_name(server_type::error)};
  out.field("code", to_string(x.code))
    .field("message", x.message)
    .optional_field("requestType", x.request_type);
  if (!x.path.empty())
    out.key("details").open_object().field("path", x.path).close_object();
  return std::move(out).finish(env);
}

std::string encode(const pong_reply&, envelope env) {
  writer out{type_name(server_type::pong)};
  out.field("serverTime", env.timestamp_ms);
  return std::move(out).finish(env);
}

std::string encode(const server_shutdown_event& x, envelope env) {
  writer out{type_name(server_type::server_shutdown)};
  out.field("reconnectAfterMs", static_cast<std::int64_t>(x.reconnect_after_ms));
  return std::move(out).finish(env);
}

std::string encode(const turn_credentials_reply& x, envelope env) {
  writer out{type_name(server_type::turn_credentials)};
  out.key("iceServers").open_array();
  for (const auto& server : x.ice_servers) {
    if (&server != &x.ice_servers.front())
      out.raw(",");
    out.open_object().key("urls").open_array();
    for (const auto& url : server.urls) {
      if (&url != &server.urls.front())
        out.raw(",");
      out.string(url);
    }
    out.close_array()
      .optional_field("username", server.username)
      .optional_field("credential", server.credential)
      .close_object();
  }
  out.close_array().field("ttlSeconds", static_cast<std::int64_t>(x.ttl_seconds));
  return std::move(out).finish(env);
}

std::string encode(const auth_response_reply& x, envelope env) {
  writer out{type_name(server_type::auth_response)};
  out.key("success")
    .boolean(true)
    .field("userId", x.user_id)
    .optional_field("displayName", x.display_name);
  return std::move(out).finish(env);
}

std::string encode(const auth_expiring_event& x, envelope env) {
  writer out{type_name(server_type::auth_expiring)};
  out.field("expiresAt", x.expires_at_ms);
  return std::move(out).finish(env);
}

std::string encode(const parse_error& x, std::int64_t timestamp_ms) {
  return encode(error_reply{x.code, x.message, x.request_type, x.path},
                envelope{timestamp_ms, x.correlation_id ? std::string_view{*x.correlation_id}
                                                        : std::string_view{}});
}

} // namespace signaling::schema
