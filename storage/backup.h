// Restoring and repairing a Persona database that is not open, and listing
// the backups in a backup directory. Online backups are taken through
// Database::maintenance() (storage/database.h); docs/OPERATIONS.md describes
// the procedures.
//
// Thread-safety: the functions may be called from any thread, but never on a
// directory another process (or a Database of this one) has open: restore
// and repair are offline operations.
#ifndef PERSONA_STORAGE_BACKUP_H_
#define PERSONA_STORAGE_BACKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/database.h"

namespace persona::storage {

// Lists the backups in `backup_dir`, oldest first. NOT_FOUND when the
// directory does not exist; an existing directory without backups gives an
// empty list.
absl::StatusOr<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir);

// Restores backup `id` of `backup_dir` (0: the newest) into `data_dir`, which
// must be missing or empty so that nothing is overwritten
// (FAILED_PRECONDITION otherwise). Every restored file's checksum is checked
// against the backup's record of it (DATA_LOSS naming the file on a
// mismatch). NOT_FOUND when the directory holds no such backup. Returns the
// backup restored.
absl::StatusOr<BackupInfo> RestoreBackup(const std::string& backup_dir, uint32_t id,
                                         const std::string& data_dir);

// Salvages what is readable of a damaged database in place with RocksDB's
// RepairDB: keys in damaged files are lost, and the repaired store may miss
// the latest writes. Prefer restoring a backup; copy the directory aside
// before repairing. NOT_FOUND when `data_dir` does not exist.
absl::Status RepairDatabase(const std::string& data_dir);

// Returns how to recover the database at `data_dir` from corruption: the
// restore and repair commands, for error messages at start-up.
std::string RecoveryAdvice(const std::string& data_dir);

}  // namespace persona::storage

#endif  // PERSONA_STORAGE_BACKUP_H_
