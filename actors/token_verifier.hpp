// Verification of the JSON Web Tokens clients authenticate with (PROTOCOL.md
// "Connection lifecycle" item 2): signature, algorithm, exp, nbf and claims.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace signaling::actors {

/// The claims of a token that passed every check.
struct verified_token {
  std::string user_id;            // claim sub (required, non-empty string)
  std::string display_name;       // claim name; empty if absent
  bool any_room = true;           // no `rooms` claim
  std::vector<std::string> rooms; // `rooms` claim; an entry ending in '*' matches by prefix
  std::int64_t expires_at_ms = 0; // exp * 1000; 0: no exp claim
};

/// Whether the token allows joining `room_id` (PROTOCOL.md: absent rooms claim = any room).
[[nodiscard]] bool allows_room(const verified_token& token, std::string_view room_id);

/// RFC 7518 3.2: an HS256 key must be at least as long as the hash it feeds.
inline constexpr std::size_t min_hs256_secret_bytes = 32;
/// RFC 7518 3.3 asks for 2048 bits or more for RS256.
inline constexpr int min_rsa_key_bits = 2048;

/// Accepts HS256 tokens when given a secret, and RS256 or ES256 tokens when
/// given a public key of that type; nothing else, whatever a token's header
/// claims. Immutable once made, so one verifier serves every thread.
class token_verifier {
public:
  /// From the HS256 shared secret and/or the PEM public key (RS256 or ES256;
  /// detect which from the key type). Returns a sentence on failure
  /// (unreadable/invalid key, secret too short, nothing given).
  static std::variant<token_verifier, std::string> make(std::string hs256_secret,
                                                        std::string public_key_pem);

  /// Verifies signature, algorithm, exp and nbf against now_ms (milliseconds
  /// since epoch; passed in so tests are deterministic). On failure returns a
  /// sentence saying which check failed; it never quotes the token or a key.
  [[nodiscard]] std::variant<verified_token, std::string> verify(std::string_view token,
                                                                 std::int64_t now_ms) const;

  /// Whether tokens signed with `algorithm` ("HS256", "RS256", "ES256") can pass.
  [[nodiscard]] bool accepts(std::string_view algorithm) const noexcept;

private:
  enum class key_type : std::uint8_t { none, rsa, ec_p256 };

  token_verifier() = default;

  std::string secret_;         // empty: HS256 is refused
  std::string public_key_pem_; // empty: RS256 and ES256 are refused
  key_type public_key_type_ = key_type::none;
};

} // namespace signaling::actors
