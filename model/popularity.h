// Popularity and trending: the recommenders that need no training and answer
// for anyone, and the fallback under the collaborative-filtering model.
//
// PopularityModel is an immutable ranking built from time-decayed item scores
// (see common/decay.h): items ordered by popularity overall, by trending, and
// by popularity within each country. A request walks an order and keeps the
// allowed items, so filters cost O(count + skipped), never a sort.
// Immutable after Build: safe to share across threads.
#ifndef PERSONA_MODEL_POPULARITY_H_
#define PERSONA_MODEL_POPULARITY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/catalog_index.h"
#include "model/recommender.h"

namespace persona::model {

// Decayed scores of one item (log2 domain, relative to the epoch).
struct ItemPopularity {
  double popularity_log2 = -std::numeric_limits<double>::infinity();
  double trending_log2 = -std::numeric_limits<double>::infinity();
  // Popularity among customers of each country, by country name.
  std::vector<std::pair<std::string, double>> by_country;
};

struct PopularityOptions {
  // Half-lives of the scores, for turning them into current values.
  double popularity_half_life_ms = 14 * 86'400'000.0;
  double trending_half_life_ms = 2 * 86'400'000.0;
};

class PopularityModel {
 public:
  // Builds the rankings. `scores[i]` belongs to catalog item i (same size as
  // the catalog). Items without any score rank last, newest first, so even a
  // shop without behaviour gets an answer.
  static std::shared_ptr<const PopularityModel> Build(std::shared_ptr<const CatalogIndex> catalog,
                                                      const std::vector<ItemPopularity>& scores,
                                                      const PopularityOptions& options);

  const CatalogIndex& catalog() const { return *catalog_; }
  // Returns the id of a country with scores, or -1.
  int32_t CountryId(std::string_view country) const;

  // Item indices, best first.
  const std::vector<int32_t>& popular_order() const { return popular_; }
  const std::vector<int32_t>& trending_order() const { return trending_; }
  // Items with a score in that country, best first; empty for -1.
  const std::vector<int32_t>& CountryOrder(int32_t country) const;

  // Current (decayed to now_ms) popularity and trending values.
  double PopularityAt(int32_t item, int64_t now_ms) const;
  double TrendingAt(int32_t item, int64_t now_ms) const;
  double CountryPopularityAt(int32_t country, int32_t item, int64_t now_ms) const;
  const std::string& CountryName(int32_t id) const { return country_names_[id]; }

 private:
  PopularityModel() = default;

  std::shared_ptr<const CatalogIndex> catalog_;
  PopularityOptions options_;
  std::vector<double> popularity_log2_;
  std::vector<double> trending_log2_;
  std::vector<int32_t> popular_;
  std::vector<int32_t> trending_;
  std::vector<std::string> country_names_;
  absl::flat_hash_map<std::string, int32_t> country_by_name_;
  std::vector<std::vector<int32_t>> country_order_;
  // Per country: item index -> log2 score, for items in that country's order.
  std::vector<absl::flat_hash_map<int32_t, double>> country_scores_;
};

// Recommends the most popular allowed items, personalised only through the
// customer's country and preferred categories: up to half the slots from the
// country's best sellers, up to a third from the preferred categories, the
// rest from the shop's best sellers.
class PopularityRecommender : public Recommender {
 public:
  explicit PopularityRecommender(std::shared_ptr<const PopularityModel> model)
      : model_(std::move(model)) {}
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return "popularity"; }

 private:
  std::shared_ptr<const PopularityModel> model_;
};

// Recommends what rises fastest (the short half-life score).
class TrendingRecommender : public Recommender {
 public:
  explicit TrendingRecommender(std::shared_ptr<const PopularityModel> model)
      : model_(std::move(model)) {}
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return "trending"; }

 private:
  std::shared_ptr<const PopularityModel> model_;
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_POPULARITY_H_
