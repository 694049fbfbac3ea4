// The status every actor answers (status_client_actor), and the fan-out that
// asks many actors at once without waiting on any one of them for long.
#pragma once

#include "actors/interfaces.hpp"

#include <caf/actor_cast.hpp>
#include <caf/config_value.hpp>
#include <caf/settings.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signaling::actors {

/// How long the server waits for one actor's status: a busy actor answers
/// late, and the inspector shows it as unresponsive rather than wait.
constexpr auto status_timeout = std::chrono::seconds{2};

/// How long an actor whose status includes another's waits for it: less
/// than its own asker waits, so that it still answers in time.
constexpr auto nested_status_timeout = status_timeout / 2;

/// Messages waiting in the mailbox of `self`, as far as it has taken them
/// in. Call from inside the actor. Not mailbox().size(): that moves newly
/// arrived messages into the queue the actor is in the middle of handling
/// (undefined behavior, which UBSan caught in the storm); this only reads
/// the queue's count, so a burst arriving during the current round shows at
/// the next.
template <class Self>
std::int64_t mailbox_depth(Self* self) {
  return static_cast<std::int64_t>(self->mailbox().queue().total_task_size());
}

/// What every status starts with: the actor's kind (its state's name), id
/// and mailbox depth. Call from inside the actor (the mailbox is its own).
template <class Self>
caf::settings status_header(Self* self) {
  caf::settings result;
  caf::put(result, "kind", std::string{self->name()});
  caf::put(result, "id", static_cast<std::int64_t>(self->id()));
  caf::put(result, "mailbox", mailbox_depth(self));
  return result;
}

/// The status standing in for an actor of `kind` that did not answer (gone,
/// or too busy to answer in time).
caf::settings unresponsive_status(std::string_view kind, const caf::error& reason);

/// A settings list, as status trees nest them.
caf::config_value::list to_list(std::vector<caf::settings> xs);

/// An actor to ask for its status, and its kind should it not answer.
struct status_target {
  status_client_actor handle;
  std::string_view kind;
};

/// Appends `handles` (actors of `kind`) to `targets`.
template <class Handle>
void add_targets(std::vector<status_target>& targets, const std::vector<Handle>& handles,
                 std::string_view kind) {
  for (const auto& handle : handles)
    targets.push_back({caf::actor_cast<status_client_actor>(handle), kind});
}

/// Asks each of `targets` for its status at once; calls `done` with the
/// answers in the order of `targets` once all answered or timed out.
template <class Self, class Done>
void collect_status(Self* self, const std::vector<status_target>& targets, Done done) {
  struct pending {
    std::vector<caf::settings> answers;
    std::size_t open;
    Done done;
    void settle(std::size_t index, caf::settings answer) {
      answers[index] = std::move(answer);
      if (--open == 0)
        done(std::move(answers));
    }
  };
  if (targets.empty()) {
    done(std::vector<caf::settings>{});
    return;
  }
  auto state = std::make_shared<pending>(
    pending{std::vector<caf::settings>(targets.size()), targets.size(), std::move(done)});
  for (std::size_t index = 0; index < targets.size(); ++index)
    self->request(targets[index].handle, status_timeout, status_atom_v)
      .then([state, index](caf::settings& answer) { state->settle(index, std::move(answer)); },
            [state, index, kind = targets[index].kind](caf::error& reason) {
              state->settle(index, unresponsive_status(kind, reason));
            });
}

} // namespace signaling::actors
