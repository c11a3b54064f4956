#include "model/bought_together.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace persona::model {
namespace {

constexpr size_t kMaxHistoryAnchors = 5;

}  // namespace

std::shared_ptr<const BoughtTogetherRecommender> BoughtTogetherRecommender::Create(
    std::shared_ptr<const CatalogIndex> catalog, const std::vector<NeighborList>& lists,
    std::string name, Reason reason) {
  std::shared_ptr<BoughtTogetherRecommender> r(new BoughtTogetherRecommender());
  r->name_ = std::move(name);
  r->reason_ = reason;
  const int32_t n = catalog->size();
  std::vector<std::vector<ScoredIndex>> by_item(n);
  for (const NeighborList& list : lists) {
    const int32_t i = catalog->Find(list.item_id);
    if (i < 0) continue;
    for (const auto& [id, score] : list.neighbors) {
      const int32_t j = catalog->Find(id);
      if (j >= 0 && j != i) by_item[i].push_back({j, score});
    }
  }
  r->offsets_.reserve(n + 1);
  r->offsets_.push_back(0);
  for (auto& list : by_item) {
    r->neighbors_.insert(r->neighbors_.end(), list.begin(), list.end());
    r->offsets_.push_back(static_cast<int64_t>(r->neighbors_.size()));
  }
  r->catalog_ = std::move(catalog);
  return r;
}

int32_t BoughtTogetherRecommender::items_with_neighbors() const {
  int32_t count = 0;
  for (size_t i = 0; i + 1 < offsets_.size(); ++i) count += offsets_[i + 1] > offsets_[i];
  return count;
}

std::vector<ScoredItem> BoughtTogetherRecommender::Recommend(const RecommendContext& ctx) const {
  std::vector<ScoredItem> out;
  if (ctx.count <= 0 || ctx.allowed == nullptr) return out;
  const int32_t n = catalog_->size();
  std::vector<int32_t> anchors;
  for (int32_t item : ctx.context_items) {
    if (item >= 0 && item < n) anchors.push_back(item);
  }
  if (anchors.empty()) {
    for (auto it = ctx.history.rbegin(); it != ctx.history.rend(); ++it) {
      if (anchors.size() >= kMaxHistoryAnchors) break;
      if (it->weight > 0 && it->item >= 0 && it->item < n &&
          std::find(anchors.begin(), anchors.end(), it->item) == anchors.end()) {
        anchors.push_back(it->item);
      }
    }
  }
  // Summed similarity per candidate, remembering the strongest anchor.
  struct Acc {
    float score = 0;
    float best = -1;
    int32_t anchor = -1;
  };
  absl::flat_hash_map<int32_t, Acc> acc;
  for (int32_t a : anchors) {
    for (int64_t k = offsets_[a]; k < offsets_[a + 1]; ++k) {
      const ScoredIndex& nb = neighbors_[k];
      if (!ctx.allowed->Test(nb.item)) continue;
      Acc& x = acc[nb.item];
      x.score += nb.score;
      if (nb.score > x.best) x.best = nb.score, x.anchor = a;
    }
  }
  out.reserve(acc.size());
  for (const auto& [item, x] : acc) {
    out.push_back({.item = item, .score = x.score, .reason = reason_,
                   .anchor = x.anchor});
  }
  std::sort(out.begin(), out.end(), [](const ScoredItem& a, const ScoredItem& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  });
  if (out.size() > static_cast<size_t>(ctx.count)) out.resize(ctx.count);
  return out;
}

}  // namespace persona::model
