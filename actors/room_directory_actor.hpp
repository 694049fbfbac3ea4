// The ROOM DIRECTORY actor: room id -> room for this node. It creates a room
// on its first join and forgets it when the room exits (monitor, no polling).
#pragma once

#include "actors/interfaces.hpp"
#include "actors/metrics.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <string>
#include <unordered_map>
#include <vector>

namespace signaling::actors {

struct room_directory_state {
  static constexpr const char* name = "room-directory";

  room_directory_actor::pointer self = nullptr;

  metrics_ptr metrics;

  std::unordered_map<std::string, room_actor> rooms;

  /// The reverse of `rooms`, to forget a room from its down_msg.
  std::unordered_map<caf::actor_addr, std::string> room_ids;

  [[nodiscard]] std::vector<room_actor> list() const;

  [[nodiscard]] caf::settings status() const;
  /// /metrics mirrors the map, the one count of open rooms.
  void publish_room_count() const {
    metrics->rooms_open.store(static_cast<std::int64_t>(rooms.size()), std::memory_order_relaxed);
  }
};

room_directory_actor::behavior_type
room_directory(room_directory_actor::stateful_pointer<room_directory_state> self,
               metrics_ptr metrics);

} // namespace signaling::actors
