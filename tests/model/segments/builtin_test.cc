#include "model/segments/builtin.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace persona::model::segments {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kNow = int64_t{1772323200} * 1000;  // 2026-03-01T00:00:00Z

TEST(RfmGroupTest, EveryCellOfTheGrid) {
  // Rows r = 5..1, columns f = 1..5, as in docs/SEGMENTS.md.
  const char* kExpected[5][5] = {
      {"new", "potential_loyalist", "potential_loyalist", "champions", "champions"},
      {"promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"},
      {"about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"},
      {"hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose"},
      {"lost", "lost", "at_risk", "at_risk", "cannot_lose"},
  };
  for (int r = 1; r <= 5; ++r) {
    for (int f = 1; f <= 5; ++f) {
      auto group = ClassifyRfmGroup({r, f, 3});
      ASSERT_TRUE(group.has_value());
      EXPECT_EQ(RfmGroupName(*group), kExpected[5 - r][f - 1]) << "r=" << r << " f=" << f;
    }
  }
  EXPECT_FALSE(ClassifyRfmGroup({}).has_value());
  EXPECT_FALSE(ClassifyRfmGroup({6, 1, 1}).has_value());
}

TEST(BuiltInSegmentsTest, NamesListEverySegmentOnce) {
  const std::vector<std::string> names = BuiltInSegmentNames(3);
  EXPECT_EQ(names.size(), 6u + 11u + 2u + 3u + 2u + 3u);
  EXPECT_EQ(names.front(), "stage:prospect");
  EXPECT_EQ(names.back(), "persona:2");
  for (const std::string& n : names) {
    EXPECT_TRUE(IsBuiltInSegmentName(n)) << n;
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 1) << n;
  }
  EXPECT_EQ(BuiltInSegmentNames(0).size(), 24u);
}

TEST(BuiltInSegmentsTest, IsBuiltInSegmentNameRejectsNearMisses) {
  for (const char* bad : {"", "stage:", "stage:champion", "rfm:loyal_customers", "persona:",
                          "persona:64", "persona:01", "persona:-1", "persona:+1", "nps:fan",
                          "Stage:new", "viewed-not-bought"}) {
    EXPECT_FALSE(IsBuiltInSegmentName(bad)) << bad;
  }
  EXPECT_TRUE(IsBuiltInSegmentName("persona:63"));
  EXPECT_TRUE(IsBuiltInSegmentName("persona:0"));
}

TEST(BuiltInSegmentsTest, MembershipOfAHandBuiltCustomer) {
  CustomerFacts f;
  f.last_view_ms = kNow - 2 * kMsPerDay;
  f.last_purchase_ms = kNow - 100 * kMsPerDay;
  f.cart_items = 1;
  f.last_cart_add_ms = kNow - 3 * kMsPerDay;
  f.nps = 3;
  f.csat = 1;
  f.csat_time_ms = kNow - kMsPerDay;
  f.units_bought = 4;
  f.returned_items = 2;
  f.persona = 5;
  const SegmentThresholds t;
  EXPECT_THAT(BuiltInSegments(f, {2, 5, 4}, Stage::kAtRisk, t, kNow),
              ElementsAre("stage:at_risk", "rfm:cannot_lose", "viewed_not_bought",
                          "abandoned_cart", "nps:detractor", "low_satisfaction",
                          "high_return_rate", "persona:5"));
  CustomerFacts quiet;
  EXPECT_THAT(BuiltInSegments(quiet, {}, Stage::kProspect, t, kNow),
              ElementsAre("stage:prospect"));
  quiet.nps = 9;
  EXPECT_THAT(BuiltInSegments(quiet, {5, 5, 5}, Stage::kLoyal, t, kNow),
              ElementsAre("stage:loyal", "rfm:champions", "nps:promoter"));
}

TEST(BuiltInSegmentsTest, ThresholdValidationPrefixesTheSection) {
  SegmentThresholds t;
  EXPECT_TRUE(ValidateThresholds(t).ok());
  t.lifecycle.lost_days = 10;
  EXPECT_EQ(ValidateThresholds(t).message(),
            "lifecycle.lost_days (10) must be above active_days (90) and at most 3650");
  t = {};
  t.feedback.low_csat_max = 6;
  EXPECT_EQ(ValidateThresholds(t).message(), "feedback.low_csat_max (6) must be from 1 to 5");
}

}  // namespace
}  // namespace persona::model::segments
