// Recommendation ids: what Recommend returns and clients send back on
// impression, click, add-to-cart and purchase events. The id itself carries
// what attribution needs (placement, experiment variant, issue time and a
// random nonce), so serving a recommendation writes nothing and attributing
// an event reads nothing but the id.
//
// Format (URL-safe, no padding): "r1.<placement>.<variant>.<t>.<n>.<c>" where
// <t> is the issue time in ms and <n> the nonce, both lower-case base 36, and
// <c> a base-36 32-bit checksum of everything before it. Placement and variant
// names are [a-z0-9_-], so '.' never occurs inside a part. Typical ids are
// 40-50 characters ("r1.home.default.loyw3v28.mf9g063v08f.tgdgli").
// The checksum catches mangled ids, it does not authenticate: a client can
// forge an id, as it can forge any event.
//
// Pure functions; thread-safe.
#ifndef PERSONA_COMMON_RECOMMENDATION_ID_H_
#define PERSONA_COMMON_RECOMMENDATION_ID_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace persona {

struct RecommendationIdParts {
  // The placement answered: 1..64 of [a-z0-9_-].
  std::string placement;
  // The experiment variant that answered: 0..64 of [a-z0-9_-] (empty: none).
  std::string variant;
  // When the recommendation was issued (epoch ms, server clock); >= 0.
  int64_t issued_time_ms = 0;
  // Random, so that two responses issued in the same millisecond differ.
  uint64_t nonce = 0;

  bool operator==(const RecommendationIdParts&) const = default;
};

// Longest id Encode can produce (both names of 64 bytes, 64-bit numbers).
inline constexpr size_t kMaxRecommendationIdBytes = 3 + 64 + 1 + 64 + 1 + 13 + 1 + 13 + 1 + 7;

// Returns an empty string when `parts` can be encoded so that Decode returns
// them (valid names, issued_time_ms >= 0), or the reason they cannot.
std::string_view RecommendationIdPartsProblem(const RecommendationIdParts& parts);

// Returns a random nonce for a new id (a thread-local generator; thread-safe).
uint64_t NewRecommendationNonce();

// Returns the id of `parts`. The caller validates the parts first
// (RecommendationIdPartsProblem); an id encoded from invalid parts does not
// decode, so events carrying it are stored but never attributed.
std::string EncodeRecommendationId(const RecommendationIdParts& parts);

// Returns the parts of an id made by EncodeRecommendationId, or
// INVALID_ARGUMENT with the reason for anything else (any client string may
// arrive: wrong shape, bad names, numbers out of range, bad checksum, or not
// the canonical encoding).
absl::StatusOr<RecommendationIdParts> DecodeRecommendationId(std::string_view id);

}  // namespace persona

#endif  // PERSONA_COMMON_RECOMMENDATION_ID_H_
