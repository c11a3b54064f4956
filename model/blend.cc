#include "model/blend.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace persona::model {

std::vector<BlendedItem> Blend(std::span<const RankedList> lists, const BlendOptions& options) {
  struct Entry {
    BlendedItem blended;
    double best_contribution = -1;
    int64_t first_seen = 0;
  };
  absl::flat_hash_map<int32_t, Entry> by_item;
  int64_t seen = 0;
  for (int32_t l = 0; l < static_cast<int32_t>(lists.size()); ++l) {
    const RankedList& list = lists[l];
    if (list.weight <= 0) continue;
    for (size_t r = 0; r < list.items.size(); ++r) {
      const ScoredItem& s = list.items[r];
      const double contribution = list.weight / (options.k + static_cast<double>(r + 1));
      auto [it, inserted] = by_item.try_emplace(s.item);
      Entry& e = it->second;
      if (inserted) e.first_seen = seen++;
      e.blended.score += contribution;
      if (contribution > e.best_contribution) {
        e.best_contribution = contribution;
        e.blended.item = s;
        e.blended.source = l;
      }
    }
  }
  std::vector<std::pair<int64_t, BlendedItem>> ordered;
  ordered.reserve(by_item.size());
  for (auto& [item, e] : by_item) ordered.emplace_back(e.first_seen, e.blended);
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.second.score != b.second.score ? a.second.score > b.second.score : a.first < b.first;
  });
  std::vector<BlendedItem> out;
  out.reserve(ordered.size());
  for (auto& [first, b] : ordered) out.push_back(b);
  return out;
}

}  // namespace persona::model
