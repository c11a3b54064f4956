#include "server/metrics_api.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/keys.h"
#include "common/status_macros.h"
#include "model/ab_stats.h"
#include "server/validation.h"

namespace persona::server {
namespace {

namespace v1 = ::persona::v1;
namespace rec = ::persona::storage::v1;

constexpr double kSignificanceLevel = 0.05;
constexpr int64_t kDayMs = 86'400'000;
// Days covered when a request names no from_date.
constexpr int32_t kDefaultDays = 30;

absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Field(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(Av(field), ": ", Av(problem)));
}

absl::CivilDay EpochDay() { return absl::CivilDay(1970, 1, 1); }

// Returns the value of `n` decimal digits, or -1 when one is not a digit.
int ParseDigits(std::string_view text) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// One variant's figures: the sum over the range and each day's.
struct VariantFigures {
  rec::PlacementMetricsRecord totals;
  std::vector<std::pair<int32_t, rec::PlacementMetricsRecord>> days;  // oldest first
};
// By placement, then variant; both sorted by name.
using Figures = std::map<std::string, std::map<std::string, VariantFigures>>;

// Returns successes / trials with successes clamped to [0, trials]; 0 without trials.
double Rate(int64_t successes, int64_t trials) {
  if (trials <= 0) return 0;
  return static_cast<double>(std::clamp<int64_t>(successes, 0, trials)) / static_cast<double>(trials);
}

void SetEstimate(double value, double low, double high, v1::MetricEstimate* out) {
  out->set_value(value);
  out->set_low(low);
  out->set_high(high);
}

void FillRate(int64_t successes, int64_t trials, v1::MetricEstimate* out) {
  const model::Interval interval =
      model::WilsonInterval(std::clamp<int64_t>(successes, 0, std::max<int64_t>(trials, 0)), trials);
  SetEstimate(Rate(successes, trials), interval.low, interval.high, out);
}

// Revenue per impression: most impressions bring 0, an attributed order its revenue.
model::SampleSums RevenueSample(const rec::PlacementMetricsRecord& m) {
  return {m.impressions(), m.revenue(), m.revenue_sq()};
}

void FillFigures(const rec::PlacementMetricsRecord& m, v1::MetricFigures* out) {
  out->set_impressions(m.impressions());
  out->set_list_impressions(m.list_impressions());
  out->set_clicks(m.clicks());
  FillRate(m.clicks(), m.impressions(), out->mutable_click_through_rate());
  out->set_add_to_carts(m.add_to_carts());
  FillRate(m.add_to_carts(), m.impressions(), out->mutable_add_to_cart_rate());
  out->set_conversions(m.conversions());
  FillRate(m.conversions(), m.impressions(), out->mutable_conversion_rate());
  const model::MeanEstimate per_impression = model::EstimateMean(RevenueSample(m));
  const double n = static_cast<double>(m.impressions());
  if (m.impressions() >= 2) {
    SetEstimate(m.revenue(), n * std::max(per_impression.interval.low, 0.0),
                n * per_impression.interval.high, out->mutable_revenue());
  } else {
    SetEstimate(m.revenue(), m.revenue(), m.revenue(), out->mutable_revenue());
  }
  // Revenue is never negative: the normal interval's low end is cut at 0.
  SetEstimate(1000 * per_impression.mean, 1000 * std::max(per_impression.interval.low, 0.0),
              1000 * per_impression.interval.high, out->mutable_revenue_per_mille());
}

// Fills a difference whose standard error is `se` (0: nothing known).
void SetDifference(double value, double control, double se, double p_value,
                   v1::MetricDifference* out) {
  const double difference = value - control;
  out->set_difference(difference);
  out->set_low(difference - model::kZ95 * se);
  out->set_high(difference + model::kZ95 * se);
  if (control != 0) out->set_relative_difference(difference / control);
  out->set_p_value(p_value);
  out->set_significant(p_value < kSignificanceLevel);
}

void FillRateDifference(int64_t s, int64_t n, int64_t control_s, int64_t control_n,
                        v1::MetricDifference* out) {
  const double p = Rate(s, n);
  const double q = Rate(control_s, control_n);
  const bool known = n >= 2 && control_n >= 2;
  const double se = known ? std::sqrt(p * (1 - p) / static_cast<double>(n) +
                                      q * (1 - q) / static_cast<double>(control_n))
                          : 0;
  const double p_value = known ? model::TwoProportionPValue(s, n, control_s, control_n) : 1;
  SetDifference(p, q, se, p_value, out);
}

void FillRpmDifference(const rec::PlacementMetricsRecord& v, const rec::PlacementMetricsRecord& c,
                       v1::MetricDifference* out) {
  const model::MeanEstimate a = model::EstimateMean(RevenueSample(v));
  const model::MeanEstimate b = model::EstimateMean(RevenueSample(c));
  const bool known = v.impressions() >= 2 && c.impressions() >= 2;
  const double se = known ? std::sqrt(a.variance / static_cast<double>(v.impressions()) +
                                      b.variance / static_cast<double>(c.impressions()))
                          : 0;
  const double p_value = known ? model::WelchPValue(RevenueSample(v), RevenueSample(c)) : 1;
  SetDifference(1000 * a.mean, 1000 * b.mean, 1000 * se, p_value, out);
}

void FillComparison(const rec::PlacementMetricsRecord& v, const rec::PlacementMetricsRecord& c,
                    const std::string& control, v1::VariantComparison* out) {
  out->set_control_variant(control);
  FillRateDifference(v.clicks(), v.impressions(), c.clicks(), c.impressions(),
                     out->mutable_click_through_rate());
  FillRateDifference(v.add_to_carts(), v.impressions(), c.add_to_carts(), c.impressions(),
                     out->mutable_add_to_cart_rate());
  FillRateDifference(v.conversions(), v.impressions(), c.conversions(), c.impressions(),
                     out->mutable_conversion_rate());
  FillRpmDifference(v, c, out->mutable_revenue_per_mille());
}

// Returns the control of a placement: the requested one when it has figures
// (none when not), else `fallback` when it has figures, else the first by name.
std::optional<std::string> ChooseControl(const std::map<std::string, VariantFigures>& variants,
                                         const std::string& requested,
                                         const std::string& fallback) {
  if (!requested.empty()) {
    if (variants.contains(requested)) return requested;
    return std::nullopt;
  }
  if (variants.contains(fallback)) return fallback;
  if (variants.empty()) return std::nullopt;
  return variants.begin()->first;
}

void FillPlacement(const std::string& name, const std::map<std::string, VariantFigures>& variants,
                   const std::optional<std::string>& control, v1::PlacementMetrics* out) {
  out->set_placement(name);
  const VariantFigures* control_figures = nullptr;
  if (control) {
    out->set_control_variant(*control);
    control_figures = &variants.at(*control);
  }
  for (const auto& [variant, figures] : variants) {
    v1::VariantMetrics* v = out->add_variants();
    v->set_variant(variant);
    FillFigures(figures.totals, v->mutable_totals());
    for (const auto& [day, m] : figures.days) {
      v1::DayMetrics* d = v->add_days();
      d->set_date(FormatUtcDate(day));
      FillFigures(m, d->mutable_figures());
    }
    if (control_figures != nullptr && variant != *control) {
      FillComparison(figures.totals, control_figures->totals, *control, v->mutable_vs_control());
    }
  }
}

}  // namespace

std::string FormatUtcDate(int32_t day) { return absl::FormatCivilTime(EpochDay() + day); }

absl::StatusOr<int32_t> ParseUtcDate(std::string_view field, std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return Field(field, "must be a date YYYY-MM-DD");
  }
  const int y = ParseDigits(text.substr(0, 4));
  const int m = ParseDigits(text.substr(5, 2));
  const int d = ParseDigits(text.substr(8, 2));
  if (y < 0 || m < 0 || d < 0) return Field(field, "must be a date YYYY-MM-DD");
  const absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d) {
    return Field(field, "is not a calendar date");
  }
  if (day < EpochDay()) return Field(field, "must be 1970-01-01 or later");
  return static_cast<int32_t>(day - EpochDay());
}

MetricsApi::MetricsApi(storage::Database* db, const Clock* clock, MetricsApiOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {}

absl::Status MetricsApi::GetPlacementMetrics(const v1::GetPlacementMetricsRequest& request,
                                             v1::GetPlacementMetricsResponse* response) const {
  response->Clear();
  ASSIGN_OR_RETURN(const std::string shop,
                   ResolveShopName(request.shop(), options_.default_shop));
  if (!request.placement().empty()) {
    if (auto p = NameProblem(request.placement()); !p.empty()) return Field("placement", p);
  }
  if (!request.control_variant().empty()) {
    if (auto p = NameProblem(request.control_variant()); !p.empty()) {
      return Field("control_variant", p);
    }
  }
  int32_t to = static_cast<int32_t>(std::max<int64_t>(clock_->NowMs(), 0) / kDayMs);
  if (!request.to_date().empty()) {
    ASSIGN_OR_RETURN(to, ParseUtcDate("to_date", request.to_date()));
  }
  int32_t from = std::max(to - (kDefaultDays - 1), 0);
  if (!request.from_date().empty()) {
    ASSIGN_OR_RETURN(from, ParseUtcDate("from_date", request.from_date()));
  }
  if (from > to) return Field("from_date", "must not be after to_date");
  if (static_cast<int64_t>(to) - from >= options_.max_days) {
    return Field("from_date", absl::StrCat("the range may cover at most ", options_.max_days, " days"));
  }
  Figures figures;
  RETURN_IF_ERROR(db_->events().ScanPlacementMetrics(
      shop, request.placement(), from, to, [&](const storage::PlacementMetricsRow& row) {
        VariantFigures& v = figures[row.placement][row.variant];
        storage::AddPlacementMetrics(row.metrics, &v.totals);
        v.days.emplace_back(row.day, row.metrics);
        return true;
      }));
  response->set_from_date(FormatUtcDate(from));
  response->set_to_date(FormatUtcDate(to));
  for (const auto& [placement, variants] : figures) {
    const std::optional<std::string> control =
        ChooseControl(variants, request.control_variant(), options_.default_control);
    FillPlacement(placement, variants, control, response->add_placements());
  }
  return absl::OkStatus();
}

}  // namespace persona::server
