// Lifecycle stages (prospect, new, active, loyal, at risk, lost) and the
// behavioural flags "viewed but did not buy" and "abandoned cart", with every
// threshold a field so config can set it. Times are compared inclusively at
// the "within" side: a purchase exactly active_days ago is still active.
// Thread-safety: pure functions over values; safe from any thread.
#ifndef PERSONA_MODEL_SEGMENTS_LIFECYCLE_H_
#define PERSONA_MODEL_SEGMENTS_LIFECYCLE_H_

#include <cstdint>
#include <optional>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "model/segments/facts.h"
#include "model/segments/rfm.h"

namespace persona::model::segments {

struct LifecycleThresholds {
  // new: the first purchase at most new_days ago and at most new_max_orders
  // orders; or never bought and first seen at most new_days ago. Default 30.
  int32_t new_days = 30;
  // Default 1.
  int32_t new_max_orders = 1;
  // active: the last purchase at most active_days ago. Default 90.
  int32_t active_days = 90;
  // loyal: active and at least loyal_min_orders orders (default 4), or
  // active with RFM r >= loyal_min_rfm_r and f >= loyal_min_rfm_f (defaults
  // 4 and 4; 0 in either turns the RFM route off).
  int32_t loyal_min_orders = 4;
  int32_t loyal_min_rfm_r = 4;
  int32_t loyal_min_rfm_f = 4;
  // at risk: the last purchase more than active_days and at most lost_days
  // ago; lost: more than lost_days ago. Default 180.
  int32_t lost_days = 180;
  // viewed_not_bought: a product view at most viewed_not_bought_days ago and
  // no purchase since it. Default 7.
  int32_t viewed_not_bought_days = 7;
  // abandoned_cart: items in the cart, the last add at least
  // abandoned_cart_after_minutes (default 60) and at most
  // abandoned_cart_max_days (default 14) ago, and later than the last
  // purchase.
  int32_t abandoned_cart_after_minutes = 60;
  int32_t abandoned_cart_max_days = 14;
};

enum class Stage : uint8_t {
  kProspect,  // never bought and not new
  kNew,
  kActive,
  kLoyal,
  kAtRisk,
  kLost,
};
inline constexpr int kNumStages = 6;

// "prospect", "new", "active", "loyal", "at_risk", "lost".
absl::string_view StageName(Stage stage);
// Returns the stage named `name`, or nullopt.
std::optional<Stage> ParseStageName(absl::string_view name);

// Returns OK or INVALID_ARGUMENT naming the first bad field, e.g.
// "lost_days (90) must be above active_days (90)".
absl::Status ValidateThresholds(const LifecycleThresholds& t);

// Classifies the customer at `now_ms`; `rfm` is the customer's current score
// (only the loyal rule reads it). Thresholds must be valid.
Stage ClassifyStage(const CustomerFacts& facts, const LifecycleThresholds& t, const RfmScore& rfm,
                    int64_t now_ms);

// Whether the customer viewed a product within viewed_not_bought_days and has
// not bought since that view.
bool ViewedNotBought(const CustomerFacts& facts, const LifecycleThresholds& t, int64_t now_ms);
// Whether the customer left items in the cart (see abandoned_cart_* above).
bool AbandonedCart(const CustomerFacts& facts, const LifecycleThresholds& t, int64_t now_ms);

// Whether `then_ms` (non-zero) lies at most `days` before `now_ms`; times in
// the future count as now.
bool WithinDays(int64_t then_ms, int64_t days, int64_t now_ms);

}  // namespace persona::model::segments

#endif  // PERSONA_MODEL_SEGMENTS_LIFECYCLE_H_
