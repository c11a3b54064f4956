// The storage reference of the load generator: a bare RocksDB WriteBatch loop
// that writes, per event, the records Persona's ingest writes (the event, the
// subject's aggregates, each item's statistics, the idempotency key; the
// shop's counters once per batch), with the key layout of storage/README.md
// and the record contents Persona's own aggregation code gives (the demo
// history replayed first). Nothing is read back, so this is the ceiling
// Persona's ingest is compared with.
//
// Thread-safety: RunRocksDbReference is reentrant; it owns its database.
#ifndef PERSONA_TESTS_BENCH_ROCKSDB_REFERENCE_H_
#define PERSONA_TESTS_BENCH_ROCKSDB_REFERENCE_H_

#include <cstdint>
#include <string>

#include "tests/bench/stats.h"
#include "tests/bench/workload.h"

namespace persona::bench {

struct RocksDbReferenceOptions {
  // Where the database is created; must not exist or be empty.
  std::string dir;
  // The shop name used in keys (default "default", the server's default shop).
  std::string shop = "default";
  int batch_events = 100;
  double warmup_s = 1.0;
  double duration_s = 5.0;
  int64_t max_events = 100'000'000;
  // Distinct prepared events cycled through (their keys are always fresh).
  int pool_events = 4096;
  // Events per sender applied before the pool is prepared, so that
  // aggregates are as large as in the middle of a run (default 20).
  int history_per_sender = 20;
  uint64_t seed = 7;
};

// Runs the loop over events from `events` and returns events/s over the
// window, the latency of each WriteBatch, and key+value bytes per event.
// Sets PhaseResult::error when RocksDB fails.
PhaseResult RunRocksDbReference(const RocksDbReferenceOptions& options,
                                EventFactory& events);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_ROCKSDB_REFERENCE_H_
