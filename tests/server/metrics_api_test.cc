// MetricsApi over a real RocksDB database: impressions, clicks and purchases
// carrying recommendation ids are appended, then the reported figures,
// intervals and comparisons are checked against values computed by hand.
#include "server/metrics_api.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/recommendation_id.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/ab_stats.h"
#include "persona/config/v1/config.pb.h"
#include "server/config.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;
namespace v1 = ::persona::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kDay = 86'400'000;
constexpr int32_t kDay0 = 19'675;  // 2023-11-14
constexpr int64_t kT0 = kDay0 * kDay + 36'000'000;
constexpr int kImpression = 11;
constexpr int kClick = 12;
constexpr int kPurchase = 6;

class MetricsApiTest : public ::testing::Test {
 protected:
  MetricsApiTest() : clock_(kT0 + 2 * kDay) {
    storage::DatabaseOptions options;
    options.path = dir_.path();
    options.clock = &clock_;
    options.block_cache_mb = 8;
    auto db = storage::Database::Open(options);
    EXPECT_TRUE(db.ok()) << db.status();
    if (db.ok()) db_ = *std::move(db);
    api_ = std::make_unique<MetricsApi>(db_.get(), &clock_, MetricsApiOptions{.default_shop = "s"});
  }

  // Appends, on `day`, `lists` impressions of 10 items for `variant` of
  // "home" (one customer each), `clicks` clicks on the first item of the
  // first lists, and one purchase of that item per `orders` value.
  void Traffic(int32_t day, const std::string& variant, int lists, int clicks,
               const std::vector<double>& orders, const std::string& placement = "home") {
    std::vector<rec::EventRecord> events;
    const int64_t t = day * kDay + 36'000'000;
    for (int i = 0; i < lists; ++i) {
      const std::string customer = placement + variant + std::to_string(day) + "c" + std::to_string(i);
      const std::string id =
          EncodeRecommendationId({placement, variant, t, static_cast<uint64_t>(i + 1)});
      std::vector<storage::testing_util::Line> lines;
      for (int k = 0; k < 10; ++k) lines.push_back({"item" + std::to_string(k)});
      auto impression = storage::testing_util::MakeEvent("", customer, "", kImpression, lines, t);
      impression.set_recommendation_id(id);
      events.push_back(impression);
      if (i < clicks) {
        auto click = storage::testing_util::MakeEvent("", customer, "", kClick, {{"item0"}}, t + 1000);
        click.set_recommendation_id(id);
        events.push_back(click);
      }
      if (i < static_cast<int>(orders.size())) {
        auto purchase = storage::testing_util::MakeEvent(
            "", customer, "", kPurchase, {{"item0", 1, orders[i]}}, t + 60'000);
        purchase.set_order_id("o" + std::to_string(i));
        events.push_back(purchase);
      }
    }
    auto result = db_->events().Append("s", events);
    ASSERT_TRUE(result.ok()) << result.status();
  }

  v1::GetPlacementMetricsResponse Get(v1::GetPlacementMetricsRequest request) {
    v1::GetPlacementMetricsResponse response;
    absl::Status status = api_->GetPlacementMetrics(request, &response);
    EXPECT_TRUE(status.ok()) << status;
    return response;
  }

  static v1::GetPlacementMetricsRequest Range(std::string from, std::string to) {
    v1::GetPlacementMetricsRequest request;
    request.set_from_date(std::move(from));
    request.set_to_date(std::move(to));
    return request;
  }

  storage::testing_util::ScopedTempDir dir_;
  FakeClock clock_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<MetricsApi> api_;
};

TEST(UtcDateTest, ParsesAndFormatsDays) {
  EXPECT_EQ(FormatUtcDate(0), "1970-01-01");
  EXPECT_EQ(FormatUtcDate(kDay0), "2023-11-14");
  EXPECT_EQ(FormatUtcDate(19'782), "2024-02-29");
  EXPECT_EQ(*ParseUtcDate("f", "2023-11-14"), kDay0);
  EXPECT_EQ(*ParseUtcDate("f", "2024-02-29"), 19'782);
  EXPECT_EQ(*ParseUtcDate("f", "1970-01-01"), 0);
}

TEST_F(MetricsApiTest, FiguresIntervalsAndComparisonMatchHandComputedValues) {
  // default: 1000 item impressions, 20 clicks, orders of 10 and 30.
  Traffic(kDay0, "default", 100, 20, {10.0, 30.0});
  // b: 1000 item impressions, 50 clicks, five orders of 20.
  Traffic(kDay0, "b", 100, 50, {20, 20, 20, 20, 20});
  const auto response = Get(Range("2023-11-14", "2023-11-14"));
  ASSERT_EQ(response.placements_size(), 1);
  const v1::PlacementMetrics& home = response.placements(0);
  EXPECT_EQ(home.placement(), "home");
  EXPECT_EQ(home.control_variant(), "default");
  ASSERT_EQ(home.variants_size(), 2);
  const v1::VariantMetrics& b = home.variants(0);
  const v1::VariantMetrics& control = home.variants(1);
  ASSERT_EQ(b.variant(), "b");
  ASSERT_EQ(control.variant(), "default");

  const v1::MetricFigures& c = control.totals();
  EXPECT_EQ(c.impressions(), 1000);
  EXPECT_EQ(c.list_impressions(), 100);
  EXPECT_EQ(c.clicks(), 20);
  EXPECT_EQ(c.conversions(), 2);
  EXPECT_DOUBLE_EQ(c.click_through_rate().value(), 0.02);
  // Wilson 95% of 20/1000, computed independently.
  EXPECT_NEAR(c.click_through_rate().low(), 0.0129837, 1e-6);
  EXPECT_NEAR(c.click_through_rate().high(), 0.0306900, 1e-6);
  EXPECT_DOUBLE_EQ(c.conversion_rate().value(), 0.002);
  EXPECT_DOUBLE_EQ(c.revenue().value(), 40.0);
  // RPM: 40 per 1000; variance of per-impression revenue (1000 - 40^2/1000) / 999.
  EXPECT_DOUBLE_EQ(c.revenue_per_mille().value(), 40.0);
  EXPECT_DOUBLE_EQ(c.revenue_per_mille().low(), 0.0);  // 40 - 61.96, cut at 0
  EXPECT_NEAR(c.revenue_per_mille().high(), 101.960888, 1e-5);
  EXPECT_NEAR(c.revenue().high(), 101.960888, 1e-5);  // 1000 impressions x RPI

  EXPECT_FALSE(control.has_vs_control());
  ASSERT_TRUE(b.has_vs_control());
  const v1::VariantComparison& vs = b.vs_control();
  EXPECT_EQ(vs.control_variant(), "default");
  EXPECT_DOUBLE_EQ(vs.click_through_rate().difference(), 0.03);
  EXPECT_DOUBLE_EQ(vs.click_through_rate().relative_difference(), 1.5);
  EXPECT_DOUBLE_EQ(vs.click_through_rate().p_value(), model::TwoProportionPValue(50, 1000, 20, 1000));
  EXPECT_LT(vs.click_through_rate().p_value(), 0.001);  // z about 3.7
  EXPECT_TRUE(vs.click_through_rate().significant());
  EXPECT_GT(vs.click_through_rate().low(), 0);
  // 5 vs 2 orders per 1000 impressions: not enough to tell.
  EXPECT_DOUBLE_EQ(vs.conversion_rate().difference(), 0.003);
  EXPECT_GT(vs.conversion_rate().p_value(), 0.05);
  EXPECT_FALSE(vs.conversion_rate().significant());
  EXPECT_LT(vs.conversion_rate().low(), 0);
  EXPECT_DOUBLE_EQ(vs.revenue_per_mille().difference(), 100.0 - 40.0);
  EXPECT_FALSE(vs.revenue_per_mille().significant());
  // The worked example of docs/API.md, computed independently.
  EXPECT_NEAR(c.conversion_rate().low(), 0.00055, 1e-5);
  EXPECT_NEAR(c.conversion_rate().high(), 0.00726, 1e-5);
  EXPECT_NEAR(b.totals().revenue_per_mille().low(), 12.5234, 1e-4);
  EXPECT_NEAR(b.totals().revenue_per_mille().high(), 187.4766, 1e-4);
  EXPECT_NEAR(vs.click_through_rate().low(), 0.0139450, 1e-6);
  EXPECT_NEAR(vs.click_through_rate().high(), 0.0460550, 1e-6);
  EXPECT_NEAR(vs.click_through_rate().p_value(), 0.000262106, 1e-8);
  EXPECT_NEAR(vs.conversion_rate().p_value(), 0.256006, 1e-5);
  EXPECT_NEAR(vs.revenue_per_mille().low(), -47.1975, 1e-3);
  EXPECT_NEAR(vs.revenue_per_mille().high(), 167.1975, 1e-3);
  EXPECT_NEAR(vs.revenue_per_mille().p_value(), 0.272633, 1e-5);
}

TEST_F(MetricsApiTest, DaysAreReportedOldestFirstAndSumToTheTotals) {
  Traffic(kDay0, "default", 10, 3, {5.0});
  Traffic(kDay0 + 1, "default", 20, 1, {});
  Traffic(kDay0 + 2, "default", 30, 0, {});
  auto response = Get(Range("2023-11-14", "2023-11-15"));
  ASSERT_EQ(response.placements_size(), 1);
  const auto& v = response.placements(0).variants(0);
  ASSERT_EQ(v.days_size(), 2);
  EXPECT_EQ(v.days(0).date(), "2023-11-14");
  EXPECT_EQ(v.days(0).figures().impressions(), 100);
  EXPECT_EQ(v.days(0).figures().clicks(), 3);
  EXPECT_EQ(v.days(0).figures().conversions(), 1);
  EXPECT_EQ(v.days(1).date(), "2023-11-15");
  EXPECT_EQ(v.days(1).figures().impressions(), 200);
  EXPECT_EQ(v.totals().impressions(), 300);
  EXPECT_EQ(v.totals().clicks(), 4);
  EXPECT_DOUBLE_EQ(v.totals().revenue().value(), 5.0);
  EXPECT_DOUBLE_EQ(v.totals().click_through_rate().value(), 4.0 / 300);
  // Defaults: the 30 days up to today (the clock's day, kDay0 + 2).
  response = Get({});
  EXPECT_EQ(response.from_date(), FormatUtcDate(kDay0 + 2 - 29));
  EXPECT_EQ(response.to_date(), "2023-11-16");
  EXPECT_EQ(response.placements(0).variants(0).totals().impressions(), 600);
}

TEST_F(MetricsApiTest, PlacementFilterAndControlChoice) {
  Traffic(kDay0, "a", 10, 1, {}, "pdp");
  Traffic(kDay0, "b", 10, 2, {}, "pdp");
  Traffic(kDay0, "default", 10, 3, {});
  Traffic(kDay0, "x", 10, 4, {});
  auto request = Range("2023-11-14", "2023-11-14");
  auto response = Get(request);
  ASSERT_EQ(response.placements_size(), 2);
  EXPECT_EQ(response.placements(0).placement(), "home");
  EXPECT_EQ(response.placements(0).control_variant(), "default");
  // No "default" in pdp: the first variant by name is the control.
  EXPECT_EQ(response.placements(1).placement(), "pdp");
  EXPECT_EQ(response.placements(1).control_variant(), "a");
  EXPECT_FALSE(response.placements(1).variants(0).has_vs_control());
  EXPECT_EQ(response.placements(1).variants(1).vs_control().control_variant(), "a");

  request.set_placement("pdp");
  request.set_control_variant("b");
  response = Get(request);
  ASSERT_EQ(response.placements_size(), 1);
  EXPECT_EQ(response.placements(0).control_variant(), "b");
  EXPECT_TRUE(response.placements(0).variants(0).has_vs_control());
  EXPECT_FALSE(response.placements(0).variants(1).has_vs_control());
  // A control without figures: no comparisons at all.
  request.set_control_variant("zzz");
  response = Get(request);
  EXPECT_EQ(response.placements(0).control_variant(), "");
  for (const auto& v : response.placements(0).variants()) EXPECT_FALSE(v.has_vs_control());
  // Unknown placement, other shop: empty, not an error.
  request.set_placement("nothing");
  EXPECT_EQ(Get(request).placements_size(), 0);
  request.set_placement("");
  request.set_shop("other");
  EXPECT_EQ(Get(request).placements_size(), 0);
}

TEST_F(MetricsApiTest, EmptyVariantsAndTinySamplesAreReportedWithoutClaims) {
  Traffic(kDay0, "", 1, 1, {});  // one list, no experiment
  const auto response = Get(Range("2023-11-14", "2023-11-14"));
  ASSERT_EQ(response.placements_size(), 1);
  EXPECT_EQ(response.placements(0).control_variant(), "");
  const auto& t = response.placements(0).variants(0).totals();
  EXPECT_EQ(t.impressions(), 10);
  EXPECT_DOUBLE_EQ(t.click_through_rate().value(), 0.1);
  EXPECT_GT(t.click_through_rate().low(), 0);
  EXPECT_LT(t.click_through_rate().high(), 0.5);
  EXPECT_DOUBLE_EQ(t.revenue_per_mille().value(), 0);
}

TEST_F(MetricsApiTest, InvalidRequestsNameTheField) {
  struct Case {
    const char* field;
    v1::GetPlacementMetricsRequest request;
  };
  std::vector<Case> cases;
  auto add = [&](const char* field, auto&& set) {
    v1::GetPlacementMetricsRequest r;
    set(r);
    cases.push_back({field, r});
  };
  add("shop: ", [](auto& r) { r.set_shop("Bad Shop"); });
  add("placement: ", [](auto& r) { r.set_placement("Home!"); });
  add("control_variant: ", [](auto& r) { r.set_control_variant("a b"); });
  add("from_date: ", [](auto& r) { r.set_from_date("2023-13-01"); });
  add("from_date: ", [](auto& r) { r.set_from_date("2023-02-29"); });
  add("from_date: ", [](auto& r) { r.set_from_date("20231114"); });
  add("from_date: ", [](auto& r) { r.set_from_date("1969-12-31"); });
  add("to_date: ", [](auto& r) { r.set_to_date("2023-1-14x"); });
  add("to_date: ", [](auto& r) { r.set_to_date("+023-11-14"); });
  add("from_date: ", [](auto& r) {  // after to_date
    r.set_from_date("2023-11-15");
    r.set_to_date("2023-11-14");
  });
  add("from_date: ", [](auto& r) {  // 367 days
    r.set_from_date("2023-01-01");
    r.set_to_date("2024-01-02");
  });
  for (const Case& c : cases) {
    v1::GetPlacementMetricsResponse response;
    const absl::Status status = api_->GetPlacementMetrics(c.request, &response);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.request.ShortDebugString();
    EXPECT_THAT(std::string(status.message()), StartsWith(c.field)) << c.request.ShortDebugString();
  }
  // 366 days is allowed.
  v1::GetPlacementMetricsResponse response;
  EXPECT_TRUE(api_->GetPlacementMetrics(Range("2023-01-01", "2024-01-01"), &response).ok());
}

TEST(AttributionConfigTest, WindowDefaultsToAWeekAndIsBounded) {
  persona::config::v1::Config config;
  ApplyDefaults(config);
  EXPECT_EQ(config.attribution().attribution_window_hours(), 168);
  EXPECT_TRUE(ValidateConfig(config).ok());
  for (int hours : {-1, 8761}) {
    config.mutable_attribution()->set_attribution_window_hours(hours);
    const absl::Status status = ValidateConfig(config);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), HasSubstr("attribution.attribution_window_hours"));
  }
}

}  // namespace
}  // namespace persona::server
