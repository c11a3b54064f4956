#include "model/segments/rfm.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace persona::model::segments {
namespace {

// Cut j is sorted[ceil((j+1) * n / 5) - 1] of `values` sorted worst first.
template <typename Worse>
std::array<double, 4> Cuts(std::vector<double> values, Worse worse) {
  std::sort(values.begin(), values.end(), worse);
  const int64_t n = static_cast<int64_t>(values.size());
  std::array<double, 4> cuts = {0, 0, 0, 0};
  for (int64_t j = 0; j < 4; ++j) {
    const int64_t k = ((j + 1) * n + 4) / 5;  // ceil((j+1) n / 5) >= 1
    cuts[j] = values[k - 1];
  }
  return cuts;
}

template <typename Better>
int32_t Score(double value, const std::array<double, 4>& cuts, Better better) {
  int32_t s = 1;
  for (double cut : cuts) s += better(value, cut) ? 1 : 0;
  return s;
}

}  // namespace

int64_t DaysSince(int64_t then_ms, int64_t now_ms) {
  return now_ms > then_ms ? (now_ms - then_ms) / kMsPerDay : 0;
}

RfmInput RfmInputOf(const CustomerFacts& facts) {
  return {facts.last_purchase_ms, facts.orders, facts.monetary};
}

RfmCuts ComputeRfmCuts(std::span<const RfmInput> customers, int64_t now_ms) {
  std::vector<double> recency, frequency, monetary;
  for (const RfmInput& c : customers) {
    if (c.last_purchase_ms <= 0) continue;
    recency.push_back(static_cast<double>(DaysSince(c.last_purchase_ms, now_ms)));
    frequency.push_back(static_cast<double>(c.orders));
    monetary.push_back(c.monetary);
  }
  RfmCuts cuts;
  cuts.computed_at_ms = now_ms;
  cuts.buyers = static_cast<int64_t>(recency.size());
  if (cuts.buyers == 0) return cuts;
  cuts.recency_days = Cuts(std::move(recency), std::greater<double>());  // oldest first
  cuts.frequency = Cuts(std::move(frequency), std::less<double>());
  cuts.monetary = Cuts(std::move(monetary), std::less<double>());
  return cuts;
}

RfmCuts ComputeRfmCuts(std::span<const CustomerFacts> customers, int64_t now_ms) {
  std::vector<RfmInput> inputs;
  inputs.reserve(customers.size());
  for (const CustomerFacts& c : customers) inputs.push_back(RfmInputOf(c));
  return ComputeRfmCuts(inputs, now_ms);
}

RfmScore ScoreRfm(const RfmInput& c, const RfmCuts& cuts, int64_t now_ms) {
  if (c.last_purchase_ms <= 0) return {};
  if (cuts.buyers == 0) return {3, 3, 3};
  const double days = static_cast<double>(DaysSince(c.last_purchase_ms, now_ms));
  return {Score(days, cuts.recency_days, std::less<double>()),
          Score(static_cast<double>(c.orders), cuts.frequency, std::greater<double>()),
          Score(c.monetary, cuts.monetary, std::greater<double>())};
}

RfmScore ScoreRfm(const CustomerFacts& c, const RfmCuts& cuts, int64_t now_ms) {
  return ScoreRfm(RfmInputOf(c), cuts, now_ms);
}

}  // namespace persona::model::segments
