// Splits one fuzz input into the parts a harness needs: single bytes (mode
// selectors, flags) and length-prefixed chunks (one serialised record each),
// so that libFuzzer's mutations of one part leave the others intact.
// Reading past the end yields zeros and empty chunks, never an error.
// Not thread-safe; one per input.
#ifndef PERSONA_TESTS_FUZZ_FUZZ_INPUT_H_
#define PERSONA_TESTS_FUZZ_FUZZ_INPUT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace persona::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next byte, or 0 at the end.
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  // A chunk written as a 2-byte little-endian length and that many bytes
  // (fewer when the input ends first).
  std::string_view Chunk() {
    size_t n = Byte();
    n |= static_cast<size_t>(Byte()) << 8;
    n = std::min(n, rest_.size());
    const std::string_view chunk = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return chunk;
  }

  // Everything not read yet.
  std::string_view Rest() {
    const std::string_view rest = rest_;
    rest_ = {};
    return rest;
  }

  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace persona::fuzz

#endif  // PERSONA_TESTS_FUZZ_FUZZ_INPUT_H_
