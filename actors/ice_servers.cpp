// TURN REST credentials (the scheme coturn's --use-auth-secret checks): the
// username holds its own expiry, the password is an HMAC of it, so coturn
// needs no database and no call back to this server.
#include "actors/ice_servers.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

namespace signaling::actors {

bool configured(const turn_settings& settings) {
  return !settings.stun_urls.empty() || (!settings.turn_urls.empty() && !settings.secret.empty());
}

std::string turn_password(std::string_view secret, std::string_view username) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  // Secrets come from a file and usernames are bounded by the token and peer
  // id limits, so neither comes near INT_MAX.
  if (secret.size() > INT_MAX
      || HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
              reinterpret_cast<const unsigned char*>(username.data()), username.size(), digest,
              &digest_length)
           == nullptr)
    return {};
  // EVP_EncodeBlock writes 4 characters per 3 bytes, padded, plus a NUL.
  std::string result(4 * ((digest_length + 2) / 3) + 1, '\0');
  auto written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(result.data()), digest,
                                 static_cast<int>(digest_length));
  result.resize(static_cast<std::size_t>(written));
  return result;
}

schema::turn_credentials_reply ice_servers_for(const turn_settings& settings, std::string_view user,
                                               std::int64_t now_s) {
  schema::turn_credentials_reply result;
  result.ttl_seconds = settings.ttl_s;
  if (!settings.stun_urls.empty())
    result.ice_servers.push_back({settings.stun_urls, {}, {}});
  if (!settings.turn_urls.empty() && !settings.secret.empty()) {
    auto username = std::to_string(now_s + settings.ttl_s) + ':' + std::string{user};
    // An empty password means OpenSSL failed: TURN entries without
    // credentials would only fail later, in the browser.
    if (auto password = turn_password(settings.secret, username); !password.empty())
      result.ice_servers.push_back({settings.turn_urls, std::move(username), std::move(password)});
  }
  return result;
}

} // namespace signaling::actors
