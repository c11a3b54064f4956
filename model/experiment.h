// Experiments: a placement's variants with traffic shares, and the stable
// assignment of a customer or session to one of them.
//
// Assignment hashes "<experiment>\0<subject id>" with StableHash64, a hash
// fixed by its definition (64-bit FNV-1a, then the SplitMix64 finaliser), so
// a subject keeps its variant across restarts, machines, compilers and
// library versions, and the variants of two experiments (placements) are
// drawn independently. absl::Hash and std::hash are seeded per process or
// unspecified and must not be used for this.
//
// Pure functions; thread-safe.
#ifndef PERSONA_MODEL_EXPERIMENT_H_
#define PERSONA_MODEL_EXPERIMENT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace persona::model {

struct Variant {
  // 1..64 of [a-z0-9_-], unique within the experiment.
  std::string name;
  // Share of subjects, in (0, 1]; the shares of an experiment sum to 1.
  double share = 0;
};

// Largest number of variants of one experiment.
inline constexpr size_t kMaxVariants = 100;
// How far the shares' sum may be from 1.
inline constexpr double kShareSumTolerance = 1e-6;

// Returns OK when `variants` form an experiment: 1..kMaxVariants variants,
// valid unique names, finite shares > 0 that sum to 1 within
// kShareSumTolerance (they are not normalised: a sum of 0.9 or 1.1 is a
// configuration mistake, refused so it does not go unnoticed). Otherwise
// INVALID_ARGUMENT whose message starts with the field, e.g.
// "variants[1].share: must be > 0".
absl::Status ValidateVariants(std::span<const Variant> variants);

// Returns a 64-bit hash of `data` that never changes: FNV-1a (64-bit offset
// basis and prime) followed by the SplitMix64 finaliser, which spreads
// FNV's weak low bits over the whole word.
uint64_t StableHash64(std::string_view data);

// Returns the index of the variant `subject_id` is assigned to in
// `experiment` (e.g. the placement name): the variant whose slice of [0, 1)
// holds the subject's hash point, slices laid out in order with widths
// share / sum of shares. `variants` must be valid (ValidateVariants); with
// none, returns 0. The same inputs always give the same index.
size_t AssignVariant(std::string_view experiment, std::string_view subject_id,
                     std::span<const Variant> variants);

// Returns the point in [0, 1) of `subject_id` in `experiment` (53 bits of
// StableHash64 of "<experiment>\0<subject id>"); what AssignVariant compares
// with the cumulative shares.
double AssignmentPoint(std::string_view experiment, std::string_view subject_id);

}  // namespace persona::model

#endif  // PERSONA_MODEL_EXPERIMENT_H_
