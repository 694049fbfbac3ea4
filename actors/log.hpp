// Structured logging: one JSON object per line on stderr, filtered by level.
#pragma once

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

} // namespace signaling::actors
