#include "tests/bench/rocksdb_reference.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "persona/storage/v1/records.pb.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "storage/aggregates.h"

namespace persona::bench {
namespace {

namespace rec = ::persona::storage::v1;

constexpr int64_t kDayMs = 86'400'000;
// The demo history ends where the benchmark's events begin.
constexpr int64_t kHistoryStartMs = 1'740'000'000'000;
constexpr int64_t kEventsStartMs = 1'750'000'000'000;
// Column families of Persona's store (storage/rocksdb_util.cc); [0] is
// RocksDB's default.
const char* const kFamilies[] = {"default", "customers",  "items",
                                 "events",  "aggregates", "idempotency",
                                 "models",  "metadata"};
enum Family { kEvents = 3, kAggregates = 4, kIdempotency = 5, kMetadata = 7 };

// One batch's records, serialized once; the loop writes them under fresh keys.
// As Persona's Append does, a batch writes each event and its idempotency
// key, but each subject's aggregates and each item's statistics only once.
struct PreparedBatch {
  struct Event {
    int subject = 0;  // index into Simulation::subject_key
    std::string value, idempotency;
  };
  std::vector<Event> events;
  std::vector<std::pair<int, std::string>> aggregates;  // subject, value
  std::vector<std::pair<std::string, std::string>>
      item_stats;  // item id, value
};

// Keeps aggregates and item statistics with Persona's own arithmetic
// (storage/aggregates.h), starting from the demo history, so the records
// written have the contents and sizes Persona's would have. Items' top-level
// categories are made up (the server takes them from the catalog).
class Simulation {
 public:
  explicit Simulation(const ShopData& shop) {
    for (const ShopCustomer& c : shop.customers) {
      country_[c.id] = c.country;
      ApplyHistory(shop, c);
    }
  }

  // Applies one event received at `now_ms`; returns its subject's index.
  // Adds the event's records to `batch` unless it is null.
  int Apply(const v1::Event& e, int64_t now_ms, PreparedBatch* batch) {
    const rec::EventRecord event = ToRecord(e, now_ms);
    const int subject = SubjectIndex(e);
    rec::SubjectAggregatesRecord& agg = aggregates_[subject];
    agg.set_next_seq(agg.next_seq() + 1);
    categories_.clear();
    for (const auto& item : event.items()) {
      categories_.push_back(TopCategory(item.item_id()));
    }
    storage::ApplyEvent(event, categories_, options_, &agg);
    // As the server: the customer's country, else the one seen on events.
    const auto known = country_.find(e.customer_id());
    const std::string country =
        known != country_.end() ? known->second : agg.last_country();
    for (const auto& item : event.items()) {
      storage::ApplyEventToItem(event, item, country, options_,
                                &items_[item.item_id()]);
    }
    if (batch != nullptr) {
      rec::IdempotencyRecord idempotency;
      idempotency.set_received_time_ms(now_ms);
      batch->events.push_back({subject, event.SerializeAsString(),
                               idempotency.SerializeAsString()});
    }
    return subject;
  }

  // Adds the current aggregates and statistics of what the batch touched.
  void Finish(const std::vector<v1::Event>& events, PreparedBatch& batch) {
    absl::flat_hash_set<int> subjects;
    absl::flat_hash_set<std::string> items;
    for (size_t i = 0; i < events.size(); ++i) {
      const int subject = batch.events[i].subject;
      if (subjects.insert(subject).second) {
        batch.aggregates.emplace_back(subject,
                                      aggregates_[subject].SerializeAsString());
      }
      for (const auto& item : events[i].items()) {
        if (items.insert(item.item_id()).second) {
          batch.item_stats.emplace_back(
              item.item_id(), items_[item.item_id()].SerializeAsString());
        }
      }
    }
  }

  const std::string& subject_key(int i) const { return subject_keys_[i]; }
  size_t subjects() const { return subject_keys_.size(); }

 private:
  // Replays a demo customer's orders as purchases, its items spread over them.
  void ApplyHistory(const ShopData& shop, const ShopCustomer& c) {
    const size_t orders = std::max<size_t>(1, c.orders.size());
    for (size_t o = 0; o < orders; ++o) {
      v1::Event e;
      e.set_customer_id(c.id);
      e.set_type(v1::PURCHASE);
      e.set_order_id(c.orders.empty() ? c.id : c.orders[o]);
      e.set_channel(v1::WEB);
      for (size_t k = o; k < c.items_bought.size(); k += orders) {
        auto* line = e.add_items();
        line->set_item_id(shop.items[c.items_bought[k]]);
        line->set_quantity(6);
        line->set_price(2.5);
      }
      Apply(e, kHistoryStartMs + static_cast<int64_t>(o) * kDayMs, nullptr);
    }
  }

  int SubjectIndex(const v1::Event& e) {
    std::string key = e.customer_id().empty()
                          ? absl::StrCat("S", e.session_id())
                          : absl::StrCat("C", e.customer_id());
    const auto [it, inserted] =
        index_.try_emplace(key, static_cast<int>(subject_keys_.size()));
    if (inserted) {
      subject_keys_.push_back(std::move(key));
      aggregates_.emplace_back();
    }
    return it->second;
  }

  std::string_view TopCategory(const std::string& item_id) {
    auto [it, inserted] = category_.try_emplace(item_id);
    if (inserted) {
      it->second = SyntheticCategory(
          static_cast<int>(absl::Hash<std::string>()(item_id) % 48))[0];
    }
    return it->second;
  }

  static rec::EventRecord ToRecord(const v1::Event& e, int64_t now_ms) {
    rec::EventRecord r;
    r.set_event_id(e.event_id());
    r.set_customer_id(e.customer_id());
    r.set_session_id(e.session_id());
    r.set_type(e.type());
    for (const auto& item : e.items()) {
      auto* out = r.add_items();
      out->set_item_id(item.item_id());
      out->set_quantity(item.quantity() == 0 ? 1 : item.quantity());
      out->set_price(item.price());
    }
    r.set_order_id(e.order_id());
    r.set_value(e.value());
    r.set_timestamp_ms(now_ms);
    r.set_channel(e.channel());
    r.set_received_time_ms(now_ms);
    return r;
  }

  const storage::AggregationOptions options_;
  absl::flat_hash_map<std::string, std::string> country_;
  absl::flat_hash_map<std::string, int> index_;
  std::vector<std::string> subject_keys_;
  std::vector<rec::SubjectAggregatesRecord> aggregates_;
  absl::flat_hash_map<std::string, rec::ItemStatsRecord> items_;
  absl::flat_hash_map<std::string, std::string> category_;
  std::vector<std::string_view> categories_;
};

rocksdb::CompressionType PickCompression(bool bottommost) {
  const std::vector<rocksdb::CompressionType> supported =
      rocksdb::GetSupportedCompressions();
  const auto has = [&](rocksdb::CompressionType t) {
    return std::find(supported.begin(), supported.end(), t) != supported.end();
  };
  if (bottommost && has(rocksdb::kZSTD)) return rocksdb::kZSTD;
  if (has(rocksdb::kLZ4Compression)) return rocksdb::kLZ4Compression;
  if (has(rocksdb::kSnappyCompression)) return rocksdb::kSnappyCompression;
  return rocksdb::kNoCompression;
}

// The options of Persona's store (storage/rocksdb_database.cc, kept in step by
// hand): bloom filters, one 256 MiB block cache, LZ4/ZSTD, WAL on, no fsync.
rocksdb::ColumnFamilyOptions ReferenceCfOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.data_block_index_type =
      rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
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

rocksdb::DBOptions ReferenceDbOptions() {
  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.max_background_jobs = 2;
  db.bytes_per_sync = 1 << 20;
  db.keep_log_file_num = 5;
  db.max_total_wal_size = 256ull << 20;
  db.db_write_buffer_size = 256ull << 20;
  return db;
}

void AppendBigEndian(uint64_t v, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(v >> shift));
}

// Prepares the pool: `history_per_sender` events per sender (not kept), so
// aggregates have grown as they have in the middle of a run, then the batches.
std::vector<PreparedBatch> Prepare(const RocksDbReferenceOptions& o,
                                   EventFactory& factory, Simulation& sim) {
  std::mt19937_64 rng(o.seed);
  v1::Event e;
  int64_t now_ms = kEventsStartMs;
  const int64_t senders = factory.population() + factory.sessions();
  for (int64_t i = 0; i < o.history_per_sender * senders; ++i) {
    factory.Next(rng, &e);
    sim.Apply(e, ++now_ms, nullptr);
  }
  std::vector<PreparedBatch> pool(std::max(1, o.pool_events / o.batch_events));
  std::vector<v1::Event> events(o.batch_events);
  for (PreparedBatch& batch : pool) {
    for (v1::Event& event : events) {
      factory.Next(rng, &event);
      sim.Apply(event, ++now_ms, &batch);
    }
    sim.Finish(events, batch);
  }
  return pool;
}

// Writes prepared batches under fresh keys: new event sequence numbers and
// event ids each time, so nothing is overwritten that Persona would not
// overwrite (aggregates, statistics, the shop's counters).
class BatchWriter {
 public:
  BatchWriter(const Simulation& sim, std::string shop,
              std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : sim_(sim),
        prefix_(shop + std::string(1, '\0')),
        handles_(std::move(handles)),
        seq_(sim.subjects(), 1000) {}

  // Fills `batch` with one prepared batch's records.
  void Fill(const PreparedBatch& prepared, rocksdb::WriteBatch& batch) {
    batch.Clear();
    for (const PreparedBatch::Event& e : prepared.events) {
      const std::string& subject = sim_.subject_key(e.subject);
      key_.assign(prefix_).append(subject).push_back('\0');
      AppendBigEndian(seq_[e.subject]++, key_);
      batch.Put(handles_[kEvents], key_, e.value);
      key_.assign(prefix_).append("Eref-").append(std::to_string(events_++));
      batch.Put(handles_[kIdempotency], key_, e.idempotency);
    }
    for (const auto& [subject, value] : prepared.aggregates) {
      key_.assign(prefix_).append(sim_.subject_key(subject));
      batch.Put(handles_[kAggregates], key_, value);
    }
    for (const auto& [item, value] : prepared.item_stats) {
      key_.assign(prefix_).append("I").append(item);
      batch.Put(handles_[kAggregates], key_, value);
    }
    shop_.set_events_total(events_);
    shop_.set_last_event_time_ms(kEventsStartMs + events_);
    batch.Put(handles_[kMetadata], prefix_ + "shop", shop_.SerializeAsString());
  }

 private:
  const Simulation& sim_;
  const std::string prefix_;
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<uint64_t> seq_;
  rec::ShopRecord shop_;
  std::string key_;
  int64_t events_ = 0;
};

// Runs the write loop over the pool until the window ends.
void WriteLoop(const RocksDbReferenceOptions& o,
               const std::vector<PreparedBatch>& pool, BatchWriter& writer,
               rocksdb::DB& db, PhaseResult& result) {
  const rocksdb::WriteOptions write_options;  // WAL on, no fsync: as Persona
  rocksdb::WriteBatch batch;
  LatencySamples samples;
  const auto from = SteadyClock::now() + ToDuration(o.warmup_s);
  const auto to = from + ToDuration(o.duration_s);
  double cpu_before = -1;
  auto last = SteadyClock::now();
  for (size_t next = 0; last < to && result.all_units < o.max_events; ++next) {
    if (cpu_before < 0 && last >= from)
      cpu_before = ProcessCpuSeconds(getpid());
    const auto begin = SteadyClock::now();
    writer.Fill(pool[next % pool.size()], batch);
    const rocksdb::Status s = db.Write(write_options, &batch);
    last = SteadyClock::now();
    if (!s.ok()) {
      result.error = "RocksDB write failed: " + s.ToString();
      break;
    }
    result.all_units += o.batch_events;
    if (begin >= from && last <= to) {
      samples.Add(last - begin);
      ++result.calls;
      result.units += o.batch_events;
    }
  }
  if (cpu_before >= 0)
    result.client_cpu_s = ProcessCpuSeconds(getpid()) - cpu_before;
  result.seconds = std::max(0.0, Seconds(from, std::min(last, to)));
  SetPercentiles(samples, result);
}

}  // namespace

PhaseResult RunRocksDbReference(const RocksDbReferenceOptions& o,
                                EventFactory& events) {
  PhaseResult result;
  result.name = "rocksdb WriteBatch x" + std::to_string(o.batch_events);
  result.unit = "events/s";
  Simulation sim(events.shop());
  const std::vector<PreparedBatch> pool = Prepare(o, events, sim);

  const rocksdb::ColumnFamilyOptions cf_options =
      ReferenceCfOptions(rocksdb::NewLRUCache(256 << 20));
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : kFamilies) families.emplace_back(name, cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(ReferenceDbOptions(), o.dir, families, &handles, &raw);
  if (!s.ok()) {
    result.error = "cannot open RocksDB: " + s.ToString();
    return result;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  BatchWriter writer(sim, o.shop, handles);
  WalWatcher wal_watcher(o.dir);
  WriteLoop(o, pool, writer, *db, result);
  const int64_t wal = wal_watcher.Stop();
  if (result.all_units > 0) {
    result.wal_bytes_per_unit = static_cast<double>(wal) / result.all_units;
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  s = db->Close();
  if (result.error.empty() && !s.ok()) {
    result.error = "RocksDB close failed: " + s.ToString();
  }
  if (result.error.empty() && result.units == 0) {
    result.error = "no batch completed inside the window";
  }
  return result;
}

}  // namespace persona::bench
