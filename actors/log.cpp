// JSON-lines logger; one mutex-guarded write per line keeps lines whole.
#include "actors/log.hpp"

#include "schema/server_messages.hpp"

#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace signaling::actors {

namespace {

std::atomic<log_level> current_level{log_level::info};
std::mutex output_mutex;

constexpr std::string_view level_names[] = {"debug", "info", "warning", "error"};

} // namespace

bool parse_log_level(std::string_view text, log_level& result) {
  for (std::size_t i = 0; i < std::size(level_names); ++i) {
    if (level_names[i] == text) {
      result = static_cast<log_level>(i);
      return true;
    }
  }
  return false;
}

void set_log_level(log_level level) {
  current_level = level;
}

bool log_enabled(log_level level) {
  return level >= current_level.load(std::memory_order_relaxed);
}

void log(log_level level, std::string_view event, std::initializer_list<log_field> fields) {
  if (!log_enabled(level))
    return;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::system_clock::now().time_since_epoch());
  std::string line = R"({"time":)" + std::to_string(now.count()) + R"(,"level":)";
  schema::append_json_string(line, level_names[static_cast<int>(level)]);
  line += R"(,"event":)";
  schema::append_json_string(line, event);
  for (const auto& [key, value] : fields) {
    line += ',';
    schema::append_json_string(line, key);
    line += ':';
    schema::append_json_string(line, value);
  }
  line += "}\n";
  std::lock_guard<std::mutex> guard{output_mutex};
  std::fwrite(line.data(), 1, line.size(), stderr);
}

caf::error log_failure(caf::scheduled_actor* self, std::exception_ptr& failure) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& exception) {
    what = exception.what();
  } catch (...) {
  }
  log(log_level::error, "actor-failed",
      {{"actor", self->name()}, {"id", std::to_string(self->id())}, {"what", what}});
  return caf::make_error(caf::sec::runtime_error, std::move(what));
}

} // namespace signaling::actors
