// Validation of names and ids shared by every layer. Thread-safe, pure.
#ifndef PERSONA_COMMON_KEYS_H_
#define PERSONA_COMMON_KEYS_H_

#include <string_view>

namespace persona {

// Longest customer, session, item, event or order id, in bytes.
inline constexpr size_t kMaxIdBytes = 256;
// Longest shop or placement name, in bytes.
inline constexpr size_t kMaxNameBytes = 64;

// Returns an empty string when `id` is a valid id (1..256 bytes, valid UTF-8
// without control characters), or the reason it is not.
std::string_view IdProblem(std::string_view id);

// Returns an empty string when `name` is a valid shop or placement name
// (1..64 bytes of [a-z0-9_-]), or the reason it is not.
std::string_view NameProblem(std::string_view name);

// Returns whether `text` is valid UTF-8 without control characters other than tab.
bool IsCleanUtf8(std::string_view text);

}  // namespace persona

#endif  // PERSONA_COMMON_KEYS_H_
