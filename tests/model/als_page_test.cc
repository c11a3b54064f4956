// AlsRecommender with an approximate index: the exploration pick of new
// (category-imputed) items must equal the exhaustive pick for any mask.
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/als_recommender.h"
#include "tests/model/planted_data.h"

namespace persona::model {
namespace {

TEST(AlsExplorationTest, IndexedExplorationPicksTheExactBestNewItems) {
  testing::PlantedData data = testing::MakePlantedData(300, 90, 3, 0.3, 5);
  auto matrix = InteractionMatrix::Build(data.num_users, data.num_items, data.train);
  ASSERT_TRUE(matrix.ok());
  AlsOptions options;
  options.factors = 16;
  options.iterations = 8;
  auto model = TrainAls(*matrix, options);
  ASSERT_TRUE(model.ok());
  // Only the first 30 items were trained; the other 60 and 60 more new ones
  // get the mean of their category (6 categories) or brand.
  TrainedItems trained;
  trained.dim = model->factors;
  trained.item_ids.reserve(30);
  for (int i = 0; i < 30; ++i) {
    trained.item_ids.push_back("i" + std::to_string(i));
    trained.factors.insert(trained.factors.end(), model->item_factors.begin() + i * trained.dim,
                           model->item_factors.begin() + (i + 1) * trained.dim);
  }
  std::vector<ItemInfo> infos;
  for (int i = 0; i < 150; ++i) {
    const std::string cat = "c" + std::to_string(i % 6);
    const std::string brand = i >= 140 ? "b" + std::to_string(i % 2) : "";
    infos.push_back({"i" + std::to_string(i), {i >= 140 ? "orphan" : cat}, brand, 1.0,
                     Availability::kInStock, 0});
  }
  for (int i = 0; i < 6; ++i) infos[i].brand = "b" + std::to_string(i % 2);
  auto catalog = CatalogIndex::Build(infos, {});
  auto plain = AlsRecommender::Create(catalog, trained, options, "plain", 0.3);
  auto indexed = AlsRecommender::Create(catalog, trained, options, "ann", 0.3);
  ASSERT_TRUE(plain.ok() && indexed.ok());
  ASSERT_GT((*indexed)->imputed_items(), 100);
  AnnOptions ann_options;  // exact_below covers this catalog: the main pick is exact
  auto index = AnnIndex::Build((*indexed)->factors(), ann_options);
  ASSERT_TRUE(index.ok());
  (*indexed)->SetAnn(std::shared_ptr<const AnnIndex>(*std::move(index)));

  std::mt19937_64 rng(17);
  int explored = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<Interaction> history;
    for (int k = 0; k < 4; ++k) {
      history.push_back({static_cast<int32_t>(rng() % 30), 1.0f + k, 0});
    }
    ItemMask allowed(catalog->size());
    const int keep = std::vector<int>{100, 50, 10, 3}[round % 4];
    for (int i = 0; i < catalog->size(); ++i) {
      if (static_cast<int>(rng() % 100) < keep) allowed.Set(i);
    }
    RecommendContext ctx{.count = 4 + round % 12, .allowed = &allowed, .history = history};
    const auto want = (*plain)->Recommend(ctx);
    const auto got = (*indexed)->Recommend(ctx);
    ASSERT_EQ(got.size(), want.size()) << "round " << round;
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_EQ(got[k].item, want[k].item) << "round " << round << " rank " << k;
      EXPECT_NEAR(got[k].score, want[k].score, 1e-4);
      EXPECT_EQ(got[k].reason, want[k].reason);
      EXPECT_TRUE(allowed.Test(got[k].item));
      explored += got[k].reason == Reason::kNewArrival;
    }
  }
  EXPECT_GT(explored, 60);  // the exploration path ran
}

}  // namespace
}  // namespace persona::model
