// A session that survives its connections: it counts the frames it receives
// as session:resume's `received` does (all but pong, connected and
// session:resumed, since the last connected or session:resumed), cuts its
// connection in one of several ways and resumes on a new one. Every wait is
// bounded; problems are collected rather than reported, so the caller can
// print them with what it knows (a seed, a round).
#pragma once

#include "test_client.hpp"

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace signaling::test {

/// How a connection is cut. fin and reset end it without a close frame;
/// takeover leaves it open but stops reading it (no pongs, as if
/// half-dead), so the resume usually finds the server still holding it and
/// takes it over.
enum class cut_kind { fin, reset, takeover };
inline constexpr int cut_kinds = 3;

inline const char* name_of(cut_kind kind) {
  switch (kind) {
    case cut_kind::fin:
      return "fin";
    case cut_kind::reset:
      return "reset";
    default:
      return "takeover";
  }
}

class resuming_client {
public:
  /// Called with every counted frame (after `received` counted it).
  using frame_handler = std::function<void(const std::string& type, const json::object& envelope,
                                           const std::string& text)>;

  resuming_client(std::uint16_t port, frame_handler on_frame)
    : port_(port), on_frame_(std::move(on_frame)), client_(std::make_unique<ws_client>(port)) {
    peer_id_ = client_->peer_id();
    token_ = text_of(payload_of(client_->connected()), "resumeToken");
  }

  [[nodiscard]] bool ok() const { return client_->ok() && !token_.empty(); }
  [[nodiscard]] ws_client& client() { return *client_; }
  [[nodiscard]] const std::string& peer_id() const { return peer_id_; }
  [[nodiscard]] std::uint64_t received() const { return received_; }
  /// 0 on the first connection, k after the k-th resume.
  [[nodiscard]] int attachment() const { return attachment_; }
  /// Takeover cuts whose old socket the server closed with 1000.
  [[nodiscard]] int closed_by_takeover() const { return closed_by_takeover_; }
  /// Resume tokens already used (single use: none may resume again).
  [[nodiscard]] const std::vector<std::string>& used_tokens() const { return used_tokens_; }
  [[nodiscard]] const std::vector<std::string>& problems() const { return problems_; }

  void problem(const std::string& what) {
    std::ostringstream out;
    out << "[peer " << peer_id_ << ", attachment " << attachment_ << ", received " << received_
        << "] " << what;
    problems_.emplace_back(out.str());
  }

  /// Counts a frame the caller read itself (e.g. a reply it took with
  /// expect()).
  void count_read() { ++received_; }

  /// Waits up to `timeout` for one event of the current connection and
  /// handles it if it is a text frame; its kind.
  client_event::kind poll(ms timeout) {
    auto event = client_->next_event(timeout);
    switch (event.what) {
      case client_event::kind::text:
        handle(event.data);
        break;
      case client_event::kind::closed:
        problem("the server closed the connection (code " + std::to_string(event.close_code) + ", "
                + event.error + ")");
        break;
      case client_event::kind::binary:
        problem("binary frame");
        break;
      case client_event::kind::timeout:
        break;
    }
    return event.what;
  }

  /// Cuts the connection as `kind` says, counts what the reader had already
  /// taken off the socket, waits `delay`, and resumes on a new connection
  /// with `received`. The session:resumed payload, or empty (and a problem)
  /// if the session could not be resumed.
  json::object cut_and_resume(cut_kind kind, ms delay) {
    std::unique_ptr<ws_client> stale;
    if (kind == cut_kind::takeover) {
      // Whatever the reader took off the socket before it stopped was
      // received; what it takes later (if it was still waiting for a frame)
      // is ignored: no pong confirms it, so the session replays it.
      client_->pause_reading();
      for (;;) {
        auto event = client_->next_event(ms{0});
        if (event.what != client_event::kind::text)
          break;
        handle(event.data);
      }
      stale = std::move(client_);
    } else {
      if (kind == cut_kind::fin)
        client_->drop();
      else
        client_->reset();
      // Frames the reader read before the cut were received: they count.
      for (;;) {
        auto event = client_->next_event(2s);
        if (event.what == client_event::kind::text) {
          handle(event.data);
          continue;
        }
        if (event.what != client_event::kind::closed)
          problem("the cut connection did not report its end");
        break;
      }
      client_.reset();
    }
    std::this_thread::sleep_for(delay);
    client_ = std::make_unique<ws_client>(port_);
    if (!client_->ok()) {
      problem("cannot open a new connection");
      return {};
    }
    client_->send("session:resume", {{"resumeToken", token_}, {"received", received_}});
    auto reply = client_->next();
    auto payload = payload_of(reply);
    if (text_of(reply, "type") != "session:resumed") {
      problem(std::string{"resume after a "} + name_of(kind) + " cut answered "
              + json::serialize(reply));
      return {};
    }
    ++attachment_;
    received_ = 0;
    if (text_of(payload, "peerId") != peer_id_)
      problem("resumed as " + text_of(payload, "peerId") + ", not " + peer_id_);
    auto fresh = text_of(payload, "resumeToken");
    if (fresh.empty() || fresh == token_)
      problem("session:resumed without a new resumeToken: " + json::serialize(reply));
    used_tokens_.push_back(token_);
    token_ = fresh;
    if (stale) {
      // Taken over: the server closes the old socket with 1000 (unless its
      // heartbeat had given up on it already: then it was a plain loss).
      stale->start_reading();
      auto code = stale->expect_close(5s);
      if (code == 1000)
        ++closed_by_takeover_;
      else if (code != 1006)
        problem("the taken-over socket closed with " + std::to_string(code));
    }
    return payload;
  }

private:
  void handle(const std::string& text) {
    auto value = parse_server_frame(text);
    if (!value.is_object()) {
      problem("not a JSON object: " + text);
      return;
    }
    const auto& envelope = value.get_object();
    auto type = text_of(envelope, "type");
    if (type == "pong" || type == "connected" || type == "session:resumed") {
      problem("unexpected " + text);
      return;
    }
    ++received_;
    if (on_frame_)
      on_frame_(type, envelope, text);
  }

  std::uint16_t port_;
  frame_handler on_frame_;
  std::unique_ptr<ws_client> client_;
  std::string peer_id_;
  std::string token_;
  std::vector<std::string> used_tokens_;
  std::uint64_t received_ = 0;
  int attachment_ = 0;
  int closed_by_takeover_ = 0;
  std::vector<std::string> problems_;
};

} // namespace signaling::test
