// Wall-clock time for envelopes ("timestamp", "serverTime", "joinedAt").
#pragma once

#include "schema/server_messages.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

namespace signaling::actors {

[[nodiscard]] inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// The envelope of a frame sent now, answering `correlation_id` if not empty.
[[nodiscard]] inline schema::envelope envelope_now(std::string_view correlation_id = {}) {
  return schema::envelope{now_ms(), correlation_id};
}

} // namespace signaling::actors
