// Structured logging: one JSON object per line on stderr, filtered by level.
#pragma once

#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include <exception>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace signaling::actors {

enum class log_level { debug, info, warning, error };

/// Parses "debug", "info", "warning" or "error"; false for anything else.
bool parse_log_level(std::string_view text, log_level& result);

void set_log_level(log_level level);

[[nodiscard]] bool log_enabled(log_level level);

using log_field = std::pair<std::string_view, std::string_view>;

/// Writes {"time":...,"level":...,"event":...,<fields>} if `level` is enabled.
void log(log_level level, std::string_view event, std::initializer_list<log_field> fields = {});

/// Every actor's exception handler: logs "actor-failed" at error level with
/// the actor's name and what() and ends it with caf::sec::runtime_error (its
/// monitors and links see that reason, as with CAF's default handler).
caf::error log_failure(caf::scheduled_actor* self, std::exception_ptr& failure);

} // namespace signaling::actors
