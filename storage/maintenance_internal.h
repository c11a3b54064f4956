// The RocksDB side of Maintenance (backups, retention) and of opening the
// database safely (info log, recovery advice), shared by rocksdb_database.cc
// and the files that implement them. RocksDB types are only forward-declared.
//
// Internal to storage/. Thread-safe as documented per function.
#ifndef PERSONA_STORAGE_MAINTENANCE_INTERNAL_H_
#define PERSONA_STORAGE_MAINTENANCE_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/database.h"
#include "storage/rocksdb_internal.h"

namespace rocksdb {
class Logger;
}  // namespace rocksdb

namespace persona::storage::internal {

// Returns RocksDB's info log for the database at `path`: lines go to
// path/LOG (an existing LOG is first renamed LOG.old.<µs>, the newest five
// old ones kept), warnings and errors to stderr as well. Write failures are
// ignored: RocksDB's own file logger aborts the process when the disk is
// full (Debian builds it with assertions), and a lost log line must never
// stop the database. Thread-safe.
std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& path);

// Returns `status` with RecoveryAdvice(path) appended when it is DATA_LOSS;
// other statuses unchanged.
absl::Status WithRecoveryAdvice(const absl::Status& status, const std::string& path);

// Takes an online backup (see Maintenance::CreateBackup). The caller
// serialises calls per process.
absl::StatusOr<BackupInfo> CreateBackup(Context& ctx, const std::string& backup_dir, int keep);

// Deletes expired events and idempotency keys of one shop (see
// Maintenance::PurgeExpiredEvents). Thread-safe: takes the shop's mutex per batch.
absl::StatusOr<RetentionReport> PurgeExpiredEvents(Context& ctx, std::string_view shop,
                                                   int64_t cutoff_ms);

// Maintenance over an open Context (not owned; must outlive it).
std::unique_ptr<Maintenance> NewRocksDbMaintenance(Context* ctx);

}  // namespace persona::storage::internal

#endif  // PERSONA_STORAGE_MAINTENANCE_INTERNAL_H_
