// Backups with RocksDB's BackupEngine (online, incremental: SST files are
// shared between the backups of a directory), restore and repair of a
// closed database, and the advice printed when a store is found corrupt.
#include "storage/backup.h"

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/options.h"
#include "rocksdb/utilities/backup_engine.h"
#include "storage/maintenance_internal.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage {
namespace {

using internal::FromRocksDb;

// Written into each backup's metadata, for people looking at the directory.
std::string BackupMetadata() { return absl::StrCat("persona storage schema ", kSchemaVersion); }

BackupInfo FromRocksDbInfo(const rocksdb::BackupInfo& info) {
  BackupInfo out;
  out.id = info.backup_id;
  out.created_time_ms = info.timestamp * 1000;
  out.size_bytes = info.size;
  out.files = info.number_files;
  return out;
}

rocksdb::BackupEngineOptions EngineOptions(const std::string& backup_dir, rocksdb::Logger* log) {
  rocksdb::BackupEngineOptions options(backup_dir);
  options.info_log = log;
  options.sync = true;  // a backup that returned OK survives a power loss
  options.max_background_operations = 1;  // leave the second core to serving
  return options;
}

// Returns whether `dir` exists; UNAVAILABLE when that cannot be told.
absl::StatusOr<bool> DirectoryExists(const std::string& dir) {
  std::error_code error;
  const bool exists = std::filesystem::exists(dir, error);
  if (error) return absl::UnavailableError(absl::StrCat("checking ", dir, ": ", error.message()));
  return exists;
}

// Opens `backup_dir` read-only. NOT_FOUND when it does not exist.
absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenReadOnly(
    const std::string& backup_dir) {
  ASSIGN_OR_RETURN(const bool exists, DirectoryExists(backup_dir));
  if (!exists) return absl::NotFoundError(absl::StrCat("backup directory ", backup_dir, " does not exist"));
  rocksdb::BackupEngineReadOnly* engine = nullptr;
  RETURN_IF_ERROR(FromRocksDb(rocksdb::BackupEngineReadOnly::Open(
                                  EngineOptions(backup_dir, nullptr), rocksdb::Env::Default(), &engine),
                              absl::StrCat("opening the backup directory ", backup_dir)));
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(engine);
}

// FAILED_PRECONDITION unless `dir` is missing or an empty directory.
absl::Status CheckEmptyTarget(const std::string& dir) {
  ASSIGN_OR_RETURN(const bool exists, DirectoryExists(dir));
  if (!exists) return absl::OkStatus();
  std::error_code error;
  const bool empty = std::filesystem::is_empty(dir, error);
  if (error) return absl::UnavailableError(absl::StrCat("checking ", dir, ": ", error.message()));
  if (!empty) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " is not empty: restore into a new directory (or move this one aside) so that "
             "nothing is overwritten"));
  }
  return absl::OkStatus();
}

}  // namespace

namespace internal {

absl::StatusOr<BackupInfo> CreateBackup(Context& ctx, const std::string& backup_dir, int keep) {
  if (backup_dir.empty()) return absl::InvalidArgumentError("the backup directory is empty");
  if (keep < 1) return absl::InvalidArgumentError("backups to keep must be at least 1");
  std::error_code error;
  std::filesystem::create_directories(backup_dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("creating ", backup_dir, ": ", error.message()));
  }
  rocksdb::BackupEngine* raw = nullptr;
  RETURN_IF_ERROR(FromRocksDb(
      rocksdb::BackupEngine::Open(EngineOptions(backup_dir, ctx.db->GetDBOptions().info_log.get()),
                                  rocksdb::Env::Default(), &raw),
      absl::StrCat("opening the backup directory ", backup_dir)));
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  rocksdb::CreateBackupOptions create;
  // Everything acknowledged is in a memtable or an SST file; flushing first
  // makes the backup mostly shared SST files instead of a long WAL copy.
  create.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  RETURN_IF_ERROR(FromRocksDb(engine->CreateNewBackupWithMetadata(create, ctx.db, BackupMetadata(), &id),
                              absl::StrCat("backing up into ", backup_dir)));
  RETURN_IF_ERROR(FromRocksDb(engine->VerifyBackup(id), absl::StrCat("verifying backup ", id)));
  RETURN_IF_ERROR(FromRocksDb(engine->PurgeOldBackups(static_cast<uint32_t>(keep)),
                              absl::StrCat("deleting old backups in ", backup_dir)));
  rocksdb::BackupInfo info;
  RETURN_IF_ERROR(FromRocksDb(engine->GetBackupInfo(id, &info),
                              absl::StrCat("reading backup ", id)));
  return FromRocksDbInfo(info);
}

absl::Status WithRecoveryAdvice(const absl::Status& status, const std::string& path) {
  if (!absl::IsDataLoss(status)) return status;
  return absl::DataLossError(absl::StrCat(status.message(), "\n", RecoveryAdvice(path)));
}

}  // namespace internal

absl::StatusOr<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir) {
  ASSIGN_OR_RETURN(auto engine, OpenReadOnly(backup_dir));
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  std::vector<BackupInfo> out;
  for (const auto& info : infos) out.push_back(FromRocksDbInfo(info));
  return out;
}

absl::StatusOr<BackupInfo> RestoreBackup(const std::string& backup_dir, uint32_t id,
                                         const std::string& data_dir) {
  if (data_dir.empty()) return absl::InvalidArgumentError("the data directory is empty");
  RETURN_IF_ERROR(CheckEmptyTarget(data_dir));
  ASSIGN_OR_RETURN(auto engine, OpenReadOnly(backup_dir));
  rocksdb::BackupInfo info;
  const rocksdb::Status found =
      id == 0 ? engine->GetLatestBackupInfo(&info) : engine->GetBackupInfo(id, &info);
  if (found.IsNotFound()) {
    return absl::NotFoundError(id == 0 ? absl::StrCat(backup_dir, " holds no backup")
                                       : absl::StrCat(backup_dir, " holds no backup ", id));
  }
  RETURN_IF_ERROR(FromRocksDb(found, absl::StrCat("reading backup ", id, " in ", backup_dir)));
  RETURN_IF_ERROR(FromRocksDb(
      engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), info.backup_id, data_dir, data_dir),
      absl::StrCat("restoring backup ", info.backup_id, " of ", backup_dir, " into ", data_dir)));
  return FromRocksDbInfo(info);
}

absl::Status RepairDatabase(const std::string& data_dir) {
  ASSIGN_OR_RETURN(const bool exists, DirectoryExists(data_dir));
  if (!exists) return absl::NotFoundError(absl::StrCat(data_dir, " does not exist"));
  // Repair every family the store may hold: ours, and any a newer binary
  // added that the MANIFEST still names.
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), data_dir, &names).ok()) names.clear();
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  auto add = [&](const std::string& name) {
    for (const auto& f : families) {
      if (f.name == name) return;
    }
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  };
  add(rocksdb::kDefaultColumnFamilyName);
  for (int cf = 0; cf < internal::kCfCount; ++cf) {
    add(std::string(internal::CfName(static_cast<internal::Cf>(cf))));
  }
  for (const auto& name : names) add(name);
  rocksdb::DBOptions options;
  options.info_log = internal::NewInfoLog(data_dir);
  return FromRocksDb(rocksdb::RepairDB(data_dir, options, families),
                     absl::StrCat("repairing ", data_dir));
}

std::string RecoveryAdvice(const std::string& data_dir) {
  return absl::StrCat(
      "To recover the data in ", data_dir,
      ": (1) restore the newest backup into a new, empty directory and start the server on "
      "it: persona-server --restore_backup=<backup dir> --data_dir=<new dir>, then "
      "persona-server --data_dir=<new dir> (writes after that backup are lost); or (2) keep "
      "what is still readable: copy ", data_dir, " aside, then persona-server --repair "
      "--data_dir=", data_dir, " (RocksDB RepairDB: records in the damaged file are lost). "
      "See docs/OPERATIONS.md, \"Backups and durability\".");
}

}  // namespace persona::storage
