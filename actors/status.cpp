// Pieces of status trees that every actor's status() shares.
#include "actors/status.hpp"

#include <caf/sec.hpp>

namespace signaling::actors {

caf::settings unresponsive_status(std::string_view kind, const caf::error& reason) {
  caf::settings result;
  caf::put(result, "kind", std::string{kind});
  caf::put(result, "unresponsive", true);
  caf::put(result, "reason", std::string{reason == caf::sec::request_timeout ? "timeout" : "down"});
  return result;
}

caf::config_value::list to_list(std::vector<caf::settings> xs) {
  caf::config_value::list result;
  result.reserve(xs.size());
  for (auto& x : xs)
    result.emplace_back(std::move(x));
  return result;
}

} // namespace signaling::actors
