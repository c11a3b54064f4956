// Database::Open over RocksDB: options, column families, the schema check,
// the one rocksdb::Status → absl::Status mapping, and the shop-wide calls.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "storage/keys.h"
#include "storage/maintenance_internal.h"
#include "storage/statistics_internal.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage {
namespace internal {

absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(Av(what), ": ", status.ToString());
  switch (status.code()) {
    case rocksdb::Status::kNotFound: return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(absl::StrCat(Av(what), ": RocksDB reports corruption: ", status.ToString()));
    case rocksdb::Status::kNotSupported: return absl::UnimplementedError(message);
    case rocksdb::Status::kInvalidArgument: return absl::InvalidArgumentError(message);
    case rocksdb::Status::kIOError:
      if (status.IsNoSpace() || status.ToString().find("No space") != std::string::npos) {
        return absl::ResourceExhaustedError(message);
      }
      return absl::UnavailableError(message);
    case rocksdb::Status::kMergeInProgress: return absl::AbortedError(message);
    case rocksdb::Status::kIncomplete: return absl::UnavailableError(message);
    case rocksdb::Status::kShutdownInProgress: return absl::UnavailableError(message);
    case rocksdb::Status::kTimedOut: return absl::DeadlineExceededError(message);
    case rocksdb::Status::kAborted: return absl::AbortedError(message);
    case rocksdb::Status::kBusy: return absl::UnavailableError(message);
    case rocksdb::Status::kExpired: return absl::DeadlineExceededError(message);
    case rocksdb::Status::kTryAgain: return absl::UnavailableError(message);
    case rocksdb::Status::kCompactionTooLarge: return absl::ResourceExhaustedError(message);
    case rocksdb::Status::kColumnFamilyDropped: return absl::FailedPreconditionError(message);
    default: return absl::InternalError(message);
  }
}

}  // namespace internal

namespace {

using internal::Cf;
using internal::Context;

rocksdb::CompressionType PickCompression(bool bottommost) {
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType t) {
    return std::find(supported.begin(), supported.end(), t) != supported.end();
  };
  if (bottommost && has(rocksdb::kZSTD)) return rocksdb::kZSTD;
  if (has(rocksdb::kLZ4Compression)) return rocksdb::kLZ4Compression;
  if (has(rocksdb::kSnappyCompression)) return rocksdb::kSnappyCompression;
  return rocksdb::kNoCompression;
}

// Options tuned for point lookups (idempotency, aggregates, aliases) and
// short prefix scans, sharing one block cache.
rocksdb::ColumnFamilyOptions CfOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  table.format_version = 5;
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  cf.memtable_whole_key_filtering = true;
  cf.level_compaction_dynamic_level_bytes = true;
  cf.compression = PickCompression(false);
  cf.bottommost_compression = PickCompression(true);
  return cf;
}

rocksdb::DBOptions DbOptions() {
  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.max_background_jobs = 2;
  db.bytes_per_sync = 1 << 20;
  db.keep_log_file_num = 5;
  // Bounds the WAL when a rarely written column family keeps old logs alive.
  db.max_total_wal_size = 256ull << 20;
  db.db_write_buffer_size = 256ull << 20;
  return db;
}

class RocksDbDatabase : public Database {
 public:
  RocksDbDatabase(std::unique_ptr<Context> ctx, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                  std::shared_ptr<rocksdb::Cache> cache)
      : ctx_(std::move(ctx)),
        handles_(std::move(handles)),
        cache_(std::move(cache)),
        catalog_(internal::NewRocksDbCatalogStore(ctx_.get())),
        profiles_(internal::NewRocksDbProfileStore(ctx_.get())),
        events_(internal::NewRocksDbEventLog(ctx_.get())),
        models_(internal::NewRocksDbModelStore(ctx_.get())),
        marketing_(internal::NewRocksDbMarketingStore(ctx_.get())),
        maintenance_(internal::NewRocksDbMaintenance(ctx_.get())) {}

  ~RocksDbDatabase() override {
    for (auto* h : handles_) ctx_->db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    ctx_->db->Close().PermitUncheckedError();
    delete ctx_->db;
  }

  CatalogStore& catalog() override { return *catalog_; }
  ProfileStore& profiles() override { return *profiles_; }
  EventLog& events() override { return *events_; }
  ModelStore& models() override { return *models_; }
  MarketingStore& marketing() override { return *marketing_; }
  Maintenance& maintenance() override { return *maintenance_; }

  absl::StatusOr<std::vector<std::string>> ListShops() override;
  absl::StatusOr<ShopCounters> GetShopCounters(std::string_view shop) override;
  absl::Status Flush() override;
  std::vector<StorageStatistic> Statistics() override { return internal::ReadStatistics(*ctx_); }

  // Checks the schema record, writing it into a new store.
  absl::Status CheckSchema();

 private:
  absl::Status CountCustomers(std::string_view shop, ShopCounters* counters);

  std::unique_ptr<Context> ctx_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // every open family, for cleanup
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<CatalogStore> catalog_;
  std::unique_ptr<ProfileStore> profiles_;
  std::unique_ptr<EventLog> events_;
  std::unique_ptr<ModelStore> models_;
  std::unique_ptr<MarketingStore> marketing_;
  std::unique_ptr<Maintenance> maintenance_;
};

absl::Status RocksDbDatabase::CheckSchema() {
  rec::SchemaRecord schema;
  ASSIGN_OR_RETURN(const bool found,
                   internal::GetRecord(*ctx_, internal::kMetadata, keys::kSchemaKey, &schema));
  if (found) {
    if (schema.version() > kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the data at ", ctx_->options.path, " has storage schema version ", schema.version(),
          " (written by ", schema.created_by(), "), newer than schema version ", kSchemaVersion,
          " that this binary reads; run a newer persona"));
    }
    return absl::OkStatus();
  }
  schema.set_version(kSchemaVersion);
  schema.set_created_by("persona 0.1.0");
  schema.set_created_time_ms(ctx_->clock->NowMs());
  internal::Batch batch(*ctx_);
  batch.PutRecord(internal::kMetadata, keys::kSchemaKey, schema);
  return batch.Commit("writing the schema record");
}

absl::StatusOr<std::vector<std::string>> RocksDbDatabase::ListShops() {
  std::vector<std::string> shops;
  std::unique_ptr<rocksdb::Iterator> it(
      ctx_->db->NewIterator(rocksdb::ReadOptions(), ctx_->cfs[internal::kMetadata]));
  it->SeekToFirst();
  while (it->Valid()) {
    const std::string_view key(it->key().data(), it->key().size());
    const size_t nul = key.find('\0');
    if (nul == std::string_view::npos || nul == 0) {
      it->Next();  // the schema record
      continue;
    }
    shops.emplace_back(key.substr(0, nul));
    const std::string next = shops.back() + '\1';  // past every "<shop>\0..." key
    it->Seek(next);
  }
  RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "listing shops"));
  return shops;
}

uint64_t StoredEvents(const rec::SubjectAggregatesRecord& agg) {
  return agg.next_seq() >= agg.first_seq() ? agg.next_seq() - agg.first_seq() : 0;
}

// Counts customers with attributes or aggregates (the customer join).
absl::Status RocksDbDatabase::CountCustomers(std::string_view shop, ShopCounters* counters) {
  return internal::ScanCustomerJoin(
      *ctx_, shop, "",
      [&](std::string_view, const rec::CustomerRecord*, const rec::SubjectAggregatesRecord* agg) {
        ++counters->customers;
        if (agg != nullptr) counters->events_stored += static_cast<int64_t>(StoredEvents(*agg));
        return true;
      });
}

absl::StatusOr<ShopCounters> RocksDbDatabase::GetShopCounters(std::string_view shop) {
  RETURN_IF_ERROR(internal::CheckShop(shop));
  ShopCounters counters;
  RETURN_IF_ERROR(internal::GetRecord(*ctx_, internal::kMetadata, keys::ShopRecordKey(shop),
                                      &counters.record)
                      .status());
  RETURN_IF_ERROR(CountCustomers(shop, &counters));
  rec::SubjectAggregatesRecord agg;
  bool parsed = true;
  std::string bad_key;
  RETURN_IF_ERROR(internal::ScanPrefix(
      *ctx_, internal::kAggregates, keys::KindPrefix(shop, keys::kSession),
      [&](std::string_view key, std::string_view value) {
        if (!agg.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parsed = false;
          bad_key = std::string(key);
          return false;
        }
        ++counters.sessions;
        counters.events_stored += static_cast<int64_t>(StoredEvents(agg));
        return true;
      }));
  if (!parsed) return internal::Unparsable("aggregates", bad_key);
  return counters;
}

absl::Status RocksDbDatabase::Flush() {
  RETURN_IF_ERROR(internal::FromRocksDb(ctx_->db->FlushWAL(/*sync=*/true), "syncing the WAL"));
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(ctx_->cfs.begin(), ctx_->cfs.end());
  return internal::FromRocksDb(ctx_->db->Flush(rocksdb::FlushOptions(), cfs), "flushing memtables");
}

absl::Status CreateDirectory(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("creating ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("storage path is empty");
  auto ctx = std::make_unique<Context>();
  ctx->options = options;
  if (ctx->options.max_events_per_subject <= 0) ctx->options.max_events_per_subject = 500;
  if (ctx->options.block_cache_mb <= 0) ctx->options.block_cache_mb = 256;
  ctx->clock = options.clock != nullptr ? options.clock : Clock::Real();
  RETURN_IF_ERROR(CreateDirectory(options.path));

  auto cache = rocksdb::NewLRUCache(static_cast<size_t>(ctx->options.block_cache_mb) << 20);
  rocksdb::DBOptions db_options = DbOptions();
  db_options.info_log = internal::NewInfoLog(options.path);  // survives a full disk
  db_options.statistics = internal::NewStatistics();         // for Statistics()
  const rocksdb::ColumnFamilyOptions cf_options = CfOptions(cache);
  // Open every family on disk (a newer binary may have added some), plus ours.
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(db_options, options.path, &names).ok()) names.clear();
  if (std::find(names.begin(), names.end(), rocksdb::kDefaultColumnFamilyName) == names.end()) {
    names.push_back(rocksdb::kDefaultColumnFamilyName);
  }
  for (int cf = 0; cf < internal::kCfCount; ++cf) {
    const std::string name(internal::CfName(static_cast<Cf>(cf)));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  RETURN_IF_ERROR(internal::WithRecoveryAdvice(
      internal::FromRocksDb(rocksdb::DB::Open(rocksdb::Options(db_options, cf_options),
                                              options.path, descriptors, &handles, &db),
                            absl::StrCat("opening RocksDB at ", options.path)),
      options.path));
  ctx->db = db;
  for (size_t i = 0; i < names.size(); ++i) {
    for (int cf = 0; cf < internal::kCfCount; ++cf) {
      if (names[i] == internal::CfName(static_cast<Cf>(cf))) ctx->cfs[cf] = handles[i];
    }
  }
  auto database = std::make_unique<RocksDbDatabase>(std::move(ctx), std::move(handles), cache);
  RETURN_IF_ERROR(internal::WithRecoveryAdvice(database->CheckSchema(), options.path));
  return database;
}

}  // namespace persona::storage
