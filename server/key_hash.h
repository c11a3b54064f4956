// Hashing and making API key secrets (docs/OPERATIONS.md, "Security").
//
// Secrets never appear in the config: it holds their SHA-256 in hex. A fresh
// secret is 32 random bytes from OpenSSL's CSPRNG, written as "pk_" and 43
// base64url characters, so it fits in an HTTP header and is easy to grep for
// in a leaked log. Used by the server (auth) and by `persona keys new`.
// Thread-safety: pure functions; safe from any thread.
#ifndef PERSONA_SERVER_KEY_HASH_H_
#define PERSONA_SERVER_KEY_HASH_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace persona::server {

using Sha256Digest = std::array<unsigned char, 32>;

// Returns the SHA-256 of `data`.
Sha256Digest Sha256(std::string_view data);
// Returns the SHA-256 of `data` as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);
// Parses 64 hex digits (either case); nullopt for anything else.
std::optional<Sha256Digest> ParseSha256Hex(std::string_view hex);
// Compares two digests in time independent of where they differ.
bool DigestsEqual(const Sha256Digest& a, const Sha256Digest& b);

// Returns a fresh random secret ("pk_" + 43 base64url characters, 256 bits).
// UNAVAILABLE when the system's random source fails.
absl::StatusOr<std::string> NewApiKeySecret();

}  // namespace persona::server

#endif  // PERSONA_SERVER_KEY_HASH_H_
