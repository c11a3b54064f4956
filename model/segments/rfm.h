// RFM scores: recency, frequency and monetary value, each 1..5 by quintile
// of the shop's buyers (5 = most recent / most orders / highest spend).
// Cut points come from a periodic pass over all buyers (ComputeRfmCuts);
// scoring one customer against them is O(1), so the server rescores a
// customer as each purchase arrives.
// Thread-safety: pure functions over values; safe from any thread.
#ifndef PERSONA_MODEL_SEGMENTS_RFM_H_
#define PERSONA_MODEL_SEGMENTS_RFM_H_

#include <array>
#include <cstdint>
#include <span>

#include "model/segments/facts.h"

namespace persona::model::segments {

// The three RFM inputs of one customer.
struct RfmInput {
  // Epoch ms of the last purchase; 0 = never bought (not scored).
  int64_t last_purchase_ms = 0;
  int64_t orders = 0;
  double monetary = 0;
};

// Returns the RFM inputs of `facts`.
RfmInput RfmInputOf(const CustomerFacts& facts);

// Four cut points per dimension. A buyer's score is 1 + the number of cut
// points it beats: recency r = 1 + #{j : days < recency_days[j]},
// f = 1 + #{j : orders > frequency[j]}, m = 1 + #{j : monetary > monetary[j]}.
// Cut j (0-based) is the value at position ceil((j+1) * n / 5) - 1 of the n
// buyers sorted from worst to best, so each value scores
// 1 + floor(5 * (buyers strictly worse) / n): ties share the lower quintile.
struct RfmCuts {
  // Whole days since the last purchase (non-increasing).
  std::array<double, 4> recency_days = {0, 0, 0, 0};
  // Orders (non-decreasing).
  std::array<double, 4> frequency = {0, 0, 0, 0};
  // Net spend (non-decreasing).
  std::array<double, 4> monetary = {0, 0, 0, 0};
  // Buyers the cuts were computed over; 0 = no population yet, and every
  // buyer then scores 3, 3, 3.
  int64_t buyers = 0;
  // The `now_ms` the cuts were computed at (recency is measured from it).
  int64_t computed_at_ms = 0;
};

// 1..5 each (5 best); all 0 for a customer who never bought.
struct RfmScore {
  int32_t r = 0;
  int32_t f = 0;
  int32_t m = 0;
  bool scored() const { return r > 0; }
  friend bool operator==(const RfmScore&, const RfmScore&) = default;
};

// Computes the cuts over the customers who bought at least once
// (last_purchase_ms > 0); others are ignored. Deterministic (sorting only).
// Purchases after `now_ms` count as 0 days ago.
RfmCuts ComputeRfmCuts(std::span<const RfmInput> customers, int64_t now_ms);
RfmCuts ComputeRfmCuts(std::span<const CustomerFacts> customers, int64_t now_ms);

// Scores one customer against `cuts` with recency measured at `now_ms`.
RfmScore ScoreRfm(const RfmInput& customer, const RfmCuts& cuts, int64_t now_ms);
RfmScore ScoreRfm(const CustomerFacts& customer, const RfmCuts& cuts, int64_t now_ms);

// Returns whole days from `then_ms` to `now_ms` (0 when then is later).
int64_t DaysSince(int64_t then_ms, int64_t now_ms);

}  // namespace persona::model::segments

#endif  // PERSONA_MODEL_SEGMENTS_RFM_H_
