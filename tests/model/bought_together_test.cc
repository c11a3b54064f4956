#include "model/bought_together.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace persona::model {
namespace {

class BoughtTogetherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<ItemInfo> items;
    for (const char* id : {"tea", "cup", "milk", "lamp", "bulb", "sugar"}) {
      items.push_back({id, {"X"}, "", 1.0, Availability::kInStock, 0});
    }
    catalog_ = CatalogIndex::Build(items, {});
    rec_ = BoughtTogetherRecommender::Create(
        catalog_, {{"tea", {{"cup", 0.9f}, {"milk", 0.5f}, {"sugar", 0.2f}, {"gone", 0.99f}}},
                   {"milk", {{"sugar", 0.6f}, {"tea", 0.5f}}},
                   {"lamp", {{"bulb", 0.8f}}}});
  }

  std::vector<std::string> Ids(const std::vector<ScoredItem>& items) {
    std::vector<std::string> ids;
    for (const auto& s : items) ids.push_back(catalog_->item(s.item).id);
    return ids;
  }

  std::shared_ptr<const CatalogIndex> catalog_;
  std::shared_ptr<const BoughtTogetherRecommender> rec_;
};

TEST_F(BoughtTogetherTest, SumsOverContextItemsAndNamesTheAnchor) {
  ItemMask allowed(catalog_->size(), true);
  const int32_t context[] = {catalog_->Find("tea"), catalog_->Find("milk")};
  for (int32_t c : context) allowed.Reset(c);
  auto got = rec_->Recommend({.count = 5, .allowed = &allowed, .context_items = context});
  // sugar: 0.2 + 0.6 = 0.8 (anchor milk), cup: 0.9 (anchor tea).
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"cup", "sugar"}));
  EXPECT_EQ(got[0].anchor, catalog_->Find("tea"));
  EXPECT_EQ(got[1].anchor, catalog_->Find("milk"));
  EXPECT_NEAR(got[1].score, 0.8, 1e-6);
  EXPECT_EQ(got[0].reason, Reason::kBoughtTogether);
  EXPECT_EQ(rec_->items_with_neighbors(), 3);
}

TEST_F(BoughtTogetherTest, UsesLatestHistoryWithoutContextAndHonoursTheMask) {
  ItemMask allowed(catalog_->size(), true);
  allowed.Reset(catalog_->Find("cup"));
  std::vector<Interaction> history = {{catalog_->Find("lamp"), 1.0f, 1},
                                      {catalog_->Find("tea"), 1.0f, 2}};
  auto got = rec_->Recommend({.count = 10, .allowed = &allowed, .history = history});
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"bulb", "milk", "sugar"}));
  // No anchors at all: nothing.
  EXPECT_TRUE(rec_->Recommend({.count = 10, .allowed = &allowed}).empty());
}

}  // namespace
}  // namespace persona::model
