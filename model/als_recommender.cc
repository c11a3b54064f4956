#include "model/als_recommender.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "Eigen/Core"
#include "absl/container/flat_hash_map.h"
#include "common/status_macros.h"

namespace persona::model {
namespace {

// How many of the visitor's most recent distinct items can explain a choice.
constexpr size_t kMaxAnchors = 20;

float Dot(const float* a, const float* b, int32_t dim) {
  float s = 0;
  for (int32_t d = 0; d < dim; ++d) s += a[d] * b[d];
  return s;
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
  const size_t num_groups = imputed_offsets_.empty() ? 0 : imputed_offsets_.size() - 1;
  std::vector<ScoredIndex> groups(num_groups);  // (group, score)
  for (size_t g = 0; g < num_groups; ++g) {
    const float* row = ItemFactors(imputed_items_[imputed_offsets_[g]]);
    groups[g] = {static_cast<int32_t>(g), Dot(user, row, dim_)};
  }
  std::sort(groups.begin(), groups.end(), [](const ScoredIndex& a, const ScoredIndex& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  });
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

std::vector<ScoredItem> AlsRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (ctx.count <= 0 || ctx.allowed == nullptr) return out;
  // Interactions the fold-in may use: trained items only (imputed factors
  // would pull the visitor towards category averages).
  std::vector<int32_t> ids;
  std::vector<float> strengths;
  std::vector<int32_t> anchors;  // most recent first, distinct
  auto add = [&](int32_t item, float weight) {
    if (item < 0 || item >= catalog_->size() || !trained_.Test(item)) return;
    ids.push_back(item);
    strengths.push_back(weight);
    if (weight > 0 && anchors.size() < kMaxAnchors &&
        std::find(anchors.begin(), anchors.end(), item) == anchors.end()) {
      anchors.push_back(item);
    }
  };
  for (int32_t item : ctx.context_items) add(item, 1.0f);
  for (auto it = ctx.history.rbegin(); it != ctx.history.rend(); ++it) add(it->item, it->weight);
  if (anchors.empty()) return out;
  std::vector<float> user(dim_);
  if (!fold_in_->Solve(ids, strengths, user).ok()) return out;

  ItemMask allowed = *ctx.allowed;
  allowed.And(scorable_);
  const FactorView items{factors_.data(), catalog_->size(), dim_};
  const int explore = exploration_share_ > 0
                          ? static_cast<int>(std::ceil(exploration_share_ * ctx.count)) : 0;
  const bool exploring = explore > 0 && imputed_count_ > 0;
  // With many new items, the exploration pick would touch most of the
  // catalog again: score every item once and select twice from the scores.
  std::vector<float> scores;
  if (exploring && imputed_count_ * 8 > catalog_->size() && !has_ann()) {
    scores.resize(catalog_->size());
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> y(
        factors_.data(), catalog_->size(), dim_);
    Eigen::Map<Eigen::VectorXf>(scores.data(), catalog_->size()).noalias() =
        y * Eigen::Map<const Eigen::VectorXf>(user.data(), dim_);
  }
  const std::shared_ptr<const AnnIndex> ann = std::atomic_load(&ann_);
  auto select = [&](int k, const ItemMask* mask) {
    if (ann != nullptr) return ann->Search(user.data(), k, mask);
    return scores.empty() ? TopKDot(items, user.data(), k, mask) : TopKScores(scores, k, mask);
  };
  std::vector<ScoredIndex> top = select(ctx.count, &allowed);
  if (exploring) {
    // Reserve the last `explore` slots for the best new items not chosen yet.
    ItemMask fresh = allowed;
    fresh.And(imputed_);
    for (const ScoredIndex& s : top) fresh.ResetIfValid(s.item);
    int have_new = 0;
    for (const ScoredIndex& s : top) have_new += imputed_.Test(s.item);
    const int want = std::max(0, explore - have_new);
    std::vector<ScoredIndex> extra;
    // Imputed rows repeat per group: exact and cheap with or without an index
    // (the index would widen its search until it scans every item).
    if (want > 0) {
      extra = ann != nullptr ? TopImputed(user.data(), want, fresh) : select(want, &fresh);
    }
    // Make room by dropping the weakest established items (the list is best first).
    const size_t room = static_cast<size_t>(ctx.count) - top.size();
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
  out.reserve(top.size());
  const size_t num_context = ctx.context_items.size();
  for (const ScoredIndex& s : top) {
    ScoredItem item{.item = s.item, .score = s.score, .reason = Reason::kPersonalized};
    if (imputed_.Test(s.item)) {
      item.reason = Reason::kNewArrival;
      auto cats = catalog_->ItemCategories(s.item);
      item.category = cats.empty() ? -1 : cats.back();
    } else {
      // The visitor's item most similar to this one explains it.
      float best = -std::numeric_limits<float>::infinity();
      for (size_t a = 0; a < anchors.size(); ++a) {
        const float sim = Dot(ItemFactors(anchors[a]), ItemFactors(s.item), dim_);
        if (sim > best) best = sim, item.anchor = anchors[a];
      }
      const bool from_context =
          std::find(ctx.context_items.begin(), ctx.context_items.begin() + num_context,
                    item.anchor) != ctx.context_items.begin() + num_context;
      if (from_context) item.reason = Reason::kSimilarToViewed;
    }
    out.push_back(item);
  }
  return out;
}

}  // namespace persona::model
