// Built-in segments: every customer's membership in the lifecycle stages,
// the classic RFM groups, the behavioural flags, the feedback segments and
// the personas, under one naming scheme (docs/SEGMENTS.md):
//   stage:<prospect|new|active|loyal|at_risk|lost>
//   rfm:<champions|loyal|potential_loyalist|new|promising|need_attention|
//        about_to_sleep|at_risk|cannot_lose|hibernating|lost>
//   viewed_not_bought, abandoned_cart
//   nps:<promoter|passive|detractor>, low_satisfaction, high_return_rate
//   persona:<0..k-1>
// Thread-safety: pure functions over values; safe from any thread.
#ifndef PERSONA_MODEL_SEGMENTS_BUILTIN_H_
#define PERSONA_MODEL_SEGMENTS_BUILTIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "model/segments/facts.h"
#include "model/segments/feedback.h"
#include "model/segments/lifecycle.h"
#include "model/segments/rfm.h"

namespace persona::model::segments {

// All thresholds of the built-in segments (the config's segments section).
struct SegmentThresholds {
  LifecycleThresholds lifecycle;
  FeedbackThresholds feedback;
};

// Returns OK or INVALID_ARGUMENT naming the first bad field as
// "lifecycle.<field> ..." or "feedback.<field> ...".
absl::Status ValidateThresholds(const SegmentThresholds& t);

// The classic RFM groups, from r (rows) and f (columns); table in
// docs/SEGMENTS.md.
enum class RfmGroup : uint8_t {
  kChampions,          // r 5,   f 4-5
  kLoyal,              // r 3-4, f 4-5
  kPotentialLoyalist,  // r 4-5, f 2-3
  kNew,                // r 5,   f 1
  kPromising,          // r 4,   f 1
  kNeedAttention,      // r 3,   f 3
  kAboutToSleep,       // r 3,   f 1-2
  kAtRisk,             // r 1-2, f 3-4
  kCannotLose,         // r 1-2, f 5
  kHibernating,        // r 2,   f 1-2
  kLost,               // r 1,   f 1-2
};
inline constexpr int kNumRfmGroups = 11;

// Returns the group of a scored customer, nullopt when not scored.
std::optional<RfmGroup> ClassifyRfmGroup(const RfmScore& rfm);
// "champions", "loyal", "potential_loyalist", "new", "promising",
// "need_attention", "about_to_sleep", "at_risk", "cannot_lose",
// "hibernating", "lost".
absl::string_view RfmGroupName(RfmGroup group);

// Returns the built-in segments the customer belongs to, in the order of
// BuiltInSegmentNames: one stage, at most one RFM group, the flags, at most
// one NPS group, the feedback flags, and persona:<facts.persona> when set.
std::vector<std::string> BuiltInSegments(const CustomerFacts& facts, const RfmScore& rfm,
                                         Stage stage, const SegmentThresholds& t, int64_t now_ms);

// Returns every built-in segment name with k_personas personas (so empty
// segments can be listed with size 0), in a fixed order.
std::vector<std::string> BuiltInSegmentNames(int k_personas);

// Whether `name` is a built-in segment name for some number of personas
// (persona:<n> for any n >= 0 up to 63).
bool IsBuiltInSegmentName(absl::string_view name);

}  // namespace persona::model::segments

#endif  // PERSONA_MODEL_SEGMENTS_BUILTIN_H_
