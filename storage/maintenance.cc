// Maintenance over the open RocksDB database: backups one at a time per
// process (a BackupEngine directory takes one writer), retention per shop.
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/backup.h"
#include "storage/maintenance_internal.h"

namespace persona::storage::internal {
namespace {

class RocksDbMaintenance : public Maintenance {
 public:
  explicit RocksDbMaintenance(Context* ctx) : ctx_(*ctx) {}

  absl::StatusOr<BackupInfo> CreateBackup(const std::string& backup_dir, int keep) override {
    absl::MutexLock lock(&backup_mu_);
    return internal::CreateBackup(ctx_, backup_dir, keep);
  }

  absl::StatusOr<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir) override {
    absl::MutexLock lock(&backup_mu_);
    return storage::ListBackups(backup_dir);
  }

  absl::StatusOr<RetentionReport> PurgeExpiredEvents(std::string_view shop,
                                                     int64_t cutoff_ms) override {
    return internal::PurgeExpiredEvents(ctx_, shop, cutoff_ms);
  }

 private:
  Context& ctx_;
  // Held for the whole of a backup; listing waits for it.
  absl::Mutex backup_mu_;
};

}  // namespace

std::unique_ptr<Maintenance> NewRocksDbMaintenance(Context* ctx) {
  return std::make_unique<RocksDbMaintenance>(ctx);
}

}  // namespace persona::storage::internal
