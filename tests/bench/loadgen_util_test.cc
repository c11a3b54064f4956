// Tests of the load generator's pieces that decide what is measured: the
// percentiles, the demo CSV reader and the traffic factories.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "tests/bench/stats.h"
#include "tests/bench/workload.h"

namespace persona::bench {
namespace {

TEST(LatencySamplesTest, PercentilesUseNearestRank) {
  LatencySamples samples;
  EXPECT_EQ(samples.PercentileUs(0.5), 0);
  for (int us = 100; us >= 1; --us) samples.Add(std::chrono::microseconds(us));
  EXPECT_DOUBLE_EQ(samples.PercentileUs(0.50), 50);
  EXPECT_DOUBLE_EQ(samples.PercentileUs(0.99), 99);
  EXPECT_DOUBLE_EQ(samples.PercentileUs(0.999), 100);
  EXPECT_DOUBLE_EQ(samples.PercentileUs(0.001), 1);
}

TEST(LatencySamplesTest, MergeKeepsEverySample) {
  LatencySamples a, b;
  a.Add(std::chrono::microseconds(10));
  b.Add(std::chrono::microseconds(30));
  b.Add(std::chrono::microseconds(20));
  a.Merge(b);
  EXPECT_EQ(a.size(), 3u);
  EXPECT_DOUBLE_EQ(a.PercentileUs(0.5), 20);
}

TEST(ProcessCpuTest, ReadsThisProcess) {
  EXPECT_GE(ProcessCpuSeconds(getpid()), 0);
  EXPECT_EQ(ProcessCpuSeconds(-5), -1);
}

TEST(PhaseResultTest, OkNeedsUnitsAndNoError) {
  PhaseResult r;
  EXPECT_FALSE(r.ok());
  r.units = 10;
  r.seconds = 2;
  EXPECT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r.rate(), 5);
  r.error = "boom";
  EXPECT_FALSE(r.ok());
}

class OnlineRetailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "loadgen-test-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& text) {
    const std::string path = dir_ + "/retail.csv";
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

constexpr char kCsv[] =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,"
    "Country\n"
    "536365,85123A,\"WHITE HANGING HEART, T-LIGHT\",6,12/1/2010 "
    "8:26,2.55,17850.0,United Kingdom\n"
    "536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850.0,United "
    "Kingdom\n"
    "536366,71053,WHITE METAL LANTERN,6,12/1/2010 8:28,3.39,13047.0,France\n"
    "536367,POST,POSTAGE,1,12/1/2010 8:34,18,13047.0,France\n"
    "C536368,22633,HAND WARMER,-1,12/1/2010 8:34,1.85,12583.0,France\n"
    "536369,22633,HAND WARMER,1,12/1/2010 8:35,1.85,,United Kingdom\n";

TEST_F(OnlineRetailTest, ReadsItemsByFrequencyAndCustomersWithPurchases) {
  absl::StatusOr<ShopData> shop = ReadOnlineRetail(Write(kCsv), true);
  ASSERT_TRUE(shop.ok()) << shop.status();
  // 71053 and 22633 appear twice, 85123A once; POST is not a product.
  ASSERT_EQ(shop->items.size(), 3u);
  EXPECT_EQ(shop->items[2], "85123A");
  EXPECT_EQ(std::set<std::string>(shop->items.begin(), shop->items.end()),
            (std::set<std::string>{"71053", "22633", "85123A"}));
  // The cancellation (C...) and the row without a customer make no customer.
  ASSERT_EQ(shop->customers.size(), 2u);
  EXPECT_EQ(shop->customers[0].id, "13047");
  EXPECT_EQ(shop->customers[0].country, "France");
  EXPECT_EQ(shop->customers[1].id, "17850");
  EXPECT_EQ(shop->customers[1].items_bought.size(), 2u);
  EXPECT_EQ(shop->customers[1].orders, std::vector<std::string>{"536365"});
}

TEST_F(OnlineRetailTest, KeepsRawIdsWhenAsked) {
  absl::StatusOr<ShopData> shop = ReadOnlineRetail(Write(kCsv), false);
  ASSERT_TRUE(shop.ok()) << shop.status();
  EXPECT_EQ(shop->customers[0].id, "13047.0");
}

TEST_F(OnlineRetailTest, RejectsOtherFiles) {
  EXPECT_FALSE(ReadOnlineRetail(Write("a,b,c\n1,2,3\n"), true).ok());
  EXPECT_FALSE(ReadOnlineRetail(dir_ + "/missing.csv", true).ok());
}

TEST(EventFactoryTest, MakesValidEventsWithUniqueIds) {
  const ShopData shop = SyntheticShop(50, 20, 1);
  EventFactory factory(shop, 100, 10, "t");
  std::mt19937_64 rng(1);
  std::set<std::string> ids;
  int purchases = 0, sessions = 0, known = 0;
  for (int i = 0; i < 2000; ++i) {
    v1::Event e;
    factory.Next(rng, &e);
    ids.insert(e.event_id());
    EXPECT_NE(e.customer_id().empty(), e.session_id().empty());
    ASSERT_GE(e.items_size(), 1);
    EXPECT_LE(e.items_size(), 4);
    if (e.type() == v1::PURCHASE) {
      ++purchases;
      EXPECT_FALSE(e.order_id().empty());
      EXPECT_GT(e.value(), 0);
    } else {
      EXPECT_TRUE(e.type() == v1::PRODUCT_VIEW || e.type() == v1::ADD_TO_CART);
    }
    sessions += !e.session_id().empty();
    known += e.customer_id().rfind("bench-k", 0) == 0;
  }
  EXPECT_EQ(ids.size(), 2000u);
  EXPECT_GT(purchases, 100);
  EXPECT_GT(sessions, 150);
  EXPECT_GT(known,
            200);  // the shop's 20 customers are a fifth of the 100 senders
}

TEST(RecommendFactoryTest, MixesCustomersSessionsAndPlacements) {
  const ShopData shop = SyntheticShop(50, 20, 1);
  RecommendFactory factory(shop);
  std::mt19937_64 rng(2);
  std::set<std::string> placements;
  int anonymous = 0;
  for (int i = 0; i < 1000; ++i) {
    v1::RecommendRequest r;
    factory.Next(rng, &r);
    EXPECT_EQ(r.count(), 10);
    placements.insert(r.placement());
    anonymous += r.customer_id().empty();
    EXPECT_LE(r.context_item_ids_size(), 3);
  }
  EXPECT_EQ(placements, (std::set<std::string>{"home", "product", "cart"}));
  EXPECT_GT(anonymous, 200);
  EXPECT_LT(anonymous, 400);
}

}  // namespace
}  // namespace persona::bench
