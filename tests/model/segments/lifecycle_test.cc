#include "model/segments/lifecycle.h"

#include "gtest/gtest.h"
#include "model/segments/feedback.h"

namespace persona::model::segments {
namespace {

constexpr int64_t kNow = int64_t{1772323200} * 1000;  // 2026-03-01T00:00:00Z
constexpr int64_t kHour = 3600 * 1000;

int64_t DaysAgo(int64_t days) { return kNow - days * kMsPerDay; }

CustomerFacts Buyer(int64_t last_purchase_days_ago, int64_t orders) {
  CustomerFacts f;
  f.first_seen_ms = DaysAgo(400);
  f.last_purchase_ms = DaysAgo(last_purchase_days_ago);
  f.orders = orders;
  return f;
}

Stage Classify(const CustomerFacts& f, RfmScore rfm = {}, LifecycleThresholds t = {}) {
  return ClassifyStage(f, t, rfm, kNow);
}

TEST(StageTest, NamesRoundTrip) {
  for (int s = 0; s < kNumStages; ++s) {
    EXPECT_EQ(ParseStageName(StageName(static_cast<Stage>(s))), static_cast<Stage>(s));
  }
  EXPECT_EQ(StageName(Stage::kAtRisk), "at_risk");
  EXPECT_FALSE(ParseStageName("atrisk").has_value());
}

TEST(StageTest, NeverBoughtIsNewWithinThirtyDaysOfFirstVisitThenProspect) {
  CustomerFacts f;
  EXPECT_EQ(Classify(f), Stage::kProspect);  // first seen unknown
  f.first_seen_ms = DaysAgo(29);
  EXPECT_EQ(Classify(f), Stage::kNew);
  f.first_seen_ms = DaysAgo(30);
  EXPECT_EQ(Classify(f), Stage::kNew);
  f.first_seen_ms = DaysAgo(31);
  EXPECT_EQ(Classify(f), Stage::kProspect);
}

TEST(StageTest, FirstOrderIsNewForThirtyDays) {
  EXPECT_EQ(Classify(Buyer(29, 1)), Stage::kNew);
  EXPECT_EQ(Classify(Buyer(30, 1)), Stage::kNew);
  EXPECT_EQ(Classify(Buyer(31, 1)), Stage::kActive);
  // Two orders are past "new" by default even when the first is recent.
  CustomerFacts two = Buyer(2, 2);
  two.first_purchase_ms = DaysAgo(10);
  EXPECT_EQ(Classify(two), Stage::kActive);
  LifecycleThresholds t;
  t.new_max_orders = 2;
  EXPECT_EQ(Classify(two, {}, t), Stage::kNew);
  two.first_purchase_ms = DaysAgo(31);
  EXPECT_EQ(Classify(two, {}, t), Stage::kActive);
  // Without a first-purchase time a two-order customer's first order is unknown.
  two.first_purchase_ms = 0;
  EXPECT_EQ(Classify(two, {}, t), Stage::kActive);
}

TEST(StageTest, ActiveForNinetyDaysThenAtRiskUntilOneEightyThenLost) {
  EXPECT_EQ(Classify(Buyer(89, 2)), Stage::kActive);
  EXPECT_EQ(Classify(Buyer(90, 2)), Stage::kActive);
  EXPECT_EQ(Classify(Buyer(91, 2)), Stage::kAtRisk);
  EXPECT_EQ(Classify(Buyer(179, 2)), Stage::kAtRisk);
  EXPECT_EQ(Classify(Buyer(180, 2)), Stage::kAtRisk);
  EXPECT_EQ(Classify(Buyer(181, 2)), Stage::kLost);
  // A loyal buyer's lapse is not excused.
  EXPECT_EQ(Classify(Buyer(91, 12)), Stage::kAtRisk);
  EXPECT_EQ(Classify(Buyer(181, 12), {5, 5, 5}), Stage::kLost);
  // The boundary is exact to the millisecond.
  CustomerFacts edge = Buyer(90, 2);
  edge.last_purchase_ms -= 1;
  EXPECT_EQ(Classify(edge), Stage::kAtRisk);
}

TEST(StageTest, LoyalByOrdersOrByRfm) {
  EXPECT_EQ(Classify(Buyer(60, 3)), Stage::kActive);
  EXPECT_EQ(Classify(Buyer(60, 4)), Stage::kLoyal);
  EXPECT_EQ(Classify(Buyer(60, 2), {4, 4, 1}), Stage::kLoyal);
  EXPECT_EQ(Classify(Buyer(60, 2), {4, 3, 5}), Stage::kActive);
  EXPECT_EQ(Classify(Buyer(60, 2), {3, 4, 5}), Stage::kActive);
  LifecycleThresholds no_rfm;
  no_rfm.loyal_min_rfm_r = 0;
  EXPECT_EQ(Classify(Buyer(60, 2), {5, 5, 5}, no_rfm), Stage::kActive);
  // New wins over an RFM score for a first order.
  EXPECT_EQ(Classify(Buyer(3, 1), {5, 5, 5}), Stage::kNew);
}

TEST(StageTest, ThresholdsAreConfigurable) {
  LifecycleThresholds t;
  t.new_days = 7;
  t.active_days = 60;
  t.lost_days = 120;
  t.loyal_min_orders = 2;
  EXPECT_EQ(Classify(Buyer(8, 1), {}, t), Stage::kActive);
  EXPECT_EQ(Classify(Buyer(60, 2), {}, t), Stage::kLoyal);
  EXPECT_EQ(Classify(Buyer(61, 2), {}, t), Stage::kAtRisk);
  EXPECT_EQ(Classify(Buyer(120, 2), {}, t), Stage::kAtRisk);
  EXPECT_EQ(Classify(Buyer(121, 2), {}, t), Stage::kLost);
}

TEST(FlagsTest, ViewedNotBoughtWithinSevenDays) {
  const LifecycleThresholds t;
  CustomerFacts f;
  EXPECT_FALSE(ViewedNotBought(f, t, kNow));
  f.last_view_ms = DaysAgo(6);
  EXPECT_TRUE(ViewedNotBought(f, t, kNow));
  f.last_view_ms = DaysAgo(7);
  EXPECT_TRUE(ViewedNotBought(f, t, kNow));
  f.last_view_ms = DaysAgo(8);
  EXPECT_FALSE(ViewedNotBought(f, t, kNow));
  f.last_view_ms = DaysAgo(3);
  f.last_purchase_ms = DaysAgo(4);  // bought before the view
  EXPECT_TRUE(ViewedNotBought(f, t, kNow));
  f.last_purchase_ms = DaysAgo(2);  // bought after it
  EXPECT_FALSE(ViewedNotBought(f, t, kNow));
  f.last_purchase_ms = f.last_view_ms;
  EXPECT_FALSE(ViewedNotBought(f, t, kNow));
}

TEST(FlagsTest, AbandonedCartBetweenOneHourAndFourteenDays) {
  const LifecycleThresholds t;
  CustomerFacts f;
  f.cart_items = 2;
  f.last_cart_add_ms = kNow - 59 * 60 * 1000;
  EXPECT_FALSE(AbandonedCart(f, t, kNow));
  f.last_cart_add_ms = kNow - kHour;
  EXPECT_TRUE(AbandonedCart(f, t, kNow));
  f.last_cart_add_ms = kNow - kHour - 60 * 1000;
  EXPECT_TRUE(AbandonedCart(f, t, kNow));
  f.last_cart_add_ms = DaysAgo(13);
  EXPECT_TRUE(AbandonedCart(f, t, kNow));
  f.last_cart_add_ms = DaysAgo(14);
  EXPECT_TRUE(AbandonedCart(f, t, kNow));
  f.last_cart_add_ms = DaysAgo(15);
  EXPECT_FALSE(AbandonedCart(f, t, kNow));
  f.last_cart_add_ms = DaysAgo(2);
  f.last_purchase_ms = DaysAgo(1);  // bought after the last add
  EXPECT_FALSE(AbandonedCart(f, t, kNow));
  f.last_purchase_ms = DaysAgo(3);
  EXPECT_TRUE(AbandonedCart(f, t, kNow));
  f.cart_items = 0;
  EXPECT_FALSE(AbandonedCart(f, t, kNow));
}

TEST(LifecycleThresholdsTest, DefaultsAreValid) {
  EXPECT_TRUE(ValidateThresholds(LifecycleThresholds{}).ok());
}

TEST(LifecycleThresholdsTest, ErrorsNameTheField) {
  struct Case {
    void (*mutate)(LifecycleThresholds&);
    const char* message;
  };
  const Case cases[] = {
      {[](LifecycleThresholds& t) { t.new_days = 0; }, "new_days (0) must be from 1 to 3650"},
      {[](LifecycleThresholds& t) { t.new_max_orders = 0; },
       "new_max_orders (0) must be at least 1"},
      {[](LifecycleThresholds& t) { t.active_days = 20; },
       "active_days (20) must be at least new_days (30) and at most 3650"},
      {[](LifecycleThresholds& t) { t.lost_days = 90; },
       "lost_days (90) must be above active_days (90) and at most 3650"},
      {[](LifecycleThresholds& t) { t.loyal_min_orders = 1; },
       "loyal_min_orders (1) must be above new_max_orders (1)"},
      {[](LifecycleThresholds& t) { t.loyal_min_rfm_f = 6; },
       "loyal_min_rfm_f (6) must be from 0 (off) to 5"},
      {[](LifecycleThresholds& t) { t.viewed_not_bought_days = 0; },
       "viewed_not_bought_days (0) must be from 1 to 3650"},
      {[](LifecycleThresholds& t) { t.abandoned_cart_after_minutes = -1; },
       "abandoned_cart_after_minutes (-1) must not be negative"},
      {[](LifecycleThresholds& t) { t.abandoned_cart_after_minutes = 2 * 24 * 60; t.abandoned_cart_max_days = 2; },
       "abandoned_cart_max_days (2) must be from 1 to 3650 and longer than "
       "abandoned_cart_after_minutes"},
  };
  for (const Case& c : cases) {
    LifecycleThresholds t;
    c.mutate(t);
    const absl::Status status = ValidateThresholds(t);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_EQ(status.message(), c.message);
  }
}

CustomerFacts Nps(int32_t score) {
  CustomerFacts f;
  f.nps = score;
  return f;
}

TEST(FeedbackTest, NpsGroupsAtTheirBoundaries) {
  const FeedbackThresholds t;
  EXPECT_EQ(ClassifyNps(Nps(10), t), NpsGroup::kPromoter);
  EXPECT_EQ(ClassifyNps(Nps(9), t), NpsGroup::kPromoter);
  EXPECT_EQ(ClassifyNps(Nps(8), t), NpsGroup::kPassive);
  EXPECT_EQ(ClassifyNps(Nps(7), t), NpsGroup::kPassive);
  EXPECT_EQ(ClassifyNps(Nps(6), t), NpsGroup::kDetractor);
  EXPECT_EQ(ClassifyNps(Nps(0), t), NpsGroup::kDetractor);
  EXPECT_FALSE(ClassifyNps(Nps(-1), t).has_value());
}

TEST(FeedbackTest, LowSatisfactionIsRecentAndAtMostTwo) {
  const FeedbackThresholds t;
  CustomerFacts f;
  f.csat = 2;
  f.csat_time_ms = DaysAgo(89);
  EXPECT_TRUE(LowSatisfaction(f, t, kNow));
  f.csat_time_ms = DaysAgo(90);
  EXPECT_TRUE(LowSatisfaction(f, t, kNow));
  f.csat_time_ms = DaysAgo(91);
  EXPECT_FALSE(LowSatisfaction(f, t, kNow));
  f.csat_time_ms = DaysAgo(1);
  f.csat = 3;
  EXPECT_FALSE(LowSatisfaction(f, t, kNow));
  f.csat = 1;
  EXPECT_TRUE(LowSatisfaction(f, t, kNow));
  f.csat = -1;
  EXPECT_FALSE(LowSatisfaction(f, t, kNow));
}

TEST(FeedbackTest, HighReturnRateFromThirtyPercentOfThreeUnits) {
  const FeedbackThresholds t;
  CustomerFacts f;
  f.units_bought = 10;
  f.returned_items = 3;
  EXPECT_TRUE(HighReturnRate(f, t));
  f.returned_items = 2;
  EXPECT_FALSE(HighReturnRate(f, t));
  f.units_bought = 3;
  f.returned_items = 1;
  EXPECT_TRUE(HighReturnRate(f, t));  // 0.33
  f.units_bought = 2;
  f.returned_items = 2;
  EXPECT_FALSE(HighReturnRate(f, t));  // too few units to judge
  EXPECT_EQ(ReturnRate(f), 1.0);
  f.units_bought = 0;
  EXPECT_FALSE(ReturnRate(f).has_value());
  FeedbackThresholds strict;
  strict.high_return_rate = 0.5;
  strict.high_return_min_units = 2;
  f.units_bought = 4;
  f.returned_items = 2;
  EXPECT_TRUE(HighReturnRate(f, strict));
  f.returned_items = 1;
  EXPECT_FALSE(HighReturnRate(f, strict));
}

TEST(FeedbackTest, ValidationNamesTheField) {
  EXPECT_TRUE(ValidateThresholds(FeedbackThresholds{}).ok());
  FeedbackThresholds t;
  t.nps_passive_min = 10;
  EXPECT_EQ(ValidateThresholds(t).message(),
            "nps_passive_min (10) must be from 1 to nps_promoter_min (9)");
  t = {};
  t.high_return_rate = 0;
  EXPECT_EQ(ValidateThresholds(t).message(),
            "high_return_rate (0) must be above 0 and at most 1");
  t = {};
  t.low_csat_days = 0;
  EXPECT_EQ(ValidateThresholds(t).message(), "low_csat_days (0) must be from 1 to 3650");
}

}  // namespace
}  // namespace persona::model::segments
