#include "tests/bench/rocksdb_reference.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

namespace persona::bench {
namespace {

namespace rec = ::persona::storage::v1;

constexpr double kDayMs = 86'400'000.0;
const std::string kDefaultCountry = "United Kingdom";
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

// Keeps aggregates and item statistics the way ingest evolves them, so the
// records written have the sizes Persona's would have.
class Simulation {
 public:
  explicit Simulation(const EventFactory& events) {
    const ShopData& shop = events.shop();
    for (size_t i = 0; i < shop.customers.size(); ++i) {
      const ShopCustomer& c = shop.customers[i];
      country_[c.id] = c.country;
      rec::SubjectAggregatesRecord& agg = subjects_[Subject(v1::Event(), c.id)];
      agg.set_orders(static_cast<int64_t>(c.orders.size()));
      agg.set_distinct_items_bought(
          static_cast<int64_t>(c.items_bought.size()));
      (*agg.mutable_event_counts())[v1::PURCHASE] =
          static_cast<int64_t>(c.items_bought.size());
      for (size_t k = 0; k < c.items_bought.size() && k < 1000; ++k) {
        (*agg.mutable_bought_items())[shop.items[c.items_bought[k]]] =
            1'700'000'000'000 + k;
      }
      for (size_t k = c.orders.size() > 32 ? c.orders.size() - 32 : 0;
           k < c.orders.size(); ++k) {
        agg.add_recent_order_ids(c.orders[k]);
      }
      agg.set_next_seq(std::min<uint64_t>(500, c.items_bought.size()));
      agg.set_monetary(17.5 * static_cast<double>(c.items_bought.size()));
      agg.set_last_country(c.country);
    }
  }

  // Applies one event; returns its subject's index. Adds the event's records
  // to `batch` unless it is null.
  int Apply(const v1::Event& e, int64_t now_ms, PreparedBatch* batch) {
    const std::string subject = Subject(e, e.customer_id());
    const auto known = country_.find(e.customer_id());
    const std::string& country =
        known == country_.end() ? kDefaultCountry : known->second;
    rec::SubjectAggregatesRecord& agg = subjects_[subject];
    auto [it, inserted] = subject_index_.try_emplace(
        subject, static_cast<int>(subject_keys_.size()));
    if (inserted) subject_keys_.push_back(subject);
    if (agg.first_seen_time_ms() == 0) agg.set_first_seen_time_ms(now_ms);
    agg.set_last_seen_time_ms(now_ms);
    ++(*agg.mutable_event_counts())[e.type()];
    agg.set_next_seq(agg.next_seq() + 1);
    const double weight = e.type() == v1::PRODUCT_VIEW  ? 1
                          : e.type() == v1::ADD_TO_CART ? 3
                                                        : 10;
    for (const auto& item : e.items()) {
      const std::string top = SyntheticCategory(
          static_cast<int>(absl::Hash<std::string>()(item.item_id()) % 48))[0];
      auto& affinity = (*agg.mutable_category_affinity())[top];
      affinity.set_log2(
          std::log2(std::exp2(affinity.log2() - now_ms / (30 * kDayMs)) +
                    weight) +
          now_ms / (30 * kDayMs));
      UpdateItem(e, item, weight, now_ms, country, items_[item.item_id()]);
      if (e.type() == v1::PURCHASE) {
        (*agg.mutable_bought_items())[item.item_id()] = now_ms;
        agg.set_distinct_items_bought(agg.bought_items_size());
      }
    }
    if (e.type() == v1::PURCHASE) {
      agg.set_orders(agg.orders() + 1);
      agg.set_monetary(agg.monetary() + e.value());
      agg.set_last_purchase_time_ms(now_ms);
      agg.add_recent_order_ids(e.order_id());
      if (agg.recent_order_ids_size() > 32)
        agg.mutable_recent_order_ids()->DeleteSubrange(0, 1);
    }
    if (batch != nullptr) {
      rec::IdempotencyRecord idempotency;
      idempotency.set_received_time_ms(now_ms);
      batch->events.push_back({it->second,
                               ToRecord(e, now_ms).SerializeAsString(),
                               idempotency.SerializeAsString()});
    }
    return it->second;
  }

  // Adds the current aggregates and statistics of what the batch's events
  // touched.
  void Finish(const std::vector<v1::Event>& events, PreparedBatch& batch) {
    absl::flat_hash_map<int, bool> subjects;
    absl::flat_hash_map<std::string, bool> items;
    for (size_t i = 0; i < events.size(); ++i) {
      const int subject = batch.events[i].subject;
      if (subjects.emplace(subject, true).second) {
        batch.aggregates.emplace_back(
            subject, subjects_[subject_keys_[subject]].SerializeAsString());
      }
      for (const auto& item : events[i].items()) {
        if (items.emplace(item.item_id(), true).second) {
          batch.item_stats.emplace_back(
              item.item_id(), items_[item.item_id()].SerializeAsString());
        }
      }
    }
  }

  const std::string& subject_key(int i) const { return subject_keys_[i]; }
  size_t subjects() const { return subject_keys_.size(); }

 private:
  static std::string Subject(const v1::Event& e, const std::string& customer) {
    return customer.empty() ? absl::StrCat("S", e.session_id())
                            : absl::StrCat("C", customer);
  }

  static void UpdateItem(const v1::Event& e, const v1::EventItem& item,
                         double weight, int64_t now_ms,
                         const std::string& country, rec::ItemStatsRecord& s) {
    if (e.type() == v1::PRODUCT_VIEW) s.set_views(s.views() + 1);
    if (e.type() == v1::ADD_TO_CART) s.set_cart_adds(s.cart_adds() + 1);
    if (e.type() == v1::PURCHASE) {
      s.set_purchases(s.purchases() + item.quantity());
      s.set_revenue(s.revenue() + item.quantity() * item.price());
    }
    s.mutable_popularity()->set_log2(s.popularity().log2() + weight * 1e-6 +
                                     now_ms / (14 * kDayMs));
    s.mutable_trending()->set_log2(s.trending().log2() + weight * 1e-6 +
                                   now_ms / (2 * kDayMs));
    (*s.mutable_country_popularity())[country].set_log2(now_ms / (14 * kDayMs) +
                                                        weight);
    s.set_last_event_time_ms(now_ms);
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

  absl::flat_hash_map<std::string, rec::SubjectAggregatesRecord> subjects_;
  absl::flat_hash_map<std::string, rec::ItemStatsRecord> items_;
  absl::flat_hash_map<std::string, int> subject_index_;
  absl::flat_hash_map<std::string, std::string> country_;
  std::vector<std::string> subject_keys_;
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

// Prepares the pool: a warm-up of three events per sender (not kept), then
// the batches.
std::vector<PreparedBatch> Prepare(const RocksDbReferenceOptions& o,
                                   EventFactory& factory, Simulation& sim) {
  std::mt19937_64 rng(o.seed);
  v1::Event e;
  int64_t now_ms = 1'750'000'000'000;
  for (int i = 0; i < 3 * factory.population(); ++i) {
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

}  // namespace

PhaseResult RunRocksDbReference(const RocksDbReferenceOptions& o,
                                EventFactory& events) {
  PhaseResult result;
  result.name = "rocksdb WriteBatch x" + std::to_string(o.batch_events);
  result.unit = "events/s";
  Simulation sim(events);
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
  rocksdb::WriteOptions
      write_options;  // WAL on, sync off: as Persona's default
  std::vector<uint64_t> seq(sim.subjects(), 1000);
  const std::string prefix = o.shop + std::string(1, '\0');
  rec::ShopRecord shop;
  rocksdb::WriteBatch batch;
  std::string key;
  LatencySamples samples;
  int64_t written = 0, bytes = 0;
  size_t next_batch = 0;
  int64_t next_event = 0;
  const auto start = SteadyClock::now();
  const auto from = start + std::chrono::duration_cast<SteadyClock::duration>(
                                std::chrono::duration<double>(o.warmup_s));
  const auto to = from + std::chrono::duration_cast<SteadyClock::duration>(
                             std::chrono::duration<double>(o.duration_s));
  double cpu_before = -1, cpu_after = -1;
  SteadyClock::time_point last = start;
  while (last < to && written < o.max_events) {
    if (cpu_before < 0 && last >= from)
      cpu_before = ProcessCpuSeconds(getpid());
    const auto begin = SteadyClock::now();
    batch.Clear();
    const PreparedBatch& prepared = pool[next_batch++ % pool.size()];
    for (const PreparedBatch::Event& e : prepared.events) {
      const std::string& subject = sim.subject_key(e.subject);
      key.assign(prefix).append(subject).push_back('\0');
      AppendBigEndian(seq[e.subject]++, key);
      batch.Put(handles[kEvents], key, e.value);
      key.assign(prefix).append("Eref-").append(std::to_string(next_event++));
      batch.Put(handles[kIdempotency], key, e.idempotency);
    }
    for (const auto& [subject, value] : prepared.aggregates) {
      key.assign(prefix).append(sim.subject_key(subject));
      batch.Put(handles[kAggregates], key, value);
    }
    for (const auto& [item, value] : prepared.item_stats) {
      key.assign(prefix).append("I").append(item);
      batch.Put(handles[kAggregates], key, value);
    }
    shop.set_events_total(shop.events_total() + o.batch_events);
    shop.set_last_event_time_ms(1'750'000'000'000 + next_event);
    batch.Put(handles[kMetadata], prefix + "shop", shop.SerializeAsString());
    s = db->Write(write_options, &batch);
    last = SteadyClock::now();
    if (!s.ok()) {
      result.error = "RocksDB write failed: " + s.ToString();
      break;
    }
    if (begin >= from && last <= to) {
      samples.Add(last - begin);
      ++result.calls;
      result.units += o.batch_events;
      written += o.batch_events;
      bytes += static_cast<int64_t>(batch.GetDataSize());
    }
  }
  cpu_after = ProcessCpuSeconds(getpid());
  result.seconds = std::max(0.0, Seconds(from, std::min(last, to)));
  result.client_cpu_s = cpu_before >= 0 ? cpu_after - cpu_before : -1;
  result.bytes_per_unit =
      written > 0 ? static_cast<double>(bytes) / written : 0;
  SetPercentiles(samples, result);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  s = db->Close();
  if (result.error.empty() && !s.ok())
    result.error = "RocksDB close failed: " + s.ToString();
  if (result.error.empty() && result.units == 0)
    result.error = "no batch completed inside the window";
  return result;
}

}  // namespace persona::bench
