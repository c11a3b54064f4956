#include "model/segments/lifecycle.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace persona::model::segments {
namespace {

constexpr std::array<absl::string_view, kNumStages> kStageNames = {
    "prospect", "new", "active", "loyal", "at_risk", "lost"};

constexpr int64_t kMsPerMinute = 60 * 1000;

absl::Status Check(bool ok, absl::string_view field, int64_t value, absl::string_view rule) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, " (", value, ") ", rule));
}

}  // namespace

absl::string_view StageName(Stage stage) { return kStageNames[static_cast<int>(stage)]; }

std::optional<Stage> ParseStageName(absl::string_view name) {
  for (int i = 0; i < kNumStages; ++i) {
    if (kStageNames[i] == name) return static_cast<Stage>(i);
  }
  return std::nullopt;
}

bool WithinDays(int64_t then_ms, int64_t days, int64_t now_ms) {
  return then_ms > 0 && now_ms - then_ms <= days * kMsPerDay;
}

absl::Status ValidateThresholds(const LifecycleThresholds& t) {
  constexpr int64_t kMaxDays = 3650;
  const struct {
    bool ok;
    const char* field;
    int64_t value;
    std::string rule;
  } checks[] = {
      {t.new_days >= 1 && t.new_days <= kMaxDays, "new_days", t.new_days,
       "must be from 1 to 3650"},
      {t.new_max_orders >= 1, "new_max_orders", t.new_max_orders, "must be at least 1"},
      {t.active_days >= t.new_days && t.active_days <= kMaxDays, "active_days", t.active_days,
       absl::StrCat("must be at least new_days (", t.new_days, ") and at most 3650")},
      {t.lost_days > t.active_days && t.lost_days <= kMaxDays, "lost_days", t.lost_days,
       absl::StrCat("must be above active_days (", t.active_days, ") and at most 3650")},
      {t.loyal_min_orders > t.new_max_orders, "loyal_min_orders", t.loyal_min_orders,
       absl::StrCat("must be above new_max_orders (", t.new_max_orders, ")")},
      {t.loyal_min_rfm_r >= 0 && t.loyal_min_rfm_r <= 5, "loyal_min_rfm_r", t.loyal_min_rfm_r,
       "must be from 0 (off) to 5"},
      {t.loyal_min_rfm_f >= 0 && t.loyal_min_rfm_f <= 5, "loyal_min_rfm_f", t.loyal_min_rfm_f,
       "must be from 0 (off) to 5"},
      {t.viewed_not_bought_days >= 1 && t.viewed_not_bought_days <= kMaxDays,
       "viewed_not_bought_days", t.viewed_not_bought_days, "must be from 1 to 3650"},
      {t.abandoned_cart_after_minutes >= 0, "abandoned_cart_after_minutes",
       t.abandoned_cart_after_minutes, "must not be negative"},
      {t.abandoned_cart_max_days >= 1 && t.abandoned_cart_max_days <= kMaxDays &&
           int64_t{t.abandoned_cart_max_days} * 24 * 60 > t.abandoned_cart_after_minutes,
       "abandoned_cart_max_days", t.abandoned_cart_max_days,
       "must be from 1 to 3650 and longer than abandoned_cart_after_minutes"},
  };
  for (const auto& c : checks) {
    absl::Status status = Check(c.ok, c.field, c.value, c.rule);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

Stage ClassifyStage(const CustomerFacts& f, const LifecycleThresholds& t, const RfmScore& rfm,
                    int64_t now_ms) {
  if (f.last_purchase_ms <= 0) {
    return WithinDays(f.first_seen_ms, t.new_days, now_ms) ? Stage::kNew : Stage::kProspect;
  }
  if (!WithinDays(f.last_purchase_ms, t.lost_days, now_ms)) return Stage::kLost;
  if (!WithinDays(f.last_purchase_ms, t.active_days, now_ms)) return Stage::kAtRisk;
  const int64_t first = f.first_purchase_ms > 0 ? f.first_purchase_ms : f.last_purchase_ms;
  const bool few_orders = f.orders <= t.new_max_orders;
  // Without a first-purchase time only a one-order customer's first purchase is known.
  const bool first_known = f.first_purchase_ms > 0 || f.orders <= 1;
  if (few_orders && first_known && WithinDays(first, t.new_days, now_ms)) return Stage::kNew;
  const bool rfm_loyal = t.loyal_min_rfm_r > 0 && t.loyal_min_rfm_f > 0 && rfm.scored() &&
                         rfm.r >= t.loyal_min_rfm_r && rfm.f >= t.loyal_min_rfm_f;
  if (f.orders >= t.loyal_min_orders || rfm_loyal) return Stage::kLoyal;
  return Stage::kActive;
}

bool ViewedNotBought(const CustomerFacts& f, const LifecycleThresholds& t, int64_t now_ms) {
  return WithinDays(f.last_view_ms, t.viewed_not_bought_days, now_ms) &&
         f.last_purchase_ms < f.last_view_ms;
}

bool AbandonedCart(const CustomerFacts& f, const LifecycleThresholds& t, int64_t now_ms) {
  if (f.cart_items <= 0 || f.last_cart_add_ms <= 0) return false;
  const int64_t age = now_ms - f.last_cart_add_ms;
  return age >= int64_t{t.abandoned_cart_after_minutes} * kMsPerMinute &&
         age <= int64_t{t.abandoned_cart_max_days} * kMsPerDay &&
         f.last_cart_add_ms > f.last_purchase_ms;
}

}  // namespace persona::model::segments
