// The JWT checks on their own: tokens are made here (HS256 and RS256/ES256
// with libjwt, odd headers by hand, keys with OpenSSL), and every way a token
// can be wrong must be refused with its own sentence.
#define CAF_SUITE token_verifier
#include "caf/test/unit_test.hpp"

#include "actors/token_verifier.hpp"
#include "test_tokens.hpp"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

using namespace signaling::actors;
using signaling::test::hs256;
using signaling::test::secret;
using signaling::test::sign;

namespace {

// 2025-11-22T00:00:00Z, the example timestamp of PROTOCOL.md.
constexpr std::int64_t now_s = 1'763'769'600;
constexpr std::int64_t now_ms = now_s * 1000;

const std::string other_secret = "another shared secret, also 32 bytes or more";

// -- keys ----------------------------------------------------------------------

struct key_pair {
  std::string private_pem;
  std::string public_pem;
};

std::string read_all(BIO* bio) {
  char* data = nullptr;
  auto size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

/// A fresh key as PEM texts; `generate` is one of OpenSSL's EVP_PKEY_Q_keygen calls.
template <class Generate>
key_pair make_key(Generate generate) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{generate(), EVP_PKEY_free};
  CAF_REQUIRE(key != nullptr);
  std::unique_ptr<BIO, decltype(&BIO_free)> private_out{BIO_new(BIO_s_mem()), BIO_free};
  std::unique_ptr<BIO, decltype(&BIO_free)> public_out{BIO_new(BIO_s_mem()), BIO_free};
  CAF_REQUIRE(
    PEM_write_bio_PrivateKey(private_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
    == 1);
  CAF_REQUIRE(PEM_write_bio_PUBKEY(public_out.get(), key.get()) == 1);
  return {read_all(private_out.get()), read_all(public_out.get())};
}

key_pair rsa_key(unsigned bits) {
  return make_key([bits] { return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{bits}); });
}

key_pair ec_key(const char* curve) {
  return make_key([curve] { return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve); });
}

// Generating RSA keys takes a while: each suite run makes its keys once.
const key_pair& rsa() {
  static const auto key = rsa_key(2048);
  return key;
}

const key_pair& other_rsa() {
  static const auto key = rsa_key(2048);
  return key;
}

const key_pair& ec() {
  static const auto key = ec_key("P-256");
  return key;
}

// -- tokens --------------------------------------------------------------------

std::string base64url(std::string_view bytes) {
  std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  auto size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                              reinterpret_cast<const unsigned char*>(bytes.data()),
                              static_cast<int>(bytes.size()));
  encoded.resize(static_cast<std::size_t>(size));
  std::string result;
  for (char c : encoded) {
    if (c != '=')
      result += c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return result;
}

/// A token with any header, HMAC-SHA256-signed here, for headers libjwt
/// would not write.
std::string hs256_by_hand(std::string_view header, std::string_view claims,
                          std::string_view key = secret) {
  auto input = base64url(header) + '.' + base64url(claims);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest, &size);
  return input + '.'
         + base64url(std::string_view{reinterpret_cast<const char*>(digest), std::size_t{size}});
}

/// The parts of a token, to swap one.
struct parts {
  std::string header;
  std::string claims;
  std::string signature;

  explicit parts(std::string_view token) {
    auto first = token.find('.');
    auto second = token.find('.', first + 1);
    header = token.substr(0, first);
    claims = token.substr(first + 1, second - first - 1);
    signature = token.substr(second + 1);
  }

  [[nodiscard]] std::string join() const { return header + '.' + claims + '.' + signature; }
};

// -- verdicts ------------------------------------------------------------------
//
// CAF 0.17 aborts the whole run on a failed CAF_REQUIRE, so these report an
// unexpected verdict with CAF_ERROR and hand back a placeholder.

token_verifier make_verifier(std::string hs256_secret, std::string public_key_pem) {
  auto result = token_verifier::make(std::move(hs256_secret), std::move(public_key_pem));
  if (auto error = std::get_if<std::string>(&result))
    CAF_FAIL("token_verifier::make refused: " << *error);
  return std::get<token_verifier>(std::move(result));
}

std::string make_error(std::string hs256_secret, std::string public_key_pem) {
  auto result = token_verifier::make(std::move(hs256_secret), std::move(public_key_pem));
  if (auto error = std::get_if<std::string>(&result))
    return *error;
  return "<made>";
}

verified_token accept(const token_verifier& verifier, std::string_view token,
                      std::int64_t at_ms = now_ms) {
  auto result = verifier.verify(token, at_ms);
  if (auto error = std::get_if<std::string>(&result)) {
    CAF_ERROR("refused: " << *error);
    return {};
  }
  return std::get<verified_token>(std::move(result));
}

std::string refuse(const token_verifier& verifier, std::string_view token,
                   std::int64_t at_ms = now_ms) {
  auto result = verifier.verify(token, at_ms);
  if (auto error = std::get_if<std::string>(&result))
    return *error;
  return "<accepted>";
}

std::string claims_until(std::int64_t exp_s) {
  return R"({"sub":"alice","exp":)" + std::to_string(exp_s) + "}";
}

} // namespace

// -- valid tokens --------------------------------------------------------------

CAF_TEST(a valid HS256 token gives its claims) {
  auto verifier = make_verifier(secret, "");
  auto token = accept(verifier, hs256(R"({"sub":"alice","name":"Alice A.","exp":)"
                                      + std::to_string(now_s + 60) + R"(,"rooms":["a","b*"]})"));
  CAF_CHECK_EQUAL(token.user_id, "alice");
  CAF_CHECK_EQUAL(token.display_name, "Alice A.");
  CAF_CHECK_EQUAL(token.expires_at_ms, (now_s + 60) * 1000);
  CAF_CHECK(!token.any_room);
  CAF_CHECK_EQUAL(token.rooms, (std::vector<std::string>{"a", "b*"}));
}

CAF_TEST(optional claims may be absent) {
  auto token = accept(make_verifier(secret, ""), hs256(R"({"sub":"bob"})"));
  CAF_CHECK_EQUAL(token.user_id, "bob");
  CAF_CHECK_EQUAL(token.display_name, "");
  CAF_CHECK_EQUAL(token.expires_at_ms, 0);
  CAF_CHECK(token.any_room);
  CAF_CHECK(token.rooms.empty());
}

CAF_TEST(a valid RS256 token gives its claims) {
  auto verifier = make_verifier("", rsa().public_pem);
  CAF_CHECK(verifier.accepts("RS256"));
  CAF_CHECK(!verifier.accepts("HS256"));
  CAF_CHECK(!verifier.accepts("ES256"));
  auto token = accept(
    verifier, sign(JWT_ALG_RS256, rsa().private_pem,
                   R"({"sub":"carol","name":"Carol","nbf":)" + std::to_string(now_s - 5) + "}"));
  CAF_CHECK_EQUAL(token.user_id, "carol");
  CAF_CHECK_EQUAL(token.display_name, "Carol");
}

CAF_TEST(a valid ES256 token gives its claims) {
  auto verifier = make_verifier("", ec().public_pem);
  CAF_CHECK(verifier.accepts("ES256"));
  CAF_CHECK(!verifier.accepts("RS256"));
  CAF_CHECK(!verifier.accepts("HS256"));
  auto token =
    accept(verifier, sign(JWT_ALG_ES256, ec().private_pem, R"({"sub":"dave","rooms":[]})"));
  CAF_CHECK_EQUAL(token.user_id, "dave");
  CAF_CHECK(!token.any_room);
}

CAF_TEST(a verifier with a secret and a key accepts both kinds) {
  auto verifier = make_verifier(secret, rsa().public_pem);
  CAF_CHECK_EQUAL(accept(verifier, hs256(R"({"sub":"a"})")).user_id, "a");
  CAF_CHECK_EQUAL(
    accept(verifier, sign(JWT_ALG_RS256, rsa().private_pem, R"({"sub":"b"})")).user_id, "b");
}

CAF_TEST(a token made by hand verifies like one made by libjwt) {
  // Checks the helper the odd-header tests below rely on.
  auto token = hs256_by_hand(R"({"alg":"HS256","typ":"JWT"})", R"({"sub":"erin"})");
  CAF_CHECK_EQUAL(accept(make_verifier(secret, ""), token).user_id, "erin");
  CAF_CHECK_EQUAL(
    accept(make_verifier(secret, ""), hs256_by_hand(R"({"alg":"HS256"})", R"({"sub":"erin"})"))
      .user_id,
    "erin");
}

// -- algorithms ----------------------------------------------------------------

CAF_TEST(alg none is refused in every spelling) {
  auto verifier = make_verifier(secret, rsa().public_pem);
  auto claims = base64url(R"({"sub":"mallory"})");
  for (auto alg : {"none", "None", "NONE", "nOnE"}) {
    CAF_MESSAGE("alg " << alg);
    auto header = base64url(std::string{R"({"alg":")"} + alg + R"(","typ":"JWT"})");
    CAF_CHECK_EQUAL(refuse(verifier, header + '.' + claims + '.'),
                    "token algorithm none is not accepted");
    // A signature part does not make it any better.
    CAF_CHECK_EQUAL(refuse(verifier, header + '.' + claims + ".c2ln"),
                    "token algorithm none is not accepted");
  }
  // As libjwt itself writes an unsigned token.
  CAF_CHECK_EQUAL(refuse(verifier, sign(JWT_ALG_NONE, "", R"({"sub":"mallory"})")),
                  "token algorithm none is not accepted");
}

CAF_TEST(an HS256 token signed with the public key is refused) {
  // The algorithm confusion attack: the attacker knows the public key and
  // uses its PEM text as an HMAC secret. libjwt alone takes the algorithm
  // from the header and would accept it when handed the key.
  auto forged = sign(JWT_ALG_HS256, rsa().public_pem, R"({"sub":"mallory"})");
  jwt_t* decoded = nullptr;
  CAF_CHECK_EQUAL(jwt_decode(&decoded, forged.c_str(),
                             reinterpret_cast<const unsigned char*>(rsa().public_pem.data()),
                             static_cast<int>(rsa().public_pem.size())),
                  0);
  jwt_free(decoded);
  CAF_CHECK_EQUAL(refuse(make_verifier("", rsa().public_pem), forged),
                  "token algorithm HS256 is not accepted by this server");
  auto forged_ec = sign(JWT_ALG_HS256, ec().public_pem, R"({"sub":"mallory"})");
  CAF_CHECK_EQUAL(refuse(make_verifier("", ec().public_pem), forged_ec),
                  "token algorithm HS256 is not accepted by this server");
  // With a secret as well, HS256 is checked against the secret only.
  CAF_CHECK_EQUAL(refuse(make_verifier(secret, rsa().public_pem), forged),
                  "token signature is invalid");
}

CAF_TEST(an algorithm needs a key of its own type) {
  auto rs256 = sign(JWT_ALG_RS256, rsa().private_pem, R"({"sub":"a"})");
  auto es256 = sign(JWT_ALG_ES256, ec().private_pem, R"({"sub":"a"})");
  CAF_CHECK_EQUAL(refuse(make_verifier(secret, ""), rs256),
                  "token algorithm RS256 is not accepted by this server");
  CAF_CHECK_EQUAL(refuse(make_verifier(secret, ""), es256),
                  "token algorithm ES256 is not accepted by this server");
  CAF_CHECK_EQUAL(refuse(make_verifier("", ec().public_pem), rs256),
                  "token algorithm RS256 is not accepted by this server");
  CAF_CHECK_EQUAL(refuse(make_verifier("", rsa().public_pem), es256),
                  "token algorithm ES256 is not accepted by this server");
}

CAF_TEST(other algorithms are refused and unknown names are not repeated) {
  auto verifier = make_verifier(secret, rsa().public_pem);
  CAF_CHECK_EQUAL(refuse(verifier, sign(JWT_ALG_HS512, secret, R"({"sub":"a"})")),
                  "token algorithm HS512 is not supported");
  CAF_CHECK_EQUAL(refuse(verifier, sign(JWT_ALG_RS384, rsa().private_pem, R"({"sub":"a"})")),
                  "token algorithm RS384 is not supported");
  // Names are case-sensitive (RFC 7518), although libjwt is not.
  CAF_CHECK_EQUAL(refuse(verifier, hs256_by_hand(R"({"alg":"hs256"})", R"({"sub":"a"})")),
                  "token algorithm is not supported");
  CAF_CHECK_EQUAL(
    refuse(verifier, hs256_by_hand(R"({"alg":"<script>evil</script>"})", R"({"sub":"a"})")),
    "token algorithm is not supported");
  CAF_CHECK_EQUAL(refuse(verifier, hs256_by_hand(R"({"typ":"JWT"})", R"({"sub":"a"})")),
                  "token is malformed: the header has no alg");
  CAF_CHECK_EQUAL(refuse(verifier, hs256_by_hand(R"({"alg":256})", R"({"sub":"a"})")),
                  "token is malformed: the header has no alg");
}

CAF_TEST(headers this server cannot honour are refused) {
  auto verifier = make_verifier(secret, "");
  CAF_CHECK_EQUAL(
    refuse(verifier, hs256_by_hand(R"({"alg":"HS256","typ":"at+jwt"})", R"({"sub":"a"})")),
    "token type (typ) is not JWT");
  CAF_CHECK_EQUAL(refuse(verifier, hs256_by_hand(R"({"alg":"HS256","typ":1})", R"({"sub":"a"})")),
                  "token type (typ) is not JWT");
  // RFC 7519 5.1 recommends "JWT" but compares types ignoring case.
  CAF_CHECK_EQUAL(
    accept(verifier, hs256_by_hand(R"({"alg":"HS256","typ":"jwt"})", R"({"sub":"a"})")).user_id,
    "a");
  CAF_CHECK_EQUAL(
    refuse(verifier, hs256_by_hand(R"({"alg":"HS256","crit":["exp"],"exp":1})", R"({"sub":"a"})")),
    "token header has critical extensions (crit), which this server does not "
    "support");
}

// -- signatures ----------------------------------------------------------------

CAF_TEST(a token signed with another secret is refused) {
  auto token = sign(JWT_ALG_HS256, other_secret, R"({"sub":"a"})");
  CAF_CHECK_EQUAL(refuse(make_verifier(secret, ""), token), "token signature is invalid");
}

CAF_TEST(a token signed with another key is refused) {
  auto token = sign(JWT_ALG_RS256, other_rsa().private_pem, R"({"sub":"a"})");
  CAF_CHECK_EQUAL(refuse(make_verifier("", rsa().public_pem), token), "token signature is invalid");
  auto es256 = sign(JWT_ALG_ES256, ec_key("P-256").private_pem, R"({"sub":"a"})");
  CAF_CHECK_EQUAL(refuse(make_verifier("", ec().public_pem), es256), "token signature is invalid");
}

CAF_TEST(changed claims or a changed signature are refused) {
  auto check = [](const token_verifier& verifier, const std::string& token) {
    parts changed_claims{token};
    changed_claims.claims = base64url(R"({"sub":"admin"})");
    CAF_CHECK_EQUAL(refuse(verifier, changed_claims.join()), "token signature is invalid");
    parts changed_signature{token};
    auto& c = changed_signature.signature[changed_signature.signature.size() / 2];
    c = c == 'A' ? 'B' : 'A';
    CAF_CHECK_EQUAL(refuse(verifier, changed_signature.join()), "token signature is invalid");
    parts no_signature{token};
    no_signature.signature.clear();
    CAF_CHECK_EQUAL(refuse(verifier, no_signature.join()), "token signature is invalid");
  };
  check(make_verifier(secret, ""), hs256(R"({"sub":"a"})"));
  check(make_verifier("", rsa().public_pem),
        sign(JWT_ALG_RS256, rsa().private_pem, R"({"sub":"a"})"));
  check(make_verifier("", ec().public_pem),
        sign(JWT_ALG_ES256, ec().private_pem, R"({"sub":"a"})"));
}

// -- times ---------------------------------------------------------------------

CAF_TEST(a token is refused from its exp on) {
  auto verifier = make_verifier(secret, "");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(claims_until(now_s - 1))), "token expired");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(claims_until(now_s))), "token expired");
  CAF_CHECK_EQUAL(accept(verifier, hs256(claims_until(now_s)), now_ms - 1).expires_at_ms, now_ms);
  CAF_CHECK_EQUAL(accept(verifier, hs256(claims_until(now_s + 1))).expires_at_ms, now_ms + 1000);
  CAF_CHECK_EQUAL(refuse(verifier, hs256(claims_until(-1))), "token expired");
}

CAF_TEST(a token is refused before its nbf) {
  auto verifier = make_verifier(secret, "");
  auto token = hs256(R"({"sub":"a","nbf":)" + std::to_string(now_s + 30) + "}");
  CAF_CHECK_EQUAL(refuse(verifier, token), "token not yet valid (nbf)");
  CAF_CHECK_EQUAL(refuse(verifier, token, (now_s + 30) * 1000 - 1), "token not yet valid (nbf)");
  CAF_CHECK_EQUAL(accept(verifier, token, (now_s + 30) * 1000).user_id, "a");
}

CAF_TEST(fractional and huge NumericDates are read as numbers) {
  auto verifier = make_verifier(secret, "");
  auto fractional = hs256(R"({"sub":"a","exp":)" + std::to_string(now_s) + ".5}");
  CAF_CHECK_EQUAL(accept(verifier, fractional).expires_at_ms, now_ms + 500);
  CAF_CHECK_EQUAL(refuse(verifier, fractional, now_ms + 500), "token expired");
  auto far = hs256(R"({"sub":"a","exp":1e300})");
  CAF_CHECK_EQUAL(accept(verifier, far).expires_at_ms, std::numeric_limits<std::int64_t>::max());
  auto big = hs256(R"({"sub":"a","exp":9000000000000000000})");
  CAF_CHECK_EQUAL(accept(verifier, big).expires_at_ms, std::numeric_limits<std::int64_t>::max());
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":"a","exp":-1e300})")), "token expired");
}

// -- malformed tokens ----------------------------------------------------------

CAF_TEST(tokens that are not three base64url parts are malformed) {
  auto verifier = make_verifier(secret, "");
  auto valid = hs256(R"({"sub":"a"})");
  const std::string not_three_parts = "token is malformed: not three base64url parts";
  for (const std::string& token :
       {std::string{}, std::string{"abc"}, std::string{"a.b"}, valid + ".x", valid + '.',
        "x." + valid, valid + ' ', ' ' + valid, valid + '=', valid + "\n", std::string{"a+b.c.d"},
        std::string{"a/b.c.d"}, std::string{"a\0b.c.d", 7}}) {
    CAF_MESSAGE("token '" << token << "'");
    CAF_CHECK_EQUAL(refuse(verifier, token), not_three_parts);
  }
}

CAF_TEST(parts that are not JSON objects are malformed) {
  auto verifier = make_verifier(secret, "");
  auto claims = base64url(R"({"sub":"a"})");
  auto header = base64url(R"({"alg":"HS256"})");
  const std::string bad_header = "token is malformed: the header is not a JSON object";
  const std::string bad_claims = "token is malformed: the claims are not a JSON object";
  CAF_CHECK_EQUAL(refuse(verifier, base64url("not json") + '.' + claims + ".c2ln"), bad_header);
  CAF_CHECK_EQUAL(refuse(verifier, base64url(R"(["alg","HS256"])") + '.' + claims + ".c2ln"),
                  bad_header);
  CAF_CHECK_EQUAL(refuse(verifier, '.' + claims + ".c2ln"), bad_header);
  CAF_CHECK_EQUAL(refuse(verifier, ".."), bad_header);
  // One character more than a whole group of four cannot be base64.
  CAF_CHECK_EQUAL(refuse(verifier, header + "A." + claims + ".c2ln"), bad_header);
  CAF_CHECK_EQUAL(refuse(verifier, header + '.' + base64url("{\"sub\":") + ".c2ln"), bad_claims);
  CAF_CHECK_EQUAL(refuse(verifier, header + '.' + base64url("\"a\"") + ".c2ln"), bad_claims);
  CAF_CHECK_EQUAL(refuse(verifier, header + ".." + "c2ln"), bad_claims);
  // Invalid UTF-8 is not JSON.
  CAF_CHECK_EQUAL(refuse(verifier, header + '.' + base64url("{\"sub\":\"\xff\"}") + ".c2ln"),
                  bad_claims);
}

CAF_TEST(claims of the wrong type are malformed) {
  auto verifier = make_verifier(secret, "");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":7})")),
                  "token is malformed: claim sub is not a string");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":"a","name":["A"]})")),
                  "token is malformed: claim name is not a string");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":"a","rooms":"lobby"})")),
                  "token is malformed: claim rooms is not an array of strings");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":"a","rooms":["lobby",7]})")),
                  "token is malformed: claim rooms is not an array of strings");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":"a","exp":"tomorrow"})")),
                  "token is malformed: claim exp is not a number");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":"a","exp":null})")),
                  "token is malformed: claim exp is not a number");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":"a","nbf":true})")),
                  "token is malformed: claim nbf is not a number");
}

CAF_TEST(a token without a sub is refused) {
  auto verifier = make_verifier(secret, "");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"name":"Nobody"})")), "token has no sub claim");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":""})")), "token has no sub claim");
}

CAF_TEST(overlong tokens and claims are refused) {
  auto verifier = make_verifier(secret, "");
  CAF_CHECK_EQUAL(refuse(verifier, std::string(8193, 'a')),
                  "token is malformed: longer than 8192 bytes");
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":")" + std::string(129, 'u') + "\"}")),
                  "token claim sub is longer than 128 characters");
  CAF_CHECK_EQUAL(
    accept(verifier, hs256(R"({"sub":")" + std::string(128, 'u') + "\"}")).user_id.size(), 128u);
  CAF_CHECK_EQUAL(refuse(verifier, hs256(R"({"sub":"a","name":")" + std::string(129, 'n') + "\"}")),
                  "token claim name is longer than 128 characters");
}

CAF_TEST(refusals never quote the token or a key) {
  auto verifier = make_verifier(secret, rsa().public_pem);
  for (const auto& token :
       {hs256(R"({"sub":"a","exp":1})"), sign(JWT_ALG_HS256, other_secret, R"({"sub":"a"})"),
        sign(JWT_ALG_HS256, rsa().public_pem, R"({"sub":"a"})"), hs256(R"({"sub":5})")}) {
    auto message = refuse(verifier, token);
    CAF_CHECK_NOT_EQUAL(message, "<accepted>");
    parts pieces{token};
    for (const auto& piece : {pieces.header, pieces.claims, pieces.signature})
      CAF_CHECK_EQUAL(message.find(piece), std::string::npos);
    CAF_CHECK_EQUAL(message.find(secret), std::string::npos);
    CAF_CHECK_EQUAL(message.find("BEGIN"), std::string::npos);
  }
}

// -- rooms ---------------------------------------------------------------------

CAF_TEST(allows_room matches exact entries and prefixes ending in a star) {
  auto token =
    accept(make_verifier(secret, ""), hs256(R"({"sub":"a","rooms":["lobby","team-*","x:*"]})"));
  CAF_CHECK(allows_room(token, "lobby"));
  CAF_CHECK(allows_room(token, "team-a"));
  CAF_CHECK(allows_room(token, "team-"));
  CAF_CHECK(allows_room(token, "x:1"));
  CAF_CHECK(!allows_room(token, "lobby2"));
  CAF_CHECK(!allows_room(token, "lobb"));
  CAF_CHECK(!allows_room(token, "team"));
  CAF_CHECK(!allows_room(token, "other"));
}

CAF_TEST(no rooms claim allows every room and an empty one allows none) {
  verified_token any;
  CAF_CHECK(allows_room(any, "anything"));
  verified_token none;
  none.any_room = false;
  CAF_CHECK(!allows_room(none, "anything"));
  verified_token star;
  star.any_room = false;
  star.rooms = {"*"};
  CAF_CHECK(allows_room(star, "anything"));
  verified_token empty_entry;
  empty_entry.any_room = false;
  empty_entry.rooms = {""};
  CAF_CHECK(!allows_room(empty_entry, "anything"));
}

// -- making a verifier ---------------------------------------------------------

CAF_TEST(make refuses what it cannot verify with) {
  CAF_CHECK_EQUAL(make_error("", ""), "neither a JWT secret nor a JWT public key is given");
  CAF_CHECK_EQUAL(make_error(std::string(31, 's'), ""),
                  "the JWT secret is shorter than 32 bytes, the least RFC 7518 allows for HS256");
  CAF_CHECK_EQUAL(make_error(std::string(32, 's'), ""), "<made>");
  const std::string not_pem = "the JWT public key is not a PEM public key (-----BEGIN PUBLIC "
                              "KEY-----; private keys and certificates are refused)";
  CAF_CHECK_EQUAL(make_error("", "not a key"), not_pem);
  CAF_CHECK_EQUAL(make_error("", rsa().private_pem), not_pem);
  CAF_CHECK_EQUAL(make_error(secret, "not a key"), not_pem);
  CAF_CHECK_EQUAL(make_error("", rsa_key(1024).public_pem),
                  "the JWT public key is an RSA key of 1024 bits; RS256 needs at least 2048");
  CAF_CHECK_EQUAL(make_error("", ec_key("P-384").public_pem),
                  "the JWT public key is an EC key on a curve other than P-256, which ES256 needs");
  auto ed25519 = make_key([] { return EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); });
  CAF_CHECK_EQUAL(make_error("", ed25519.public_pem),
                  "the JWT public key is neither an RSA key (RS256) nor an EC P-256 key (ES256)");
}
