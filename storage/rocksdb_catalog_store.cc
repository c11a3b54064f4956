// CatalogStore over RocksDB: items and category policies in the items column
// family, item statistics in the aggregates column family.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/keys.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage::internal {
namespace {

class RocksDbCatalogStore : public CatalogStore {
 public:
  explicit RocksDbCatalogStore(Context* ctx) : ctx_(*ctx) {}

  absl::Status PutItems(std::string_view shop, const std::vector<rec::ItemRecord>& items) override;
  absl::StatusOr<rec::ItemRecord> GetItem(std::string_view shop, std::string_view id) override;
  absl::Status ScanItems(std::string_view shop,
                         const std::function<bool(const rec::ItemRecord&)>& fn) override;
  absl::Status PutCategories(std::string_view shop,
                             const std::vector<rec::CategoryRecord>& categories) override;
  absl::Status ScanCategories(std::string_view shop,
                              const std::function<bool(const rec::CategoryRecord&)>& fn) override;
  absl::Status ScanItemStats(
      std::string_view shop,
      const std::function<bool(std::string_view, const rec::ItemStatsRecord&)>& fn) override;

 private:
  Context& ctx_;
};

absl::Status RocksDbCatalogStore::PutItems(std::string_view shop,
                                           const std::vector<rec::ItemRecord>& items) {
  RETURN_IF_ERROR(CheckShop(shop));
  for (const auto& item : items) RETURN_IF_ERROR(CheckKeyId("item id", item.id()));
  if (items.empty()) return absl::OkStatus();
  ShopState* state = ctx_.Shop(shop);
  // Held across the write so Append never caches a category older than this write.
  absl::MutexLock lock(&state->mu);
  RETURN_IF_ERROR(EnsureShopLoaded(ctx_, shop, *state));
  Batch batch(ctx_);
  std::string key;
  for (const auto& item : items) {
    keys::BuildKey(shop, keys::kItem, item.id(), &key);
    batch.PutRecord(kItems, key, item);
  }
  PutShopRecordIfNew(ctx_, shop, *state, batch);
  RETURN_IF_ERROR(batch.Commit("storing items"));
  MarkShopPersisted(*state);
  if (state->item_category.size() + items.size() > kMaxCachedItems) state->item_category.clear();
  for (const auto& item : items) {
    state->item_category[item.id()] = item.category_path().empty() ? "" : item.category_path(0);
  }
  return absl::OkStatus();
}

absl::StatusOr<rec::ItemRecord> RocksDbCatalogStore::GetItem(std::string_view shop,
                                                             std::string_view id) {
  RETURN_IF_ERROR(CheckShop(shop));
  RETURN_IF_ERROR(CheckKeyId("item id", id));
  rec::ItemRecord item;
  ASSIGN_OR_RETURN(const bool found, GetRecord(ctx_, kItems, keys::Key(shop, keys::kItem, id), &item));
  if (!found) return absl::NotFoundError(absl::StrCat("item \"", Av(id), "\" not found"));
  return item;
}

absl::Status RocksDbCatalogStore::ScanItems(std::string_view shop,
                                            const std::function<bool(const rec::ItemRecord&)>& fn) {
  RETURN_IF_ERROR(CheckShop(shop));
  return ScanRecords<rec::ItemRecord>(
      ctx_, kItems, keys::KindPrefix(shop, keys::kItem),
      [&](std::string_view, const rec::ItemRecord& item) { return fn(item); });
}

absl::Status RocksDbCatalogStore::PutCategories(
    std::string_view shop, const std::vector<rec::CategoryRecord>& categories) {
  RETURN_IF_ERROR(CheckShop(shop));
  for (const auto& category : categories) {
    if (category.path().empty()) return absl::InvalidArgumentError("category path is empty");
    for (const auto& part : category.path()) RETURN_IF_ERROR(CheckKeyId("category name", part));
  }
  if (categories.empty()) return absl::OkStatus();
  ShopState* state = ctx_.Shop(shop);
  absl::MutexLock lock(&state->mu);
  RETURN_IF_ERROR(EnsureShopLoaded(ctx_, shop, *state));
  Batch batch(ctx_);
  for (const auto& category : categories) {
    batch.PutRecord(kItems, keys::CategoryKey(shop, category), category);
  }
  PutShopRecordIfNew(ctx_, shop, *state, batch);
  RETURN_IF_ERROR(batch.Commit("storing categories"));
  MarkShopPersisted(*state);
  return absl::OkStatus();
}

absl::Status RocksDbCatalogStore::ScanCategories(
    std::string_view shop, const std::function<bool(const rec::CategoryRecord&)>& fn) {
  RETURN_IF_ERROR(CheckShop(shop));
  return ScanRecords<rec::CategoryRecord>(
      ctx_, kItems, keys::KindPrefix(shop, keys::kCategory),
      [&](std::string_view, const rec::CategoryRecord& category) { return fn(category); });
}

absl::Status RocksDbCatalogStore::ScanItemStats(
    std::string_view shop,
    const std::function<bool(std::string_view, const rec::ItemStatsRecord&)>& fn) {
  RETURN_IF_ERROR(CheckShop(shop));
  return ScanRecords<rec::ItemStatsRecord>(ctx_, kAggregates, keys::KindPrefix(shop, keys::kItem),
                                           fn);
}

}  // namespace

std::unique_ptr<CatalogStore> NewRocksDbCatalogStore(Context* ctx) {
  return std::make_unique<RocksDbCatalogStore>(ctx);
}

}  // namespace persona::storage::internal
