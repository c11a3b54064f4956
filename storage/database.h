// Persona's storage: customers, catalog, behaviour events and their aggregates,
// kept in RocksDB with every shop's data isolated under its own key prefix.
// The key layout and value encoding are documented in storage/README.md.
//
// Thread-safety: every method of every interface here may be called from any
// thread concurrently. Writes are atomic per call unless a method says
// otherwise; a method returns OK only after its write has returned from RocksDB
// (the write-ahead log is always on).
#ifndef PERSONA_STORAGE_DATABASE_H_
#define PERSONA_STORAGE_DATABASE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "persona/storage/v1/records.pb.h"

namespace persona::storage {

namespace rec = ::persona::storage::v1;

// The on-disk layout version this binary writes. Opening data with a newer
// version fails with FAILED_PRECONDITION.
inline constexpr int kSchemaVersion = 1;

// Weights and half-lives used to keep aggregates and item statistics.
struct AggregationOptions {
  // Half-lives of the decayed scores, in milliseconds.
  double popularity_half_life_ms = 14 * 86'400'000.0;
  double trending_half_life_ms = 2 * 86'400'000.0;
  double affinity_half_life_ms = 30 * 86'400'000.0;
  // Interaction weight per persona.v1.EventType number for popularity and
  // affinities; types not listed weigh 0. Purchases count per unit bought
  // (capped at 10 units per line).
  std::vector<std::pair<int, double>> event_weights = {
      {1, 1.0},    // PRODUCT_VIEW
      {4, 3.0},    // ADD_TO_CART
      {6, 10.0},   // PURCHASE
      {8, 2.0},    // RATING
      {10, 1.0},   // EMAIL_CLICK
      {12, 1.5}};  // RECOMMENDATION_CLICK
  // Items remembered per subject in SubjectAggregatesRecord.bought_items (default 1000).
  int max_bought_items = 1000;
  // Order ids remembered to count the rows of one order once (default 32).
  int max_recent_order_ids = 32;
  // Item interactions remembered per subject for real-time fold-in (default
  // 20: every event rewrites the aggregates record, so its size is ingest cost).
  int max_recent_interactions = 20;
  // How long after a click on a recommended item (or after a recommendation
  // was issued, for events carrying its id) an add-to-cart or purchase of the
  // item is attributed to it, in milliseconds (default 7 days).
  int64_t attribution_window_ms = 7 * 86'400'000LL;
  // Engagements with recommended items remembered per subject for
  // attribution (default 16; older ones, and those past the window, are dropped).
  int max_recommendation_touches = 16;
  // Items remembered per subject in SubjectAggregatesRecord.shown_items for
  // "already shown N times in the last D days" rules (default 200; the items
  // shown least recently are dropped first). Each costs about 12 + 6 bytes
  // per time in the aggregates record that every event rewrites.
  int max_shown_items = 200;
  // Showings remembered per item, newest kept (default 8): rules can ask for
  // "shown at least N times" with N up to this.
  int max_shown_times = 8;
  // How long a showing is remembered, in milliseconds (default 30 days):
  // the longest D such rules can use.
  int64_t shown_history_ms = 30 * 86'400'000LL;
  // Emails remembered per subject for frequency caps and "not emailed
  // within D days" (default 32, oldest dropped first), and for how long
  // (default 90 days: the longest cap period or D campaigns can use).
  int max_email_sends = 32;
  int64_t email_history_ms = 90 * 86'400'000LL;
};

struct DatabaseOptions {
  // RocksDB directory; created when missing.
  std::string path;
  // fsync the WAL before every write returns (default false: a killed process
  // loses nothing acknowledged, a power loss may lose the last moments).
  bool sync_every_write = false;
  // Events kept in full per customer or session (default 500); older ones are
  // deleted in the same write that appends a new one (their effect lives on
  // in the aggregates).
  int max_events_per_subject = 500;
  // Block cache size in MiB (default 256).
  int block_cache_mb = 256;
  AggregationOptions aggregation;
  // Source of "now" (received times, record times). Not owned; defaults to the real clock.
  const Clock* clock = nullptr;
};

// Who an event or profile belongs to.
struct Subject {
  enum class Kind { kCustomer, kSession };
  Kind kind = Kind::kCustomer;
  std::string id;

  static Subject Customer(std::string id) { return {Kind::kCustomer, std::move(id)}; }
  static Subject Session(std::string id) { return {Kind::kSession, std::move(id)}; }
  bool operator==(const Subject&) const = default;
};

// Keeps each shop's items and category policies.
class CatalogStore {
 public:
  virtual ~CatalogStore() = default;
  // Creates or replaces `items` in one atomic write.
  virtual absl::Status PutItems(std::string_view shop, const std::vector<rec::ItemRecord>& items) = 0;
  // Returns the item, or NOT_FOUND.
  virtual absl::StatusOr<rec::ItemRecord> GetItem(std::string_view shop, std::string_view id) = 0;
  // Calls `fn` for every item of the shop in key order; stops early when `fn` returns false.
  virtual absl::Status ScanItems(std::string_view shop,
                                 const std::function<bool(const rec::ItemRecord&)>& fn) = 0;
  // Creates or replaces category policies in one atomic write.
  virtual absl::Status PutCategories(std::string_view shop,
                                     const std::vector<rec::CategoryRecord>& categories) = 0;
  virtual absl::Status ScanCategories(
      std::string_view shop, const std::function<bool(const rec::CategoryRecord&)>& fn) = 0;
  // Calls `fn(item_id, stats)` for every item with behaviour statistics.
  virtual absl::Status ScanItemStats(
      std::string_view shop,
      const std::function<bool(std::string_view, const rec::ItemStatsRecord&)>& fn) = 0;
};

// Keeps each shop's customer attributes and derived profiles.
class ProfileStore {
 public:
  virtual ~ProfileStore() = default;
  // Creates or replaces customers' attributes in one atomic write; their
  // behaviour and aggregates are kept.
  virtual absl::Status PutCustomers(std::string_view shop,
                                    const std::vector<rec::CustomerRecord>& customers) = 0;
  // Returns the customer's attributes, or NOT_FOUND.
  virtual absl::StatusOr<rec::CustomerRecord> GetCustomer(std::string_view shop,
                                                          std::string_view id) = 0;
  // Returns the customer a session was merged into, if any.
  virtual absl::StatusOr<std::optional<std::string>> ResolveSession(std::string_view shop,
                                                                    std::string_view session_id) = 0;
  // Returns the subject's aggregates, or NOT_FOUND when it has no events.
  virtual absl::StatusOr<rec::SubjectAggregatesRecord> GetAggregates(std::string_view shop,
                                                                     const Subject& subject) = 0;
  // Returns up to `limit` of the subject's stored events, newest first.
  virtual absl::StatusOr<std::vector<rec::EventRecord>> RecentEvents(std::string_view shop,
                                                                     const Subject& subject,
                                                                     int limit) = 0;
  // Deletes a customer and everything about them (attributes, events,
  // aggregates, merged sessions' aliases, and the idempotency keys of their
  // stored events) in one atomic write. Returns the number of records deleted,
  // or NOT_FOUND when nothing was held.
  virtual absl::StatusOr<int64_t> EraseCustomer(std::string_view shop, std::string_view id) = 0;
  // Calls `fn` for every customer with attributes.
  virtual absl::Status ScanCustomers(std::string_view shop,
                                     const std::function<bool(const rec::CustomerRecord&)>& fn) = 0;
  // Calls `fn(id, customer, aggregates)` for every customer with attributes
  // or events, in id order, starting after `start_after` (empty: from the
  // first), with null for what is not stored, on one consistent snapshot,
  // until `fn` returns false. Records are valid only during the call. For
  // segment passes and campaigns: reads both sorted ranges side by side.
  virtual absl::Status ScanCustomerProfiles(
      std::string_view shop, std::string_view start_after,
      const std::function<bool(std::string_view, const rec::CustomerRecord*,
                               const rec::SubjectAggregatesRecord*)>& fn) = 0;
  // Calls `fn(subject, aggregates)` for every customer and session with events.
  virtual absl::Status ScanAggregates(
      std::string_view shop,
      const std::function<bool(const Subject&, const rec::SubjectAggregatesRecord&)>& fn) = 0;
};

// What became of one event given to EventLog::Append.
enum class AppendOutcome { kStored, kDuplicate };

struct AppendResult {
  // One per input event, in order.
  std::vector<AppendOutcome> outcomes;
  // The new statistics of every item the stored events touched.
  std::vector<std::pair<std::string, rec::ItemStatsRecord>> item_stats;
  // Subjects whose aggregates changed (after session merges: the customer).
  std::vector<Subject> subjects;
};

// What recommendations of one placement and variant, issued on one UTC day,
// led to (see PlacementMetricsRecord).
struct PlacementMetricsRow {
  std::string placement;
  // The experiment variant named in the recommendation id ("" when none).
  std::string variant;
  // Days since 1970-01-01 (UTC) of the recommendations' issue time.
  int32_t day = 0;
  rec::PlacementMetricsRecord metrics;
};

// Adds `delta` to `into` (counts, revenue and revenue_sq): how Append sums
// the figures, and how readers of ScanPlacementMetrics sum rows.
void AddPlacementMetrics(const rec::PlacementMetricsRecord& delta, rec::PlacementMetricsRecord* into);

// Appends behaviour events.
class EventLog {
 public:
  virtual ~EventLog() = default;
  // Stores validated events in ONE atomic WriteBatch: for each event, the
  // event record, its subject's aggregates, the items' statistics, the shop's
  // counters and the idempotency key. An event whose non-empty event_id is
  // already stored in the shop (or earlier in the same call) is a duplicate
  // and changes nothing. An event with both customer_id and session_id first
  // merges the session's events and aggregates into the customer and records
  // the session as an alias; an event with only a session id that was merged
  // belongs to that customer. Returns OK only after the write has returned;
  // on error nothing was written. `received_time_ms` must be set by the caller.
  virtual absl::StatusOr<AppendResult> Append(std::string_view shop,
                                              const std::vector<rec::EventRecord>& events) = 0;
  // Calls `fn(subject, event)` for every stored event of the shop, grouped by
  // subject and oldest first within a subject; stops early when `fn` returns
  // false. Reads a consistent snapshot, so concurrent appends are not seen.
  // For training: a full scan, not a hot path.
  virtual absl::Status ScanEvents(
      std::string_view shop,
      const std::function<bool(const Subject&, const rec::EventRecord&)>& fn) = 0;
  // Calls `fn` for every placement/variant/day with attributed figures whose
  // day is in [from_day, to_day] (days since 1970-01-01, UTC), ordered by day,
  // then placement, then variant; only `placement`'s when it is not empty.
  // The counters are written in the same WriteBatch as the events that change
  // them (Append), so they are exactly as durable as the events.
  virtual absl::Status ScanPlacementMetrics(
      std::string_view shop, std::string_view placement, int32_t from_day, int32_t to_day,
      const std::function<bool(const PlacementMetricsRow&)>& fn) = 0;
};

// Keeps each shop's trained models as opaque, versioned byte strings; the
// newest kModelsKept versions of a shop are kept so that the server can fall
// back to an older one when the newest does not load.
class ModelStore {
 public:
  static constexpr int kModelsKept = 3;

  virtual ~ModelStore() = default;
  // Stores a model under `version` (1..128 bytes; versions must sort by age,
  // e.g. a UTC timestamp) and deletes versions beyond the newest kModelsKept,
  // in one atomic write.
  virtual absl::Status PutModel(std::string_view shop, std::string_view version,
                                std::string_view bytes) = 0;
  // Calls `fn(version, bytes)` for the shop's stored models, newest first,
  // until it returns false.
  virtual absl::Status ScanModels(
      std::string_view shop,
      const std::function<bool(std::string_view, std::string_view)>& fn) = 0;
  // Replaces the bytes of a stored version in place (erasure removes a
  // customer's row from stored models this way). NOT_FOUND when the version
  // is no longer stored; never stores a new version or deletes older ones.
  virtual absl::Status ReplaceModel(std::string_view shop, std::string_view version,
                                    std::string_view bytes) = 0;
};

// Keeps what marketing defines: custom segments, segment sizes per day,
// campaign definitions, and the server's secrets (e.g. the key that signs
// email links).
class MarketingStore {
 public:
  virtual ~MarketingStore() = default;
  // Creates or replaces a custom segment (name 1..64 bytes without '\0').
  virtual absl::Status PutSegment(std::string_view shop, const rec::SegmentDefinitionRecord& segment) = 0;
  // Deletes a custom segment; NOT_FOUND when there is none of that name.
  virtual absl::Status DeleteSegment(std::string_view shop, std::string_view name) = 0;
  // Calls `fn` for every custom segment of the shop, by name.
  virtual absl::Status ScanSegments(
      std::string_view shop, const std::function<bool(const rec::SegmentDefinitionRecord&)>& fn) = 0;
  // Stores the sizes of a day's segment pass (replacing the day's earlier one).
  virtual absl::Status PutSegmentSizes(std::string_view shop, int32_t day,
                                       const rec::SegmentSizesRecord& sizes) = 0;
  // Calls `fn(day, sizes)` for the stored days in [from_day, to_day], oldest first.
  virtual absl::Status ScanSegmentSizes(
      std::string_view shop, int32_t from_day, int32_t to_day,
      const std::function<bool(int32_t, const rec::SegmentSizesRecord&)>& fn) = 0;
  // Creates or replaces a campaign definition (id 1..64 bytes without '\0').
  virtual absl::Status PutCampaign(std::string_view shop, const rec::CampaignRecord& campaign) = 0;
  // Returns a campaign definition, or NOT_FOUND.
  virtual absl::StatusOr<rec::CampaignRecord> GetCampaign(std::string_view shop,
                                                          std::string_view id) = 0;
  // Returns the server-wide secret `name`, storing `make()` first when there
  // is none yet (atomic against concurrent callers of this process).
  virtual absl::StatusOr<std::string> GetOrCreateSecret(std::string_view name,
                                                        const std::function<std::string()>& make) = 0;
};

// One RocksDB figure for monitoring (storage/statistics.cc lists them).
struct StorageStatistic {
  // RocksDB's own name: a ticker ("rocksdb.block.cache.hit") or a property
  // ("rocksdb.estimate-live-data-size").
  std::string name;
  double value = 0;
  // Tickers count since the database was opened; properties are current.
  bool cumulative = false;
};

// One shop's counters.
struct ShopCounters {
  rec::ShopRecord record;
  int64_t customers = 0;         // customers with attributes or events
  int64_t sessions = 0;          // unmerged sessions with events
  int64_t events_stored = 0;     // events held in full
};

// One backup in a backup directory (RocksDB BackupEngine layout).
struct BackupInfo {
  // Increasing id within the directory; restore takes it (0 means the newest).
  uint32_t id = 0;
  // When the backup was taken, ms since the epoch (the backup engine's clock,
  // second resolution).
  int64_t created_time_ms = 0;
  // Bytes of the files the backup refers to (files shared with other
  // backups of the directory count in each).
  uint64_t size_bytes = 0;
  uint32_t files = 0;
};

// What one retention pass over a shop deleted.
struct RetentionReport {
  // Stored events whose event time (timestamp_ms, else received_time_ms) was
  // before the cutoff.
  int64_t events_deleted = 0;
  // Idempotency keys received before the cutoff.
  int64_t idempotency_keys_deleted = 0;
  // Customers and sessions that lost events.
  int64_t subjects_touched = 0;
};

// Operating the open database: online backups and event retention
// (docs/OPERATIONS.md). Restore and repair work on a closed database and are
// free functions in storage/backup.h. Thread-safe; backups of one process
// run one at a time.
class Maintenance {
 public:
  virtual ~Maintenance() = default;
  // Takes an online backup into `backup_dir` (created when missing) while
  // writes go on: memtables are flushed first and every write acknowledged
  // before the call is in the backup. Files already in the directory are
  // shared (incremental). Then deletes all but the newest `keep` backups
  // (keep >= 1). UNAVAILABLE / RESOURCE_EXHAUSTED when the directory cannot
  // be written; a failed backup leaves the earlier ones intact.
  virtual absl::StatusOr<BackupInfo> CreateBackup(const std::string& backup_dir, int keep) = 0;
  // Lists the backups in `backup_dir`, oldest first (empty when it holds none).
  virtual absl::StatusOr<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir) = 0;
  // Deletes the shop's stored events whose event time is before `cutoff_ms`
  // and its idempotency keys received before it, in small atomic batches
  // that take the shop's write lock briefly (appends go on in between).
  // Aggregates, item statistics and attributed figures are derived and stay.
  virtual absl::StatusOr<RetentionReport> PurgeExpiredEvents(std::string_view shop,
                                                             int64_t cutoff_ms) = 0;
};

// Owns the RocksDB instance and hands out the stores over it.
class Database {
 public:
  // Opens (creating when missing) the database at options.path. Fails with
  // FAILED_PRECONDITION naming both versions when the data was written by a
  // newer schema, and with DATA_LOSS naming the file when RocksDB reports
  // corruption, followed by how to recover (restore a backup, or repair).
  // RocksDB's info log goes to options.path/LOG (older ones to LOG.old.<ms>,
  // 5 kept); a full disk makes writes fail with RESOURCE_EXHAUSTED while
  // reads go on, and writes work again, without a restart, once RocksDB
  // sees enough free space (it checks every few seconds; see
  // docs/OPERATIONS.md).
  static absl::StatusOr<std::unique_ptr<Database>> Open(const DatabaseOptions& options);

  virtual ~Database() = default;
  virtual CatalogStore& catalog() = 0;
  virtual ProfileStore& profiles() = 0;
  virtual EventLog& events() = 0;
  virtual ModelStore& models() = 0;
  virtual MarketingStore& marketing() = 0;
  virtual Maintenance& maintenance() = 0;

  // Lists shops holding any data, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListShops() = 0;
  // Returns a shop's counters (all zero for an unknown shop). Counting
  // customers and stored events scans the shop: an admin call, not a hot path.
  virtual absl::StatusOr<ShopCounters> GetShopCounters(std::string_view shop) = 0;
  // Flushes memtables and syncs the WAL; for shutdown.
  virtual absl::Status Flush() = 0;
  // Returns RocksDB's cache, traffic and compaction figures; cheap, for
  // metrics scrapes.
  virtual std::vector<StorageStatistic> Statistics() = 0;
};

}  // namespace persona::storage

#endif  // PERSONA_STORAGE_DATABASE_H_
