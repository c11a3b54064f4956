#include "model/segments/rfm.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace persona::model::segments {
namespace {

constexpr int64_t kNow = int64_t{1772323200} * 1000;  // 2026-03-01T00:00:00Z

RfmInput Buyer(int64_t days_ago, int64_t orders, double monetary) {
  return {kNow - days_ago * kMsPerDay - 1000, orders, monetary};
}

TEST(RfmCutsTest, TenDistinctValuesGiveTwoPerQuintile) {
  std::vector<RfmInput> buyers;
  for (int i = 0; i < 10; ++i) buyers.push_back(Buyer(i, i + 1, 10.0 * (i + 1)));
  const RfmCuts cuts = ComputeRfmCuts(buyers, kNow);
  EXPECT_EQ(cuts.buyers, 10);
  EXPECT_EQ(cuts.recency_days, (std::array<double, 4>{8, 6, 4, 2}));
  EXPECT_EQ(cuts.frequency, (std::array<double, 4>{2, 4, 6, 8}));
  EXPECT_EQ(cuts.monetary, (std::array<double, 4>{20, 40, 60, 80}));
  const int expected[10] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
  for (int i = 0; i < 10; ++i) {
    const RfmScore s = ScoreRfm(buyers[i], cuts, kNow);
    EXPECT_EQ(s.f, expected[i]) << i;
    EXPECT_EQ(s.m, expected[i]) << i;
    EXPECT_EQ(s.r, expected[9 - i]) << i;  // buyer i bought i days ago
  }
}

TEST(RfmCutsTest, TiesShareTheLowerQuintile) {
  // 7 of 10 buyers have one order: they are all in the first quintile.
  std::vector<RfmInput> buyers;
  for (int i = 0; i < 7; ++i) buyers.push_back(Buyer(5, 1, 10));
  buyers.push_back(Buyer(5, 2, 10));
  buyers.push_back(Buyer(5, 2, 10));
  buyers.push_back(Buyer(5, 5, 10));
  const RfmCuts cuts = ComputeRfmCuts(buyers, kNow);
  EXPECT_EQ(ScoreRfm(Buyer(5, 1, 10), cuts, kNow), (RfmScore{1, 1, 1}));
  EXPECT_EQ(ScoreRfm(Buyer(5, 2, 10), cuts, kNow).f, 4);  // 7 of 10 below: 1 + floor(3.5)
  EXPECT_EQ(ScoreRfm(Buyer(5, 5, 10), cuts, kNow).f, 5);
  // Everyone equal in recency and spend: all share quintile 1.
  EXPECT_EQ(ScoreRfm(Buyer(5, 5, 10), cuts, kNow).r, 1);
  EXPECT_EQ(ScoreRfm(Buyer(5, 5, 10), cuts, kNow).m, 1);
}

TEST(RfmCutsTest, SmallPopulations) {
  // n = 1: the only buyer has nobody below it.
  std::vector<RfmInput> one = {Buyer(3, 2, 50)};
  RfmCuts cuts = ComputeRfmCuts(one, kNow);
  EXPECT_EQ(ScoreRfm(one[0], cuts, kNow), (RfmScore{1, 1, 1}));
  // A later buyer better on every dimension beats all four cuts.
  EXPECT_EQ(ScoreRfm(Buyer(0, 3, 60), cuts, kNow), (RfmScore{5, 5, 5}));
  // n = 2: 1 and 1 + floor(5/2) = 3.
  std::vector<RfmInput> two = {Buyer(9, 1, 10), Buyer(1, 4, 90)};
  cuts = ComputeRfmCuts(two, kNow);
  EXPECT_EQ(ScoreRfm(two[0], cuts, kNow), (RfmScore{1, 1, 1}));
  EXPECT_EQ(ScoreRfm(two[1], cuts, kNow), (RfmScore{3, 3, 3}));
  // n = 3: 1, 2, 4.
  std::vector<RfmInput> three = {Buyer(9, 1, 10), Buyer(5, 2, 20), Buyer(1, 3, 30)};
  cuts = ComputeRfmCuts(three, kNow);
  EXPECT_EQ(ScoreRfm(three[0], cuts, kNow), (RfmScore{1, 1, 1}));
  EXPECT_EQ(ScoreRfm(three[1], cuts, kNow), (RfmScore{2, 2, 2}));
  EXPECT_EQ(ScoreRfm(three[2], cuts, kNow), (RfmScore{4, 4, 4}));
}

TEST(RfmCutsTest, NonBuyersAreIgnoredAndUnscored) {
  std::vector<RfmInput> population = {Buyer(1, 1, 10), {0, 0, 0}, {0, 3, 99}};
  const RfmCuts cuts = ComputeRfmCuts(population, kNow);
  EXPECT_EQ(cuts.buyers, 1);
  EXPECT_EQ(ScoreRfm(population[1], cuts, kNow), (RfmScore{0, 0, 0}));
  EXPECT_FALSE(ScoreRfm(population[2], cuts, kNow).scored());
}

TEST(RfmCutsTest, NoPopulationScoresTheMiddle) {
  const RfmCuts cuts = ComputeRfmCuts(std::span<const RfmInput>(), kNow);
  EXPECT_EQ(cuts.buyers, 0);
  EXPECT_EQ(ScoreRfm(Buyer(1, 1, 1), cuts, kNow), (RfmScore{3, 3, 3}));
}

TEST(RfmCutsTest, FactsOverloadReadsTheSameFields) {
  std::vector<CustomerFacts> facts(3);
  for (int i = 0; i < 3; ++i) {
    facts[i].last_purchase_ms = kNow - (10 - i) * kMsPerDay;
    facts[i].orders = i + 1;
    facts[i].monetary = 5.0 * (i + 1);
  }
  const RfmCuts cuts = ComputeRfmCuts(facts, kNow);
  EXPECT_EQ(cuts.buyers, 3);
  EXPECT_EQ(ScoreRfm(facts[2], cuts, kNow), (RfmScore{4, 4, 4}));
}

// Property: every member scores 1 + floor(5 * (members strictly worse) / n).
TEST(RfmCutsTest, ScoresAreQuintilesOfRandomPopulations) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    const int n = 1 + static_cast<int>(rng() % 60);
    std::vector<RfmInput> buyers;
    for (int i = 0; i < n; ++i) {
      buyers.push_back(Buyer(rng() % 20, 1 + rng() % 6, static_cast<double>(rng() % 8) * 12.5));
    }
    const RfmCuts cuts = ComputeRfmCuts(buyers, kNow);
    for (const RfmInput& b : buyers) {
      int older = 0, fewer = 0, less = 0;
      for (const RfmInput& o : buyers) {
        older += DaysSince(o.last_purchase_ms, kNow) > DaysSince(b.last_purchase_ms, kNow);
        fewer += o.orders < b.orders;
        less += o.monetary < b.monetary;
      }
      const RfmScore s = ScoreRfm(b, cuts, kNow);
      ASSERT_EQ(s.r, 1 + 5 * older / n) << "round " << round;
      ASSERT_EQ(s.f, 1 + 5 * fewer / n) << "round " << round;
      ASSERT_EQ(s.m, 1 + 5 * less / n) << "round " << round;
    }
  }
}

TEST(RfmCutsTest, DaysSinceCountsWholeDays) {
  EXPECT_EQ(DaysSince(kNow - kMsPerDay + 1, kNow), 0);
  EXPECT_EQ(DaysSince(kNow - kMsPerDay, kNow), 1);
  EXPECT_EQ(DaysSince(kNow + 5, kNow), 0);
}

}  // namespace
}  // namespace persona::model::segments
