// JWT checks around libjwt 1.10: libjwt verifies signatures, but takes the
// algorithm from the token's own header and checks no times, so the header,
// the key types and every claim are checked here, before and after it.
#include "actors/token_verifier.hpp"

#include "schema/limits.hpp"

#include <boost/json.hpp>
#include <jwt.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <strings.h>

namespace signaling::actors {

namespace {

namespace json = boost::json;

// -- algorithms ----------------------------------------------------------------

struct algorithm {
  std::string_view name;
  jwt_alg_t id;
};

// The algorithms this server can accept, in RFC 7518's spelling (case matters).
constexpr std::array<algorithm, 3> supported_algorithms{{
  {"HS256", JWT_ALG_HS256},
  {"RS256", JWT_ALG_RS256},
  {"ES256", JWT_ALG_ES256},
}};

// Registered names a refusal may quote. Anything else in `alg` is the
// sender's free text, which no message repeats.
constexpr std::array<std::string_view, 10> other_registered_algorithms{
  "HS384", "HS512", "RS384", "RS512", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"};

bool is_registered(std::string_view name) {
  return std::find(other_registered_algorithms.begin(), other_registered_algorithms.end(), name)
         != other_registered_algorithms.end();
}

// -- decoding ------------------------------------------------------------------

bool is_base64url_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
         || c == '_';
}

/// Unpadded base64url (RFC 7515 2), strictly: its alphabet only, no '='.
std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1)
    return std::nullopt;
  std::string standard;
  standard.reserve(text.size() + 3);
  for (char c : text) {
    if (!is_base64url_character(c))
      return std::nullopt;
    standard += c == '-' ? '+' : c == '_' ? '/' : c;
  }
  auto padding = (4 - standard.size() % 4) % 4;
  standard.append(padding, '=');
  std::string result(standard.size() / 4 * 3, '\0');
  if (standard.empty())
    return result;
  auto written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(result.data()),
                                 reinterpret_cast<const unsigned char*>(standard.data()),
                                 static_cast<int>(standard.size()));
  // EVP_DecodeBlock counts the zero bytes the padding stands for.
  if (written < 0 || static_cast<std::size_t>(written) < padding)
    return std::nullopt;
  result.resize(static_cast<std::size_t>(written) - padding);
  return result;
}

/// A token part as a JSON object, or nothing.
std::optional<json::object> decode_object(std::string_view part) {
  auto text = base64url_decode(part);
  if (!text)
    return std::nullopt;
  std::error_code error;
  auto value = json::parse(*text, error);
  if (error || !value.is_object())
    return std::nullopt;
  return std::move(value.get_object());
}

// -- claims --------------------------------------------------------------------

/// A NumericDate (seconds, possibly fractional) in milliseconds, saturated
/// to the int64 range; nothing when `x` is not a number.
std::optional<std::int64_t> numeric_date_ms(const json::value& x) {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  switch (x.kind()) {
    case json::kind::int64: {
      auto s = x.get_int64();
      if (s > max / 1000)
        return max;
      if (s < min / 1000)
        return min;
      return s * 1000;
    }
    case json::kind::uint64:
      return x.get_uint64() > static_cast<std::uint64_t>(max / 1000) ? max : x.get_uint64() * 1000;
    case json::kind::double_: {
      auto ms = std::floor(x.get_double() * 1000);
      // 2^63 as a double; every double below it converts exactly.
      if (ms >= 9223372036854775808.0)
        return max;
      if (ms < -9223372036854775808.0)
        return min;
      return static_cast<std::int64_t>(ms);
    }
    default:
      return std::nullopt;
  }
}

/// Characters, not bytes, as schema/ counts displayName (Boost.JSON has
/// already refused invalid UTF-8).
std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

/// Reads the claims of a token whose signature passed.
std::variant<verified_token, std::string> read_claims(const json::object& claims,
                                                      std::int64_t now_ms) {
  verified_token result;
  auto sub = claims.if_contains("sub");
  if (sub == nullptr)
    return "token has no sub claim";
  if (!sub->is_string())
    return "token is malformed: claim sub is not a string";
  if (sub->get_string().empty())
    return "token has no sub claim";
  if (utf8_length(sub->get_string()) > schema::max_user_id_length)
    return "token claim sub is longer than " + std::to_string(schema::max_user_id_length)
           + " characters";
  result.user_id = sub->get_string();
  if (auto name = claims.if_contains("name")) {
    if (!name->is_string())
      return "token is malformed: claim name is not a string";
    if (utf8_length(name->get_string()) > schema::max_display_name_length)
      return "token claim name is longer than " + std::to_string(schema::max_display_name_length)
             + " characters";
    result.display_name = name->get_string();
  }
  if (auto rooms = claims.if_contains("rooms")) {
    if (!rooms->is_array())
      return "token is malformed: claim rooms is not an array of strings";
    result.any_room = false;
    for (const auto& room : rooms->get_array()) {
      if (!room.is_string())
        return "token is malformed: claim rooms is not an array of strings";
      result.rooms.emplace_back(room.get_string());
    }
  }
  std::optional<std::int64_t> not_before_ms;
  if (auto exp = claims.if_contains("exp")) {
    auto ms = numeric_date_ms(*exp);
    if (!ms)
      return "token is malformed: claim exp is not a number";
    result.expires_at_ms = *ms;
  }
  if (auto nbf = claims.if_contains("nbf")) {
    not_before_ms = numeric_date_ms(*nbf);
    if (!not_before_ms)
      return "token is malformed: claim nbf is not a number";
  }
  // RFC 7519 4.1.4: the token must not be accepted on or after exp.
  if (claims.contains("exp") && result.expires_at_ms <= now_ms)
    return "token expired";
  if (not_before_ms && *not_before_ms > now_ms)
    return "token not yet valid (nbf)";
  return result;
}

// -- libjwt and OpenSSL handles ------------------------------------------------

struct jwt_deleter {
  void operator()(jwt_t* x) const { jwt_free(x); }
};

struct pkey_deleter {
  void operator()(EVP_PKEY* x) const { EVP_PKEY_free(x); }
};

struct bio_deleter {
  void operator()(BIO* x) const { BIO_free(x); }
};

} // namespace

// -- free functions ------------------------------------------------------------

bool allows_room(const verified_token& token, std::string_view room_id) {
  if (token.any_room)
    return true;
  return std::any_of(token.rooms.begin(), token.rooms.end(), [room_id](std::string_view entry) {
    if (!entry.empty() && entry.back() == '*') {
      entry.remove_suffix(1);
      return room_id.substr(0, entry.size()) == entry;
    }
    return room_id == entry;
  });
}

// -- token_verifier ------------------------------------------------------------

std::variant<token_verifier, std::string> token_verifier::make(std::string hs256_secret,
                                                               std::string public_key_pem) {
  if (hs256_secret.empty() && public_key_pem.empty())
    return "neither a JWT secret nor a JWT public key is given";
  if (!hs256_secret.empty() && hs256_secret.size() < min_hs256_secret_bytes)
    return "the JWT secret is shorter than " + std::to_string(min_hs256_secret_bytes)
           + " bytes, the least RFC 7518 allows for HS256";
  // libjwt hands key lengths to OpenSSL as int.
  if (hs256_secret.size() > INT_MAX || public_key_pem.size() > INT_MAX)
    return "the JWT secret or public key is too large";
  token_verifier result;
  if (!public_key_pem.empty()) {
    // The reader libjwt verifies with: a key read here is a key it can use.
    std::unique_ptr<BIO, bio_deleter> input{
      BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size()))};
    std::unique_ptr<EVP_PKEY, pkey_deleter> key;
    if (input)
      key.reset(PEM_read_bio_PUBKEY(input.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    if (!key)
      return "the JWT public key is not a PEM public key (-----BEGIN PUBLIC KEY-----; "
             "private keys and certificates are refused)";
    switch (EVP_PKEY_get_id(key.get())) {
      case EVP_PKEY_RSA: {
        auto bits = EVP_PKEY_get_bits(key.get());
        if (bits < min_rsa_key_bits)
          return "the JWT public key is an RSA key of " + std::to_string(bits)
                 + " bits; RS256 needs at least " + std::to_string(min_rsa_key_bits);
        result.public_key_type_ = key_type::rsa;
        break;
      }
      case EVP_PKEY_EC: {
        // libjwt 1.10 verifies ES256 with SHA-256 on any curve: only P-256
        // is ES256 (RFC 7518 3.4).
        char group[80] = {};
        std::size_t length = 0;
        if (EVP_PKEY_get_group_name(key.get(), group, sizeof(group), &length) != 1
            || std::string_view{group, length} != SN_X9_62_prime256v1) {
          ERR_clear_error();
          return "the JWT public key is an EC key on a curve other than P-256, which ES256 needs";
        }
        result.public_key_type_ = key_type::ec_p256;
        break;
      }
      default:
        return "the JWT public key is neither an RSA key (RS256) nor an EC P-256 key (ES256)";
    }
  }
  // jansson seeds its hashing with the first object it makes; make that one
  // here, on one thread, before verify runs on several.
  jwt_t* warm_up = nullptr;
  if (jwt_new(&warm_up) == 0)
    jwt_free(warm_up);
  result.secret_ = std::move(hs256_secret);
  result.public_key_pem_ = std::move(public_key_pem);
  return result;
}

bool token_verifier::accepts(std::string_view algorithm) const noexcept {
  if (algorithm == "HS256")
    return !secret_.empty();
  if (algorithm == "RS256")
    return public_key_type_ == key_type::rsa;
  if (algorithm == "ES256")
    return public_key_type_ == key_type::ec_p256;
  return false;
}

std::variant<verified_token, std::string> token_verifier::verify(std::string_view token,
                                                                 std::int64_t now_ms) const {
  if (token.size() > schema::max_token_length)
    return "token is malformed: longer than " + std::to_string(schema::max_token_length) + " bytes";
  // -- shape: header.claims.signature, each base64url
  auto first_dot = token.find('.');
  auto second_dot =
    first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != token.npos
      || !std::all_of(token.begin(), token.end(),
                      [](char c) { return c == '.' || is_base64url_character(c); }))
    return "token is malformed: not three base64url parts";
  auto header = decode_object(token.substr(0, first_dot));
  if (!header)
    return "token is malformed: the header is not a JSON object";
  auto claims = decode_object(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!claims)
    return "token is malformed: the claims are not a JSON object";
  // -- header: the algorithm is this server's choice, not the token's
  auto alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string())
    return "token is malformed: the header has no alg";
  std::string_view name = alg->get_string();
  // libjwt reads "none" in any case (strcasecmp).
  if (name.size() == 4 && strncasecmp(name.data(), "none", 4) == 0)
    return "token algorithm none is not accepted";
  auto supported = std::find_if(supported_algorithms.begin(), supported_algorithms.end(),
                                [name](const algorithm& x) { return x.name == name; });
  if (supported == supported_algorithms.end())
    return is_registered(name) ? "token algorithm " + std::string{name} + " is not supported"
                               : std::string{"token algorithm is not supported"};
  // HS256 is checked only with the secret, RS256 and ES256 only with a key of
  // their type: an HS256 token "signed" with the public key's PEM text (the
  // algorithm confusion attack) meets no secret here and is refused.
  if (!accepts(name))
    return "token algorithm " + std::string{name} + " is not accepted by this server";
  // libjwt would refuse these without saying why.
  if (auto typ = header->if_contains("typ");
      typ != nullptr
      && (!typ->is_string() || typ->get_string().size() != 3
          || strncasecmp(typ->get_string().data(), "JWT", 3) != 0))
    return "token type (typ) is not JWT";
  // RFC 7515 4.1.11: extensions marked critical must be understood; this
  // server understands none.
  if (header->contains("crit"))
    return "token header has critical extensions (crit), which this server does not support";
  // -- signature: libjwt, handed the key of the algorithm checked above
  const auto& key = supported->id == JWT_ALG_HS256 ? secret_ : public_key_pem_;
  std::string text{token}; // libjwt wants a NUL-terminated string
  jwt_t* decoded = nullptr;
  auto status =
    jwt_decode(&decoded, text.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
               static_cast<int>(key.size()));
  std::unique_ptr<jwt_t, jwt_deleter> guard{decoded};
  ERR_clear_error();
  if (status == ENOMEM)
    return "token could not be checked (out of memory)";
  if (status != 0 || decoded == nullptr)
    return "token signature is invalid";
  // libjwt picked the algorithm from the same header; make sure it is ours.
  if (jwt_get_alg(decoded) != supported->id)
    return "token signature is invalid";
  return read_claims(*claims, now_ms);
}

} // namespace signaling::actors
