// Attribution through the real RocksDB store: the placement figures written
// by EventLog::Append and read by ScanPlacementMetrics (ranges, filters,
// order, reopening), duplicates, login merges, erasure, and the shown items.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/recommendation_id.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using testing_util::kCart;
using testing_util::kPurchase;
using testing_util::MakeEvent;

constexpr int64_t kDay = 86'400'000;
constexpr int32_t kDay0 = 19'675;
constexpr int64_t kT0 = kDay0 * kDay + 36'000'000;  // 10:00 UTC
constexpr int kImpression = 11;
constexpr int kClick = 12;

std::string RecId(std::string placement, std::string variant, int64_t issued, uint64_t nonce = 1) {
  return EncodeRecommendationId({std::move(placement), std::move(variant), issued, nonce});
}

rec::EventRecord WithId(rec::EventRecord e, const std::string& id) {
  e.set_recommendation_id(id);
  return e;
}

// One scanned row, flattened for comparisons.
struct Row {
  std::string placement;
  std::string variant;
  int32_t day;
  int64_t impressions;
  int64_t clicks;
  int64_t conversions;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.placement << "/" << r.variant << "/" << r.day << " i=" << r.impressions
            << " c=" << r.clicks << " v=" << r.conversions;
}

class AttributionDbTest : public ::testing::Test {
 protected:
  AttributionDbTest() : clock_(kT0) { Reopen(); }

  void Reopen() {
    db_.reset();
    DatabaseOptions options;
    options.path = dir_.path();
    options.clock = &clock_;
    options.block_cache_mb = 8;
    auto db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  void Append(const std::vector<rec::EventRecord>& events, const std::string& shop = "s") {
    auto result = db_->events().Append(shop, events);
    ASSERT_TRUE(result.ok()) << result.status();
  }

  std::vector<Row> Scan(const std::string& placement, int32_t from, int32_t to,
                        const std::string& shop = "s") {
    std::vector<Row> rows;
    absl::Status status = db_->events().ScanPlacementMetrics(
        shop, placement, from, to, [&](const PlacementMetricsRow& r) {
          rows.push_back({r.placement, r.variant, r.day, r.metrics.impressions(),
                          r.metrics.clicks(), r.metrics.conversions()});
          return true;
        });
    EXPECT_TRUE(status.ok()) << status;
    return rows;
  }

  // An impression of `items` of one recommendation issued on `day` (10:00),
  // by customer `c`.
  rec::EventRecord Impression(const std::string& placement, const std::string& variant, int32_t day,
                              int items, const std::string& event_id) {
    std::vector<testing_util::Line> lines;
    for (int i = 0; i < items; ++i) lines.push_back({"i" + std::to_string(i)});
    const int64_t t = day * kDay + 36'000'000;
    return WithId(MakeEvent(event_id, "c", "", kImpression, lines, t), RecId(placement, variant, t));
  }

  testing_util::ScopedTempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Database> db_;
};

TEST_F(AttributionDbTest, ScanFiltersByDayRangeAndPlacementInKeyOrder) {
  Append({Impression("home", "b", kDay0, 2, "1"), Impression("home", "a", kDay0, 3, "2"),
          Impression("pdp", "", kDay0, 1, "3"), Impression("home", "a", kDay0 + 1, 4, "4"),
          Impression("home", "a", kDay0 + 2, 5, "5")});
  // A placement whose name extends another's is not mixed in.
  Append({Impression("home2", "a", kDay0, 6, "6")});

  EXPECT_EQ(Scan("", kDay0, kDay0 + 2),
            (std::vector<Row>{{"home", "a", kDay0, 3, 0, 0},
                              {"home", "b", kDay0, 2, 0, 0},
                              {"home2", "a", kDay0, 6, 0, 0},
                              {"pdp", "", kDay0, 1, 0, 0},
                              {"home", "a", kDay0 + 1, 4, 0, 0},
                              {"home", "a", kDay0 + 2, 5, 0, 0}}));
  EXPECT_EQ(Scan("home", kDay0 + 1, kDay0 + 1), (std::vector<Row>{{"home", "a", kDay0 + 1, 4, 0, 0}}));
  EXPECT_EQ(Scan("home", kDay0, kDay0),
            (std::vector<Row>{{"home", "a", kDay0, 3, 0, 0}, {"home", "b", kDay0, 2, 0, 0}}));
  EXPECT_EQ(Scan("pdp", kDay0 + 1, INT32_MAX), std::vector<Row>{});
  EXPECT_EQ(Scan("", kDay0 + 2, INT32_MAX).size(), 1u);
  EXPECT_EQ(Scan("", INT32_MIN, kDay0 - 1), std::vector<Row>{});
  EXPECT_EQ(Scan("", kDay0 + 1, kDay0), std::vector<Row>{});  // from > to
  EXPECT_EQ(Scan("", 0, INT32_MAX).size(), 6u);
  // Stops when the callback says so.
  int seen = 0;
  ASSERT_TRUE(db_->events()
                  .ScanPlacementMetrics("s", "", 0, INT32_MAX,
                                        [&](const PlacementMetricsRow&) { return ++seen < 2; })
                  .ok());
  EXPECT_EQ(seen, 2);
}

TEST_F(AttributionDbTest, FiguresAddUpAcrossCallsAndSurviveReopen) {
  const std::string id = RecId("home", "a", kT0);
  Append({WithId(MakeEvent("1", "c", "", kImpression, {{"x"}, {"y"}}, kT0), id)});
  Append({WithId(MakeEvent("2", "c", "", kClick, {{"x"}}, kT0 + 1000), id),
          WithId(MakeEvent("2", "c", "", kClick, {{"x"}}, kT0 + 1000), id)});  // duplicate id
  Append({WithId(MakeEvent("2", "c", "", kClick, {{"x"}}, kT0 + 1000), id)});  // duplicate again
  Reopen();
  auto purchase = MakeEvent("3", "c", "", kPurchase, {{"x", 1, 12.5}}, kT0 + 2000);
  purchase.set_order_id("o1");
  Append({purchase, MakeEvent("4", "c", "", kCart, {{"x"}}, kT0 + 3000)});
  Reopen();
  std::vector<PlacementMetricsRow> rows;
  ASSERT_TRUE(db_->events()
                  .ScanPlacementMetrics("s", "home", kDay0, kDay0,
                                        [&](const PlacementMetricsRow& r) {
                                          rows.push_back(r);
                                          return true;
                                        })
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  const auto& m = rows[0].metrics;
  EXPECT_EQ(m.impressions(), 2);
  EXPECT_EQ(m.list_impressions(), 1);
  EXPECT_EQ(m.clicks(), 1);
  EXPECT_EQ(m.add_to_carts(), 1);
  EXPECT_EQ(m.conversions(), 1);
  EXPECT_DOUBLE_EQ(m.revenue(), 12.5);
  EXPECT_DOUBLE_EQ(m.revenue_sq(), 156.25);
}

TEST_F(AttributionDbTest, ShopsAreIsolatedAndBadShopsRefused) {
  Append({Impression("home", "", kDay0, 1, "1")}, "s");
  Append({Impression("home", "", kDay0, 2, "1")}, "s2");
  EXPECT_EQ(Scan("", 0, INT32_MAX, "s"), (std::vector<Row>{{"home", "", kDay0, 1, 0, 0}}));
  EXPECT_EQ(Scan("", 0, INT32_MAX, "s2"), (std::vector<Row>{{"home", "", kDay0, 2, 0, 0}}));
  EXPECT_EQ(Scan("", 0, INT32_MAX, "unknown"), std::vector<Row>{});
  const absl::Status bad =
      db_->events().ScanPlacementMetrics("Bad Shop", "", 0, 1, [](const auto&) { return true; });
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  // The figures are not customers: counting them would be wrong.
  auto counters = db_->GetShopCounters("s");
  ASSERT_TRUE(counters.ok()) << counters.status();
  EXPECT_EQ(counters->customers, 1);
  EXPECT_EQ(counters->sessions, 0);
}

TEST_F(AttributionDbTest, SessionClickLeadsToTheCustomersPurchaseAfterLogin) {
  const std::string id = RecId("home", "b", kT0);
  Append({WithId(MakeEvent("1", "", "sess", kClick, {{"x"}}, kT0), id)});
  auto login = MakeEvent("2", "cust", "sess", testing_util::kView, {{"y"}}, kT0 + 10);
  Append({login});
  Append({MakeEvent("3", "cust", "", kPurchase, {{"x", 2, 3.0}}, kT0 + 20)});
  std::vector<Row> rows = Scan("home", kDay0, kDay0);
  EXPECT_EQ(rows, (std::vector<Row>{{"home", "b", kDay0, 0, 1, 1}}));
}

// Touches live in the aggregates: erasing the customer forgets them.
TEST_F(AttributionDbTest, ErasingTheCustomerRemovesTouches) {
  const std::string id = RecId("home", "", kT0);
  Append({WithId(MakeEvent("1", "c", "", kClick, {{"x"}}, kT0), id)});
  ASSERT_EQ(db_->profiles().GetAggregates("s", Subject::Customer("c"))->recommendation_touches_size(), 1);
  ASSERT_TRUE(db_->profiles().EraseCustomer("s", "c").ok());
  EXPECT_EQ(db_->profiles().GetAggregates("s", Subject::Customer("c")).status().code(),
            absl::StatusCode::kNotFound);
  Append({MakeEvent("2", "c", "", kPurchase, {{"x", 1, 5.0}}, kT0 + 10)});
  EXPECT_EQ(Scan("home", kDay0, kDay0), (std::vector<Row>{{"home", "", kDay0, 0, 1, 0}}));
  // The figures themselves name no customer and stay.
}

TEST_F(AttributionDbTest, ImpressionsFillTheShownItems) {
  Append({Impression("home", "", kDay0, 2, "1"), Impression("pdp", "", kDay0, 1, "2")});
  auto agg = db_->profiles().GetAggregates("s", Subject::Customer("c"));
  ASSERT_TRUE(agg.ok()) << agg.status();
  ASSERT_EQ(agg->shown_items_size(), 2);
  for (const auto& shown : agg->shown_items()) {
    if (shown.item_id() == "i0") {
      EXPECT_EQ(shown.times_ms_size(), 2);
    } else {
      EXPECT_EQ(shown.item_id(), "i1");
      EXPECT_EQ(shown.times_ms_size(), 1);
    }
  }
}

}  // namespace
}  // namespace persona::storage
