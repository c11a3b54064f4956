// Experiments: variant validation, the stable hash (fixed values), stable
// assignment, traffic shares over 100k ids, and independence of placements.
#include "model/experiment.h"

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace persona::model {
namespace {

using ::testing::HasSubstr;

std::string SubjectId(int i) { return "customer-" + std::to_string(i); }

TEST(StableHashTest, FixedValues) {
  // Computed once, independently (Python), and never to change: assignments
  // must survive restarts, platforms and upgrades.
  EXPECT_EQ(StableHash64(""), 0xf52a15e9a9b5e89bULL);
  EXPECT_EQ(StableHash64("a"), 0x02c0bdbf481420f8ULL);
  EXPECT_EQ(StableHash64(std::string("home\0customer-1", 15)), 0xaf2315733c3f0219ULL);
}

TEST(AssignVariantTest, FixedAssignments) {
  const std::vector<Variant> halves = {{"a", 0.5}, {"b", 0.5}};
  const std::vector<Variant> three = {{"a", 0.2}, {"b", 0.3}, {"c", 0.5}};
  struct Case {
    const char* subject;
    size_t home_halves, home_three, cart_halves;
  };
  // Computed once with an independent implementation (Python).
  const Case cases[] = {{"customer-1", 1, 2, 0},
                        {"customer-2", 0, 1, 0},
                        {"session-abc", 0, 1, 1},
                        {"42", 0, 0, 1},
                        {"c7", 0, 0, 0}};
  for (const Case& c : cases) {
    EXPECT_EQ(AssignVariant("home", c.subject, halves), c.home_halves) << c.subject;
    EXPECT_EQ(AssignVariant("home", c.subject, three), c.home_three) << c.subject;
    EXPECT_EQ(AssignVariant("cart", c.subject, halves), c.cart_halves) << c.subject;
  }
  EXPECT_NEAR(AssignmentPoint("home", "customer-1"), 0.6841290861450453, 1e-15);
}

TEST(AssignVariantTest, SameInputsSameVariant) {
  const std::vector<Variant> variants = {{"a", 0.1}, {"b", 0.6}, {"c", 0.3}};
  for (int i = 0; i < 1000; ++i) {
    const size_t first = AssignVariant("home", SubjectId(i), variants);
    EXPECT_EQ(AssignVariant("home", SubjectId(i), variants), first);
    EXPECT_LT(first, variants.size());
  }
}

TEST(AssignVariantTest, SharesHoldOver100kIds) {
  const std::vector<std::vector<Variant>> experiments = {
      {{"a", 0.5}, {"b", 0.5}},
      {{"control", 0.9}, {"treatment", 0.1}},
      {{"a", 0.2}, {"b", 0.3}, {"c", 0.5}},
      {{"a", 0.01}, {"b", 0.99}},
  };
  constexpr int kIds = 100'000;
  for (const auto& variants : experiments) {
    std::vector<int> counts(variants.size());
    for (int i = 0; i < kIds; ++i) ++counts[AssignVariant("home", SubjectId(i), variants)];
    for (size_t v = 0; v < variants.size(); ++v) {
      const double share = variants[v].share;
      // 5 standard deviations of a binomial share: fails by chance ~1e-6.
      const double tolerance = 5 * std::sqrt(share * (1 - share) / kIds);
      EXPECT_NEAR(counts[v] / static_cast<double>(kIds), share, tolerance)
          << variants[v].name << " of " << variants.size() << " variants";
    }
  }
}

TEST(AssignVariantTest, PlacementsAreIndependent) {
  // Being in "b" on the home page must say nothing about the cart page: the
  // 2x2 table of assignments is close to the product of the margins.
  const std::vector<Variant> variants = {{"a", 0.5}, {"b", 0.5}};
  constexpr int kIds = 100'000;
  std::array<std::array<int, 2>, 2> table{};
  int same = 0;
  for (int i = 0; i < kIds; ++i) {
    const size_t home = AssignVariant("home", SubjectId(i), variants);
    const size_t cart = AssignVariant("cart", SubjectId(i), variants);
    ++table[home][cart];
    same += home == cart;
  }
  double chi2 = 0;
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 2; ++c) {
      const double expected = static_cast<double>(table[r][0] + table[r][1]) *
                              (table[0][c] + table[1][c]) / kIds;
      chi2 += (table[r][c] - expected) * (table[r][c] - expected) / expected;
    }
  }
  // Chi-square with 1 degree of freedom: 15.1 is the 0.9999 quantile.
  EXPECT_LT(chi2, 15.1);
  EXPECT_NEAR(same / static_cast<double>(kIds), 0.5, 0.01);
}

TEST(AssignVariantTest, GrowingTheFirstShareOnlyMovesSubjectsIntoIt) {
  // Ramping a treatment from 10% to 30% keeps everyone already in it.
  const std::vector<Variant> before = {{"t", 0.1}, {"c", 0.9}};
  const std::vector<Variant> after = {{"t", 0.3}, {"c", 0.7}};
  for (int i = 0; i < 10'000; ++i) {
    if (AssignVariant("home", SubjectId(i), before) == 0) {
      EXPECT_EQ(AssignVariant("home", SubjectId(i), after), 0u) << SubjectId(i);
    }
  }
}

TEST(AssignVariantTest, OneOrNoVariant) {
  EXPECT_EQ(AssignVariant("home", "x", std::vector<Variant>{}), 0u);
  EXPECT_EQ(AssignVariant("home", "x", std::vector<Variant>{{"only", 1}}), 0u);
}

TEST(ValidateVariantsTest, AcceptsValidExperiments) {
  EXPECT_TRUE(ValidateVariants(std::vector<Variant>{{"default", 1}}).ok());
  EXPECT_TRUE(ValidateVariants(std::vector<Variant>{{"a", 0.5}, {"b-2", 0.5}}).ok());
  // A sum within 1e-6 of 1 is fine (thirds do not add up exactly).
  EXPECT_TRUE(ValidateVariants(std::vector<Variant>{{"a", 0.333333}, {"b", 0.333333},
                                                     {"c", 0.333334}})
                  .ok());
}

TEST(ValidateVariantsTest, RefusesBadExperimentsNamingTheField) {
  struct Case {
    std::vector<Variant> variants;
    const char* message;
  };
  const Case cases[] = {
      {{}, "variants: at least one"},
      {{{"a", 0.5}, {"a", 0.5}}, "variants[1].name: 'a' is used twice"},
      {{{"A", 1}}, "variants[0].name"},
      {{{"", 1}}, "variants[0].name"},
      {{{"a.b", 1}}, "variants[0].name"},
      {{{"a", 0}, {"b", 1}}, "variants[0].share"},
      {{{"a", -0.5}, {"b", 1.5}}, "variants[0].share"},
      {{{"a", NAN}, {"b", 1}}, "variants[0].share"},
      {{{"a", 0.5}, {"b", 0.6}}, "variants: the shares sum to 1.1"},
      {{{"a", 0.5}, {"b", 0.4}}, "variants: the shares sum to 0.9"},
      {{{"a", 0.5}, {"b", 0.499}}, "not 1"},
  };
  for (const Case& c : cases) {
    absl::Status status = ValidateVariants(c.variants);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message));
  }
  std::vector<Variant> many(kMaxVariants + 1);
  for (size_t i = 0; i < many.size(); ++i) many[i] = {"v" + std::to_string(i), 1.0 / many.size()};
  EXPECT_FALSE(ValidateVariants(many).ok());
}

}  // namespace
}  // namespace persona::model
