#include "model/segments/feedback.h"


#include "absl/strings/str_cat.h"
#include "model/segments/lifecycle.h"

namespace persona::model::segments {

absl::Status ValidateThresholds(const FeedbackThresholds& t) {
  if (t.nps_promoter_min < 1 || t.nps_promoter_min > 10) {
    return absl::InvalidArgumentError(
        absl::StrCat("nps_promoter_min (", t.nps_promoter_min, ") must be from 1 to 10"));
  }
  if (t.nps_passive_min < 1 || t.nps_passive_min > t.nps_promoter_min) {
    return absl::InvalidArgumentError(
        absl::StrCat("nps_passive_min (", t.nps_passive_min,
                     ") must be from 1 to nps_promoter_min (", t.nps_promoter_min, ")"));
  }
  if (t.low_csat_max < 1 || t.low_csat_max > 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("low_csat_max (", t.low_csat_max, ") must be from 1 to 5"));
  }
  if (t.low_csat_days < 1 || t.low_csat_days > 3650) {
    return absl::InvalidArgumentError(
        absl::StrCat("low_csat_days (", t.low_csat_days, ") must be from 1 to 3650"));
  }
  if (!(t.high_return_rate > 0 && t.high_return_rate <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("high_return_rate (", t.high_return_rate, ") must be above 0 and at most 1"));
  }
  if (t.high_return_min_units < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "high_return_min_units (", t.high_return_min_units, ") must be at least 1"));
  }
  return absl::OkStatus();
}

std::optional<NpsGroup> ClassifyNps(const CustomerFacts& f, const FeedbackThresholds& t) {
  if (f.nps < 0) return std::nullopt;
  if (f.nps >= t.nps_promoter_min) return NpsGroup::kPromoter;
  if (f.nps >= t.nps_passive_min) return NpsGroup::kPassive;
  return NpsGroup::kDetractor;
}

bool LowSatisfaction(const CustomerFacts& f, const FeedbackThresholds& t, int64_t now_ms) {
  return f.csat >= 1 && f.csat <= t.low_csat_max &&
         WithinDays(f.csat_time_ms, t.low_csat_days, now_ms);
}

std::optional<double> ReturnRate(const CustomerFacts& f) {
  if (f.units_bought <= 0) return std::nullopt;
  return static_cast<double>(f.returned_items) / static_cast<double>(f.units_bought);
}

bool HighReturnRate(const CustomerFacts& f, const FeedbackThresholds& t) {
  if (f.units_bought < t.high_return_min_units) return false;
  // Compare returned >= rate * bought without dividing, so 3 of 10 is exactly 0.3.
  const double need = t.high_return_rate * static_cast<double>(f.units_bought);
  return static_cast<double>(f.returned_items) >= need - 1e-9 * need;
}

}  // namespace persona::model::segments
