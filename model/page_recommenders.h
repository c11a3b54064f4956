// The smaller recommenders that page placements blend beside ALS and
// co-occurrence: recently viewed, buy it again, new arrivals, country and
// category best sellers, and items similar (by factor cosine) to the page's
// items. Each is immutable after construction: Recommend may be called from
// many threads at once.
#ifndef PERSONA_MODEL_PAGE_RECOMMENDERS_H_
#define PERSONA_MODEL_PAGE_RECOMMENDERS_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "model/catalog_index.h"
#include "model/popularity.h"
#include "model/recommender.h"
#include "model/topk.h"

namespace persona::model {

// The visitor's own recently viewed (or carted) items, newest first.
class RecentlyViewedRecommender : public Recommender {
 public:
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return "recently_viewed"; }
};

// Items the visitor bought before in repeat-purchase categories, newest
// purchase first ("buy it again"). Other bought items are never returned.
class BuyAgainRecommender : public Recommender {
 public:
  explicit BuyAgainRecommender(std::shared_ptr<const CatalogIndex> catalog)
      : catalog_(std::move(catalog)) {}
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return "buy_again"; }

 private:
  std::shared_ptr<const CatalogIndex> catalog_;
};

// Items created within `window_ms` of the request, the visitor's preferred
// categories first, then newest first.
class NewArrivalsRecommender : public Recommender {
 public:
  NewArrivalsRecommender(std::shared_ptr<const CatalogIndex> catalog, int64_t window_ms);
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return "new_arrivals"; }

 private:
  std::shared_ptr<const CatalogIndex> catalog_;
  int64_t window_ms_;
};

// The best sellers of the visitor's country only (nothing when unknown).
class CountryPopularityRecommender : public Recommender {
 public:
  explicit CountryPopularityRecommender(std::shared_ptr<const PopularityModel> model)
      : model_(std::move(model)) {}
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return "country_popularity"; }

 private:
  std::shared_ptr<const PopularityModel> model_;
};

// The best sellers of the categories of the page's items, else of the
// visitor's preferred categories. A category's ranking is sorted on its first
// use and cached for the life of this recommender (one popularity snapshot).
class CategoryPopularityRecommender : public Recommender {
 public:
  explicit CategoryPopularityRecommender(std::shared_ptr<const PopularityModel> model)
      : model_(std::move(model)) {}
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return "category_popularity"; }

 private:
  // The category's items by descending popularity.
  std::shared_ptr<const std::vector<int32_t>> Order(int32_t category, int64_t now_ms) const;

  std::shared_ptr<const PopularityModel> model_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<int32_t, std::shared_ptr<const std::vector<int32_t>>> orders_
      ABSL_GUARDED_BY(mu_);
};

// Items whose factors are closest (cosine) to the page's items, else to the
// visitor's most recent interactions: "similar items".
//
// A single seed (one product page) is answered from a bounded cache of that
// item's best `cached_neighbors` over all items, filtered by the request's
// mask; when fewer than the requested count survive, the exhaustive masked
// scan answers. Either way the answer equals the exhaustive one, scores and
// ties included. The cache is thread-safe and lives as long as this
// recommender (one set of factors).
class SimilarItemsRecommender : public Recommender {
 public:
  // Copies and L2-normalises `factors` (rows aligned with the catalog).
  // `cached_neighbors` (default 256) per seed are kept for at most
  // `cache_capacity` (default 4096) seeds; 0 disables the cache.
  explicit SimilarItemsRecommender(const FactorView& factors, int cached_neighbors = 256,
                                   int cache_capacity = 4096);
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return "similar"; }

 private:
  using Neighbors = std::shared_ptr<const std::vector<ScoredIndex>>;
  // The seed's best cached_neighbors_ items (the seed included), best first.
  Neighbors CachedNeighbors(int32_t seed) const;
  // Up to `count` allowed items from the seed's cached list, or nullopt when
  // the list cannot prove they are the best allowed ones.
  std::optional<std::vector<ScoredIndex>> FromCache(int32_t seed, int count,
                                                    const ItemMask& allowed) const;

  int32_t rows_ = 0;
  int32_t dim_ = 0;
  std::vector<float> normalized_;
  int cached_neighbors_ = 0;
  size_t cache_capacity_ = 0;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<int32_t, Neighbors> cache_ ABSL_GUARDED_BY(mu_);
  // Seeds in insertion order; the oldest is evicted first.
  mutable std::deque<int32_t> cache_order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_PAGE_RECOMMENDERS_H_
