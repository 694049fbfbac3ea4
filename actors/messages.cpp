// Protocol errors in and out of caf::error.
#include "actors/messages.hpp"

#include <caf/message.hpp>

namespace signaling::actors {

caf::error not_in_room_error(const std::string& room_id) {
  return make_protocol_error(schema::error_code::not_in_room,
                             "not a member of room '" + room_id + "'");
}

caf::error session_not_found_error() {
  return make_protocol_error(schema::error_code::session_not_found,
                             "no session for this resume token (unknown, used or expired)");
}

schema::error_reply to_error_reply(const caf::error& x, std::string request_type) {
  schema::error_reply result;
  result.request_type = std::move(request_type);
  if (x.category() == protocol_error_category) {
    result.code = static_cast<schema::error_code>(x.code());
    if (x.context().match_elements<std::string>())
      result.message = x.context().get_as<std::string>(0);
    return result;
  }
  // A crashed or vanished actor: the client learns that the server failed,
  // not the internals.
  result.code = schema::error_code::internal;
  result.message = "internal server error";
  return result;
}

} // namespace signaling::actors
