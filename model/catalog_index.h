// An immutable, indexed view of one shop's catalog for scoring: dense item
// indices, the fields rules filter on as flat arrays, and precomputed item
// lists per category node and brand so that a request's allowed-items mask is
// built from set operations, never by scanning items one by one.
// Immutable after Build: safe to share across threads.
#ifndef PERSONA_MODEL_CATALOG_INDEX_H_
#define PERSONA_MODEL_CATALOG_INDEX_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

// What the model needs to know of one item.
struct ItemInfo {
  std::string id;
  std::vector<std::string> category_path;
  std::string brand;
  double price = 0;
  Availability availability = Availability::kInStock;
  int64_t created_time_ms = 0;
};

// A request's filters, as plain values.
struct FilterSpec {
  // Category path prefix; empty means any.
  std::vector<std::string> category_path;
  std::optional<double> min_price;
  std::optional<double> max_price;
  bool in_stock_only = false;
  // Any of these brands; empty means any.
  std::vector<std::string> brands;
};

class CatalogIndex {
 public:
  // Builds the index. `repeat_purchase_categories` lists category paths
  // (joined with '/') whose items may be recommended again after purchase.
  static std::shared_ptr<const CatalogIndex> Build(
      std::vector<ItemInfo> items, std::span<const std::string> repeat_purchase_categories);

  int32_t size() const { return static_cast<int32_t>(items_.size()); }
  const ItemInfo& item(int32_t i) const { return items_[i]; }
  // Returns the item's index, or -1.
  int32_t Find(std::string_view id) const;

  // Items that may be recommended at all (in stock or pre-order).
  const ItemMask& recommendable() const { return recommendable_; }
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
  bool InCategory(int32_t item, int32_t category) const;
  // Items under the category (at any depth), ascending.
  std::span<const int32_t> CategoryItems(int32_t category) const;

  // Returns the brand's id, or -1.
  int32_t BrandId(std::string_view brand) const;
  int32_t ItemBrand(int32_t i) const { return item_brand_[i]; }

  // Whether buying the item does not exclude it from recommendations.
  bool RepeatPurchase(int32_t i) const { return repeat_purchase_.Test(i); }

 private:
  CatalogIndex() = default;

  std::vector<ItemInfo> items_;
  absl::flat_hash_map<std::string, int32_t> by_id_;
  ItemMask recommendable_;
  ItemMask in_stock_;
  ItemMask repeat_purchase_;
  std::vector<float> price_;
  std::vector<std::string> category_names_;
  absl::flat_hash_map<std::string, int32_t> category_by_name_;
  std::vector<std::vector<int32_t>> category_items_;
  // item i's category ids are item_categories_[cat_offsets_[i] .. cat_offsets_[i+1]).
  std::vector<int32_t> item_categories_;
  std::vector<int32_t> cat_offsets_;
  absl::flat_hash_map<std::string, int32_t> brand_by_name_;
  std::vector<std::vector<int32_t>> brand_items_;
  std::vector<int32_t> item_brand_;
};

// Joins a category path with '/'.
std::string JoinCategoryPath(std::span<const std::string> path);

}  // namespace persona::model

#endif  // PERSONA_MODEL_CATALOG_INDEX_H_
