#include "model/catalog_index.h"

#include <algorithm>

#include "absl/strings/str_join.h"

namespace persona::model {

std::string JoinCategoryPath(std::span<const std::string> path) {
  return absl::StrJoin(path.begin(), path.end(), "/");
}

std::shared_ptr<const CatalogIndex> CatalogIndex::Build(
    std::vector<ItemInfo> items, std::span<const std::string> repeat_purchase_categories) {
  std::shared_ptr<CatalogIndex> index(new CatalogIndex());
  CatalogIndex& c = *index;
  const auto n = static_cast<int32_t>(items.size());
  c.items_ = std::move(items);
  c.by_id_.reserve(n);
  c.recommendable_ = ItemMask(n);
  c.in_stock_ = ItemMask(n);
  c.repeat_purchase_ = ItemMask(n);
  c.price_.resize(n);
  c.item_brand_.assign(n, -1);
  c.cat_offsets_.reserve(n + 1);
  c.cat_offsets_.push_back(0);
  absl::flat_hash_map<std::string, bool> repeat;
  for (const std::string& path : repeat_purchase_categories) repeat[path] = true;

  for (int32_t i = 0; i < n; ++i) {
    const ItemInfo& item = c.items_[i];
    c.by_id_.emplace(item.id, i);
    if (item.availability == Availability::kInStock ||
        item.availability == Availability::kUnspecified) {
      c.recommendable_.Set(i);
      c.in_stock_.Set(i);
    } else if (item.availability == Availability::kPreorder) {
      c.recommendable_.Set(i);
    }
    c.price_[i] = static_cast<float>(item.price);
    std::string prefix;
    for (const std::string& part : item.category_path) {
      if (!prefix.empty()) prefix += '/';
      prefix += part;
      auto [it, inserted] =
          c.category_by_name_.try_emplace(prefix, static_cast<int32_t>(c.category_names_.size()));
      if (inserted) {
        c.category_names_.push_back(prefix);
        c.category_items_.emplace_back();
      }
      c.category_items_[it->second].push_back(i);
      c.item_categories_.push_back(it->second);
      if (repeat.contains(prefix)) c.repeat_purchase_.Set(i);
    }
    c.cat_offsets_.push_back(static_cast<int32_t>(c.item_categories_.size()));
    if (!item.brand.empty()) {
      auto [it, inserted] =
          c.brand_by_name_.try_emplace(item.brand, static_cast<int32_t>(c.brand_items_.size()));
      if (inserted) c.brand_items_.emplace_back();
      c.brand_items_[it->second].push_back(i);
      c.item_brand_[i] = it->second;
    }
  }
  return index;
}

int32_t CatalogIndex::Find(std::string_view id) const {
  auto it = by_id_.find(absl::string_view(id.data(), id.size()));
  return it == by_id_.end() ? -1 : it->second;
}

int32_t CatalogIndex::CategoryId(std::string_view joined_path) const {
  auto it = category_by_name_.find(absl::string_view(joined_path.data(), joined_path.size()));
  return it == category_by_name_.end() ? -1 : it->second;
}

std::span<const int32_t> CatalogIndex::ItemCategories(int32_t i) const {
  return {item_categories_.data() + cat_offsets_[i],
          static_cast<size_t>(cat_offsets_[i + 1] - cat_offsets_[i])};
}

int32_t CatalogIndex::TopCategory(int32_t i) const {
  auto cats = ItemCategories(i);
  return cats.empty() ? -1 : cats.front();
}

bool CatalogIndex::InCategory(int32_t item, int32_t category) const {
  for (int32_t c : ItemCategories(item)) {
    if (c == category) return true;
  }
  return false;
}

std::span<const int32_t> CatalogIndex::CategoryItems(int32_t category) const {
  return category_items_[category];
}

int32_t CatalogIndex::BrandId(std::string_view brand) const {
  auto it = brand_by_name_.find(absl::string_view(brand.data(), brand.size()));
  return it == brand_by_name_.end() ? -1 : it->second;
}

ItemMask CatalogIndex::Allowed(const FilterSpec& filter) const {
  ItemMask allowed = filter.in_stock_only ? in_stock_ : recommendable_;
  const int32_t n = size();
  if (!filter.category_path.empty()) {
    ItemMask in_category(n);
    const int32_t cat = CategoryId(JoinCategoryPath(filter.category_path));
    if (cat >= 0) {
      for (int32_t i : category_items_[cat]) in_category.Set(i);
    }
    allowed.And(in_category);
  }
  if (!filter.brands.empty()) {
    ItemMask in_brand(n);
    for (const std::string& brand : filter.brands) {
      const int32_t b = BrandId(brand);
      if (b < 0) continue;
      for (int32_t i : brand_items_[b]) in_brand.Set(i);
    }
    allowed.And(in_brand);
  }
  if (filter.min_price || filter.max_price) {
    const float lo = filter.min_price ? static_cast<float>(*filter.min_price) : -1.0f;
    const float hi = filter.max_price ? static_cast<float>(*filter.max_price)
                                      : std::numeric_limits<float>::infinity();
    ItemMask in_range(n);
    for (int32_t i = 0; i < n; ++i) {
      if (price_[i] >= lo && price_[i] <= hi) in_range.Set(i);
    }
    allowed.And(in_range);
  }
  return allowed;
}

}  // namespace persona::model
