// What persona-server does instead of serving when asked to on the command
// line: restore a backup into an empty data directory (--restore_backup,
// --backup_id) or salvage a damaged store (--repair). Both work on a store
// no server has open. The flags are defined in offline_commands.cc.
// Not thread-safe (prints); called once from main.
#ifndef PERSONA_SERVER_OFFLINE_COMMANDS_H_
#define PERSONA_SERVER_OFFLINE_COMMANDS_H_

#include <optional>

#include "persona/config/v1/config.pb.h"

namespace persona::server {

// Runs the offline command the flags ask for on storage.data_dir and
// returns the process's exit code (0 done, 1 failed, 2 bad usage), or
// nullopt when none was asked for and the server should start.
std::optional<int> RunOfflineCommand(const persona::config::v1::Config& config);

}  // namespace persona::server

#endif  // PERSONA_SERVER_OFFLINE_COMMANDS_H_
