// The INSPECT GATE actor: checks the inspect token of every query.
#include "actors/inspect_gate_actor.hpp"

#include "actors/log.hpp"

#include <openssl/crypto.h>

namespace signaling::actors {

bool inspect_gate_state::admits(const std::string& presented) const {
  return !token.empty() && presented.size() == token.size()
         && CRYPTO_memcmp(presented.data(), token.data(), token.size()) == 0;
}

caf::error inspect_gate_state::refusal() {
  log(log_level::warning, "inspect-refused", {{"reason", "wrong or missing inspect token"}});
  return make_protocol_error(schema::error_code::unauthorized, "wrong or missing inspect token");
}

inspect_gate_actor::behavior_type
inspect_gate(inspect_gate_actor::stateful_pointer<inspect_gate_state> self, server_actor server,
             std::string token) {
  self->set_exception_handler(log_failure);
  self->state.self = self;
  self->state.server = std::move(server);
  self->state.token = std::move(token);
  return {
    [self](inspect_atom, const std::string& presented, inspect_query& query) {
      return self->state.pass<caf::settings>(presented, inspect_atom_v, std::move(query));
    },
    [self](trace_atom, const std::string& presented, std::string& room_id,
           trace_subscriber_actor& subscriber, bool full) {
      return self->state.pass<caf::ok_atom>(presented, trace_atom_v, std::move(room_id),
                                            std::move(subscriber), full);
    },
  };
}

} // namespace signaling::actors
