// The SERVER actor: connections, the drain, and the inspector's answers.
#include "actors/server_actor.hpp"

#include "actors/clock.hpp"
#include "actors/connection_actor.hpp"
#include "actors/log.hpp"
#include "actors/room_actor.hpp"
#include "actors/room_directory_actor.hpp"
#include "actors/session_actor.hpp"
#include "actors/session_registry_actor.hpp"
#include "actors/status.hpp"

#include <caf/spawn_options.hpp>

#include <algorithm>
#include <map>
#include <memory>

namespace signaling::actors {

namespace {

/// An integer field of a status tree; 0 when absent.
std::int64_t integer_of(const caf::settings& status, std::string_view key) {
  return caf::get_or(status, key, std::int64_t{0});
}

std::string string_of(const caf::settings& status, std::string_view key) {
  return caf::get_or(status, key, std::string{});
}

/// Every live actor of the node but the server: what the summary counts and
/// what `actors` lists.
struct census {
  std::vector<caf::settings> actors;

  [[nodiscard]] std::map<std::string, std::int64_t> count_by(std::string_view key) const {
    std::map<std::string, std::int64_t> result;
    for (const auto& status : actors)
      ++result[string_of(status, key)];
    return result;
  }
};

caf::settings to_settings(const std::map<std::string, std::int64_t>& counts) {
  caf::settings result;
  for (const auto& [key, count] : counts)
    caf::put(result, key, count);
  return result;
}

} // namespace

// -- connections ----------------------------------------------------------------

caf::delegated<session_handoff> server_state::start(connection_actor connection,
                                                    std::string upgrade_token) {
  self->monitor(connection);
  connections.emplace(connection.address(), connection);
  // A connection that slipped in while draining is told at once; it handles
  // the shutdown once its session is there.
  if (draining)
    self->send(connection, shutdown_atom_v);
  return self->delegate(registry, start_atom_v, std::move(connection), std::move(upgrade_token));
}

void server_state::forget(const caf::actor_addr& connection) {
  connections.erase(connection);
  if (draining && connections.empty())
    end_drain();
}

// -- shutdown -------------------------------------------------------------------

caf::result<caf::ok_atom> server_state::drain() {
  log(log_level::info, "shutdown", {{"openConnections", std::to_string(connections.size())}});
  if (connections.empty())
    return caf::ok_atom_v;
  for (const auto& [address, connection] : connections)
    self->send(connection, shutdown_atom_v);
  draining = self->make_response_promise<caf::ok_atom>();
  self->delayed_send(self, std::chrono::milliseconds{settings->drain_ms}, drain_atom_v);
  return *draining;
}

void server_state::end_drain() {
  if (!draining)
    return;
  if (!connections.empty())
    log(log_level::info, "drain-timed-out",
        {{"openConnections", std::to_string(connections.size())}});
  draining->deliver(caf::ok_atom_v);
  draining.reset();
}

void server_state::end_all(const caf::error& reason) {
  for (const auto& [address, connection] : connections)
    self->send_exit(connection, reason);
  self->quit(reason);
}

// -- inspection -----------------------------------------------------------------

caf::settings server_state::status() const {
  auto result = status_header(self);
  caf::put(result, "node", caf::to_string(self->node()));
  caf::put(result, "startedAt", started_at);
  caf::put(result, "uptimeSeconds", (now_ms() - started_at) / 1000);
  caf::put(result, "connections", static_cast<std::int64_t>(connections.size()));
  caf::put(result, "draining", draining.has_value());
  return result;
}

void server_state::sample_rates() {
  std::uint64_t received = 0;
  for (const auto& total : metrics->messages_received_total)
    received += total.load(std::memory_order_relaxed);
  auto relays = metrics->relays_total.load(std::memory_order_relaxed);
  auto seconds = std::chrono::duration<double>{rate_interval}.count();
  rates.messages_received_per_second =
    static_cast<double>(received - rates.messages_received) / seconds;
  rates.relays_per_second = static_cast<double>(relays - rates.relays) / seconds;
  rates.messages_received = received;
  rates.relays = relays;
  if (++rates.count % mailbox_sample_every == 0)
    sample_mailboxes();
  self->delayed_send(self, rate_interval, sample_atom_v);
}

void server_state::sample_mailboxes() {
  self->request(directory, status_timeout, list_atom_v)
    .then(
      [this](std::vector<room_actor>& rooms) {
        std::vector<status_target> targets;
        add_targets(targets, rooms, room_state::name);
        add_targets(targets, std::vector{registry}, session_registry_state::name);
        add_targets(targets, std::vector{directory}, room_directory_state::name);
        collect_status(self, targets, [this](std::vector<caf::settings> answers) {
          auto deepest = mailbox_depth(self);
          for (const auto& answer : answers)
            deepest = std::max(deepest, integer_of(answer, "mailbox"));
          metrics->set_mailbox_depth_max(deepest);
        });
      },
      [](caf::error&) {
        // A directory too busy to list its rooms answers at the next sample.
      });
}

namespace {

/// Asks the registry and the directory for their actors, then every actor of
/// the node for its status; calls `done` with them.
template <class Done>
void take_census(server_state& state, server_state::settings_promise promise, Done done) {
  auto* self = state.self;
  auto fail = [promise](caf::error& reason) mutable { promise.deliver(std::move(reason)); };
  self->request(state.registry, status_timeout, list_atom_v)
    .then(
      [&state, self, promise, fail, done](std::vector<session_actor>& sessions) mutable {
        self->request(state.directory, status_timeout, list_atom_v)
          .then(
            [&state, self, sessions = std::move(sessions), done](std::vector<room_actor>& rooms) {
              std::vector<connection_actor> connections;
              connections.reserve(state.connections.size());
              for (const auto& [address, connection] : state.connections)
                connections.emplace_back(connection);
              std::vector<status_target> targets;
              add_targets(targets, connections, connection_state::name);
              add_targets(targets, sessions, session_state::name);
              add_targets(targets, rooms, room_state::name);
              add_targets(targets, std::vector{state.registry}, session_registry_state::name);
              add_targets(targets, std::vector{state.directory}, room_directory_state::name);
              collect_status(self, targets, [done](std::vector<caf::settings> answers) mutable {
                done(census{std::move(answers)});
              });
            },
            fail);
      },
      fail);
}

} // namespace

caf::result<caf::settings> server_state::answer(const inspect_query& query) {
  auto promise = self->make_response_promise<caf::settings>();
  switch (query.command) {
    case inspect_command::summary:
      summarize(promise);
      break;
    case inspect_command::actors:
      list_actors(promise, query.top);
      break;
    case inspect_command::rooms:
      list_rooms(promise);
      break;
    case inspect_command::room:
      describe<room_actor>(promise, directory, query.id);
      break;
    case inspect_command::peer:
      describe<session_actor>(promise, registry, query.id);
      break;
  }
  return promise;
}

void server_state::summarize(settings_promise promise) {
  take_census(*this, promise, [this, promise](census found) mutable {
    auto result = status();
    found.actors.emplace_back(result);
    caf::put(result, "actors", to_settings(found.count_by("kind")));
    std::map<std::string, std::int64_t> sessions;
    std::int64_t rooms = 0;
    std::int64_t members = 0;
    std::int64_t deepest = 0;
    std::int64_t unresponsive = 0;
    for (const auto& actor : found.actors) {
      auto kind = string_of(actor, "kind");
      if (kind == session_state::name)
        ++sessions[string_of(actor, "state")];
      if (kind == room_state::name) {
        ++rooms;
        if (auto list = caf::get_if(&actor, "members"))
          members += static_cast<std::int64_t>(caf::get<caf::config_value::list>(*list).size());
      }
      deepest = std::max(deepest, integer_of(actor, "mailbox"));
      if (caf::get_or(actor, "unresponsive", false))
        ++unresponsive;
    }
    caf::put(result, "sessions", to_settings(sessions));
    caf::put(result, "rooms", rooms);
    caf::put(result, "members", members);
    caf::put(result, "deepestMailbox", deepest);
    caf::put(result, "unresponsiveActors", unresponsive);
    caf::put(result, "messagesReceivedPerSecond", rates.messages_received_per_second);
    caf::put(result, "relaysPerSecond", rates.relays_per_second);
    promise.deliver(std::move(result));
  });
}

void server_state::list_actors(settings_promise promise, std::uint32_t top) {
  take_census(*this, promise, [this, promise, top](census found) mutable {
    found.actors.emplace_back(status());
    caf::settings result;
    caf::put(result, "total", static_cast<std::int64_t>(found.actors.size()));
    caf::put(result, "byKind", to_settings(found.count_by("kind")));
    auto deeper = [](const caf::settings& x, const caf::settings& y) {
      return integer_of(x, "mailbox") > integer_of(y, "mailbox");
    };
    std::stable_sort(found.actors.begin(), found.actors.end(), deeper);
    if (found.actors.size() > top)
      found.actors.resize(top);
    caf::put(result, "top", to_list(std::move(found.actors)));
    promise.deliver(std::move(result));
  });
}

void server_state::list_rooms(settings_promise promise) {
  self->request(directory, status_timeout, list_atom_v)
    .then(
      [this, promise](std::vector<room_actor>& rooms) mutable {
        std::vector<status_target> targets;
        add_targets(targets, rooms, room_state::name);
        collect_status(self, targets, [promise](std::vector<caf::settings> answers) mutable {
          auto by_id = [](const caf::settings& x, const caf::settings& y) {
            return string_of(x, "roomId") < string_of(y, "roomId");
          };
          std::sort(answers.begin(), answers.end(), by_id);
          caf::settings result;
          caf::put(result, "rooms", to_list(std::move(answers)));
          promise.deliver(std::move(result));
        });
      },
      [promise](caf::error& reason) mutable { promise.deliver(std::move(reason)); });
}

template <class Found, class Finder>
void server_state::describe(settings_promise promise, const Finder& finder, const std::string& id) {
  self->request(finder, status_timeout, find_atom_v, id)
    .then([promise](Found& found) mutable { promise.delegate(found, status_atom_v); },
          [promise](caf::error& reason) mutable { promise.deliver(std::move(reason)); });
}

caf::result<caf::ok_atom> server_state::trace(const std::string& room_id,
                                              trace_subscriber_actor subscriber, bool full) {
  auto promise = self->make_response_promise<caf::ok_atom>();
  self->request(directory, status_timeout, find_atom_v, room_id)
    .then(
      [this, promise, subscriber, full](room_actor& room) mutable {
        self->send(room, trace_atom_v, std::move(subscriber), full);
        promise.deliver(caf::ok_atom_v);
      },
      [promise](caf::error& reason) mutable { promise.deliver(std::move(reason)); });
  return promise;
}

server_actor::behavior_type server(server_actor::stateful_pointer<server_state> self,
                                   settings_ptr settings, metrics_ptr metrics) {
  self->set_exception_handler(log_failure);
  auto& state = self->state;
  state.settings = settings;
  state.metrics = metrics;
  state.started_at = now_ms();
  // Linked: neither can serve without the other, and both end with the
  // server (the registry ends its sessions then).
  state.directory = self->spawn<caf::linked>(room_directory, metrics);
  state.registry = self->spawn<caf::linked>(session_registry, state.directory, std::move(settings),
                                            std::move(metrics));
  self->set_down_handler([self](const caf::down_msg& down) { self->state.forget(down.source); });
  self->set_exit_handler([self](const caf::exit_msg& exit) { self->state.end_all(exit.reason); });
  state.sample_rates();
  return {
    [self](start_atom, connection_actor& connection, std::string& upgrade_token) {
      return self->state.start(std::move(connection), std::move(upgrade_token));
    },
    [self](shutdown_atom) { return self->state.drain(); },
    [self](drain_atom) { self->state.end_drain(); },
    [self](inspect_atom, const inspect_query& query) { return self->state.answer(query); },
    [self](trace_atom, const std::string& room_id, trace_subscriber_actor& subscriber, bool full) {
      return self->state.trace(room_id, std::move(subscriber), full);
    },
    [self](sample_atom) { self->state.sample_rates(); },
    [self](status_atom) { return self->state.status(); },
  };
}

} // namespace signaling::actors
