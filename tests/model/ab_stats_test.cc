// A/B statistics against values worked out by hand from the textbook
// formulas (and checked against published references where noted).
#include "model/ab_stats.h"

#include <cmath>

#include "gtest/gtest.h"

namespace persona::model {
namespace {

TEST(NormalTest, TwoSidedPValue) {
  EXPECT_NEAR(NormalTwoSidedPValue(kZ95), 0.05, 1e-12);
  EXPECT_NEAR(NormalTwoSidedPValue(-kZ95), 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(NormalTwoSidedPValue(0), 1.0);
  EXPECT_NEAR(NormalTwoSidedPValue(1.0), 0.3173105078629141, 1e-12);
  EXPECT_DOUBLE_EQ(NormalTwoSidedPValue(NAN), 1.0);
}

TEST(WilsonTest, KnownIntervals) {
  // 10/100: [0.0552, 0.1744] (the usual reference value; by hand: centre
  // (0.1 + 1.96^2/200) / (1 + 1.96^2/100) = 0.114798, half-width 0.059566).
  Interval i = WilsonInterval(10, 100);
  EXPECT_NEAR(i.low, 0.0552291, 1e-6);
  EXPECT_NEAR(i.high, 0.1743657, 1e-6);
  // 0/10 and 10/10: the "rule of three"-like bounds, staying inside [0, 1].
  i = WilsonInterval(0, 10);
  EXPECT_DOUBLE_EQ(i.low, 0.0);
  EXPECT_NEAR(i.high, 0.2775328, 1e-6);
  i = WilsonInterval(10, 10);
  EXPECT_NEAR(i.low, 0.7224672, 1e-6);
  EXPECT_LE(i.high, 1.0);
  EXPECT_NEAR(i.high, 1.0, 1e-12);
  // 81/263 (the Wikipedia example of the score interval): [0.2553, 0.3662].
  i = WilsonInterval(81, 263);
  EXPECT_NEAR(i.low, 0.2552885, 1e-6);
  EXPECT_NEAR(i.high, 0.3662096, 1e-6);
}

TEST(WilsonTest, EdgeCases) {
  Interval i = WilsonInterval(0, 0);
  EXPECT_DOUBLE_EQ(i.low, 0.0);
  EXPECT_DOUBLE_EQ(i.high, 1.0);
  // More successes than trials (corrupt counters) clamp to all successes.
  i = WilsonInterval(12, 10);
  EXPECT_NEAR(i.low, 0.7224672, 1e-6);
  // Wider at 99% than at 95%.
  const Interval i99 = WilsonInterval(10, 100, 2.5758293035489);
  const Interval i95 = WilsonInterval(10, 100);
  EXPECT_LT(i99.low, i95.low);
  EXPECT_GT(i99.high, i95.high);
}

TEST(TwoProportionTest, KnownPValue) {
  // 200/1000 vs 250/1000: pooled 0.225, se = sqrt(0.225*0.775*2/1000) =
  // 0.0186748, z = -0.05/0.0186748 = -2.677398, p = 0.0074196.
  EXPECT_NEAR(TwoProportionPValue(200, 1000, 250, 1000), 0.0074196, 1e-6);
  EXPECT_NEAR(TwoProportionPValue(250, 1000, 200, 1000), 0.0074196, 1e-6);
  // Equal rates: no evidence.
  EXPECT_NEAR(TwoProportionPValue(30, 1000, 60, 2000), 1.0, 1e-12);
  // Not significant with little data.
  EXPECT_GT(TwoProportionPValue(2, 10, 3, 10), 0.5);
}

TEST(TwoProportionTest, Degenerate) {
  EXPECT_DOUBLE_EQ(TwoProportionPValue(0, 0, 5, 10), 1.0);
  EXPECT_DOUBLE_EQ(TwoProportionPValue(0, 100, 0, 100), 1.0);
  EXPECT_DOUBLE_EQ(TwoProportionPValue(100, 100, 100, 100), 1.0);
}

TEST(MeanTest, KnownEstimate) {
  // Values 1, 2, 3, 4: mean 2.5, variance (30 - 25)/3 = 5/3, half-width
  // 1.959964 * sqrt(5/12) = 1.265151.
  const MeanEstimate m = EstimateMean({4, 10, 30});
  EXPECT_DOUBLE_EQ(m.mean, 2.5);
  EXPECT_NEAR(m.variance, 5.0 / 3, 1e-12);
  EXPECT_NEAR(m.interval.low, 2.5 - 1.2651513, 1e-6);
  EXPECT_NEAR(m.interval.high, 2.5 + 1.2651513, 1e-6);
}

TEST(MeanTest, RevenuePerImpression) {
  // 1000 impressions, 10 of which led to an order of 50: mean 0.5 per
  // impression (RPM 500), variance (25000 - 0.5*500)/999 = 24.774775,
  // half-width 1.959964 * sqrt(24.774775/1000) = 0.308498.
  const MeanEstimate m = EstimateMean({1000, 500, 25000});
  EXPECT_DOUBLE_EQ(m.mean, 0.5);
  EXPECT_NEAR(m.variance, 24.774775, 1e-6);
  EXPECT_NEAR(m.interval.high - m.mean, 0.3084984, 1e-6);
}

TEST(MeanTest, Degenerate) {
  MeanEstimate m = EstimateMean({0, 0, 0});
  EXPECT_DOUBLE_EQ(m.mean, 0.0);
  EXPECT_DOUBLE_EQ(m.interval.low, 0.0);
  EXPECT_DOUBLE_EQ(m.interval.high, 0.0);
  m = EstimateMean({1, 7, 49});
  EXPECT_DOUBLE_EQ(m.mean, 7.0);
  EXPECT_DOUBLE_EQ(m.interval.low, 7.0);
  EXPECT_DOUBLE_EQ(m.interval.high, 7.0);
  // All values 0.1 (sum of squares rounds below mean*sum): variance clamps to 0.
  m = EstimateMean({3, 0.1 + 0.1 + 0.1, 0.01 + 0.01 + 0.01});
  EXPECT_GE(m.variance, 0.0);
  EXPECT_LT(m.variance, 1e-15);
}

TEST(WelchTest, KnownPValue) {
  // {1,2,3,4} vs {2,4,6,8}: means 2.5 and 5, variances 5/3 and 20/3,
  // se = sqrt(5/12 + 20/12) = 1.443376, z = -1.732051, p = 0.0832645.
  EXPECT_NEAR(WelchPValue({4, 10, 30}, {4, 20, 120}), 0.0832645, 1e-6);
  EXPECT_NEAR(WelchPValue({4, 20, 120}, {4, 10, 30}), 0.0832645, 1e-6);
  // Same sample: no evidence.
  EXPECT_NEAR(WelchPValue({1000, 500, 25000}, {1000, 500, 25000}), 1.0, 1e-12);
  // RPM 500 vs 1000 over 100k impressions each: clearly different.
  EXPECT_LT(WelchPValue({100'000, 50'000, 2'500'000}, {100'000, 100'000, 5'000'000}), 1e-6);
}

TEST(WelchTest, Degenerate) {
  EXPECT_DOUBLE_EQ(WelchPValue({1, 5, 25}, {10, 50, 250}), 1.0);
  EXPECT_DOUBLE_EQ(WelchPValue({10, 0, 0}, {10, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(WelchPValue({10, 10, 10}, {10, 20, 40}), 0.0);
}

}  // namespace
}  // namespace persona::model
