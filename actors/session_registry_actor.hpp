// The SESSION REGISTRY actor: resume token -> session for this node. It
// creates the session of each new connection and hands a detached session
// to the connection that resumes it.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/metrics.hpp"
#include "actors/settings.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace signaling::actors {

struct session_registry_state {
  // -- constants ---------------------------------------------------------------

  static constexpr const char* name = "session-registry";

  // -- construction ------------------------------------------------------------

  explicit session_registry_state(session_registry_actor::pointer self) : self(self) {
    // nop
  }

  // -- operations --------------------------------------------------------------

  /// Spawns a session with a fresh peer id and resume token.
  session_actor create();

  /// The session of `token`, which stops being valid, and the token that
  /// replaces it; nullopt when no session holds it.
  std::optional<std::pair<session_actor, std::string>> take(const std::string& token);

  /// Forgets an ended session.
  void forget(const caf::actor_addr& session);

  /// Ends every session (the server is shutting down).
  void end_all();

  /// The session of `peer_id`, or SESSION_NOT_FOUND.
  [[nodiscard]] caf::result<session_actor> find(const std::string& peer_id) const;

  [[nodiscard]] std::vector<session_actor> list() const;

  [[nodiscard]] caf::settings status() const;

  // -- data members ------------------------------------------------------------

  session_registry_actor::pointer self;

  room_directory_actor directory;

  settings_ptr settings;

  metrics_ptr metrics;

  std::unordered_map<std::string, session_actor> sessions;

  /// Peer id -> session, for the inspector (peer ids never change).
  std::unordered_map<std::string, session_actor> peers;

  /// What a session is known by, to forget it from its down_msg.
  struct keys {
    std::string resume_token;
    std::string peer_id;
  };

  std::unordered_map<caf::actor_addr, keys> keys_of;
};

session_registry_actor::behavior_type
session_registry(session_registry_actor::stateful_pointer<session_registry_state> self,
                 room_directory_actor directory, settings_ptr settings, metrics_ptr metrics);

} // namespace signaling::actors
