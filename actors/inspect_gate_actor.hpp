// The INSPECT GATE actor: what signal-server publishes on the inspect port.
// It passes an inspector's query to the server only with the inspect token.
#pragma once

#include "actors/interfaces.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <string>
#include <utility>

namespace signaling::actors {

struct inspect_gate_state {
  static constexpr const char* name = "inspect-gate";

  /// Whether `presented` is the inspect token (in constant time, so timing
  /// tells a guesser nothing).
  [[nodiscard]] bool admits(const std::string& presented) const;

  /// Passes `xs...` to the server, or refuses them with UNAUTHORIZED.
  template <class Result, class... Ts>
  caf::result<Result> pass(const std::string& presented, Ts&&... xs) {
    if (!admits(presented))
      return refusal();
    return self->delegate(server, std::forward<Ts>(xs)...);
  }

  /// UNAUTHORIZED, logged.
  [[nodiscard]] static caf::error refusal();

  inspect_gate_actor::pointer self = nullptr;

  server_actor server;

  std::string token;
};

/// `token` must not be empty: the gate admits no one without one.
inspect_gate_actor::behavior_type
inspect_gate(inspect_gate_actor::stateful_pointer<inspect_gate_state> self, server_actor server,
             std::string token);

} // namespace signaling::actors
