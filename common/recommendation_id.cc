#include "common/recommendation_id.h"

#include <array>
#include <limits>
#include <random>

#include "absl/status/status.h"
#include "common/keys.h"

namespace persona {
namespace {

constexpr std::string_view kVersion = "r1";
constexpr char kSeparator = '.';
constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
// Base-36 digits of the largest uint64 (3w5e11264sgsf).
constexpr size_t kMaxBase36Digits = 13;

void AppendBase36(uint64_t v, std::string* out) {
  std::array<char, kMaxBase36Digits> buf;
  size_t n = 0;
  do {
    buf[n++] = kDigits[v % 36];
    v /= 36;
  } while (v != 0);
  while (n > 0) out->push_back(buf[--n]);
}

// Parses lower-case base 36; false on an empty string, another character or
// overflow. Leading zeros are refused later by the canonical re-encoding.
bool ParseBase36(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > kMaxBase36Digits) return false;
  uint64_t v = 0;
  for (char c : s) {
    uint64_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'z') {
      d = static_cast<uint64_t>(c - 'a') + 10;
    } else {
      return false;
    }
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 36) return false;
    v = v * 36 + d;
  }
  *out = v;
  return true;
}

// 32-bit FNV-1a: fixed by its definition, the same on every platform and build.
uint32_t Checksum(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// Returns "r1.<placement>.<variant>.<t>.<n>" (everything the checksum covers).
std::string Body(const RecommendationIdParts& parts) {
  std::string out;
  out.reserve(kMaxRecommendationIdBytes);
  out.append(kVersion);
  out.push_back(kSeparator);
  out.append(parts.placement);
  out.push_back(kSeparator);
  out.append(parts.variant);
  out.push_back(kSeparator);
  AppendBase36(static_cast<uint64_t>(parts.issued_time_ms < 0 ? 0 : parts.issued_time_ms), &out);
  out.push_back(kSeparator);
  AppendBase36(parts.nonce, &out);
  return out;
}

// Splits `id` at separators into exactly `n` parts; false otherwise.
template <size_t n>
bool Split(std::string_view id, std::array<std::string_view, n>* parts) {
  size_t count = 0;
  while (true) {
    const size_t dot = id.find(kSeparator);
    if (count == n) return false;
    (*parts)[count++] = id.substr(0, dot);
    if (dot == std::string_view::npos) break;
    id.remove_prefix(dot + 1);
  }
  return count == n;
}

absl::Status Invalid(std::string_view reason) {
  return absl::InvalidArgumentError(
      std::string("not a recommendation id of this server: ").append(reason));
}

}  // namespace

std::string_view RecommendationIdPartsProblem(const RecommendationIdParts& parts) {
  if (!NameProblem(parts.placement).empty()) return "placement is not 1..64 of [a-z0-9_-]";
  if (!parts.variant.empty() && !NameProblem(parts.variant).empty()) {
    return "variant is not 0..64 of [a-z0-9_-]";
  }
  if (parts.issued_time_ms < 0) return "issued_time_ms is negative";
  return {};
}

std::string EncodeRecommendationId(const RecommendationIdParts& parts) {
  std::string id = Body(parts);
  const uint32_t checksum = Checksum(id);
  id.push_back(kSeparator);
  AppendBase36(checksum, &id);
  return id;
}

absl::StatusOr<RecommendationIdParts> DecodeRecommendationId(std::string_view id) {
  if (id.size() > kMaxRecommendationIdBytes) return Invalid("too long");
  std::array<std::string_view, 6> fields;
  if (!Split(id, &fields)) return Invalid("wrong number of parts");
  if (fields[0] != kVersion) return Invalid("unknown version");
  RecommendationIdParts parts;
  parts.placement.assign(fields[1]);
  parts.variant.assign(fields[2]);
  uint64_t time = 0;
  uint64_t checksum = 0;
  if (!ParseBase36(fields[3], &time) ||
      time > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Invalid("bad time");
  }
  if (!ParseBase36(fields[4], &parts.nonce)) return Invalid("bad nonce");
  if (!ParseBase36(fields[5], &checksum)) return Invalid("bad checksum");
  parts.issued_time_ms = static_cast<int64_t>(time);
  if (std::string_view problem = RecommendationIdPartsProblem(parts); !problem.empty()) {
    return Invalid(problem);
  }
  // The canonical encoding must give the id back (no leading zeros, and the
  // checksum must match).
  if (EncodeRecommendationId(parts) != id) return Invalid("checksum mismatch or not canonical");
  return parts;
}

uint64_t NewRecommendationNonce() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace persona
