// Unguessable identifiers for peers and resume tokens.
#pragma once

#include <string>

namespace signaling::actors {

/// 128 random bits from the OS's CSPRNG, as 32 lowercase hex digits.
[[nodiscard]] std::string random_identifier();

} // namespace signaling::actors
