// Signed test tokens, made with libjwt as an issuer would: shared by the
// suites that check tokens and the ones that authenticate sessions.
#pragma once

#include <caf/test/unit_test.hpp>

#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace signaling::test {

inline const std::string secret = "a shared secret of at least 32 bytes for HS256";

/// A token libjwt signs with `alg` and `key`, holding `claims` (a JSON object).
inline std::string sign(jwt_alg_t alg, std::string_view key, const std::string& claims) {
  jwt_t* raw = nullptr;
  CAF_REQUIRE(jwt_new(&raw) == 0);
  std::unique_ptr<jwt_t, decltype(&jwt_free)> token{raw, jwt_free};
  CAF_REQUIRE(jwt_add_grants_json(token.get(), claims.c_str()) == 0);
  // libjwt wants no key at all for alg none.
  CAF_REQUIRE(
    jwt_set_alg(token.get(), alg,
                key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
                static_cast<int>(key.size()))
    == 0);
  std::unique_ptr<char, decltype(&free)> text{jwt_encode_str(token.get()), free};
  CAF_REQUIRE(text != nullptr);
  return text.get();
}

inline std::string hs256(const std::string& claims) {
  return sign(JWT_ALG_HS256, secret, claims);
}

} // namespace signaling::test
