// A hand-built shop for in-process tests of the recommendation pipeline
// (server/recommend_pipeline.h): 300 items over two category levels, seven
// brands, prices, stock, tags, creation times, attributes, unavailable items
// and one repeat-purchase category; popularity, trending and country scores;
// configured placements; the built-in reason texts.
//
// Everything the tests assert is derived from `infos`, `repeat` and
// `popular` (computed here from the generating formulas, not read back from
// the code under test). Built once; immutable afterwards, so thread-safe.
#ifndef PERSONA_TESTS_SERVER_PIPELINE_SHOP_H_
#define PERSONA_TESTS_SERVER_PIPELINE_SHOP_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "model/catalog_index.h"
#include "model/page_recommenders.h"
#include "model/popularity.h"
#include "server/placements.h"
#include "server/reasons.h"
#include "server/recommend_pipeline.h"
#include "server/rules_stage.h"

namespace persona::server::pipeline_testing {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kNow = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
constexpr int kItems = 300;
inline const char* const kTops[] = {"Home", "Kitchen", "Garden", "Toys",
                                    "Books"};
inline const char* const kSubs[] = {"A", "B", "C"};
inline const char* const kBrands[] = {"Acme", "Bolt", "Crest", "Dune",
                                      "Echo", "Flux", "Glow"};
inline const char* const kColors[] = {"red", "blue", "green"};
inline const char* const kSizes[] = {"S", "M", "L"};
// Items here are bought again and again.
inline constexpr char kRepeatCategory[] = "Kitchen/B";

// The configured placements' rules (the tests model them independently).
inline constexpr char kGridRules[] = "max per brand 3\nexclude tag = \"gift\"";
inline constexpr char kFreshRules[] =
    "filter available and price <= 150\nexclude cart\nexclude bought within "
    "7d\n"
    "boost 2 if tag = \"eco\"";
inline constexpr char kRelatedRules[] = "max per category2 2";
inline constexpr char kExpARules[] = "exclude brand = \"Echo\"";
inline constexpr char kExpBRules[] =
    "filter price >= 20\nexclude shown 1 times within 3d";

inline model::ItemInfo MakeInfo(int i) {
  model::ItemInfo info;
  info.id = absl::StrFormat("p%03d", i);
  info.category_path = {kTops[i % 5]};
  if (i % 37 != 0) info.category_path.push_back(kSubs[(i / 5) % 3]);
  info.brand = i % 50 == 7 ? "" : kBrands[i % 7];
  info.price = 1 + (i * 37) % 200;
  if (i % 31 == 0) {
    info.availability = model::Availability::kDiscontinued;
  } else if (i % 23 == 0) {
    info.availability = model::Availability::kOutOfStock;
  } else if (i % 29 == 0) {
    info.availability = model::Availability::kPreorder;
  }
  info.stock = i % 4 == 0 ? -1 : (i * 13) % 20;
  info.created_time_ms = kNow - ((i * 7) % 120) * kDay - (i % 5) * 3'600'000;
  if (i % 10 == 0) info.tags.push_back("sale");
  if (i % 6 == 0) info.tags.push_back("eco");
  if (i % 9 == 0) info.tags.push_back("gift");
  info.attributes.push_back({"color", kColors[i % 3]});
  if (i % 2 == 0)
    info.attributes.push_back(
        {"margin", absl::StrFormat("0.%d", (i * 3) % 10)});
  if (i % 5 == 2) info.attributes.push_back({"size", kSizes[(i / 5) % 3]});
  return info;
}

// Popularity, trending and German scores: distinct permutations of 0..299.
inline double PopularityScore(int i) { return (i * 131) % kItems; }
inline double TrendingScore(int i) { return (i * 17) % kItems; }
inline bool SoldInGermany(int i) { return i % 3 == 0; }

struct TestShop {
  std::vector<model::ItemInfo> infos;
  // Whether item i is in the repeat-purchase category.
  std::vector<bool> repeat;
  // Every item, best seller first.
  std::vector<int32_t> popular;
  ShopSnapshot snap;
  std::shared_ptr<const Placements> placements;
  ReasonTexts reasons;

  PipelineEnv env() const { return {placements, &reasons, kNow}; }
  // In stock or pre-order (unspecified counts as in stock).
  bool Recommendable(int32_t i) const {
    const model::Availability a = infos[i].availability;
    return a == model::Availability::kInStock ||
           a == model::Availability::kPreorder;
  }
  int32_t Index(const std::string& id) const { return snap.catalog->Find(id); }
};

inline void AddPlacement(
    google::protobuf::RepeatedPtrField<config::v1::PlacementConfig>& out,
    const std::string& name,
    const std::vector<std::pair<std::string, double>>& strategy,
    const std::string& rules) {
  config::v1::PlacementConfig* c = out.Add();
  c->set_name(name);
  for (const auto& [recommender, weight] : strategy) {
    auto* s = c->add_strategy();
    s->set_recommender(recommender);
    s->set_weight(weight);
  }
  c->set_rules(rules);
}

inline std::unique_ptr<TestShop> BuildShop() {
  auto shop = std::make_unique<TestShop>();
  std::vector<model::ItemPopularity> scores(kItems);
  for (int i = 0; i < kItems; ++i) {
    shop->infos.push_back(MakeInfo(i));
    const std::vector<std::string>& path = shop->infos.back().category_path;
    shop->repeat.push_back(path.size() == 2 &&
                           path[0] + "/" + path[1] == kRepeatCategory);
    scores[i].popularity_log2 = PopularityScore(i);
    scores[i].trending_log2 = TrendingScore(i);
    if (SoldInGermany(i))
      scores[i].by_country.push_back({"DE", (i * 7) % kItems});
    shop->popular.push_back(i);
  }
  std::sort(shop->popular.begin(), shop->popular.end(),
            [](int32_t a, int32_t b) {
              return PopularityScore(a) > PopularityScore(b);
            });
  ShopSnapshot& snap = shop->snap;
  const std::vector<std::string> repeat = {kRepeatCategory};
  snap.catalog = model::CatalogIndex::Build(shop->infos, repeat);
  for (const model::ItemInfo& info : shop->infos) {
    auto item = std::make_shared<persona::v1::Item>();
    item->set_id(info.id);
    item->set_title("Title of " + info.id);
    item->set_brand(info.brand);
    for (const std::string& c : info.category_path) item->add_category_path(c);
    item->set_price(info.price);
    snap.items.push_back(std::move(item));
  }
  snap.popularity = model::PopularityModel::Build(snap.catalog, scores, {});
  snap.popular =
      std::make_shared<model::PopularityRecommender>(snap.popularity);
  snap.trending = std::make_shared<model::TrendingRecommender>(snap.popularity);
  snap.country_popular =
      std::make_shared<model::CountryPopularityRecommender>(snap.popularity);
  snap.category_popular =
      std::make_shared<model::CategoryPopularityRecommender>(snap.popularity);
  snap.recently_viewed = std::make_shared<model::RecentlyViewedRecommender>();
  snap.buy_again = std::make_shared<model::BuyAgainRecommender>(snap.catalog);
  snap.new_arrivals =
      std::make_shared<model::NewArrivalsRecommender>(snap.catalog, 30 * kDay);

  google::protobuf::RepeatedPtrField<config::v1::PlacementConfig> configured;
  AddPlacement(configured, "plain", {{"popularity", 1}}, "");
  AddPlacement(configured, "grid", {{"popularity", 1}, {"trending", 0.5}},
               kGridRules);
  AddPlacement(configured, "fresh", {{"new_arrivals", 1}, {"popularity", 0.3}},
               kFreshRules);
  AddPlacement(configured, "viewed", {{"recently_viewed", 1}}, "");
  AddPlacement(configured, "related", {{"category_popularity", 1}},
               kRelatedRules);
  AddPlacement(configured, "exp", {{"popularity", 1}}, "");
  config::v1::PlacementConfig& exp = configured[configured.size() - 1];
  auto* a = exp.add_variants();
  a->set_name("a");
  a->set_share(0.5);
  a->set_rules(kExpARules);
  auto* b = exp.add_variants();
  b->set_name("b");
  b->set_share(0.5);
  b->add_strategy()->set_recommender("trending");
  b->set_rules(kExpBRules);
  auto placements = Placements::Build(configured, CheckRules);
  EXPECT_TRUE(placements.ok()) << placements.status();
  if (placements.ok()) shop->placements = *placements;
  auto reasons = ReasonTexts::Build({});
  EXPECT_TRUE(reasons.ok()) << reasons.status();
  if (reasons.ok()) shop->reasons = *std::move(reasons);
  return shop;
}

// The shop, built on first use.
inline const TestShop& Shop() {
  static const TestShop* shop = BuildShop().release();
  return *shop;
}

// Catalog indices of a response's items, in order.
inline std::vector<int32_t> Indices(
    const TestShop& shop, const persona::v1::RecommendResponse& response) {
  std::vector<int32_t> out;
  for (const auto& item : response.items())
    out.push_back(shop.Index(item.item().id()));
  return out;
}

inline bool HasTag(const model::ItemInfo& info, const std::string& tag) {
  return std::find(info.tags.begin(), info.tags.end(), tag) != info.tags.end();
}

// The item's attribute value, or "" when it has none.
inline std::string Attr(const model::ItemInfo& info, const std::string& key) {
  for (const auto& [k, v] : info.attributes) {
    if (k == key) return v;
  }
  return "";
}

// Whether the item's path starts with `prefix` (joined with '/').
inline bool Under(const model::ItemInfo& info, const std::string& prefix) {
  std::string path;
  for (const std::string& c : info.category_path) {
    path += path.empty() ? c : "/" + c;
    if (path == prefix) return true;
  }
  return false;
}

inline std::string Path(const model::ItemInfo& info) {
  std::string path;
  for (const std::string& c : info.category_path)
    path += path.empty() ? c : "/" + c;
  return path;
}

}  // namespace persona::server::pipeline_testing

#endif  // PERSONA_TESTS_SERVER_PIPELINE_SHOP_H_
