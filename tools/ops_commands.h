// `persona` sub-commands for operating a server's data: backups
// (OperationsService), event retention, and a customer's export and erasure
// (CustomerService). Each takes the arguments after its name and returns
// the exit code (0 ok, 1 failure, 2 usage). Not thread-safe (they print).
#ifndef PERSONA_TOOLS_OPS_COMMANDS_H_
#define PERSONA_TOOLS_OPS_COMMANDS_H_

namespace persona::tools {

// persona backup [--list]: takes an online backup now, or lists the backups.
int RunBackup(int argc, char** argv);
// persona purge-events: deletes events older than the retention period now.
int RunPurgeEvents(int argc, char** argv);
// persona export --customer=ID: prints everything held about a customer as JSON.
int RunExport(int argc, char** argv);
// persona erase --customer=ID --yes: erases a customer.
int RunErase(int argc, char** argv);

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_OPS_COMMANDS_H_
