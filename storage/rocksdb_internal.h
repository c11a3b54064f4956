// Shared plumbing of the RocksDB stores: the open database and its column
// families, per-shop in-memory state, status mapping, and small read/write
// helpers. RocksDB types are only forward-declared here, so this header keeps
// RocksDB's headers inside storage/*.cc.
//
// Internal to storage/. Context is immutable after Open; ShopState is guarded
// by its own mutex (see below); the helpers are thread-safe.
#ifndef PERSONA_STORAGE_ROCKSDB_INTERNAL_H_
#define PERSONA_STORAGE_ROCKSDB_INTERNAL_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/database.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Status;
class WriteBatch;
}  // namespace rocksdb

namespace persona::storage::internal {

// Returns `s` as absl's own string_view (Debian's abseil does not alias std's).
inline absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Column families, in the order they are opened after "default".
enum Cf { kCustomers, kItems, kEvents, kAggregates, kIdempotency, kModels, kMetadata, kCfCount };

// Returns the column family's name.
std::string_view CfName(Cf cf);

// Returns `status` as an absl::Status, prefixing the message with `what`
// (e.g. "reading customer"): Corruption → DATA_LOSS, IOError → UNAVAILABLE
// (RESOURCE_EXHAUSTED when the disk is full), Busy/TryAgain → UNAVAILABLE,
// NotFound → NOT_FOUND, and so on.
absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view what);

// One shop's in-memory state. `mu` is held by every writer of the shop, so
// read-modify-writes of aggregates, statistics and counters are atomic.
struct ShopState {
  absl::Mutex mu;
  // Whether `record` was read from disk (or found missing).
  bool loaded ABSL_GUARDED_BY(mu) = false;
  // Whether `record` is on disk; the first write of a shop stores it.
  bool record_persisted ABSL_GUARDED_BY(mu) = false;
  rec::ShopRecord record ABSL_GUARDED_BY(mu);
  // Every item's statistics, loaded by one scan on the first Append.
  bool item_stats_loaded ABSL_GUARDED_BY(mu) = false;
  absl::flat_hash_map<std::string, rec::ItemStatsRecord> item_stats ABSL_GUARDED_BY(mu);
  // Top-level category by item id ("" for unknown items); filled on demand,
  // kept current by PutItems.
  absl::flat_hash_map<std::string, std::string> item_category ABSL_GUARDED_BY(mu);
  // Country by customer id ("" when none); filled on demand, kept current by
  // PutCustomers and EraseCustomer. Cleared when it grows past a bound.
  absl::flat_hash_map<std::string, std::string> customer_country ABSL_GUARDED_BY(mu);
};

// Bound of ShopState::customer_country and ::item_category entries.
inline constexpr size_t kMaxCachedCustomers = 200'000;
inline constexpr size_t kMaxCachedItems = 4'000'000;

// The open database, shared by the stores. Not copyable.
struct Context {
  rocksdb::DB* db = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> cfs{};
  DatabaseOptions options;
  const Clock* clock = nullptr;

  // Returns the shop's state, creating it on first use; never null, lives as long as the Context.
  ShopState* Shop(std::string_view shop);

 private:
  absl::Mutex shops_mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<ShopState>> shops_ ABSL_GUARDED_BY(shops_mu_);
};

// Loads the shop's record from disk when not done yet.
absl::Status EnsureShopLoaded(Context& ctx, std::string_view shop_name, ShopState& shop)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(shop.mu);

// Returns INVALID_ARGUMENT unless `shop` is a valid shop name.
absl::Status CheckShop(std::string_view shop);

// Returns INVALID_ARGUMENT unless `id` is usable in a key: 1..kMaxIdBytes
// bytes without '\0'. (Callers validate ids fully; this guards the layout.)
absl::Status CheckKeyId(std::string_view what, std::string_view id);

// Reads one value. Returns false when the key is absent.
absl::StatusOr<bool> Get(const Context& ctx, Cf cf, std::string_view key, std::string* value);

// Reads and parses one record. Returns false when the key is absent, DATA_LOSS
// when the value does not parse.
absl::StatusOr<bool> GetRecord(const Context& ctx, Cf cf, std::string_view key,
                               google::protobuf::MessageLite* record);

// Calls `fn(key, value)` for every key in [lower, upper) in order (reverse
// order when `reverse`) until it returns false. An empty `upper` means no bound.
absl::Status ScanRange(const Context& ctx, Cf cf, std::string_view lower, std::string_view upper,
                       bool reverse,
                       const std::function<bool(std::string_view, std::string_view)>& fn);

// Calls `fn(key, value)` for every key starting with `prefix`, in order.
absl::Status ScanPrefix(const Context& ctx, Cf cf, std::string_view prefix,
                        const std::function<bool(std::string_view, std::string_view)>& fn);

// Returns the DATA_LOSS status for a value at `key` that does not parse.
absl::Status Unparsable(std::string_view what, std::string_view key);

// Calls `fn(payload, record)` for every key starting with `prefix`, where
// `payload` is the key after the prefix. DATA_LOSS when a value does not parse.
template <typename Record, typename Fn>
absl::Status ScanRecords(const Context& ctx, Cf cf, std::string_view prefix, Fn&& fn) {
  Record record;
  absl::Status parse_error;
  absl::Status status = ScanPrefix(ctx, cf, prefix, [&](std::string_view key, std::string_view value) {
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse_error = Unparsable(CfName(cf), key);
      return false;
    }
    return static_cast<bool>(fn(key.substr(prefix.size()), static_cast<const Record&>(record)));
  });
  if (!parse_error.ok()) return parse_error;
  return status;
}

// The updates of one atomic write, applied with the database's write options.
// Updates are buffered and handed to RocksDB sorted by column family and key
// (stable, so updates of one key keep their order): RocksDB then inserts each
// into its memtable next to the previous one, much faster than in call order.
// Not thread-safe.
class Batch {
 public:
  explicit Batch(Context& ctx, size_t reserved_bytes = 0);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void Put(Cf cf, std::string_view key, std::string_view value);
  void Delete(Cf cf, std::string_view key);
  // Serialises `record` straight into the batch.
  void PutRecord(Cf cf, std::string_view key, const google::protobuf::MessageLite& record);
  // Number of updates so far.
  int Count() const { return static_cast<int>(entries_.size()); }
  // Writes the batch atomically (WAL on; fsync when options.sync_every_write).
  absl::Status Commit(std::string_view what);

 private:
  struct Entry {
    Cf cf;
    bool is_delete;
    size_t key_offset, key_size, value_offset, value_size;
  };
  std::string_view Slice(size_t offset, size_t size) const {
    return std::string_view(arena_).substr(offset, size);
  }

  Context& ctx_;
  std::string arena_;  // keys and values, back to back
  std::vector<Entry> entries_;
};

// Adds the shop's record to `batch` when it is not on disk yet. Call
// MarkShopPersisted after the batch committed.
void PutShopRecordIfNew(Context& ctx, std::string_view shop_name, ShopState& shop, Batch& batch)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(shop.mu);
inline void MarkShopPersisted(ShopState& shop) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shop.mu) {
  shop.record_persisted = true;
}

// Calls `fn(id, customer, aggregates)` for every customer of the shop with
// attributes or aggregates (a null pointer for what is not stored), in id
// order, starting after `start_after` (empty: from the first), on one
// snapshot, until `fn` returns false. The records are only valid during the call.
using CustomerJoinFn = std::function<bool(std::string_view, const rec::CustomerRecord*,
                                          const rec::SubjectAggregatesRecord*)>;
absl::Status ScanCustomerJoin(const Context& ctx, std::string_view shop,
                              std::string_view start_after, const CustomerJoinFn& fn);

// Factories of the stores over an open Context (not owned; must outlive them).
std::unique_ptr<CatalogStore> NewRocksDbCatalogStore(Context* ctx);
std::unique_ptr<ProfileStore> NewRocksDbProfileStore(Context* ctx);
std::unique_ptr<EventLog> NewRocksDbEventLog(Context* ctx);
std::unique_ptr<ModelStore> NewRocksDbModelStore(Context* ctx);
std::unique_ptr<MarketingStore> NewRocksDbMarketingStore(Context* ctx);

}  // namespace persona::storage::internal

#endif  // PERSONA_STORAGE_ROCKSDB_INTERNAL_H_
