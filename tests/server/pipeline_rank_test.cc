// RankList in-process: the answer is a permutation of the listed items that
// are allowed, and the removed ids are exactly the listed ones that are not
// (unavailable, filtered or excluded by rules, excluded for the visitor),
// checked exactly on small lists and as a property over seeded random lists,
// rules and visitors. The allowed set comes from the catalog data
// (pipeline_random.h), not from the code under test.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/pipeline_random.h"

namespace persona::server::pipeline_testing {
namespace {

namespace v1 = ::persona::v1;
using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAreArray;

constexpr int kLists = 2000;

v1::RankItemsResponse Rank(const std::vector<int32_t>& items,
                           const std::string& placement,
                           const std::string& rules, const Visitor& visitor) {
  PlacementAsk ask;
  ask.placement = placement;
  ask.rules = rules;
  v1::RankItemsResponse response;
  const absl::Status status =
      RankList(Shop().env(), Shop().snap, visitor, {}, items, ask, &response);
  EXPECT_TRUE(status.ok()) << status;
  return response;
}

std::vector<std::string> RankedIds(const v1::RankItemsResponse& r) {
  std::vector<std::string> ids;
  for (const auto& item : r.items()) ids.push_back(item.item().id());
  return ids;
}

std::vector<std::string> IdsOf(const std::vector<int32_t>& items) {
  std::vector<std::string> ids;
  for (int32_t i : items) ids.push_back(Shop().infos[i].id);
  return ids;
}

// Twelve listed items: every fifth item from 3, so some are unavailable.
std::vector<int32_t> Listed() {
  std::vector<int32_t> items;
  for (int32_t i = 3; items.size() < 12; i += 5) items.push_back(i);
  return items;
}

TEST(PipelineRankTest, OrdersAllowedItemsByTheStrategyAndListsTheRest) {
  const std::vector<int32_t> listed = Listed();
  Visitor visitor;
  visitor.subject_id = "ranker";
  visitor.bought = {{listed[1], kNow - kDay}};  // not repeat-purchase: removed
  std::vector<int32_t> allowed, removed;
  for (int32_t i : listed) {
    const bool ok = Shop().Recommendable(i) && i != listed[1] &&
                    Shop().infos[i].brand != "Dune";
    (ok ? allowed : removed).push_back(i);
  }
  ASSERT_GE(removed.size(), 3u);  // the list must exercise removal
  // The "plain" placement ranks by popularity.
  std::sort(allowed.begin(), allowed.end(), [](int32_t a, int32_t b) {
    return PopularityScore(a) > PopularityScore(b);
  });
  const v1::RankItemsResponse r =
      Rank(listed, "plain", "exclude brand = \"Dune\"", visitor);
  EXPECT_THAT(RankedIds(r), ElementsAreArray(IdsOf(allowed)));
  EXPECT_THAT(r.removed_item_ids(), ElementsAreArray(IdsOf(removed)));
  // A pinned listed item leads; a pinned unlisted one never appears.
  const int32_t last = allowed.back();
  const v1::RankItemsResponse pinned =
      Rank(listed, "plain",
           "exclude brand = \"Dune\"\npin [\"p000\", \"p001\", \"" +
               Shop().infos[last].id + "\"]",
           visitor);
  ASSERT_FALSE(pinned.items().empty());
  EXPECT_EQ(pinned.items(0).item().id(), Shop().infos[last].id);
  EXPECT_TRUE(pinned.items(0).pinned());
  EXPECT_THAT(RankedIds(pinned), UnorderedElementsAreArray(IdsOf(allowed)));
}

TEST(PipelineRankTest, RankPlacementWithoutAModelStillRanksEveryAllowedItem) {
  const std::vector<int32_t> listed = Listed();
  std::vector<int32_t> allowed, removed;
  for (int32_t i : listed)
    (Shop().Recommendable(i) ? allowed : removed).push_back(i);
  const v1::RankItemsResponse r = Rank(listed, "", "", Visitor{});
  EXPECT_THAT(RankedIds(r), UnorderedElementsAreArray(IdsOf(allowed)));
  EXPECT_THAT(r.removed_item_ids(), ElementsAreArray(IdsOf(removed)));
}

TEST(PipelineRankTest, PermutationOfAllowedAndRemovedExactlyTheRest) {
  RandomPipeline gen(4242);
  const char* const kNames[] = {"",      "rank", "plain",  "grid",
                                "fresh", "exp",  "related"};
  int ranked = 0, removed = 0;
  for (int n = 0; n < kLists && !HasFailure(); ++n) {
    const Visitor visitor = gen.MakeVisitor();
    std::set<int32_t> unique;
    std::vector<int32_t> items;
    for (int k = gen.Uniform(60); k > 0; --k) {
      const int32_t i = gen.AnyItem();
      if (unique.insert(i).second) items.push_back(i);
    }
    const std::string placement =
        kNames[gen.Uniform(static_cast<int>(std::size(kNames)))];
    const RuleModel request = gen.Rules();
    SCOPED_TRACE(absl::StrCat("list ", n, " placement \"", placement,
                              "\" rules:\n", request.text));
    const v1::RankItemsResponse r =
        Rank(items, placement, request.text, visitor);
    RuleModel rules = ConfigRules(placement, r.variant());
    rules.Merge(request);
    std::vector<std::string> want_ranked, want_removed;
    for (int32_t i : items) {
      (Forbidden(rules, FilterModel{}, visitor, i).empty() ? want_ranked
                                                           : want_removed)
          .push_back(Shop().infos[i].id);
    }
    EXPECT_THAT(RankedIds(r), UnorderedElementsAreArray(want_ranked));
    EXPECT_THAT(r.removed_item_ids(), ElementsAreArray(want_removed));
    ranked += r.items_size();
    removed += r.removed_item_ids_size();
  }
  EXPECT_GT(ranked, 10 * kLists);
  EXPECT_GT(removed, 5 * kLists);
}

}  // namespace
}  // namespace persona::server::pipeline_testing
