#include "model/catalog_index.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <limits>

#include "absl/strings/str_join.h"

namespace persona::model {
namespace {

std::atomic<uint64_t> next_serial{1};

std::span<const int32_t> ListOrEmpty(const std::vector<std::vector<int32_t>>& lists, int32_t id) {
  if (id < 0 || id >= static_cast<int32_t>(lists.size())) return {};
  return lists[id];
}

}  // namespace

std::string JoinCategoryPath(std::span<const std::string> path) {
  return absl::StrJoin(path.begin(), path.end(), "/");
}

std::optional<double> ParseAttributeNumber(std::string_view value) {
  double v = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (ec != std::errc() || ptr != end || value.empty() || !std::isfinite(v)) return std::nullopt;
  return v;
}

SortedColumn::SortedColumn(std::vector<std::pair<double, int32_t>> entries) {
  std::sort(entries.begin(), entries.end());
  values_.reserve(entries.size());
  items_.reserve(entries.size());
  for (const auto& [v, i] : entries) {
    values_.push_back(v);
    items_.push_back(i);
  }
}

std::span<const int32_t> SortedColumn::Range(double lo, bool lo_inclusive, double hi,
                                             bool hi_inclusive) const {
  auto first = lo_inclusive ? std::lower_bound(values_.begin(), values_.end(), lo)
                            : std::upper_bound(values_.begin(), values_.end(), lo);
  auto last = hi_inclusive ? std::upper_bound(values_.begin(), values_.end(), hi)
                           : std::lower_bound(values_.begin(), values_.end(), hi);
  if (last <= first) return {};
  return {items_.data() + (first - values_.begin()), static_cast<size_t>(last - first)};
}

std::shared_ptr<const CatalogIndex> CatalogIndex::Build(
    std::vector<ItemInfo> items, std::span<const std::string> repeat_purchase_categories) {
  std::shared_ptr<CatalogIndex> index(new CatalogIndex());
  CatalogIndex& c = *index;
  const auto n = static_cast<int32_t>(items.size());
  c.serial_ = next_serial.fetch_add(1, std::memory_order_relaxed);
  c.items_ = std::move(items);
  c.by_id_.reserve(n);
  c.recommendable_ = ItemMask(n);
  c.by_availability_.assign(5, ItemMask(n));
  c.repeat_purchase_ = ItemMask(n);
  c.item_brand_.assign(n, -1);
  c.cat_offsets_.reserve(n + 1);
  c.cat_offsets_.push_back(0);
  absl::flat_hash_map<std::string, bool> repeat;
  for (const std::string& path : repeat_purchase_categories) repeat[path] = true;

  std::vector<std::pair<double, int32_t>> prices, created, stock;
  prices.reserve(n);
  created.reserve(n);
  for (int32_t i = 0; i < n; ++i) {
    const ItemInfo& item = c.items_[i];
    c.by_id_.emplace(item.id, i);
    Availability a = item.availability;
    if (a == Availability::kUnspecified) a = Availability::kInStock;
    if (static_cast<int32_t>(a) >= 0 && static_cast<int32_t>(a) < 5) {
      c.by_availability_[static_cast<int32_t>(a)].Set(i);
    }
    if (a == Availability::kInStock || a == Availability::kPreorder) c.recommendable_.Set(i);
    prices.emplace_back(item.price, i);
    created.emplace_back(static_cast<double>(item.created_time_ms), i);
    if (item.stock >= 0) stock.emplace_back(static_cast<double>(item.stock), i);
    c.IndexCategories(i, repeat);
    if (!item.brand.empty()) {
      auto [it, inserted] =
          c.brand_by_name_.try_emplace(item.brand, static_cast<int32_t>(c.brand_items_.size()));
      if (inserted) c.brand_items_.emplace_back();
      c.brand_items_[it->second].push_back(i);
      c.item_brand_[i] = it->second;
    }
    c.IndexTagsAndAttributes(i);
  }
  c.price_column_ = SortedColumn(std::move(prices));
  c.created_column_ = SortedColumn(std::move(created));
  c.stock_column_ = SortedColumn(std::move(stock));
  for (AttributeIndex& attr : c.attrs_) {
    std::vector<std::pair<double, int32_t>> numbers;
    for (const auto& [value, value_items] : attr.by_value) {
      const std::optional<double> number = ParseAttributeNumber(value);
      if (!number) continue;
      for (int32_t i : value_items) numbers.emplace_back(*number, i);
    }
    attr.numbers = SortedColumn(std::move(numbers));
  }
  return index;
}

void CatalogIndex::IndexCategories(int32_t i,
                                   const absl::flat_hash_map<std::string, bool>& repeat) {
  std::string prefix;
  int32_t leaf = -1;
  for (const std::string& part : items_[i].category_path) {
    if (!prefix.empty()) prefix += '/';
    prefix += part;
    auto [it, inserted] =
        category_by_name_.try_emplace(prefix, static_cast<int32_t>(category_names_.size()));
    if (inserted) {
      category_names_.push_back(prefix);
      category_items_.emplace_back();
      category_leaf_items_.emplace_back();
    }
    category_items_[it->second].push_back(i);
    item_categories_.push_back(it->second);
    leaf = it->second;
    if (repeat.contains(prefix)) repeat_purchase_.Set(i);
  }
  if (leaf >= 0) category_leaf_items_[leaf].push_back(i);
  cat_offsets_.push_back(static_cast<int32_t>(item_categories_.size()));
}

void CatalogIndex::IndexTagsAndAttributes(int32_t i) {
  for (const std::string& tag : items_[i].tags) {
    auto [it, inserted] = tag_by_name_.try_emplace(tag, static_cast<int32_t>(tag_items_.size()));
    if (inserted) tag_items_.emplace_back();
    std::vector<int32_t>& list = tag_items_[it->second];
    if (list.empty() || list.back() != i) list.push_back(i);  // a tag listed twice
  }
  for (const auto& [key, value] : items_[i].attributes) {
    auto [it, inserted] = attr_by_key_.try_emplace(key, static_cast<int32_t>(attrs_.size()));
    if (inserted) attrs_.emplace_back();
    AttributeIndex& attr = attrs_[it->second];
    if (!attr.items.empty() && attr.items.back() == i) continue;  // a key listed twice: first wins
    attr.items.push_back(i);
    attr.by_value[value].push_back(i);
  }
}

int32_t CatalogIndex::Find(std::string_view id) const {
  auto it = by_id_.find(absl::string_view(id.data(), id.size()));
  return it == by_id_.end() ? -1 : it->second;
}

const ItemMask& CatalogIndex::AvailabilityMask(Availability a) const {
  if (a == Availability::kUnspecified) a = Availability::kInStock;
  return by_availability_[static_cast<int32_t>(a)];
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

int32_t CatalogIndex::CategoryAtDepth(int32_t i, int depth) const {
  auto cats = ItemCategories(i);
  if (cats.empty()) return -1;
  const size_t at = std::min(cats.size(), static_cast<size_t>(std::max(depth, 1)));
  return cats[at - 1];
}

bool CatalogIndex::InCategory(int32_t item, int32_t category) const {
  for (int32_t c : ItemCategories(item)) {
    if (c == category) return true;
  }
  return false;
}

std::span<const int32_t> CatalogIndex::CategoryItems(int32_t category) const {
  return ListOrEmpty(category_items_, category);
}

std::span<const int32_t> CatalogIndex::CategoryLeafItems(int32_t category) const {
  return ListOrEmpty(category_leaf_items_, category);
}

int32_t CatalogIndex::BrandId(std::string_view brand) const {
  auto it = brand_by_name_.find(absl::string_view(brand.data(), brand.size()));
  return it == brand_by_name_.end() ? -1 : it->second;
}

int32_t CatalogIndex::TagId(std::string_view tag) const {
  auto it = tag_by_name_.find(absl::string_view(tag.data(), tag.size()));
  return it == tag_by_name_.end() ? -1 : it->second;
}

int32_t CatalogIndex::AttributeId(std::string_view key) const {
  auto it = attr_by_key_.find(absl::string_view(key.data(), key.size()));
  return it == attr_by_key_.end() ? -1 : it->second;
}

std::span<const int32_t> CatalogIndex::AttributeValueItems(int32_t key,
                                                           std::string_view value) const {
  const auto& by_value = attrs_[key].by_value;
  auto it = by_value.find(absl::string_view(value.data(), value.size()));
  if (it == by_value.end()) return {};
  return it->second;
}

const std::string* CatalogIndex::ItemAttribute(int32_t i, std::string_view key) const {
  for (const auto& [k, v] : items_[i].attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

ItemMask CatalogIndex::Allowed(const FilterSpec& filter) const {
  ItemMask allowed =
      filter.in_stock_only ? AvailabilityMask(Availability::kInStock) : recommendable_;
  const int32_t n = size();
  if (!filter.category_path.empty()) {
    ItemMask in_category(n);
    for (int32_t i : CategoryItems(CategoryId(JoinCategoryPath(filter.category_path)))) {
      in_category.Set(i);
    }
    allowed.And(in_category);
  }
  if (!filter.brands.empty()) {
    ItemMask in_brand(n);
    for (const std::string& brand : filter.brands) {
      for (int32_t i : ListOrEmpty(brand_items_, BrandId(brand))) in_brand.Set(i);
    }
    allowed.And(in_brand);
  }
  if (filter.min_price || filter.max_price) {
    const double lo = filter.min_price.value_or(-std::numeric_limits<double>::infinity());
    const double hi = filter.max_price.value_or(std::numeric_limits<double>::infinity());
    ItemMask in_range(n);
    for (int32_t i : price_column_.Range(lo, true, hi, true)) in_range.Set(i);
    allowed.And(in_range);
  }
  return allowed;
}

}  // namespace persona::model
