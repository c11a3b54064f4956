// Feedback segments from survey answers and returns: NPS promoters, passives
// and detractors, recent low satisfaction (CSAT) and a high return rate.
// Thread-safety: pure functions over values; safe from any thread.
#ifndef PERSONA_MODEL_SEGMENTS_FEEDBACK_H_
#define PERSONA_MODEL_SEGMENTS_FEEDBACK_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "model/segments/facts.h"

namespace persona::model::segments {

struct FeedbackThresholds {
  // NPS (0..10): promoter >= nps_promoter_min (default 9), passive >=
  // nps_passive_min (default 7), detractor below that.
  int32_t nps_promoter_min = 9;
  int32_t nps_passive_min = 7;
  // low_satisfaction: the latest CSAT (1..5) is at most low_csat_max
  // (default 2) and was given at most low_csat_days (default 90) ago.
  int32_t low_csat_max = 2;
  int32_t low_csat_days = 90;
  // high_return_rate: returned_items / units_bought >= high_return_rate
  // (default 0.3) with units_bought >= high_return_min_units (default 3).
  double high_return_rate = 0.3;
  int64_t high_return_min_units = 3;
};

enum class NpsGroup : uint8_t { kPromoter, kPassive, kDetractor };

// Returns OK or INVALID_ARGUMENT naming the first bad field.
absl::Status ValidateThresholds(const FeedbackThresholds& t);

// Returns the customer's NPS group, or nullopt without an answer (nps < 0).
std::optional<NpsGroup> ClassifyNps(const CustomerFacts& facts, const FeedbackThresholds& t);
bool LowSatisfaction(const CustomerFacts& facts, const FeedbackThresholds& t, int64_t now_ms);
bool HighReturnRate(const CustomerFacts& facts, const FeedbackThresholds& t);
// Returns returned_items / units_bought, or nullopt when nothing was bought.
std::optional<double> ReturnRate(const CustomerFacts& facts);

}  // namespace persona::model::segments

#endif  // PERSONA_MODEL_SEGMENTS_FEEDBACK_H_
