#include "model/item_neighbors.h"

#include <cmath>

#include "gtest/gtest.h"

namespace persona::model {
namespace {

// Orders: {0,1,2}, {0,1}, {0,1}, {2,3}, {4}.
InteractionMatrix Orders() {
  const std::vector<Triple> t = {{0, 0, 1, 0}, {0, 1, 1, 0}, {0, 2, 1, 0}, {1, 0, 1, 0},
                                 {1, 1, 1, 0}, {2, 0, 1, 0}, {2, 1, 1, 0}, {3, 2, 1, 0},
                                 {3, 3, 1, 0}, {4, 4, 1, 0}};
  return *InteractionMatrix::Build(5, 5, t);
}

TEST(ItemNeighborsTest, CosineOfCoOccurrence) {
  auto n = ItemNeighbors::Build(Orders(), {});
  ASSERT_TRUE(n.ok()) << n.status();
  const auto of0 = (*n)->Neighbors(0);
  ASSERT_EQ(of0.size(), 2u);
  EXPECT_EQ(of0[0].item, 1);
  EXPECT_FLOAT_EQ(of0[0].score, 1.0f);  // 3 / sqrt(3 * 3)
  EXPECT_EQ(of0[1].item, 2);
  EXPECT_NEAR(of0[1].score, 1 / std::sqrt(6.0), 1e-6);
  EXPECT_TRUE((*n)->Neighbors(4).empty());
}

TEST(ItemNeighborsTest, MinCountAndMaxNeighbors) {
  NeighborOptions o;
  o.min_count = 2;
  auto n = ItemNeighbors::Build(Orders(), o);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)->Neighbors(0).size(), 1u);
  EXPECT_TRUE((*n)->Neighbors(3).empty());
  o = NeighborOptions();
  o.max_neighbors = 1;
  n = ItemNeighbors::Build(Orders(), o);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)->Neighbors(2).size(), 1u);
}

TEST(ItemNeighborsTest, SimilarExcludesInputsAndRespectsMask) {
  auto n = ItemNeighbors::Build(Orders(), {});
  ASSERT_TRUE(n.ok());
  const std::vector<int32_t> cart = {0};
  auto got = (*n)->Similar(cart, 10, nullptr);
  ASSERT_EQ(got.size(), 2u);  // only related items, never padding
  EXPECT_EQ(got[0].item, 1);
  ItemMask allowed(5, true);
  allowed.Reset(1);
  got = (*n)->Similar(cart, 10, &allowed);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].item, 2);
}

TEST(FactorSimilarityTest, CosineNeighboursExcludeTheItem) {
  const std::vector<float> f = {1, 0, 2, 0.1f, 0, 1, -1, 0};
  auto s = FactorSimilarity::Build({f.data(), 4, 2});
  auto got = s->Similar(0, 2, nullptr);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].item, 1);
  EXPECT_EQ((*got)[1].item, 2);
  EXPECT_FALSE(s->Similar(4, 2, nullptr).ok());
}

}  // namespace
}  // namespace persona::model
