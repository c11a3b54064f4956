#include <string>

#include "rocksdb/db.h"
#include "rocksdb/statistics.h"
#include "storage/statistics_internal.h"

namespace persona::storage::internal {
namespace {

// Counts since the database opened: cache effectiveness, traffic, write-ahead
// log, compaction and flush volume, and time writers spent stalled.
constexpr rocksdb::Tickers kTickers[] = {
    rocksdb::BLOCK_CACHE_HIT,     rocksdb::BLOCK_CACHE_MISS,    rocksdb::MEMTABLE_HIT,
    rocksdb::MEMTABLE_MISS,       rocksdb::BLOOM_FILTER_USEFUL, rocksdb::NUMBER_KEYS_WRITTEN,
    rocksdb::NUMBER_KEYS_READ,    rocksdb::NUMBER_DB_SEEK,      rocksdb::BYTES_WRITTEN,
    rocksdb::BYTES_READ,          rocksdb::WRITE_WITH_WAL,      rocksdb::WAL_FILE_BYTES,
    rocksdb::WAL_FILE_SYNCED,     rocksdb::COMPACT_READ_BYTES,  rocksdb::COMPACT_WRITE_BYTES,
    rocksdb::FLUSH_WRITE_BYTES,   rocksdb::STALL_MICROS,
};

// Properties summed over the column families.
const std::string* const kPerFamily[] = {
    &rocksdb::DB::Properties::kEstimateLiveDataSize,
    &rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
    &rocksdb::DB::Properties::kCurSizeAllMemTables,
    &rocksdb::DB::Properties::kSizeAllMemTables,
    &rocksdb::DB::Properties::kNumImmutableMemTable,
    &rocksdb::DB::Properties::kEstimateNumKeys,
    &rocksdb::DB::Properties::kTotalSstFilesSize,
    &rocksdb::DB::Properties::kLiveSstFilesSize,
};

// Properties of the whole database (the same in every column family; the
// block cache is shared by all of them).
const std::string* const kWholeDb[] = {
    &rocksdb::DB::Properties::kNumRunningCompactions,
    &rocksdb::DB::Properties::kNumRunningFlushes,
    &rocksdb::DB::Properties::kBackgroundErrors,
    &rocksdb::DB::Properties::kIsWriteStopped,
    &rocksdb::DB::Properties::kActualDelayedWriteRate,
    &rocksdb::DB::Properties::kBlockCacheUsage,
};

}  // namespace

std::shared_ptr<rocksdb::Statistics> NewStatistics() {
  std::shared_ptr<rocksdb::Statistics> statistics = rocksdb::CreateDBStatistics();
  statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  return statistics;
}

std::vector<StorageStatistic> ReadStatistics(const Context& ctx) {
  std::vector<StorageStatistic> out;
  if (ctx.db == nullptr) return out;
  if (std::shared_ptr<rocksdb::Statistics> statistics = ctx.db->GetDBOptions().statistics) {
    for (rocksdb::Tickers ticker : kTickers) {
      for (const auto& [t, name] : rocksdb::TickersNameMap) {
        if (t != ticker) continue;
        out.push_back({name, static_cast<double>(statistics->getTickerCount(ticker)), true});
        break;
      }
    }
  }
  uint64_t value = 0;
  for (const std::string* property : kPerFamily) {
    if (ctx.db->GetAggregatedIntProperty(*property, &value)) {
      out.push_back({*property, static_cast<double>(value), false});
    }
  }
  for (const std::string* property : kWholeDb) {
    if (ctx.db->GetIntProperty(*property, &value)) {
      out.push_back({*property, static_cast<double>(value), false});
    }
  }
  return out;
}

}  // namespace persona::storage::internal
