// The SESSION REGISTRY actor: creates sessions, resolves resume tokens (each
// once) and forgets sessions when they end.
#include "actors/session_registry_actor.hpp"

#include "actors/identifiers.hpp"
#include "actors/log.hpp"
#include "actors/session_actor.hpp"
#include "actors/status.hpp"

#include <caf/exit_reason.hpp>

namespace signaling::actors {

session_actor session_registry_state::create() {
  auto token = random_identifier();
  auto peer_id = random_identifier();
  auto handle = self->spawn(session, peer_id, token, session_registry_actor{self}, directory,
                            settings, metrics);
  self->monitor(handle);
  keys_of.emplace(handle.address(), keys{token, peer_id});
  sessions.emplace(std::move(token), handle);
  peers.emplace(std::move(peer_id), handle);
  return handle;
}

std::optional<std::pair<session_actor, std::string>>
session_registry_state::take(const std::string& token) {
  auto i = sessions.find(token);
  if (i == sessions.end())
    return std::nullopt;
  auto handle = std::move(i->second);
  sessions.erase(i);
  auto next = random_identifier();
  keys_of[handle.address()].resume_token = next;
  sessions.emplace(next, handle);
  return std::make_pair(std::move(handle), std::move(next));
}

void session_registry_state::forget(const caf::actor_addr& session) {
  auto i = keys_of.find(session);
  if (i == keys_of.end())
    return;
  sessions.erase(i->second.resume_token);
  peers.erase(i->second.peer_id);
  keys_of.erase(i);
}

caf::result<session_actor> session_registry_state::find(const std::string& peer_id) const {
  if (auto i = peers.find(peer_id); i != peers.end())
    return i->second;
  return make_protocol_error(schema::error_code::session_not_found,
                             "no peer '" + peer_id + "' on this node");
}

std::vector<session_actor> session_registry_state::list() const {
  std::vector<session_actor> result;
  result.reserve(peers.size());
  for (const auto& [peer_id, handle] : peers)
    result.emplace_back(handle);
  return result;
}

caf::settings session_registry_state::status() const {
  auto result = status_header(self);
  caf::put(result, "sessions", static_cast<std::int64_t>(peers.size()));
  return result;
}

void session_registry_state::end_all() {
  for (const auto& [token, handle] : sessions)
    self->send_exit(handle, caf::exit_reason::user_shutdown);
}

session_registry_actor::behavior_type
session_registry(session_registry_actor::stateful_pointer<session_registry_state> self,
                 room_directory_actor directory, settings_ptr settings, metrics_ptr metrics) {
  self->set_exception_handler(log_failure);
  self->state.directory = std::move(directory);
  self->state.settings = std::move(settings);
  self->state.metrics = std::move(metrics);
  self->set_down_handler([self](const caf::down_msg& down) { self->state.forget(down.source); });
  // Sessions in their grace would otherwise keep the system alive until it
  // ran out: when the registry goes, they go.
  self->set_exit_handler([self](const caf::exit_msg& exit) {
    self->state.end_all();
    self->quit(exit.reason);
  });
  return {
    [self](start_atom, connection_actor& connection, std::string& upgrade_token) {
      return self->delegate(self->state.create(), start_atom_v, std::move(connection),
                            std::move(upgrade_token));
    },
    [self](resume_atom, const std::string& token) -> caf::result<session_actor, std::string> {
      if (auto found = self->state.take(token))
        return {std::move(found->first), std::move(found->second)};
      return session_not_found_error();
    },
    [self](find_atom, const std::string& peer_id) { return self->state.find(peer_id); },
    [self](list_atom) { return self->state.list(); },
    [self](status_atom) { return self->state.status(); },
  };
}

} // namespace signaling::actors
