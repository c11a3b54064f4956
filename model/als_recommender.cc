#include "model/als_recommender.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "Eigen/Core"
#include "absl/container/flat_hash_map.h"
#include "common/status_macros.h"

namespace persona::model {
namespace {

// How many of the visitor's most recent distinct items can explain a choice.
constexpr size_t kMaxAnchors = 20;

// Vectorised (a plain loop's sum is sequential): ten items x twenty anchors
// of explanation per answer were a tenth of a campaign customer's cost.
float Dot(const float* a, const float* b, int32_t dim) {
  return Eigen::Map<const Eigen::VectorXf>(a, dim).dot(Eigen::Map<const Eigen::VectorXf>(b, dim));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const AlsRecommender>> AlsRecommender::Create(
    std::shared_ptr<const CatalogIndex> catalog, const TrainedItems& trained,
    const AlsOptions& options, std::string version, double exploration_share) {
  if (trained.dim <= 0 ||
      trained.factors.size() != trained.item_ids.size() * static_cast<size_t>(trained.dim)) {
    return absl::InvalidArgumentError("trained factors do not match their item ids");
  }
  std::shared_ptr<AlsRecommender> r(new AlsRecommender());
  const int32_t n = catalog->size();
  const int32_t dim = trained.dim;
  r->catalog_ = std::move(catalog);
  r->version_ = std::move(version);
  r->exploration_share_ = std::clamp(exploration_share, 0.0, 1.0);
  r->dim_ = dim;
  r->factors_.assign(static_cast<size_t>(n) * dim, 0.0f);
  r->trained_ = ItemMask(n);
  r->imputed_ = ItemMask(n);
  std::vector<int32_t> new_index(trained.item_ids.size(), -1);
  for (size_t t = 0; t < trained.item_ids.size(); ++t) {
    const int32_t i = r->catalog_->Find(trained.item_ids[t]);
    if (i < 0) continue;  // no longer in the catalog
    new_index[t] = i;
    std::copy_n(trained.factors.data() + t * dim, dim, r->factors_.data() + int64_t{i} * dim);
    r->trained_.Set(i);
  }
  // Category (else brand) means of trained items, for items the model has not seen.
  const CatalogIndex& c = *r->catalog_;
  std::vector<std::vector<float>> mean(c.num_categories());
  std::vector<int32_t> count(c.num_categories(), 0);
  absl::flat_hash_map<int32_t, std::pair<std::vector<float>, int32_t>> brand_mean;
  auto add_to = [dim](std::vector<float>& sum, const float* row) {
    if (sum.empty()) sum.assign(dim, 0.0f);
    for (int32_t d = 0; d < dim; ++d) sum[d] += row[d];
  };
  r->trained_.ForEach([&](int32_t i) {
    const float* row = r->ItemFactors(i);
    for (int32_t cat : c.ItemCategories(i)) {
      add_to(mean[cat], row);
      ++count[cat];
    }
    if (c.ItemBrand(i) >= 0) {
      auto& [sum, n] = brand_mean[c.ItemBrand(i)];
      add_to(sum, row);
      ++n;
    }
  });
  // Group key: the category, else num_categories + the brand.
  absl::flat_hash_map<int64_t, std::vector<int32_t>> groups;
  auto impute = [&](int32_t i, const std::vector<float>& sum, int32_t n, int64_t key) {
    float* row = r->factors_.data() + int64_t{i} * dim;
    for (int32_t d = 0; d < dim; ++d) row[d] = sum[d] / n;
    r->imputed_.Set(i);
    groups[key].push_back(i);  // i ascending
  };
  for (int32_t i = 0; i < n; ++i) {
    if (r->trained_.Test(i)) continue;
    auto cats = c.ItemCategories(i);
    for (auto it = cats.rbegin(); it != cats.rend() && !r->imputed_.Test(i); ++it) {
      if (count[*it] > 0) impute(i, mean[*it], count[*it], *it);
    }
    if (!r->imputed_.Test(i) && c.ItemBrand(i) >= 0) {
      auto it = brand_mean.find(c.ItemBrand(i));
      if (it != brand_mean.end()) {
        impute(i, it->second.first, it->second.second,
               int64_t{c.num_categories()} + c.ItemBrand(i));
      }
    }
  }
  std::vector<int64_t> keys;
  for (const auto& [key, items] : groups) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  r->imputed_offsets_.push_back(0);
  for (int64_t key : keys) {
    const std::vector<int32_t>& items = groups[key];
    r->imputed_items_.insert(r->imputed_items_.end(), items.begin(), items.end());
    r->imputed_offsets_.push_back(static_cast<int32_t>(r->imputed_items_.size()));
    const float* row = r->ItemFactors(items.front());
    r->group_factors_.insert(r->group_factors_.end(), row, row + dim);
  }
  r->imputed_count_ = r->imputed_.Count();
  r->scorable_ = r->trained_;
  r->scorable_.Or(r->imputed_);
  const FactorView view{r->factors_.data(), n, dim};
  if (trained.weighting.has_value()) {
    ASSIGN_OR_RETURN(Bm25Weighting weighting, trained.weighting->Reindexed(new_index, n));
    ASSIGN_OR_RETURN(r->fold_in_, FoldIn::Create(view, options, std::move(weighting)));
  } else {
    ASSIGN_OR_RETURN(r->fold_in_, FoldIn::Create(view, options));
  }
  return std::shared_ptr<const AlsRecommender>(std::move(r));
}

void AlsRecommender::SetAnn(std::shared_ptr<const AnnIndex> ann) const {
  std::atomic_store(&ann_, std::move(ann));
}

bool AlsRecommender::has_ann() const { return std::atomic_load(&ann_) != nullptr; }

std::vector<ScoredIndex> AlsRecommender::TopImputed(const float* user, int k,
                                                    const ItemMask& allowed) const {
  const int32_t num_groups =
      imputed_offsets_.empty() ? 0 : static_cast<int32_t>(imputed_offsets_.size() - 1);
  if (num_groups == 0 || k <= 0) return {};
  // Every group, best first and ties to the lower group, as the sort of the
  // items would order them.
  const std::vector<ScoredIndex> groups =
      TopKDot({group_factors_.data(), num_groups, dim_}, user, num_groups, nullptr);
  TopKHeap heap(k);
  for (const ScoredIndex& g : groups) {
    // Later groups score no higher; an equal score may still win on the item.
    if (g.score < heap.threshold()) break;
    int pushed = 0;
    for (int32_t j = imputed_offsets_[g.item]; j < imputed_offsets_[g.item + 1] && pushed < k;
         ++j) {
      const int32_t item = imputed_items_[j];
      if (!allowed.Test(item)) continue;
      heap.Push(item, g.score);
      ++pushed;
    }
  }
  return heap.TakeSorted();
}

bool AlsRecommender::Prepare(const RecommendContext& ctx, Visitor& v) const {
  if (ctx.count <= 0 || ctx.allowed == nullptr) return false;
  // Interactions the fold-in may use: trained items only (imputed factors
  // would pull the visitor towards category averages).
  std::vector<int32_t> ids;
  std::vector<float> strengths;
  v.anchors.clear();  // most recent first, distinct
  auto add = [&](int32_t item, float weight) {
    if (item < 0 || item >= catalog_->size() || !trained_.Test(item)) return;
    ids.push_back(item);
    strengths.push_back(weight);
    if (weight > 0 && v.anchors.size() < kMaxAnchors &&
        std::find(v.anchors.begin(), v.anchors.end(), item) == v.anchors.end()) {
      v.anchors.push_back(item);
    }
  };
  for (int32_t item : ctx.context_items) add(item, 1.0f);
  for (auto it = ctx.history.rbegin(); it != ctx.history.rend(); ++it) add(it->item, it->weight);
  if (v.anchors.empty()) return false;
  v.user.resize(dim_);
  if (!fold_in_->Solve(ids, strengths, v.user).ok()) return false;
  v.allowed = *ctx.allowed;
  v.allowed.And(scorable_);
  return true;
}

bool AlsRecommender::FoldInUser(std::span<const Interaction> history,
                                std::vector<float>& user) const {
  const ItemMask all(catalog_->size(), /*all=*/true);
  const RecommendContext ctx{.count = 1, .allowed = &all, .history = history};
  Visitor v;
  if (!Prepare(ctx, v)) return false;
  user = std::move(v.user);
  return true;
}

void AlsRecommender::Explore(int count, const Visitor& v, std::vector<ScoredIndex>& top) const {
  const int explore =
      exploration_share_ > 0 ? static_cast<int>(std::ceil(exploration_share_ * count)) : 0;
  if (explore <= 0 || imputed_count_ == 0) return;
  // Reserve the last `explore` slots for the best new items not chosen yet.
  int have_new = 0;
  for (const ScoredIndex& s : top) have_new += imputed_.Test(s.item);
  const int want = std::max(0, explore - have_new);
  std::vector<ScoredIndex> extra;
  if (want > 0) {
    ItemMask fresh = v.allowed;
    fresh.And(imputed_);
    for (const ScoredIndex& s : top) fresh.ResetIfValid(s.item);
    // Imputed rows repeat per group: scoring each group once is exact and
    // cheap with or without an index (an index would widen its search until
    // it scans every item).
    extra = TopImputed(v.user.data(), want, fresh);
  }
  // Make room by dropping the weakest established items (the list is best first).
  const size_t room = static_cast<size_t>(count) - top.size();
  size_t to_drop = extra.size() > room ? extra.size() - room : 0;
  for (auto it = top.end(); to_drop > 0 && it != top.begin();) {
    --it;
    if (!imputed_.Test(it->item)) {
      it = top.erase(it);
      --to_drop;
    }
  }
  top.insert(top.end(), extra.begin(), extra.end());
}

std::vector<ScoredItem> AlsRecommender::Finish(const RecommendContext& ctx, const Visitor& v,
                                               std::vector<ScoredIndex> top) const {
  Explore(ctx.count, v, top);
  std::vector<ScoredItem> out;
  out.reserve(top.size());
  for (const ScoredIndex& s : top) {
    ScoredItem item{.item = s.item, .score = s.score, .reason = Reason::kPersonalized};
    if (imputed_.Test(s.item)) {
      item.reason = Reason::kNewArrival;
      auto cats = catalog_->ItemCategories(s.item);
      item.category = cats.empty() ? -1 : cats.back();
    } else {
      // The visitor's item most similar to this one explains it; an item is
      // no explanation of itself (a viewed item recommended again).
      float best = -std::numeric_limits<float>::infinity();
      for (int32_t anchor : v.anchors) {
        if (anchor == s.item) continue;
        const float sim = Dot(ItemFactors(anchor), ItemFactors(s.item), dim_);
        if (sim > best) best = sim, item.anchor = anchor;
      }
      const bool from_context = std::find(ctx.context_items.begin(), ctx.context_items.end(),
                                          item.anchor) != ctx.context_items.end();
      if (from_context) item.reason = Reason::kSimilarToViewed;
    }
    out.push_back(item);
  }
  return out;
}

std::vector<ScoredItem> AlsRecommender::Recommend(const RecommendContext& ctx) const {
  Visitor v;
  if (!Prepare(ctx, v)) return {};
  const std::shared_ptr<const AnnIndex> ann = std::atomic_load(&ann_);
  std::vector<ScoredIndex> top = ann != nullptr
                                     ? ann->Search(v.user.data(), ctx.count, &v.allowed)
                                     : TopKDot(factors(), v.user.data(), ctx.count, &v.allowed);
  return Finish(ctx, v, std::move(top));
}

std::vector<std::vector<ScoredItem>> AlsRecommender::RecommendBatch(
    std::span<const RecommendContext> contexts) const {
  // One TopKDotBatch panel: every block is one pass over the item matrix.
  constexpr size_t kBlock = 64;
  std::vector<std::vector<ScoredItem>> out(contexts.size());
  std::vector<Visitor> visitors(std::min(kBlock, contexts.size()));
  std::vector<size_t> scored;  // contexts of the block with a visitor
  std::vector<float> users;
  std::vector<const ItemMask*> masks;
  for (size_t first = 0; first < contexts.size(); first += kBlock) {
    const size_t end = std::min(contexts.size(), first + kBlock);
    scored.clear();
    users.clear();
    masks.clear();
    int k = 0;  // the block's largest count; each answer is cut to its own
    for (size_t c = first; c < end; ++c) {
      Visitor& v = visitors[c - first];
      if (!Prepare(contexts[c], v)) continue;
      scored.push_back(c);
      users.insert(users.end(), v.user.begin(), v.user.end());
      masks.push_back(&v.allowed);
      k = std::max(k, contexts[c].count);
    }
    if (scored.empty()) continue;
    const FactorView queries{users.data(), static_cast<int32_t>(scored.size()), dim_};
    // Ties go to the lower item, so the best k cut to count are the best count.
    std::vector<std::vector<ScoredIndex>> tops = TopKDotBatch(factors(), queries, k, masks);
    for (size_t j = 0; j < scored.size(); ++j) {
      const RecommendContext& ctx = contexts[scored[j]];
      if (tops[j].size() > static_cast<size_t>(ctx.count)) tops[j].resize(ctx.count);
      out[scored[j]] = Finish(ctx, visitors[scored[j] - first], std::move(tops[j]));
    }
  }
  return out;
}

}  // namespace persona::model
