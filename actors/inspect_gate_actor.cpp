// The INSPECT GATE actor: checks the inspect token of every query.
#include "actors/inspect_gate_actor.hpp"

#include "actors/log.hpp"

#include <openssl/crypto.h>

namespace signaling::actors {

bool inspect_gate_state::admits(const std::string& presented) const {
  return !token.empty() && presented.size() == token.size()
         && CRYPTO_memcmp(presented.data(), token.data(), token.size()) == 0;
}

caf::result<caf::settings> inspect_gate_state::pass(const std::string& presented,
                                                    inspect_query& query) {
  if (!admits(presented)) {
    log(log_level::warning, "inspect-refused", {{"reason", "wrong or missing inspect token"}});
    return make_protocol_error(schema::error_code::unauthorized, "wrong or missing inspect token");
  }
  return self->delegate(server, inspect_atom_v, std::move(query));
}

inspect_gate_actor::behavior_type
inspect_gate(inspect_gate_actor::stateful_pointer<inspect_gate_state> self, server_actor server,
             std::string token) {
  self->state.self = self;
  self->state.server = std::move(server);
  self->state.token = std::move(token);
  return {
    [self](inspect_atom, const std::string& presented, inspect_query& query) {
      return self->state.pass(presented, query);
    },
  };
}

} // namespace signaling::actors
