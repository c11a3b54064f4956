#include "common/decay.h"

#include <cmath>

#include "gtest/gtest.h"

namespace persona {
namespace {

constexpr double kHalfLife = 1000.0;

TEST(DecayTest, HalvesAfterOneHalfLife) {
  double s = DecayedAdd(kEmptyDecayedLog, 8.0, 5000, kHalfLife);
  EXPECT_NEAR(DecayedValueAt(s, 5000, kHalfLife), 8.0, 1e-9);
  EXPECT_NEAR(DecayedValueAt(s, 6000, kHalfLife), 4.0, 1e-9);
  EXPECT_NEAR(DecayedValueAt(s, 8000, kHalfLife), 1.0, 1e-9);
}

TEST(DecayTest, SumsDecayedContributions) {
  double s = DecayedAdd(kEmptyDecayedLog, 4.0, 0, kHalfLife);
  s = DecayedAdd(s, 2.0, 1000, kHalfLife);
  // At t=1000: 4 * 1/2 + 2 = 4.
  EXPECT_NEAR(DecayedValueAt(s, 1000, kHalfLife), 4.0, 1e-9);
  // Merge is commutative and equals adding both.
  double a = DecayedAdd(kEmptyDecayedLog, 4.0, 0, kHalfLife);
  double b = DecayedAdd(kEmptyDecayedLog, 2.0, 1000, kHalfLife);
  EXPECT_NEAR(DecayedMerge(a, b), s, 1e-12);
  EXPECT_NEAR(DecayedMerge(b, a), s, 1e-12);
}

TEST(DecayTest, EmptyAndNonPositiveWeights) {
  EXPECT_EQ(DecayedValueAt(kEmptyDecayedLog, 0, kHalfLife), 0.0);
  EXPECT_EQ(DecayedAdd(kEmptyDecayedLog, 0.0, 0, kHalfLife), kEmptyDecayedLog);
  EXPECT_EQ(DecayedAdd(kEmptyDecayedLog, -1.0, 0, kHalfLife), kEmptyDecayedLog);
  EXPECT_EQ(DecayedMerge(kEmptyDecayedLog, 3.0), 3.0);
}

TEST(DecayTest, FarFutureTimesDoNotOverflow) {
  // Thirty years of milliseconds over a one-day half-life: 2^10950 as a plain
  // double would overflow; the log domain does not.
  const double day = 86'400'000.0;
  const int64_t t = static_cast<int64_t>(30 * 365 * day);
  double s = DecayedAdd(kEmptyDecayedLog, 1.0, t, day);
  s = DecayedAdd(s, 1.0, t, day);
  EXPECT_TRUE(std::isfinite(s));
  EXPECT_NEAR(DecayedValueAt(s, t, day), 2.0, 1e-9);
}

}  // namespace
}  // namespace persona
