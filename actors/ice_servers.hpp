// The ICE servers a client may use (PROTOCOL.md "ICE servers"): STUN urls as
// configured, TURN urls with time-limited credentials that coturn checks.
#pragma once

#include "schema/limits.hpp"
#include "schema/server_messages.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace signaling::actors {

struct turn_settings {
  std::vector<std::string> stun_urls;
  std::vector<std::string> turn_urls;
  /// The shared secret of coturn's --static-auth-secret; empty: TURN is off.
  std::string secret;
  std::uint32_t ttl_s = schema::default_turn_ttl_s;
};

/// Whether a client can be given any ICE server (else turn:credentials is
/// UNAVAILABLE): STUN urls, or TURN urls together with their secret.
[[nodiscard]] bool configured(const turn_settings& settings);

/// base64(HMAC-SHA1(secret, username)) with OpenSSL, coturn's use-auth-secret scheme.
[[nodiscard]] std::string turn_password(std::string_view secret, std::string_view username);

/// The reply for `user` (userId, else peerId) at `now_s` (unix seconds): one
/// entry with the STUN urls (no credentials), one with the TURN urls carrying
/// username "<now_s + ttl>:<user>" and its password; ttlSeconds = ttl. Entries
/// without urls are left out, so nothing configured gives empty iceServers.
[[nodiscard]] schema::turn_credentials_reply
ice_servers_for(const turn_settings& settings, std::string_view user, std::int64_t now_s);

} // namespace signaling::actors
