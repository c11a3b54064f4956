#include "model/page_recommenders.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_set.h"

namespace persona::model {
namespace {

// Up to this many of the newest interactions seed "similar items".
constexpr size_t kSimilarSeeds = 5;

bool Usable(const RecommendContext& ctx) { return ctx.count > 0 && ctx.allowed != nullptr; }

}  // namespace

std::vector<ScoredItem> RecentlyViewedRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (!Usable(ctx) || !ctx.personalized) return out;
  absl::flat_hash_set<int32_t> seen;
  for (auto it = ctx.history.rbegin(); it != ctx.history.rend(); ++it) {
    if (static_cast<int>(out.size()) >= ctx.count) break;
    if (it->kind != InteractionKind::kView && it->kind != InteractionKind::kCart) continue;
    if (!seen.insert(it->item).second || !ctx.allowed->Test(it->item)) continue;
    out.push_back({it->item, static_cast<double>(it->time_ms), Reason::kRecentlyViewed, -1, -1});
  }
  return out;
}

std::vector<ScoredItem> BuyAgainRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (!Usable(ctx) || !ctx.personalized) return out;
  absl::flat_hash_set<int32_t> seen;
  for (auto it = ctx.history.rbegin(); it != ctx.history.rend(); ++it) {
    if (static_cast<int>(out.size()) >= ctx.count) break;
    if (it->kind != InteractionKind::kPurchase || !catalog_->RepeatPurchase(it->item)) continue;
    if (!seen.insert(it->item).second || !ctx.allowed->Test(it->item)) continue;
    out.push_back({it->item, static_cast<double>(it->time_ms), Reason::kBuyAgain, -1, -1});
  }
  return out;
}

NewArrivalsRecommender::NewArrivalsRecommender(std::shared_ptr<const CatalogIndex> catalog,
                                               int64_t window_ms)
    : catalog_(std::move(catalog)), window_ms_(window_ms) {}

std::vector<ScoredItem> NewArrivalsRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (!Usable(ctx)) return out;
  const double since = static_cast<double>(std::max<int64_t>(1, ctx.now_ms - window_ms_));
  const auto window = catalog_->CreatedColumn().Range(
      since, true, std::numeric_limits<double>::infinity(), true);
  // The window's items, newest first; those in a preferred category lead.
  std::vector<ScoredItem> preferred, others;
  for (auto it = window.rbegin(); it != window.rend(); ++it) {
    const int32_t i = *it;
    const int64_t created = catalog_->item(i).created_time_ms;
    if (!ctx.allowed->Test(i)) continue;
    int32_t category = catalog_->TopCategory(i);
    bool liked = false;
    if (ctx.personalized) {
      for (int32_t c : ctx.preferred_categories) {
        if (catalog_->InCategory(i, c)) {
          liked = true;
          category = c;
          break;
        }
      }
    }
    (liked ? preferred : others).push_back({i, static_cast<double>(created), Reason::kNewArrival,
                                            -1, category});
    if (static_cast<int>(preferred.size()) >= ctx.count) break;
  }
  out = std::move(preferred);
  for (const ScoredItem& s : others) {
    if (static_cast<int>(out.size()) >= ctx.count) break;
    out.push_back(s);
  }
  return out;
}

std::vector<ScoredItem> CountryPopularityRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (!Usable(ctx) || ctx.country < 0) return out;
  for (int32_t i : model_->CountryOrder(ctx.country)) {
    if (static_cast<int>(out.size()) >= ctx.count) break;
    if (!ctx.allowed->Test(i)) continue;
    out.push_back({i, model_->CountryPopularityAt(ctx.country, i, ctx.now_ms),
                   Reason::kPopularInCountry, -1, -1});
  }
  return out;
}

std::shared_ptr<const std::vector<int32_t>> CategoryPopularityRecommender::Order(
    int32_t category, int64_t now_ms) const {
  {
    absl::MutexLock lock(&mu_);
    if (auto it = orders_.find(category); it != orders_.end()) return it->second;
  }
  const auto items = model_->catalog().CategoryItems(category);
  auto order = std::make_shared<std::vector<int32_t>>(items.begin(), items.end());
  std::vector<double> score(order->size());
  // Decay scales every item alike, so the order holds until the next snapshot.
  for (size_t j = 0; j < order->size(); ++j) score[j] = model_->PopularityAt((*order)[j], now_ms);
  std::vector<size_t> idx(order->size());
  for (size_t j = 0; j < idx.size(); ++j) idx[j] = j;
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  std::vector<int32_t> sorted;
  sorted.reserve(idx.size());
  for (size_t j : idx) sorted.push_back((*order)[j]);
  *order = std::move(sorted);
  absl::MutexLock lock(&mu_);
  return orders_.try_emplace(category, std::move(order)).first->second;
}

std::vector<ScoredItem> CategoryPopularityRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (!Usable(ctx)) return out;
  const CatalogIndex& catalog = model_->catalog();
  // The page's deepest categories first, then the visitor's preferences.
  std::vector<int32_t> categories;
  for (int32_t item : ctx.context_items) {
    auto path = catalog.ItemCategories(item);
    if (!path.empty()) categories.push_back(path.back());
  }
  if (ctx.personalized || categories.empty()) {
    categories.insert(categories.end(), ctx.preferred_categories.begin(),
                      ctx.preferred_categories.end());
  }
  absl::flat_hash_set<int32_t> taken;
  for (int32_t c : categories) {
    if (c < 0 || c >= catalog.num_categories()) continue;
    for (int32_t i : *Order(c, ctx.now_ms)) {
      if (static_cast<int>(out.size()) >= ctx.count) return out;
      if (!ctx.allowed->Test(i) || !taken.insert(i).second) continue;
      out.push_back({i, model_->PopularityAt(i, ctx.now_ms), Reason::kPopularInCategory, -1, c});
    }
  }
  return out;
}

SimilarItemsRecommender::SimilarItemsRecommender(const FactorView& factors,
                                                 int cached_neighbors, int cache_capacity)
    : rows_(factors.rows),
      dim_(factors.dim),
      cached_neighbors_(std::max(cached_neighbors, 0)),
      cache_capacity_(static_cast<size_t>(std::max(cache_capacity, 0))) {
  normalized_.assign(factors.data, factors.data + int64_t{rows_} * dim_);
  for (int32_t r = 0; r < rows_; ++r) {
    float* row = normalized_.data() + int64_t{r} * dim_;
    double norm = 0;
    for (int32_t d = 0; d < dim_; ++d) norm += double{row[d]} * row[d];
    if (norm <= 0) continue;
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (int32_t d = 0; d < dim_; ++d) row[d] *= inv;
  }
}

SimilarItemsRecommender::Neighbors SimilarItemsRecommender::CachedNeighbors(int32_t seed) const {
  {
    absl::MutexLock lock(&mu_);
    if (auto it = cache_.find(seed); it != cache_.end()) return it->second;
  }
  // Computed outside the lock; a concurrent miss on the same seed computes
  // the same list and the first one stored wins.
  const FactorView view{normalized_.data(), rows_, dim_};
  auto list = std::make_shared<const std::vector<ScoredIndex>>(
      TopKDot(view, normalized_.data() + int64_t{seed} * dim_, cached_neighbors_, nullptr));
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = cache_.try_emplace(seed, std::move(list));
  if (inserted) {
    cache_order_.push_back(seed);
    while (cache_order_.size() > cache_capacity_) {
      cache_.erase(cache_order_.front());
      cache_order_.pop_front();
    }
  }
  return it->second;
}

std::optional<std::vector<ScoredIndex>> SimilarItemsRecommender::FromCache(
    int32_t seed, int count, const ItemMask& allowed) const {
  if (cache_capacity_ == 0 || count > cached_neighbors_ / 2) return std::nullopt;
  const Neighbors list = CachedNeighbors(seed);
  std::vector<ScoredIndex> out;
  for (const ScoredIndex& s : *list) {
    if (static_cast<int>(out.size()) >= count) break;
    if (s.item != seed && allowed.Test(s.item)) out.push_back(s);
  }
  // Every item outside a full list ranks below all of it, so `count`
  // survivors are the masked top; a short list holds every item.
  const bool complete = static_cast<int>(list->size()) < cached_neighbors_;
  if (static_cast<int>(out.size()) < count && !complete) return std::nullopt;
  return out;
}

std::vector<ScoredItem> SimilarItemsRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (!Usable(ctx) || rows_ == 0) return out;
  std::vector<int32_t> seeds;
  for (int32_t i : ctx.context_items) {
    if (i >= 0 && i < rows_) seeds.push_back(i);
  }
  if (seeds.empty() && ctx.personalized) {
    for (auto it = ctx.history.rbegin(); it != ctx.history.rend() && seeds.size() < kSimilarSeeds;
         ++it) {
      if (it->weight > 0 && it->item < rows_ &&
          std::find(seeds.begin(), seeds.end(), it->item) == seeds.end()) {
        seeds.push_back(it->item);
      }
    }
  }
  if (seeds.empty()) return out;
  // The seeds' mean direction; each result is explained by its closest seed.
  std::vector<float> query(dim_, 0.0f);
  for (int32_t s : seeds) {
    const float* row = normalized_.data() + int64_t{s} * dim_;
    for (int32_t d = 0; d < dim_; ++d) query[d] += row[d];
  }
  std::optional<std::vector<ScoredIndex>> hits;
  // One seed's query is its own row, bit for bit: its cached list applies.
  if (seeds.size() == 1) hits = FromCache(seeds.front(), ctx.count, *ctx.allowed);
  if (!hits.has_value()) {
    ItemMask allowed = *ctx.allowed;
    for (int32_t s : seeds) allowed.ResetIfValid(s);
    const FactorView view{normalized_.data(), rows_, dim_};
    hits = TopKDot(view, query.data(), ctx.count, &allowed);
  }
  for (const ScoredIndex& hit : *hits) {
    int32_t anchor = seeds.front();
    float best = -2;
    const float* row = normalized_.data() + int64_t{hit.item} * dim_;
    for (int32_t s : seeds) {
      const float* seed = normalized_.data() + int64_t{s} * dim_;
      float dot = 0;
      for (int32_t d = 0; d < dim_; ++d) dot += row[d] * seed[d];
      if (dot > best) best = dot, anchor = s;
    }
    out.push_back({hit.item, hit.score / static_cast<double>(seeds.size()),
                   Reason::kSimilarToViewed, anchor, -1});
  }
  return out;
}

}  // namespace persona::model
