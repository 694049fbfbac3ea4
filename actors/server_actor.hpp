// The SERVER actor: the root of one node. It spawns and owns the room
// directory and the session registry, knows every connection, drains them on
// shutdown, and answers the inspector by asking its actors for their status.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/metrics.hpp"
#include "actors/settings.hpp"

#include <caf/settings.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace signaling::actors {

struct server_state {
  // -- constants ---------------------------------------------------------------

  static constexpr const char* name = "server";

  /// How often the counters behind the summary's rates are sampled.
  static constexpr auto rate_interval = std::chrono::seconds{1};

  /// Every how many rate samples the hubs' mailboxes are looked at for
  /// /metrics (signal_mailbox_depth_max).
  static constexpr int mailbox_sample_every = 5;

  // -- construction ------------------------------------------------------------

  explicit server_state(server_actor::pointer self) : self(self) {
    // nop
  }

  // -- connections -------------------------------------------------------------

  /// Keeps `connection` until it ends and lets the registry give it a
  /// session (the new session answers).
  caf::delegated<session_handoff> start(connection_actor connection, std::string upgrade_token);

  /// Forgets an ended connection; ends a drain that waited for it.
  void forget(const caf::actor_addr& connection);

  // -- shutdown ----------------------------------------------------------------

  /// Sends server:shutdown to every connection; the answer comes once all
  /// have ended or the drain time is up.
  caf::result<caf::ok_atom> drain();

  /// The drain time is up: answer, whatever is still open.
  void end_drain();

  /// Ends every connection, then the server (the directory and the
  /// registry, linked to it, end with it).
  void end_all(const caf::error& reason);

  // -- inspection --------------------------------------------------------------

  [[nodiscard]] caf::settings status() const;

  using settings_promise = caf::typed_response_promise<caf::settings>;

  /// Answers an inspector's query from the status of the actors it names.
  caf::result<caf::settings> answer(const inspect_query& query);

  /// The node: counts from every actor's status, and the rates.
  void summarize(settings_promise promise);

  /// Every actor counted by kind, the `top` deepest mailboxes first.
  void list_actors(settings_promise promise, std::uint32_t top);

  /// Every room's status, by room id.
  void list_rooms(settings_promise promise);

  /// The status of the room or session (`Found`) that `finder` (the
  /// directory or the registry) finds for `id`, or its error.
  template <class Found, class Finder>
  void describe(settings_promise promise, const Finder& finder, const std::string& id);

  /// Has the room `room_id` send `subscriber` its events; answers once it
  /// does, or ROOM_NOT_FOUND.
  caf::result<caf::ok_atom> trace(const std::string& room_id, trace_subscriber_actor subscriber,
                                  bool full);

  /// Samples the counters behind the summary's rates (and now and then the
  /// mailboxes).
  void sample_rates();

  /// Sets signal_mailbox_depth_max from the hubs: the server, the registry,
  /// the directory and the rooms, where many clients' messages meet (a
  /// connection's or a session's mailbox holds one client's).
  void sample_mailboxes();

  // -- data members ------------------------------------------------------------

  server_actor::pointer self;

  settings_ptr settings;

  metrics_ptr metrics;

  room_directory_actor directory;

  session_registry_actor registry;

  /// Every live connection, by address (down messages name addresses).
  std::unordered_map<caf::actor_addr, connection_actor> connections;

  /// The drain's answer while it waits for connections to end.
  std::optional<caf::typed_response_promise<caf::ok_atom>> draining;

  /// When the server started (Unix ms).
  std::int64_t started_at = 0;

  /// The counters at the last sample, and their rates per second since the
  /// sample before it.
  struct rate_sample {
    std::uint64_t messages_received = 0;
    std::uint64_t relays = 0;
    double messages_received_per_second = 0;
    double relays_per_second = 0;
    int count = 0;
  };

  rate_sample rates;
};

/// Spawned once per node by signal-server (and by tests).
server_actor::behavior_type server(server_actor::stateful_pointer<server_state> self,
                                   settings_ptr settings, metrics_ptr metrics);

} // namespace signaling::actors
