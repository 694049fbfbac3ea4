// Shared pieces of the actor suites: a deterministic actor system, a stand-in
// for the connection actor that records every frame, and peers made of a
// real session and such a recorder.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/room_directory_actor.hpp"
#include "actors/server_actor.hpp"
#include "actors/session_actor.hpp"
#include "actors/session_registry_actor.hpp"

#include <caf/test/dsl.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace signaling::test {

/// Parses a frame the server wrote; fails the test on invalid JSON.
inline boost::json::object parse_frame(const std::string& text) {
  boost::json::error_code ec;
  auto value = boost::json::parse(text, ec);
  CAF_REQUIRE(!ec);
  CAF_REQUIRE(value.is_object());
  return value.as_object();
}

struct recorder_state {
  const char* name = "recorder";
  std::vector<boost::json::object> frames;
  /// Close codes the session asked for.
  std::vector<schema::close_code> closes;
  /// Times the session asked for a ping that confirms its frames.
  int confirmations_asked = 0;
};

/// Plays a connection: keeps what its session sends, ignores the rest.
inline actors::connection_actor::behavior_type
recorder(actors::connection_actor::stateful_pointer<recorder_state> self) {
  using namespace actors;
  return {
    [](frame_atom, const std::string&, std::int64_t) {},
    [](binary_atom) {},
    [](oversized_atom) {},
    [](pong_atom, const std::string&) {},
    [](closed_atom, close_cause) {},
    [self](deliver_atom, const text_frame& frame) {
      self->state.frames.emplace_back(parse_frame(*frame.text));
    },
    [](heartbeat_atom) {},
    [](shutdown_atom) {},
    [self](close_atom, schema::close_code code) { self->state.closes.push_back(code); },
    [self](confirm_atom) { ++self->state.confirmations_asked; },
    [](status_atom) {
      caf::settings result;
      caf::put(result, "kind", "recorder");
      return result;
    },
  };
}

using recorder_actor = caf::stateful_actor<recorder_state, actors::connection_actor::base>;

struct actor_fixture : test_coordinator_fixture<> {
  struct peer {
    std::string id;
    actors::connection_actor connection;
    actors::session_actor session;
    /// The resume token from the connected frame (registry-made peers).
    std::string resume_token;
    /// The payload of the connected frame (registry-made peers).
    boost::json::object connected;
  };

  // Rooms and sessions hold each other's handles, and a session outlives its
  // connection for the grace, so the system would wait forever for them:
  // end every connection and session, then the server (with its registry
  // and directory).
  ~actor_fixture() override {
    for (const auto& connection : connections)
      caf::anon_send_exit(connection, caf::exit_reason::user_shutdown);
    for (const auto& session : sessions)
      caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
    if (server_)
      caf::anon_send_exit(server_, caf::exit_reason::user_shutdown);
    run();
  }

  /// The settings as they are now, for an actor spawned now.
  actors::settings_ptr current_settings() const {
    return std::make_shared<const actors::server_settings>(settings);
  }

  /// The server, spawned at first use with the settings of that moment (so
  /// that a test may change them first), with its registry and directory.
  actors::server_actor server() {
    if (!server_) {
      server_ = sys.spawn(actors::server, current_settings(), metrics);
      run();
      const auto& state = deref<server_type>(server_).state;
      registry_ = state.registry;
      directory_ = state.directory;
    }
    return server_;
  }

  actors::session_registry_actor registry() {
    server();
    return registry_;
  }

  actors::room_directory_actor directory() {
    server();
    return directory_;
  }

  /// Waits for the answer to `request` after running the system; fails the
  /// test on an error.
  template <class Handle, class... Ts>
  actors::session_handoff handoff(const Handle& receiver, Ts&&... xs) {
    auto answer = self->request(receiver, caf::infinite, std::forward<Ts>(xs)...);
    run();
    actors::session_handoff result;
    answer.receive([&](actors::session_handoff& x) { result = std::move(x); },
                   [&](caf::error& error) { CAF_FAIL("no handoff: " << sys.render(error)); });
    return result;
  }

  /// A peer with the given id: a real session, started by hand, and a
  /// recorder for its connection.
  peer make_peer(std::string id) {
    auto connection = sys.spawn(recorder);
    connections.emplace_back(connection);
    auto session_handle = sys.spawn(actors::session, id, "token-" + id, registry(), directory(),
                                    current_settings(), metrics);
    sessions.emplace_back(session_handle);
    handoff(session_handle, actors::start_atom_v, connection, std::string{});
    return peer{std::move(id), connection, session_handle, "token-" + id, {}};
  }

  /// A peer as a new connection gets one: started by the server, which
  /// keeps the connection, and created by the registry, with a random id and
  /// a resume token the registry knows.
  peer connect(std::string upgrade_token = {}) {
    return connect(sys.spawn(recorder), std::move(upgrade_token));
  }

  /// A peer whose connection is `connection` (a recorder or another
  /// stand-in).
  peer connect(actors::connection_actor connection, std::string upgrade_token = {}) {
    connections.emplace_back(connection);
    auto started = handoff(server(), actors::start_atom_v, connection, std::move(upgrade_token));
    sessions.emplace_back(started.session);
    auto connected = parse_frame(*started.connected.text).at("payload").as_object();
    auto token = std::string{connected.at("resumeToken").as_string()};
    return peer{started.peer_id, connection, started.session, std::move(token),
                std::move(connected)};
  }

  /// Sends a client request on behalf of `who` and runs to quiescence.
  template <class Request>
  void request(const peer& who, Request request, std::string correlation = {}) {
    self->send(who.session, actors::request_atom_v, std::move(request), std::move(correlation));
    run();
  }

  void join(const peer& who, std::string room_id, std::uint32_t max_peers = 0) {
    schema::join_request request;
    request.room_id = std::move(room_id);
    request.max_peers = max_peers;
    this->request(who, request);
  }

  void relay(const peer& who, std::string room_id, std::string to, std::string data) {
    this->request(who, schema::relay_request{schema::relay_kind::room_message, std::move(room_id),
                                             std::move(to), std::move(data)});
  }

  /// Every frame `who` received so far, removed from its record.
  std::vector<boost::json::object> take_frames(const peer& who) {
    auto& frames = deref<recorder_actor>(who.connection).state.frames;
    auto result = std::move(frames);
    frames.clear();
    return result;
  }

  /// The single frame `who` received; fails unless there is exactly one.
  boost::json::object take_frame(const peer& who) {
    auto frames = take_frames(who);
    CAF_REQUIRE_EQUAL(frames.size(), 1u);
    return frames.front();
  }

  std::uint64_t room_count() {
    auto& state =
      deref<caf::stateful_actor<actors::room_directory_state, actors::room_directory_actor::base>>(
        directory())
        .state;
    return state.rooms.size();
  }

  /// Ends `who`'s connection as a close handshake would.
  void disconnect(const peer& who) { end_connection(who, actors::close_cause::client_close); }

  /// Ends `who`'s connection as a lost socket would (the session detaches).
  void lose(const peer& who) { end_connection(who, actors::close_cause::lost); }

  void end_connection(const peer& who, actors::close_cause cause) {
    self->send(who.session, actors::detach_atom_v, who.connection, cause);
    caf::anon_send_exit(who.connection, caf::exit_reason::user_shutdown);
    run();
  }

  /// Runs every pending message but fires no timer: the clock moves only by
  /// advance_time, so graces, heartbeats and request timeouts fire when a
  /// test says so (hides the fixture's run, which fires them all).
  std::size_t run() { return sched.run(); }

  /// Moves the clock by `interval` and runs what became due.
  void advance(caf::timespan interval) {
    advance_time(interval);
    run();
  }

  actors::server_settings settings;
  /// This system's metrics, which no other test's system shares.
  actors::metrics_ptr metrics = std::make_shared<actors::server_metrics>();
  std::vector<actors::connection_actor> connections;
  std::vector<actors::session_actor> sessions;

private:
  using server_type = caf::stateful_actor<actors::server_state, actors::server_actor::base>;

  actors::server_actor server_;
  actors::session_registry_actor registry_;
  actors::room_directory_actor directory_;
};

inline std::string type_of(const boost::json::object& frame) {
  return std::string{frame.at("type").as_string()};
}

inline std::string error_code_of(const boost::json::object& frame) {
  if (type_of(frame) != "error")
    return "(not an error: " + type_of(frame) + ")";
  return std::string{frame.at("payload").at("code").as_string()};
}

} // namespace signaling::test
