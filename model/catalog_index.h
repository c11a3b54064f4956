// An immutable, indexed view of one shop's catalog for scoring: dense item
// indices, the fields rules filter on as flat arrays, and precomputed item
// lists per category node, brand, tag and attribute value, plus items sorted
// by price, creation time, stock and numeric attribute value, so that a
// request's allowed-items mask is built from set operations and binary
// searches, never by scanning items one by one.
// Immutable after Build: safe to share across threads.
#ifndef PERSONA_MODEL_CATALOG_INDEX_H_
#define PERSONA_MODEL_CATALOG_INDEX_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/item_mask.h"

namespace persona::model {

// Mirrors persona.v1.Availability numbers.
enum class Availability : int32_t {
  kUnspecified = 0,
  kInStock = 1,
  kOutOfStock = 2,
  kPreorder = 3,
  kDiscontinued = 4
};

// What the model needs to know of one item. New fields go at the end, with
// default initialisers, so positional initialisation keeps working.
struct ItemInfo {
  std::string id;
  std::vector<std::string> category_path;
  std::string brand;
  double price = 0;
  Availability availability = Availability::kInStock;
  int64_t created_time_ms = 0;
  // Units in stock; -1 when the shop does not track stock.
  int64_t stock = -1;
  std::vector<std::string> tags = {};
  // Free-form attributes (key, value); keys are unique per item.
  std::vector<std::pair<std::string, std::string>> attributes = {};
};

// A request's filters, as plain values.
struct FilterSpec {
  // Category path prefix; empty means any.
  std::vector<std::string> category_path = {};
  std::optional<double> min_price = std::nullopt;
  std::optional<double> max_price = std::nullopt;
  bool in_stock_only = false;
  // Any of these brands; empty means any.
  std::vector<std::string> brands = {};
};

// Items ordered by one numeric field, ascending (ties by item index), so the
// items with a value in a range are one contiguous run found by binary search.
class SortedColumn {
 public:
  SortedColumn() = default;
  // Takes (value, item) pairs in any order.
  explicit SortedColumn(std::vector<std::pair<double, int32_t>> entries);

  bool empty() const { return items_.empty(); }
  int32_t size() const { return static_cast<int32_t>(items_.size()); }
  // Smallest and largest value; only when not empty.
  double min() const { return values_.front(); }
  double max() const { return values_.back(); }
  // Returns the items with lo <(=) value <(=) hi, in value order.
  std::span<const int32_t> Range(double lo, bool lo_inclusive, double hi, bool hi_inclusive) const;

 private:
  std::vector<double> values_;
  std::vector<int32_t> items_;
};

// Parses a free-form attribute value as a finite number ("0.3", "12"); the one
// definition rules use for numeric attribute comparisons.
std::optional<double> ParseAttributeNumber(std::string_view value);

class CatalogIndex {
 public:
  // Builds the index. `repeat_purchase_categories` lists category paths
  // (joined with '/') whose items may be recommended again after purchase.
  static std::shared_ptr<const CatalogIndex> Build(
      std::vector<ItemInfo> items, std::span<const std::string> repeat_purchase_categories);

  // Distinct for every index built in this process, so caches can key on it.
  uint64_t serial() const { return serial_; }
  int32_t size() const { return static_cast<int32_t>(items_.size()); }
  const ItemInfo& item(int32_t i) const { return items_[i]; }
  // Returns the item's index, or -1.
  int32_t Find(std::string_view id) const;

  // Items that may be recommended at all (in stock or pre-order).
  const ItemMask& recommendable() const { return recommendable_; }
  // Items with exactly this availability (unspecified counts as in stock).
  const ItemMask& AvailabilityMask(Availability a) const;
  // Returns recommendable items passing `filter`.
  ItemMask Allowed(const FilterSpec& filter) const;

  // Category nodes: every prefix of every item's path gets an id.
  int32_t num_categories() const { return static_cast<int32_t>(category_names_.size()); }
  // Returns the id of a category path joined with '/', or -1.
  int32_t CategoryId(std::string_view joined_path) const;
  const std::string& CategoryName(int32_t id) const { return category_names_[id]; }
  // Category ids of the item's path, root first.
  std::span<const int32_t> ItemCategories(int32_t i) const;
  // The item's top-level category id, or -1 when it has none.
  int32_t TopCategory(int32_t i) const;
  // The item's category node at `depth` (1 = top level), its deepest node when
  // its path is shorter, or -1 when it has no category.
  int32_t CategoryAtDepth(int32_t i, int depth) const;
  bool InCategory(int32_t item, int32_t category) const;
  // Items under the category (at any depth), ascending.
  std::span<const int32_t> CategoryItems(int32_t category) const;
  // Items whose path ends exactly at the category, ascending.
  std::span<const int32_t> CategoryLeafItems(int32_t category) const;

  // Returns the brand's id, or -1.
  int32_t BrandId(std::string_view brand) const;
  int32_t ItemBrand(int32_t i) const { return item_brand_[i]; }
  std::span<const int32_t> BrandItems(int32_t brand) const { return brand_items_[brand]; }

  // Returns the tag's id, or -1.
  int32_t TagId(std::string_view tag) const;
  // Items carrying the tag, ascending.
  std::span<const int32_t> TagItems(int32_t tag) const { return tag_items_[tag]; }

  // Returns the attribute key's id, or -1.
  int32_t AttributeId(std::string_view key) const;
  // Items having the attribute, ascending.
  std::span<const int32_t> AttributeItems(int32_t key) const { return attrs_[key].items; }
  // Items whose value of the attribute is exactly `value`, ascending.
  std::span<const int32_t> AttributeValueItems(int32_t key, std::string_view value) const;
  // Items whose value of the attribute parses as a number, by that number.
  const SortedColumn& AttributeNumbers(int32_t key) const { return attrs_[key].numbers; }
  // Returns the item's value of the attribute, or nullptr.
  const std::string* ItemAttribute(int32_t i, std::string_view key) const;

  // Every item by price; every item by created_time_ms; items that track
  // stock (stock >= 0) by stock.
  const SortedColumn& PriceColumn() const { return price_column_; }
  const SortedColumn& CreatedColumn() const { return created_column_; }
  const SortedColumn& StockColumn() const { return stock_column_; }

  // Whether buying the item does not exclude it from recommendations.
  bool RepeatPurchase(int32_t i) const { return repeat_purchase_.Test(i); }

 private:
  struct AttributeIndex {
    std::vector<int32_t> items;
    absl::flat_hash_map<std::string, std::vector<int32_t>> by_value;
    SortedColumn numbers;
  };

  CatalogIndex() = default;
  void IndexCategories(int32_t i, const absl::flat_hash_map<std::string, bool>& repeat);
  void IndexTagsAndAttributes(int32_t i);

  uint64_t serial_ = 0;
  std::vector<ItemInfo> items_;
  absl::flat_hash_map<std::string, int32_t> by_id_;
  ItemMask recommendable_;
  // Indexed by Availability; [kUnspecified] stays empty.
  std::vector<ItemMask> by_availability_;
  ItemMask repeat_purchase_;
  std::vector<std::string> category_names_;
  absl::flat_hash_map<std::string, int32_t> category_by_name_;
  std::vector<std::vector<int32_t>> category_items_;
  std::vector<std::vector<int32_t>> category_leaf_items_;
  // item i's category ids are item_categories_[cat_offsets_[i] .. cat_offsets_[i+1]).
  std::vector<int32_t> item_categories_;
  std::vector<int32_t> cat_offsets_;
  absl::flat_hash_map<std::string, int32_t> brand_by_name_;
  std::vector<std::vector<int32_t>> brand_items_;
  std::vector<int32_t> item_brand_;
  absl::flat_hash_map<std::string, int32_t> tag_by_name_;
  std::vector<std::vector<int32_t>> tag_items_;
  absl::flat_hash_map<std::string, int32_t> attr_by_key_;
  std::vector<AttributeIndex> attrs_;
  SortedColumn price_column_;
  SortedColumn created_column_;
  SortedColumn stock_column_;
};

// Joins a category path with '/'.
std::string JoinCategoryPath(std::span<const std::string> path);

}  // namespace persona::model

#endif  // PERSONA_MODEL_CATALOG_INDEX_H_
