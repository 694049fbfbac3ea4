// The ROOM actor: membership, ordering and fan-out of one room.
#include "actors/room_actor.hpp"

#include "actors/clock.hpp"
#include "actors/error_frames.hpp"
#include "actors/log.hpp"
#include "actors/status.hpp"

#include <algorithm>

namespace signaling::actors {

using schema::error_code;

namespace {

/// A trace event about a member (or, with no peer, about the room itself).
room_trace_event member_event(std::string event, std::string peer_id = {},
                              std::string reason = {}) {
  return room_trace_event{0, std::move(event), std::move(peer_id), {}, std::move(reason), 0, {}};
}

} // namespace

caf::result<schema::room_description> room_state::join(schema::peer_description peer,
                                                       session_actor session) {
  if (index_of(peer.peer_id) >= 0)
    return describe(peer.peer_id);
  if (description.peers.size() >= description.max_peers)
    return make_protocol_error(error_code::room_full, "room '" + description.room_id + "' is full ("
                                                        + std::to_string(description.max_peers)
                                                        + " peers)");
  auto event =
    text_frame::make(encode(schema::peer_joined_event{description.room_id, peer}, envelope_now()));
  broadcast(event, -1);
  self->monitor(session);
  auto result = describe();
  description.peers.emplace_back(std::move(peer));
  sessions.emplace_back(std::move(session));
  activity.emplace_back();
  metrics->room_size.observe(sessions.size());
  log(log_level::debug, "peer-joined",
      {{"roomId", description.room_id}, {"peerId", description.peers.back().peer_id}});
  trace([&] { return member_event("peer-joined", description.peers.back().peer_id); });
  return result;
}

bool room_state::leave(const std::string& peer_id, std::string_view reason) {
  auto index = index_of(peer_id);
  if (index < 0)
    return false;
  self->demonitor(sessions[index].address());
  remove_at(static_cast<std::size_t>(index), reason);
  return true;
}

void room_state::on_down(const caf::actor_addr& source) {
  auto is_source = [&](const tracer& x) { return x.subscriber.address() == source; };
  auto gone = std::remove_if(tracers.begin(), tracers.end(), is_source);
  if (gone != tracers.end()) {
    tracers.erase(gone, tracers.end());
    return;
  }
  for (std::size_t index = 0; index < sessions.size(); ++index) {
    if (sessions[index].address() == source) {
      remove_at(index, schema::leave_reason_left);
      return;
    }
  }
}

void room_state::announce(const std::string& peer_id, schema::peer_presence presence) {
  auto index = index_of(peer_id);
  if (index < 0)
    return;
  auto reconnecting = presence == schema::peer_presence::reconnecting;
  activity[static_cast<std::size_t>(index)].reconnecting = reconnecting;
  trace([&] { return member_event(reconnecting ? "peer-reconnecting" : "peer-resumed", peer_id); });
  auto event = text_frame::make(
    encode(schema::peer_presence_event{description.room_id, peer_id, presence}, envelope_now()));
  broadcast(event, index);
}

void room_state::relay(schema::relay_request& request, const std::string& from,
                       const std::string& from_user_id, const correlation_id& correlation) {
  // Only errors and acks name the request: no string on the common path.
  auto request_type = type_name(request.kind);
  auto answer = [&](const session_actor& sender, text_frame frame) {
    self->send(sender, deliver_atom_v, std::move(frame));
  };
  auto sender = index_of(from);
  if (sender < 0) {
    // A relay that crossed the sender's leave: answer whoever sent it.
    answer(
      caf::actor_cast<session_actor>(self->current_sender()),
      error_frame(*metrics, not_in_room_error(description.room_id), request_type, correlation));
    return;
  }
  const auto& sender_session = sessions[static_cast<std::size_t>(sender)];
  std::ptrdiff_t target = -1;
  if (!request.to.empty()) {
    target = request.to == from ? -1 : index_of(request.to);
    if (target < 0) {
      auto error = schema::error_reply{error_code::peer_not_found,
                                       "no peer '" + request.to + "' in room '"
                                         + description.room_id + "' to send to",
                                       std::string{request_type},
                                       {}};
      answer(sender_session, error_frame(*metrics, error, correlation));
      return;
    }
  }
  ++relays;
  ++activity[static_cast<std::size_t>(sender)].relayed;
  trace([&] {
    return room_trace_event{0,
                            "relay",
                            from,
                            request.to,
                            std::string{request_type},
                            request.content_json.size(),
                            request.content_json};
  });
  auto frame =
    text_frame::make(encode(schema::relay_event{request.kind, description.room_id, from,
                                                from_user_id, std::move(request.content_json)},
                            envelope_now()));
  frame.read_at_ns = request.read_at_ns;
  std::uint64_t delivered = 1;
  if (target >= 0)
    self->send(sessions[static_cast<std::size_t>(target)], deliver_atom_v, frame);
  else
    delivered = broadcast(frame, sender);
  count(metrics->relays_total);
  count(metrics->relay_deliveries_total, delivered);
  if (!correlation.empty())
    answer(sender_session, text_frame::make(encode(schema::ack_reply{std::string{request_type}},
                                                   envelope_now(correlation))));
}

schema::room_description room_state::describe(const std::string& except) const {
  schema::room_description result;
  result.room_id = description.room_id;
  result.metadata_json = description.metadata_json;
  result.created_at = description.created_at;
  result.max_peers = description.max_peers;
  result.peers.reserve(description.peers.size());
  for (const auto& peer : description.peers)
    if (peer.peer_id != except)
      result.peers.emplace_back(peer);
  return result;
}

caf::settings room_state::status() const {
  auto result = status_header(self);
  caf::put(result, "roomId", description.room_id);
  caf::put(result, "createdAt", description.created_at);
  caf::put(result, "maxPeers", static_cast<std::int64_t>(description.max_peers));
  caf::put(result, "relays", static_cast<std::int64_t>(relays));
  caf::put(result, "tracers", static_cast<std::int64_t>(tracers.size()));
  caf::config_value::list members;
  for (std::size_t index = 0; index < description.peers.size(); ++index) {
    const auto& peer = description.peers[index];
    caf::settings member;
    caf::put(member, "peerId", peer.peer_id);
    caf::put(member, "userId", peer.user_id);
    caf::put(member, "displayName", peer.display_name);
    caf::put(member, "state",
             std::string{activity[index].reconnecting ? "reconnecting" : "attached"});
    caf::put(member, "joinedAt", peer.joined_at);
    caf::put(member, "relayed", static_cast<std::int64_t>(activity[index].relayed));
    members.emplace_back(std::move(member));
  }
  caf::put(result, "members", std::move(members));
  return result;
}

void room_state::add_tracer(trace_subscriber_actor subscriber, bool full) {
  self->monitor(subscriber);
  tracers.push_back({std::move(subscriber), full});
}

std::string room_state::redacted(std::string_view type, std::string_view content) {
  if (type != schema::type_name(schema::relay_kind::ice_candidate))
    return {};
  // "candidate:... typ host ...": the type says how peers try to meet; the
  // addresses around it are private.
  auto at = content.find(" typ ");
  if (at == std::string_view::npos)
    return {};
  auto rest = content.substr(at + 1);
  auto end = rest.find_first_of(" \"", 4);
  return std::string{rest.substr(0, end)};
}

std::ptrdiff_t room_state::index_of(const std::string& peer_id) const {
  for (std::size_t index = 0; index < description.peers.size(); ++index)
    if (description.peers[index].peer_id == peer_id)
      return static_cast<std::ptrdiff_t>(index);
  return -1;
}

void room_state::remove_at(std::size_t index, std::string_view reason) {
  auto peer_id = std::move(description.peers[index].peer_id);
  description.peers.erase(description.peers.begin() + static_cast<std::ptrdiff_t>(index));
  sessions.erase(sessions.begin() + static_cast<std::ptrdiff_t>(index));
  activity.erase(activity.begin() + static_cast<std::ptrdiff_t>(index));
  log(log_level::debug, "peer-left", {{"roomId", description.room_id}, {"peerId", peer_id}});
  auto event = text_frame::make(
    encode(schema::peer_left_event{description.room_id, peer_id, reason}, envelope_now()));
  broadcast(event, -1);
  trace([&] { return member_event("peer-left", peer_id, std::string{reason}); });
  // A room lives exactly as long as it has members.
  if (sessions.empty()) {
    trace([] { return member_event("room-closed"); });
    self->quit();
  }
}

std::uint64_t room_state::broadcast(const text_frame& frame, std::ptrdiff_t except) {
  std::uint64_t delivered = 0;
  for (std::size_t index = 0; index < sessions.size(); ++index) {
    if (static_cast<std::ptrdiff_t>(index) != except) {
      self->send(sessions[index], deliver_atom_v, frame);
      ++delivered;
    }
  }
  return delivered;
}

room_actor::behavior_type room(room_actor::stateful_pointer<room_state> self,
                               schema::room_description initial, metrics_ptr metrics) {
  self->set_exception_handler(log_failure);
  auto& state = self->state;
  state.self = self;
  state.metrics = std::move(metrics);
  state.description = std::move(initial);
  self->set_down_handler([self](const caf::down_msg& down) { self->state.on_down(down.source); });
  return {
    [self](join_atom, schema::peer_description& peer, session_actor& session) {
      return self->state.join(std::move(peer), std::move(session));
    },
    [self](leave_atom, const std::string& peer_id) -> caf::result<caf::ok_atom> {
      if (!self->state.leave(peer_id))
        return not_in_room_error(self->state.description.room_id);
      return caf::ok_atom_v;
    },
    [self](expired_atom, const std::string& peer_id) {
      self->state.leave(peer_id, schema::leave_reason_timeout);
    },
    [self](presence_atom, const std::string& peer_id, schema::peer_presence presence) {
      self->state.announce(peer_id, presence);
    },
    [self](state_atom, const std::string& peer_id) -> caf::result<schema::room_description> {
      if (self->state.index_of(peer_id) < 0)
        return not_in_room_error(self->state.description.room_id);
      return self->state.describe();
    },
    [self](relay_atom, schema::relay_request& request, const std::string& from,
           const std::string& from_user_id, const correlation_id& correlation) {
      self->state.relay(request, from, from_user_id, correlation);
    },
    [](sync_atom) { return caf::ok_atom_v; },
    [self](trace_atom, trace_subscriber_actor& subscriber, bool full) {
      self->state.add_tracer(std::move(subscriber), full);
    },
    [self](status_atom) { return self->state.status(); },
  };
}

} // namespace signaling::actors
