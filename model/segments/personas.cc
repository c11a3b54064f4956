// Persona descriptions; the clustering itself is in kmeans.cc.
#include "model/segments/personas.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace persona::model::segments {
namespace {

// Counts each name once per member.
void CountOnce(const std::vector<BoughtKey>& keys,
               absl::flat_hash_map<std::string, int64_t>& counts) {
  absl::flat_hash_set<std::string_view> seen;
  for (const BoughtKey& key : keys) {
    if (!key.name.empty() && seen.insert(key.name).second) ++counts[key.name];
  }
}

std::vector<std::pair<std::string, int64_t>> Top(
    const absl::flat_hash_map<std::string, int64_t>& counts, int32_t n) {
  std::vector<std::pair<std::string, int64_t>> all(counts.begin(), counts.end());
  const auto more = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  const size_t keep = std::min(all.size(), static_cast<size_t>(std::max(n, 0)));
  std::partial_sort(all.begin(), all.begin() + keep, all.end(), more);
  all.resize(keep);
  return all;
}

}  // namespace

PersonaDescriber::PersonaDescriber(int32_t k, int32_t top_n)
    : top_n_(top_n), personas_(std::max(k, 0)) {}

void PersonaDescriber::Add(int32_t persona, const CustomerFacts& member) {
  if (persona < 0 || persona >= static_cast<int32_t>(personas_.size())) return;
  Accumulator& a = personas_[persona];
  ++a.size;
  if (member.orders > 0) {
    a.orders += member.orders;
    a.monetary += member.monetary;
  }
  CountOnce(member.bought_categories, a.categories);
  CountOnce(member.bought_brands, a.brands);
}

std::vector<PersonaDescription> PersonaDescriber::Finish() const {
  std::vector<PersonaDescription> out;
  out.reserve(personas_.size());
  for (size_t p = 0; p < personas_.size(); ++p) {
    const Accumulator& a = personas_[p];
    PersonaDescription d;
    d.persona = static_cast<int32_t>(p);
    d.size = a.size;
    d.top_categories = Top(a.categories, top_n_);
    d.top_brands = Top(a.brands, top_n_);
    d.average_order_value = a.orders > 0 ? a.monetary / static_cast<double>(a.orders) : 0;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<PersonaDescription> DescribePersonas(std::span<const CustomerFacts> members,
                                                 int32_t k, int32_t top_n) {
  PersonaDescriber describer(k, top_n);
  for (const CustomerFacts& m : members) describer.Add(m.persona, m);
  return describer.Finish();
}

}  // namespace persona::model::segments
