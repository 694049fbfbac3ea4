// The ROOM DIRECTORY actor: finds, creates and forgets rooms.
#include "actors/room_directory_actor.hpp"

#include "actors/clock.hpp"
#include "actors/log.hpp"
#include "actors/room_actor.hpp"
#include "actors/status.hpp"

namespace signaling::actors {

using schema::error_code;

std::vector<room_actor> room_directory_state::list() const {
  std::vector<room_actor> result;
  result.reserve(rooms.size());
  for (const auto& [room_id, room_handle] : rooms)
    result.emplace_back(room_handle);
  return result;
}

caf::settings room_directory_state::status() const {
  auto result = status_header(self);
  caf::put(result, "rooms", static_cast<std::int64_t>(rooms.size()));
  return result;
}

room_directory_actor::behavior_type
room_directory(room_directory_actor::stateful_pointer<room_directory_state> self,
               metrics_ptr metrics) {
  self->set_exception_handler(log_failure);
  self->state.self = self;
  self->state.metrics = std::move(metrics);
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& state = self->state;
    auto i = state.room_ids.find(down.source);
    if (i == state.room_ids.end())
      return;
    log(log_level::debug, "room-closed", {{"roomId", i->second}});
    state.rooms.erase(i->second);
    state.room_ids.erase(i);
    state.publish_room_count();
  });
  return {
    [self](open_atom, const std::string& room_id, bool create, std::string& metadata_json,
           std::uint32_t max_peers, const room_actor& stale) -> caf::result<room_actor> {
      auto& state = self->state;
      auto& rooms = state.rooms;
      auto i = rooms.find(room_id);
      if (i != rooms.end() && (!stale || i->second != stale))
        return i->second;
      if (i == rooms.end() && !create)
        return make_protocol_error(error_code::room_not_found,
                                   "no room '" + room_id + "' (join with create: true)");
      // Either a new room or a stale handle whose down_msg is still on its
      // way: the caller saw it dead, so it is replaced now.
      if (i != rooms.end()) {
        state.room_ids.erase(i->second.address());
        rooms.erase(i);
      }
      schema::room_description initial;
      initial.room_id = room_id;
      initial.metadata_json = std::move(metadata_json);
      initial.created_at = now_ms();
      initial.max_peers = max_peers;
      auto room_handle = self->spawn(room, std::move(initial), state.metrics);
      self->monitor(room_handle);
      rooms.emplace(room_id, room_handle);
      state.room_ids.emplace(room_handle.address(), room_id);
      state.publish_room_count();
      count(state.metrics->rooms_created_total);
      log(log_level::debug, "room-created", {{"roomId", room_id}});
      return room_handle;
    },
    [self](find_atom, const std::string& room_id) -> caf::result<room_actor> {
      auto i = self->state.rooms.find(room_id);
      if (i == self->state.rooms.end())
        return make_protocol_error(error_code::room_not_found, "no room '" + room_id + "'");
      return i->second;
    },
    [self](list_atom) { return self->state.list(); },
    [self](status_atom) { return self->state.status(); },
  };
}

} // namespace signaling::actors
