// The one path from a protocol error to a frame for the client: the
// connection, the session and the room all encode errors here, which counts
// each by its code.
#pragma once

#include "actors/messages.hpp"
#include "actors/metrics.hpp"

#include <string_view>

namespace signaling::actors {

/// `reply` as a frame answering `correlation`, counted by its code.
[[nodiscard]] text_frame error_frame(server_metrics& metrics, const schema::error_reply& reply,
                                     std::string_view correlation);

/// Any caf::error (see to_error_reply) as a frame answering the request of
/// `request_type` and `correlation`, counted by its code.
[[nodiscard]] text_frame error_frame(server_metrics& metrics, const caf::error& error,
                                     std::string_view request_type, std::string_view correlation);

/// A refused client frame's error, counted by its code.
[[nodiscard]] text_frame error_frame(server_metrics& metrics, const schema::parse_error& error);

} // namespace signaling::actors
