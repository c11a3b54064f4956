#include "server/offline_commands.h"

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "server/log.h"
#include "storage/backup.h"
#include "storage/database.h"

ABSL_FLAG(std::string, restore_backup, "",
          "Restore a backup from this backup directory (privacy.backup_dir) into --data_dir "
          "(storage.data_dir), which must be empty or missing, then exit. See --backup_id.");
ABSL_FLAG(uint32_t, backup_id, 0,
          "With --restore_backup: the backup to restore (`persona backup --list` shows ids); "
          "0 restores the newest.");
ABSL_FLAG(bool, repair, false,
          "Salvage a damaged store at --data_dir with RocksDB's repair (records in damaged "
          "files are lost; copy the directory aside first, prefer --restore_backup), then exit.");

namespace persona::server {
namespace {

std::string FormatTime(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

// Opens the store once to prove it is usable, and closes it.
int CheckOpens(const std::string& data_dir, const char* what) {
  storage::DatabaseOptions options;
  options.path = data_dir;
  options.block_cache_mb = 8;
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Open(options);
  if (!db.ok()) {
    LogError(what, {{"data_dir", data_dir}, {"error", db.status()}});
    return 1;
  }
  return 0;
}

int Restore(const std::string& backup_dir, uint32_t id, const std::string& data_dir) {
  absl::StatusOr<storage::BackupInfo> info = storage::RestoreBackup(backup_dir, id, data_dir);
  if (!info.ok()) {
    LogError("restore failed",
             {{"backup_dir", backup_dir}, {"data_dir", data_dir}, {"error", info.status()}});
    return 1;
  }
  if (int code = CheckOpens(data_dir, "restored, but the store does not open"); code != 0) {
    return code;
  }
  std::printf(
      "persona-server: restored backup %u of %s (taken %s, %u files, %llu bytes) into %s; "
      "start the server with --data_dir=%s\n",
      info->id, backup_dir.c_str(), FormatTime(info->created_time_ms).c_str(), info->files,
      static_cast<unsigned long long>(info->size_bytes), data_dir.c_str(), data_dir.c_str());
  return 0;
}

int Repair(const std::string& data_dir) {
  if (absl::Status s = storage::RepairDatabase(data_dir); !s.ok()) {
    LogError("repair failed", {{"data_dir", data_dir}, {"error", s}});
    return 1;
  }
  if (int code = CheckOpens(data_dir, "repaired, but the store does not open"); code != 0) {
    return code;
  }
  std::printf("persona-server: repaired %s (RocksDB's LOG there says what was dropped)\n",
              data_dir.c_str());
  return 0;
}

}  // namespace

std::optional<int> RunOfflineCommand(const persona::config::v1::Config& config) {
  const std::string backup_dir = absl::GetFlag(FLAGS_restore_backup);
  const bool repair = absl::GetFlag(FLAGS_repair);
  if (backup_dir.empty() && !repair) {
    if (absl::GetFlag(FLAGS_backup_id) != 0) {
      LogError("--backup_id needs --restore_backup");
      return 2;
    }
    return std::nullopt;
  }
  if (!backup_dir.empty() && repair) {
    LogError("give --restore_backup or --repair, not both");
    return 2;
  }
  const std::string& data_dir = config.storage().data_dir();
  return repair ? Repair(data_dir) : Restore(backup_dir, absl::GetFlag(FLAGS_backup_id), data_dir);
}

}  // namespace persona::server
