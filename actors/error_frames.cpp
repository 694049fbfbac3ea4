// Error frames, encoded and counted in one place.
#include "actors/error_frames.hpp"

#include "actors/clock.hpp"

namespace signaling::actors {

text_frame error_frame(server_metrics& metrics, const schema::error_reply& reply,
                       std::string_view correlation) {
  metrics.count_error(reply.code);
  return text_frame::make(encode(reply, envelope_now(correlation)));
}

text_frame error_frame(server_metrics& metrics, const caf::error& error,
                       std::string_view request_type, std::string_view correlation) {
  return error_frame(metrics, to_error_reply(error, std::string{request_type}), correlation);
}

text_frame error_frame(server_metrics& metrics, const schema::parse_error& error) {
  metrics.count_error(error.code);
  return text_frame::make(encode(error, now_ms()));
}

} // namespace signaling::actors
