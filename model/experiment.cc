#include "model/experiment.h"

#include <cmath>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/keys.h"

namespace persona::model {

absl::Status ValidateVariants(std::span<const Variant> variants) {
  if (variants.empty()) return absl::InvalidArgumentError("variants: at least one is needed");
  if (variants.size() > kMaxVariants) {
    return absl::InvalidArgumentError(absl::StrCat("variants: at most ", kMaxVariants));
  }
  absl::flat_hash_set<std::string> names;
  double sum = 0;
  for (size_t i = 0; i < variants.size(); ++i) {
    const Variant& v = variants[i];
    if (std::string_view problem = NameProblem(v.name); !problem.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("variants[", i, "].name: ", std::string(problem)));
    }
    if (!names.insert(v.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("variants[", i, "].name: '", v.name, "' is used twice"));
    }
    if (!std::isfinite(v.share) || !(v.share > 0) || v.share > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("variants[", i, "].share: must be > 0 and <= 1"));
    }
    sum += v.share;
  }
  if (std::abs(sum - 1.0) > kShareSumTolerance) {
    return absl::InvalidArgumentError(
        absl::StrCat("variants: the shares sum to ", sum, ", not 1"));
  }
  return absl::OkStatus();
}

uint64_t StableHash64(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64-bit offset basis
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV-1a 64-bit prime
  }
  // SplitMix64 finaliser (Steele, Lea and Flood's mixing constants).
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

double AssignmentPoint(std::string_view experiment, std::string_view subject_id) {
  std::string key;
  key.reserve(experiment.size() + 1 + subject_id.size());
  key.append(experiment);
  key.push_back('\0');  // "ab"+"c" and "a"+"bc" must not collide
  key.append(subject_id);
  // The top 53 bits as an exact double in [0, 1).
  return static_cast<double>(StableHash64(key) >> 11) * 0x1.0p-53;
}

size_t AssignVariant(std::string_view experiment, std::string_view subject_id,
                     std::span<const Variant> variants) {
  if (variants.size() <= 1) return 0;
  double total = 0;
  for (const Variant& v : variants) total += v.share;
  const double point = AssignmentPoint(experiment, subject_id) * total;
  double cumulative = 0;
  for (size_t i = 0; i + 1 < variants.size(); ++i) {
    cumulative += variants[i].share;
    if (point < cumulative) return i;
  }
  // Rounding can leave the top of the range past the last boundary.
  return variants.size() - 1;
}

}  // namespace persona::model
