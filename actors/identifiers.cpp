// Identifiers from std::random_device (getrandom(2) on Linux).
#include "actors/identifiers.hpp"

#include <random>

namespace signaling::actors {

std::string random_identifier() {
  // One device per thread: opening it is far dearer than reading from it.
  thread_local std::random_device device;
  static constexpr char digits[] = "0123456789abcdef";
  std::string result;
  result.reserve(32);
  for (int word = 0; word < 4; ++word) {
    auto bits = device();
    for (int nibble = 0; nibble < 8; ++nibble) {
      result += digits[bits & 0xF];
      bits >>= 4;
    }
  }
  return result;
}

} // namespace signaling::actors
