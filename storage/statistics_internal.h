// RocksDB's figures for monitoring (Database::Statistics): the statistics
// object the database is opened with, and reading a fixed set of its
// tickers and of the database's properties. RocksDB types are only
// forward-declared.
//
// Internal to storage/. Thread-safe.
#ifndef PERSONA_STORAGE_STATISTICS_INTERNAL_H_
#define PERSONA_STORAGE_STATISTICS_INTERNAL_H_

#include <memory>
#include <vector>

#include "storage/database.h"
#include "storage/rocksdb_internal.h"

namespace rocksdb {
class Statistics;
}  // namespace rocksdb

namespace persona::storage::internal {

// Returns the statistics object to open the database with: tickers only (no
// histograms or timers, whose cost is measurable on the write path).
std::shared_ptr<rocksdb::Statistics> NewStatistics();

// Returns the tickers (cumulative) and properties (current values) listed in
// statistics.cc; tickers are missing when the database was opened without
// statistics, properties RocksDB does not report are skipped.
std::vector<StorageStatistic> ReadStatistics(const Context& ctx);

}  // namespace persona::storage::internal

#endif  // PERSONA_STORAGE_STATISTICS_INTERNAL_H_
