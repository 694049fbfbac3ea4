// signal-make-token: prints an HS256 token signed with a server's JWT secret,
// for trying auth by hand and for integration tests.
#include "actors/token_verifier.hpp"
#include "tools/server_config.hpp"

#include <boost/json.hpp>
#include <jwt.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace {

constexpr const char* usage =
  "usage: signal-make-token --secret-file=PATH --sub=USER [--name=NAME] [--ttl-s=3600]\n"
  "                         [--rooms=ROOM,PREFIX*,...]\n"
  "Prints an HS256 token for USER, valid for ttl-s seconds (0: no exp claim).\n"
  "Without --secret-file the secret comes from SIGNAL_JWT_SECRET.\n";

struct options {
  std::string secret_file;
  std::string sub;
  std::string name;
  std::uint32_t ttl_s = 3600;
  std::optional<std::string> rooms; // absent: any room
};

/// Fills `out` from `--key=value` arguments; false on anything else.
bool parse(int argc, char** argv, options& out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view argument = argv[i];
    auto equals = argument.find('=');
    if (argument.substr(0, 2) != "--" || equals == argument.npos)
      return false;
    auto key = argument.substr(2, equals - 2);
    auto value = argument.substr(equals + 1);
    if (key == "secret-file") {
      out.secret_file = value;
    } else if (key == "sub") {
      out.sub = value;
    } else if (key == "name") {
      out.name = value;
    } else if (key == "rooms") {
      out.rooms = std::string{value};
    } else if (key == "ttl-s") {
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out.ttl_s);
      if (error != std::errc{} || end != value.data() + value.size())
        return false;
    } else {
      return false;
    }
  }
  return !out.sub.empty();
}

int fail(const std::string& why) {
  std::fprintf(stderr, "signal-make-token: %s\n", why.c_str());
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  using namespace signaling;
  options opts;
  if (!parse(argc, argv, opts)) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string secret;
  if (!opts.secret_file.empty()) {
    if (auto problem = tools::read_secret_file(opts.secret_file, "--secret-file", secret))
      return fail(*problem);
  } else if (auto from_env = std::getenv("SIGNAL_JWT_SECRET"); from_env && *from_env) {
    secret = from_env;
  } else {
    return fail("give --secret-file=PATH or set SIGNAL_JWT_SECRET");
  }
  // A token the server would refuse to check is no use.
  if (secret.size() < actors::min_hs256_secret_bytes)
    return fail("the secret is shorter than " + std::to_string(actors::min_hs256_secret_bytes)
                + " bytes; signal-server refuses such a secret");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0)
    return fail("libjwt cannot make a token");
  std::unique_ptr<jwt_t, decltype(&jwt_free)> token{raw, jwt_free};
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  boost::json::object claims{{"sub", opts.sub}, {"iat", now_s}};
  if (!opts.name.empty())
    claims["name"] = opts.name;
  if (opts.ttl_s > 0)
    claims["exp"] = now_s + opts.ttl_s;
  if (opts.rooms) {
    boost::json::array rooms;
    for (auto& room : tools::split_list(*opts.rooms))
      rooms.emplace_back(room);
    claims["rooms"] = std::move(rooms);
  }
  auto claims_json = boost::json::serialize(claims);
  if (jwt_add_grants_json(token.get(), claims_json.c_str()) != 0
      || jwt_set_alg(token.get(), JWT_ALG_HS256,
                     reinterpret_cast<const unsigned char*>(secret.data()),
                     static_cast<int>(secret.size()))
           != 0)
    return fail("libjwt cannot sign the token");
  std::unique_ptr<char, decltype(&std::free)> text{jwt_encode_str(token.get()), std::free};
  if (!text)
    return fail("libjwt cannot encode the token");
  std::puts(text.get());
  return 0;
}
