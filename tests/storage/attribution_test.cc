// Attribution arithmetic on hand-built events (AttributeEvent, UtcDay,
// AddPlacementMetrics): what each event adds to the figures of the
// recommendation that caused it, and what it leaves in the subject's touches
// and attributed orders. Rules: storage/README.md, "Attribution".
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "common/recommendation_id.h"
#include "gtest/gtest.h"
#include "storage/aggregates.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using testing_util::kCart;
using testing_util::kPurchase;
using testing_util::Line;
using testing_util::MakeEvent;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kHour = 3'600'000;
constexpr int32_t kDay0 = 19'675;                  // 2023-11-14
constexpr int64_t kT0 = kDay0 * kDay + 10 * kHour;  // 10:00 UTC that day
constexpr int kImpression = 11;
constexpr int kClick = 12;

std::string RecId(std::string placement, std::string variant, int64_t issued, uint64_t nonce = 7) {
  return EncodeRecommendationId({std::move(placement), std::move(variant), issued, nonce});
}

rec::EventRecord WithId(rec::EventRecord e, const std::string& id) {
  e.set_recommendation_id(id);
  return e;
}

rec::EventRecord Order(rec::EventRecord e, const std::string& order_id) {
  e.set_order_id(order_id);
  return e;
}

using RowKey = std::tuple<std::string, std::string, int32_t>;  // placement, variant, day

// Runs events through AttributeEvent for one subject, summing the figures.
class Attribution {
 public:
  explicit Attribution(AggregationOptions options = {}) : options_(std::move(options)) {}

  void Apply(const rec::EventRecord& e) {
    std::vector<PlacementMetricsDelta> deltas;
    AttributeEvent(e, options_, &agg_, &deltas);
    for (const auto& d : deltas) AddPlacementMetrics(d.delta, &rows_[{d.placement, d.variant, d.day}]);
  }
  // Returns the figures of a row (all zero when none).
  rec::PlacementMetricsRecord Row(const std::string& placement, const std::string& variant,
                                  int32_t day = kDay0) const {
    auto it = rows_.find({placement, variant, day});
    return it == rows_.end() ? rec::PlacementMetricsRecord() : it->second;
  }
  size_t row_count() const { return rows_.size(); }
  rec::SubjectAggregatesRecord& agg() { return agg_; }

 private:
  AggregationOptions options_;
  rec::SubjectAggregatesRecord agg_;
  std::map<RowKey, rec::PlacementMetricsRecord> rows_;
};

TEST(UtcDayTest, RoundsDownIncludingBeforeTheEpoch) {
  const std::vector<std::pair<int64_t, int32_t>> cases = {
      {0, 0}, {kDay - 1, 0}, {kDay, 1}, {-1, -1}, {-kDay, -1}, {-kDay - 1, -2}, {kT0, kDay0}};
  for (const auto& [ms, day] : cases) EXPECT_EQ(UtcDay(ms), day) << ms;
}

TEST(AttributionTest, FullFunnelWithinTheWindowCountsEachStepOnce) {
  Attribution a;
  const std::string id = RecId("home", "b", kT0);
  a.Apply(WithId(MakeEvent("1", "c", "", kImpression, {{"x"}, {"y"}, {"z"}}, kT0 + 1000), id));
  a.Apply(WithId(MakeEvent("2", "c", "", kClick, {{"y"}}, kT0 + 60'000), id));
  a.Apply(MakeEvent("3", "c", "", kCart, {{"y"}}, kT0 + 120'000));  // no id: via the click
  a.Apply(Order(MakeEvent("4", "c", "", kPurchase, {{"y", 2, 10.0}}, kT0 + kHour), "o1"));

  const auto row = a.Row("home", "b");
  EXPECT_EQ(row.impressions(), 3);
  EXPECT_EQ(row.list_impressions(), 1);
  EXPECT_EQ(row.clicks(), 1);
  EXPECT_EQ(row.add_to_carts(), 1);
  EXPECT_EQ(row.conversions(), 1);
  EXPECT_DOUBLE_EQ(row.revenue(), 20.0);
  EXPECT_DOUBLE_EQ(row.revenue_sq(), 400.0);
  EXPECT_EQ(a.row_count(), 1u);
  ASSERT_EQ(a.agg().recommendation_touches_size(), 1);
  EXPECT_TRUE(a.agg().recommendation_touches(0).clicked());
  ASSERT_EQ(a.agg().attributed_orders_size(), 1);
  EXPECT_EQ(a.agg().attributed_orders(0).order_id(), "o1");
}

// The window runs from the click; its end is inclusive.
TEST(AttributionTest, PurchaseThroughAClickOnlyWithinTheWindow) {
  const int64_t window = 2 * kDay;
  struct Case {
    int64_t after_click;
    int64_t conversions;
  };
  for (const Case& c : {Case{0, 1}, Case{window, 1}, Case{window + 1, 0}, Case{-1, 0}}) {
    AggregationOptions options;
    options.attribution_window_ms = window;
    Attribution a(options);
    const int64_t click = kT0 + kHour;
    a.Apply(WithId(MakeEvent("c", "c", "", kClick, {{"x"}}, click), RecId("pdp", "", kT0)));
    a.Apply(MakeEvent("p", "c", "", kPurchase, {{"x", 1, 5.0}}, click + c.after_click));
    EXPECT_EQ(a.Row("pdp", "").conversions(), c.conversions) << c.after_click;
    EXPECT_DOUBLE_EQ(a.Row("pdp", "").revenue(), 5.0 * c.conversions) << c.after_click;
  }
}

// A click late in the window opens a new window; the figures stay on the issue day.
TEST(AttributionTest, ClickLateInTheWindowCountsOnTheIssueDay) {
  AggregationOptions options;
  options.attribution_window_ms = 7 * kDay;
  Attribution a(options);
  const std::string id = RecId("home", "a", kT0);
  a.Apply(WithId(MakeEvent("c", "c", "", kClick, {{"x"}}, kT0 + 6 * kDay), id));
  a.Apply(MakeEvent("p", "c", "", kPurchase, {{"x", 1, 9.0}}, kT0 + 12 * kDay));
  EXPECT_EQ(a.Row("home", "a", kDay0).clicks(), 1);
  EXPECT_EQ(a.Row("home", "a", kDay0).conversions(), 1);
  EXPECT_EQ(a.row_count(), 1u);
  // Issued at 23:59:59.999 UTC: the next day's click still counts on the issue day.
  Attribution b;
  const int64_t late = (kDay0 + 1) * kDay - 1;
  b.Apply(WithId(MakeEvent("c", "c", "", kClick, {{"x"}}, late + 2 * kHour), RecId("home", "a", late)));
  EXPECT_EQ(b.Row("home", "a", kDay0).clicks(), 1);
  EXPECT_EQ(b.Row("home", "a", kDay0 + 1).clicks(), 0);
}

// Events carrying the id count from (issue - clock skew) to (issue + window).
TEST(AttributionTest, EventsCarryingTheIdCountOnlyNearTheIssueTime) {
  const int64_t window = kDay;
  struct Case {
    int64_t offset;  // event time - issue time
    bool counted;
  };
  for (const Case& c : {Case{0, true}, Case{window, true}, Case{window + 1, false},
                        Case{-kAttributionClockSkewMs, true}, Case{-kAttributionClockSkewMs - 1, false}}) {
    AggregationOptions options;
    options.attribution_window_ms = window;
    Attribution a(options);
    const std::string id = RecId("cart", "", kT0);
    const int64_t t = kT0 + c.offset;
    a.Apply(WithId(MakeEvent("i", "c", "", kImpression, {{"x"}}, t), id));
    a.Apply(WithId(MakeEvent("k", "c", "", kClick, {{"x"}}, t), id));
    a.Apply(WithId(MakeEvent("a", "c", "", kCart, {{"x"}}, t), id));
    a.Apply(WithId(Order(MakeEvent("p", "c", "", kPurchase, {{"x", 1, 3.0}}, t), "o"), id));
    const auto row = a.Row("cart", "");
    const int n = c.counted ? 1 : 0;
    EXPECT_EQ(row.impressions(), n) << c.offset;
    EXPECT_EQ(row.clicks(), n) << c.offset;
    EXPECT_EQ(row.add_to_carts(), n) << c.offset;
    EXPECT_EQ(row.conversions(), n) << c.offset;
  }
}

TEST(AttributionTest, OneOrderSplitOverEventsIsOneConversion) {
  Attribution a;
  const std::string id = RecId("home", "", kT0);
  a.Apply(WithId(MakeEvent("c", "c", "", kClick, {{"x"}, {"y"}}, kT0), id));
  a.Apply(Order(MakeEvent("p1", "c", "", kPurchase, {{"x", 1, 10.0}}, kT0 + kHour), "o1"));
  a.Apply(Order(MakeEvent("p2", "c", "", kPurchase, {{"y", 1, 5.0}}, kT0 + kHour + 1), "o1"));
  auto row = a.Row("home", "");
  EXPECT_EQ(row.clicks(), 2);
  EXPECT_EQ(row.conversions(), 1);
  EXPECT_DOUBLE_EQ(row.revenue(), 15.0);
  EXPECT_DOUBLE_EQ(row.revenue_sq(), 225.0);  // (10 + 5)^2, not 10^2 + 5^2
  // Another order, and a purchase without order id (its own order).
  a.Apply(Order(MakeEvent("p3", "c", "", kPurchase, {{"x", 1, 4.0}}, kT0 + 2 * kHour), "o2"));
  a.Apply(MakeEvent("p4", "c", "", kPurchase, {{"y", 1, 1.0}}, kT0 + 3 * kHour));
  a.Apply(MakeEvent("p5", "c", "", kPurchase, {{"y", 1, 1.0}}, kT0 + 3 * kHour));
  row = a.Row("home", "");
  EXPECT_EQ(row.conversions(), 4);
  EXPECT_DOUBLE_EQ(row.revenue(), 21.0);
  EXPECT_DOUBLE_EQ(row.revenue_sq(), 225.0 + 16.0 + 1.0 + 1.0);
}

// Only the lines of touched items are credited; without line prices the
// event's value is split evenly over its lines.
TEST(AttributionTest, OnlyTouchedLinesAreCredited) {
  Attribution a;
  a.Apply(WithId(MakeEvent("c", "c", "", kClick, {{"x"}}, kT0), RecId("home", "", kT0)));
  a.Apply(Order(MakeEvent("p1", "c", "", kPurchase, {{"x", 3, 2.0}, {"other", 1, 100.0}}, kT0 + 1),
                "o1"));
  EXPECT_DOUBLE_EQ(a.Row("home", "").revenue(), 6.0);
  auto no_prices = Order(MakeEvent("p2", "c", "", kPurchase, {{"x"}, {"other"}, {"third"}}, kT0 + 2), "o2");
  no_prices.set_value(30.0);
  a.Apply(no_prices);
  EXPECT_DOUBLE_EQ(a.Row("home", "").revenue(), 16.0);
  EXPECT_EQ(a.Row("home", "").conversions(), 2);
  // Nothing touched: nothing credited anywhere.
  a.Apply(Order(MakeEvent("p3", "c", "", kPurchase, {{"other", 1, 50.0}}, kT0 + 3), "o3"));
  EXPECT_EQ(a.Row("home", "").conversions(), 2);
  EXPECT_EQ(a.row_count(), 1u);
}

// Two recommendations of an item: the latest engagement wins.
TEST(AttributionTest, LastTouchWins) {
  Attribution a;
  a.Apply(WithId(MakeEvent("c1", "c", "", kClick, {{"x"}}, kT0), RecId("home", "a", kT0, 1)));
  a.Apply(WithId(MakeEvent("c2", "c", "", kClick, {{"x"}}, kT0 + kHour), RecId("pdp", "", kT0, 2)));
  a.Apply(MakeEvent("k", "c", "", kCart, {{"x"}}, kT0 + 2 * kHour));
  a.Apply(MakeEvent("p", "c", "", kPurchase, {{"x", 1, 8.0}}, kT0 + 3 * kHour));
  EXPECT_EQ(a.Row("home", "a").clicks(), 1);
  EXPECT_EQ(a.Row("home", "a").add_to_carts(), 0);
  EXPECT_EQ(a.Row("home", "a").conversions(), 0);
  EXPECT_EQ(a.Row("pdp", "").add_to_carts(), 1);
  EXPECT_EQ(a.Row("pdp", "").conversions(), 1);
}

TEST(AttributionTest, UnknownAndUndecodableIdsAreNotAttributed) {
  std::string mangled = RecId("home", "a", kT0);
  mangled.back() = mangled.back() == '0' ? '1' : '0';  // breaks the checksum
  for (const std::string& id : {std::string(), std::string("garbage"), std::string("r1.home.a.x.y.z"),
                                mangled, std::string("r1.Home.a.1.1.1")}) {
    Attribution a;
    a.Apply(WithId(MakeEvent("i", "c", "", kImpression, {{"x"}}, kT0), id));
    a.Apply(WithId(MakeEvent("c", "c", "", kClick, {{"x"}}, kT0), id));
    a.Apply(WithId(MakeEvent("k", "c", "", kCart, {{"x"}}, kT0), id));
    a.Apply(WithId(MakeEvent("p", "c", "", kPurchase, {{"x", 1, 1.0}}, kT0), id));
    EXPECT_EQ(a.row_count(), 0u) << id;
    EXPECT_EQ(a.agg().recommendation_touches_size(), 0) << id;
    EXPECT_EQ(a.agg().attributed_orders_size(), 0) << id;
  }
}

TEST(AttributionTest, ClickWithoutItemsCountsOneAndLeavesNoTouch) {
  Attribution a;
  a.Apply(WithId(MakeEvent("c", "c", "", kClick, {}, kT0), RecId("home", "", kT0)));
  EXPECT_EQ(a.Row("home", "").clicks(), 1);
  EXPECT_EQ(a.agg().recommendation_touches_size(), 0);
}

// An add-to-cart carrying the id leaves a touch, so the later purchase follows.
TEST(AttributionTest, CartAddCarryingTheIdLeadsToThePurchase) {
  Attribution a;
  a.Apply(WithId(MakeEvent("k", "c", "", kCart, {{"x"}}, kT0), RecId("cart", "v", kT0)));
  a.Apply(MakeEvent("p", "c", "", kPurchase, {{"x", 1, 2.5}}, kT0 + kDay));
  EXPECT_EQ(a.Row("cart", "v").add_to_carts(), 1);
  EXPECT_EQ(a.Row("cart", "v").clicks(), 0);
  EXPECT_EQ(a.Row("cart", "v").conversions(), 1);
  ASSERT_EQ(a.agg().recommendation_touches_size(), 1);
  EXPECT_FALSE(a.agg().recommendation_touches(0).clicked());
}

TEST(AttributionTest, TouchesAreBoundedAndExpire) {
  AggregationOptions options;
  options.max_recommendation_touches = 3;
  options.attribution_window_ms = kDay;
  Attribution a(options);
  for (int i = 0; i < 5; ++i) {
    const std::string item = "i" + std::to_string(i);
    a.Apply(WithId(MakeEvent("c", "c", "", kClick, {{item}}, kT0 + i), RecId("home", "", kT0)));
  }
  ASSERT_EQ(a.agg().recommendation_touches_size(), 3);
  EXPECT_EQ(a.agg().recommendation_touches(0).item_id(), "i2");  // the oldest two dropped
  a.Apply(MakeEvent("p", "c", "", kPurchase, {{"i0", 1, 1.0}, {"i4", 1, 2.0}}, kT0 + kHour));
  EXPECT_DOUBLE_EQ(a.Row("home", "").revenue(), 2.0);
  // Any event past the window drops the touches.
  a.Apply(MakeEvent("v", "c", "", testing_util::kView, {{"z"}}, kT0 + 2 * kDay));
  EXPECT_EQ(a.agg().recommendation_touches_size(), 0);
}

// A session's touches follow it into the customer at login.
TEST(AttributionTest, MergedSessionTouchesAttributeTheCustomersPurchase) {
  AggregationOptions options;
  Attribution session(options);
  session.Apply(WithId(MakeEvent("c", "", "s", kClick, {{"x"}}, kT0), RecId("home", "", kT0)));
  Attribution customer(options);
  MergeAggregates(session.agg(), options, &customer.agg());
  ASSERT_EQ(customer.agg().recommendation_touches_size(), 1);
  customer.Apply(Order(MakeEvent("p", "c", "s", kPurchase, {{"x", 1, 7.0}}, kT0 + kHour), "o"));
  EXPECT_EQ(customer.Row("home", "").conversions(), 1);
  // Both sides remembering the same attributed order keep one record.
  rec::SubjectAggregatesRecord copy = customer.agg();
  MergeAggregates(copy, options, &customer.agg());
  EXPECT_EQ(customer.agg().attributed_orders_size(), 1);
}

TEST(AttributionTest, AddPlacementMetricsAddsEveryField) {
  rec::PlacementMetricsRecord a;
  a.set_impressions(1);
  a.set_list_impressions(2);
  a.set_clicks(3);
  a.set_add_to_carts(4);
  a.set_conversions(5);
  a.set_revenue(6);
  a.set_revenue_sq(7);
  rec::PlacementMetricsRecord sum = a;
  AddPlacementMetrics(a, &sum);
  EXPECT_EQ(sum.impressions(), 2);
  EXPECT_EQ(sum.list_impressions(), 4);
  EXPECT_EQ(sum.clicks(), 6);
  EXPECT_EQ(sum.add_to_carts(), 8);
  EXPECT_EQ(sum.conversions(), 10);
  EXPECT_DOUBLE_EQ(sum.revenue(), 12);
  EXPECT_DOUBLE_EQ(sum.revenue_sq(), 14);
}

}  // namespace
}  // namespace persona::storage
