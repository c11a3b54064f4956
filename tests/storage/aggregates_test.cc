#include "storage/aggregates.h"

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "common/decay.h"
#include "gtest/gtest.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using testing_util::Line;
using testing_util::MakeEvent;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 86'400'000;

// Applies `e` with every item in `category`.
void Apply(const rec::EventRecord& e, rec::SubjectAggregatesRecord* agg,
           std::string_view category = "", const AggregationOptions& options = {}) {
  std::vector<std::string_view> categories(e.items_size(), category);
  ApplyEvent(e, categories, options, agg);
}

TEST(AggregatesTest, EventTimeFallsBackToReceivedTime) {
  rec::EventRecord e = MakeEvent("e", "c", "", testing_util::kView, {}, 0);
  e.set_received_time_ms(42);
  EXPECT_EQ(EventTimeMs(e), 42);
  e.set_timestamp_ms(7);
  EXPECT_EQ(EventTimeMs(e), 7);
}

TEST(AggregatesTest, RecencyFrequencyMonetary) {
  rec::SubjectAggregatesRecord agg;
  // Two rows of order o1, then o2, then a purchase without an order id.
  auto row1 = MakeEvent("e1", "c", "", kPurchase, {{"a", 2, 5.0}}, kT0);
  row1.set_order_id("o1");
  auto row2 = MakeEvent("e2", "c", "", kPurchase, {{"b", 1, 3.0}}, kT0 + 1);
  row2.set_order_id("o1");
  auto o2 = MakeEvent("e3", "c", "", kPurchase, {{"a", 0, 4.0}}, kT0 + 2 * kDay);
  o2.set_order_id("o2");
  o2.set_value(20.0);  // the value wins over the lines
  auto no_id = MakeEvent("e4", "c", "", kPurchase, {{"c", 1, 1.5}}, kT0 + kDay);
  auto view = MakeEvent("e5", "c", "", testing_util::kView, {{"d"}}, kT0 - kDay);
  for (const auto* e : {&row1, &row2, &o2, &no_id, &view}) Apply(*e, &agg);

  EXPECT_EQ(agg.orders(), 3);
  EXPECT_DOUBLE_EQ(agg.monetary(), 10.0 + 3.0 + 20.0 + 1.5);
  EXPECT_EQ(agg.first_seen_time_ms(), kT0 - kDay);
  EXPECT_EQ(agg.last_seen_time_ms(), kT0 + 2 * kDay);
  EXPECT_EQ(agg.last_purchase_time_ms(), kT0 + 2 * kDay);
  EXPECT_EQ(agg.event_counts().at(kPurchase), 4);
  EXPECT_EQ(agg.event_counts().at(testing_util::kView), 1);
  EXPECT_EQ(agg.distinct_items_bought(), 3);
  EXPECT_EQ(agg.bought_items().at("a"), kT0 + 2 * kDay);
  EXPECT_EQ(agg.bought_items().at("b"), kT0 + 1);
  EXPECT_EQ(agg.bought_items().count("d"), 0u);
}

TEST(AggregatesTest, ReturnsAreNetted) {
  rec::SubjectAggregatesRecord agg;
  Apply(MakeEvent("p", "c", "", kPurchase, {{"a", 3, 10.0}}, kT0), &agg);
  Apply(MakeEvent("r", "c", "", kReturn, {{"a", 2, 10.0}}, kT0 + 1), &agg);
  auto valued = MakeEvent("r2", "c", "", kReturn, {{"a", 0, 10.0}}, kT0 + 2);
  valued.set_value(4.0);
  Apply(valued, &agg);
  EXPECT_DOUBLE_EQ(agg.monetary(), 30.0 - 20.0 - 4.0);
  EXPECT_EQ(agg.returned_items(), 3);
  EXPECT_DOUBLE_EQ(agg.returned_value(), 24.0);
  EXPECT_EQ(agg.orders(), 1);
}

TEST(AggregatesTest, RecentOrderIdsAreBounded) {
  AggregationOptions options;
  options.max_recent_order_ids = 2;
  rec::SubjectAggregatesRecord agg;
  for (const char* order : {"o1", "o2", "o3", "o3", "o1"}) {
    auto e = MakeEvent("", "c", "", kPurchase, {{"a", 1, 1.0}}, kT0);
    e.set_order_id(order);
    Apply(e, &agg, "", options);
  }
  // o1 was forgotten when o3 arrived, so its second row counts again.
  EXPECT_EQ(agg.orders(), 4);
  ASSERT_EQ(agg.recent_order_ids_size(), 2);
  EXPECT_EQ(agg.recent_order_ids(0), "o3");
  EXPECT_EQ(agg.recent_order_ids(1), "o1");
}

TEST(AggregatesTest, NpsOnlyFromNpsSurveys) {
  rec::SubjectAggregatesRecord agg;
  auto csat = MakeEvent("s1", "c", "", testing_util::kSurvey, {}, kT0);
  (*csat.mutable_properties())["survey"] = "csat";
  csat.set_value(5);
  Apply(csat, &agg);
  EXPECT_FALSE(agg.has_nps());
  auto nps = MakeEvent("s2", "c", "", testing_util::kSurvey, {}, kT0 + 1);
  (*nps.mutable_properties())["survey"] = "nps";
  nps.set_value(9);
  Apply(nps, &agg);
  EXPECT_TRUE(agg.has_nps());
  EXPECT_EQ(agg.last_nps(), 9);
  nps.set_value(0);
  Apply(nps, &agg);
  EXPECT_TRUE(agg.has_nps());
  EXPECT_EQ(agg.last_nps(), 0);
}

TEST(AggregatesTest, CategoryAffinityWeightsAndDecays) {
  AggregationOptions options;
  rec::SubjectAggregatesRecord agg;
  Apply(MakeEvent("v", "c", "", testing_util::kView, {{"a"}}, kT0), &agg, "Shoes", options);
  // 30 units bought count as 10 (the cap) at weight 10.
  Apply(MakeEvent("p", "c", "", kPurchase, {{"b", 30, 1.0}}, kT0), &agg, "Lamps", options);
  Apply(MakeEvent("x", "c", "", kReturn, {{"c", 1, 1.0}}, kT0), &agg, "Toys", options);
  Apply(MakeEvent("u", "c", "", testing_util::kView, {{"d"}}, kT0), &agg, "", options);
  const double h = options.affinity_half_life_ms;
  EXPECT_NEAR(DecayedValueAt(agg.category_affinity().at("Shoes").log2(), kT0, h), 1.0, 1e-9);
  EXPECT_NEAR(DecayedValueAt(agg.category_affinity().at("Lamps").log2(), kT0, h), 100.0, 1e-9);
  EXPECT_NEAR(DecayedValueAt(agg.category_affinity().at("Shoes").log2(), kT0 + 30 * kDay, h), 0.5,
              1e-9);
  EXPECT_EQ(agg.category_affinity().count("Toys"), 0u);  // returns weigh 0
  EXPECT_EQ(agg.category_affinity().size(), 2u);
  // A later view outweighs an older one of the same weight.
  Apply(MakeEvent("v2", "c", "", testing_util::kView, {{"a"}}, kT0 + 60 * kDay), &agg, "Shoes",
        options);
  EXPECT_NEAR(DecayedValueAt(agg.category_affinity().at("Shoes").log2(), kT0 + 60 * kDay, h), 1.25,
              1e-9);
}

TEST(AggregatesTest, BoughtItemsDropOldest) {
  AggregationOptions options;
  options.max_bought_items = 2;
  rec::SubjectAggregatesRecord agg;
  Apply(MakeEvent("1", "c", "", kPurchase, {{"a", 1, 1}}, kT0 + 1), &agg, "", options);
  Apply(MakeEvent("2", "c", "", kPurchase, {{"b", 1, 1}}, kT0 + 2), &agg, "", options);
  Apply(MakeEvent("3", "c", "", kPurchase, {{"a", 1, 1}}, kT0 + 3), &agg, "", options);
  Apply(MakeEvent("4", "c", "", kPurchase, {{"c", 1, 1}}, kT0 + 4), &agg, "", options);
  EXPECT_EQ(agg.bought_items().size(), 2u);
  EXPECT_EQ(agg.bought_items().count("b"), 0u);  // the oldest purchase time
  EXPECT_EQ(agg.bought_items().at("a"), kT0 + 3);
  EXPECT_EQ(agg.distinct_items_bought(), 3);
}

TEST(AggregatesTest, CountryFromEventProperties) {
  rec::SubjectAggregatesRecord agg;
  auto e = MakeEvent("1", "", "s", testing_util::kView, {}, kT0);
  (*e.mutable_properties())["country"] = "DE";
  Apply(e, &agg);
  EXPECT_EQ(agg.last_country(), "DE");
}

TEST(AggregatesTest, ItemStats) {
  AggregationOptions options;
  rec::ItemStatsRecord stats;
  auto view = MakeEvent("1", "c", "", testing_util::kView, {{"a"}}, kT0);
  ApplyEventToItem(view, view.items(0), "FR", options, &stats);
  auto cart = MakeEvent("2", "c", "", testing_util::kCart, {{"a"}}, kT0);
  ApplyEventToItem(cart, cart.items(0), "", options, &stats);
  auto buy = MakeEvent("3", "c", "", kPurchase, {{"a", 2, 7.5}}, kT0);
  ApplyEventToItem(buy, buy.items(0), "FR", options, &stats);
  auto back = MakeEvent("4", "c", "", kReturn, {{"a", 1, 7.5}}, kT0 + kDay);
  ApplyEventToItem(back, back.items(0), "FR", options, &stats);
  EXPECT_EQ(stats.views(), 1);
  EXPECT_EQ(stats.cart_adds(), 1);
  EXPECT_EQ(stats.purchases(), 2);
  EXPECT_EQ(stats.returns(), 1);
  EXPECT_DOUBLE_EQ(stats.revenue(), 7.5);
  EXPECT_EQ(stats.last_event_time_ms(), kT0 + kDay);
  const double popularity = 1 + 3 + 2 * 10;
  EXPECT_NEAR(DecayedValueAt(stats.popularity().log2(), kT0, options.popularity_half_life_ms),
              popularity, 1e-9);
  EXPECT_NEAR(DecayedValueAt(stats.trending().log2(), kT0 + 2 * kDay, options.trending_half_life_ms),
              popularity / 2, 1e-9);
  EXPECT_NEAR(DecayedValueAt(stats.popularity().log2(), kT0 + 14 * kDay,
                             options.popularity_half_life_ms),
              popularity / 2, 1e-9);
  ASSERT_EQ(stats.country_popularity().size(), 1u);
  EXPECT_NEAR(DecayedValueAt(stats.country_popularity().at("FR").log2(), kT0,
                             options.popularity_half_life_ms),
              21.0, 1e-9);
}

TEST(AggregatesTest, UnweightedEventsLeaveScoresEmpty) {
  rec::ItemStatsRecord stats;
  auto back = MakeEvent("4", "c", "", kReturn, {{"a", 1, 7.5}}, kT0);
  ApplyEventToItem(back, back.items(0), "FR", AggregationOptions(), &stats);
  EXPECT_FALSE(stats.has_popularity());
  EXPECT_TRUE(stats.country_popularity().empty());
}

TEST(AggregatesTest, MergeFoldsSessionIntoCustomer) {
  AggregationOptions options;
  rec::SubjectAggregatesRecord customer, session;
  auto c1 = MakeEvent("c1", "c", "", kPurchase, {{"a", 1, 10}}, kT0);
  c1.set_order_id("o1");
  Apply(c1, &customer, "Shoes");
  auto s1 = MakeEvent("s1", "", "s", kPurchase, {{"a", 1, 10}, {"b", 1, 5}}, kT0 - kDay);
  s1.set_order_id("o1");  // the same order seen under both ids
  Apply(s1, &session, "Shoes");
  auto s2 = MakeEvent("s2", "", "s", testing_util::kView, {{"c"}}, kT0 + kDay);
  (*s2.mutable_properties())["country"] = "IT";
  Apply(s2, &session, "Lamps");
  auto nps = MakeEvent("s3", "", "s", testing_util::kSurvey, {}, kT0 + kDay);
  (*nps.mutable_properties())["survey"] = "nps";
  nps.set_value(7);
  Apply(nps, &session);

  MergeAggregates(session, options, &customer);
  EXPECT_EQ(customer.first_seen_time_ms(), kT0 - kDay);
  EXPECT_EQ(customer.last_seen_time_ms(), kT0 + kDay);
  EXPECT_EQ(customer.orders(), 1);
  EXPECT_DOUBLE_EQ(customer.monetary(), 25.0);
  EXPECT_EQ(customer.event_counts().at(kPurchase), 2);
  EXPECT_EQ(customer.event_counts().at(testing_util::kView), 1);
  EXPECT_EQ(customer.bought_items().size(), 2u);
  EXPECT_EQ(customer.bought_items().at("a"), kT0);
  EXPECT_EQ(customer.distinct_items_bought(), 2);
  EXPECT_TRUE(customer.has_nps());
  EXPECT_EQ(customer.last_nps(), 7);
  EXPECT_EQ(customer.last_country(), "IT");
  const double h = options.affinity_half_life_ms;
  EXPECT_NEAR(DecayedValueAt(customer.category_affinity().at("Shoes").log2(), kT0, h),
              10.0 + 20.0 * std::exp2(-1.0 / 30.0), 1e-9);
  EXPECT_NEAR(DecayedValueAt(customer.category_affinity().at("Lamps").log2(), kT0 + kDay, h), 1.0,
              1e-9);
}

}  // namespace
}  // namespace persona::storage
