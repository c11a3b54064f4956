#include "model/popularity.h"

#include <algorithm>
#include <cmath>

namespace persona::model {
namespace {

// Sorts indices by descending key; ties (and unscored items, key -inf) by
// newest first, then by index, so the order is deterministic.
void SortByScore(std::vector<int32_t>& order, const std::vector<double>& key,
                 const CatalogIndex& catalog) {
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    if (key[a] != key[b]) return key[a] > key[b];
    const int64_t ta = catalog.item(a).created_time_ms;
    const int64_t tb = catalog.item(b).created_time_ms;
    if (ta != tb) return ta > tb;
    return a < b;
  });
}

double ValueAt(double log2, int64_t now_ms, double half_life_ms) {
  if (std::isinf(log2)) return 0.0;
  return std::exp2(log2 - static_cast<double>(now_ms) / half_life_ms);
}

// Appends allowed items of `order` not yet taken until `out` holds `limit`.
template <typename ScoreFn>
void TakeFrom(const std::vector<int32_t>& order, const RecommendContext& ctx, ItemMask& taken,
              size_t limit, Reason reason, int32_t category, ScoreFn score,
              std::vector<ScoredItem>& out) {
  for (int32_t item : order) {
    if (out.size() >= limit) return;
    if (!ctx.allowed->Test(item) || taken.Test(item)) continue;
    taken.Set(item);
    out.push_back({item, score(item), reason, -1, category});
  }
}

}  // namespace

std::shared_ptr<const PopularityModel> PopularityModel::Build(
    std::shared_ptr<const CatalogIndex> catalog, const std::vector<ItemPopularity>& scores,
    const PopularityOptions& options) {
  std::shared_ptr<PopularityModel> m(new PopularityModel());
  const int32_t n = catalog->size();
  m->catalog_ = std::move(catalog);
  m->options_ = options;
  m->popularity_log2_.assign(n, -std::numeric_limits<double>::infinity());
  m->trending_log2_.assign(n, -std::numeric_limits<double>::infinity());
  for (int32_t i = 0; i < n && i < static_cast<int32_t>(scores.size()); ++i) {
    m->popularity_log2_[i] = scores[i].popularity_log2;
    m->trending_log2_[i] = scores[i].trending_log2;
    for (const auto& [country, log2] : scores[i].by_country) {
      auto [it, inserted] =
          m->country_by_name_.try_emplace(country, static_cast<int32_t>(m->country_names_.size()));
      if (inserted) {
        m->country_names_.push_back(country);
        m->country_order_.emplace_back();
        m->country_scores_.emplace_back();
      }
      m->country_order_[it->second].push_back(i);
      m->country_scores_[it->second][i] = log2;
    }
  }
  m->popular_.resize(n);
  for (int32_t i = 0; i < n; ++i) m->popular_[i] = i;
  m->trending_ = m->popular_;
  SortByScore(m->popular_, m->popularity_log2_, *m->catalog_);
  SortByScore(m->trending_, m->trending_log2_, *m->catalog_);
  for (size_t c = 0; c < m->country_order_.size(); ++c) {
    auto& order = m->country_order_[c];
    const auto& s = m->country_scores_[c];
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      const double sa = s.at(a), sb = s.at(b);
      return sa != sb ? sa > sb : a < b;
    });
  }
  return m;
}

int32_t PopularityModel::CountryId(std::string_view country) const {
  auto it = country_by_name_.find(absl::string_view(country.data(), country.size()));
  return it == country_by_name_.end() ? -1 : it->second;
}

const std::vector<int32_t>& PopularityModel::CountryOrder(int32_t country) const {
  static const std::vector<int32_t> kEmpty;
  if (country < 0 || country >= static_cast<int32_t>(country_order_.size())) return kEmpty;
  return country_order_[country];
}

double PopularityModel::PopularityAt(int32_t item, int64_t now_ms) const {
  return ValueAt(popularity_log2_[item], now_ms, options_.popularity_half_life_ms);
}

double PopularityModel::TrendingAt(int32_t item, int64_t now_ms) const {
  return ValueAt(trending_log2_[item], now_ms, options_.trending_half_life_ms);
}

double PopularityModel::CountryPopularityAt(int32_t country, int32_t item, int64_t now_ms) const {
  if (country < 0 || country >= static_cast<int32_t>(country_scores_.size())) return 0.0;
  auto it = country_scores_[country].find(item);
  if (it == country_scores_[country].end()) return 0.0;
  return ValueAt(it->second, now_ms, options_.popularity_half_life_ms);
}

std::vector<ScoredItem> PopularityRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (ctx.count <= 0 || ctx.allowed == nullptr) return out;
  const auto count = static_cast<size_t>(ctx.count);
  out.reserve(count);
  const PopularityModel& m = *model_;
  ItemMask taken(m.catalog().size());
  const int64_t now = ctx.now_ms;
  if (ctx.personalized && ctx.country >= 0) {
    TakeFrom(m.CountryOrder(ctx.country), ctx, taken, std::max<size_t>(1, count / 2),
             Reason::kPopularInCountry, -1,
             [&](int32_t i) { return m.CountryPopularityAt(ctx.country, i, now); }, out);
  }
  if (ctx.personalized && !ctx.preferred_categories.empty()) {
    const size_t limit = out.size() + std::max<size_t>(1, count / 3);
    for (int32_t cat : ctx.preferred_categories) {
      // Walk the global order restricted to this category.
      for (int32_t item : m.popular_order()) {
        if (out.size() >= std::min(limit, count)) break;
        if (!ctx.allowed->Test(item) || taken.Test(item) || !m.catalog().InCategory(item, cat)) {
          continue;
        }
        taken.Set(item);
        out.push_back({item, m.PopularityAt(item, now), Reason::kPopularInCategory, -1, cat});
      }
      if (out.size() >= std::min(limit, count)) break;
    }
  }
  TakeFrom(m.popular_order(), ctx, taken, count, Reason::kPopular, -1,
           [&](int32_t i) { return m.PopularityAt(i, now); }, out);
  return out;
}

std::vector<ScoredItem> TrendingRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (ctx.count <= 0 || ctx.allowed == nullptr) return out;
  const PopularityModel& m = *model_;
  ItemMask taken(m.catalog().size());
  TakeFrom(m.trending_order(), ctx, taken, static_cast<size_t>(ctx.count), Reason::kTrending, -1,
           [&](int32_t i) { return m.TrendingAt(i, ctx.now_ms); }, out);
  return out;
}

}  // namespace persona::model
