// `persona keys`: makes API keys for persona-server's security.api_keys
// (docs/OPERATIONS.md, "Security"). Runs offline; talks to no server.
#ifndef PERSONA_TOOLS_KEYS_COMMAND_H_
#define PERSONA_TOOLS_KEYS_COMMAND_H_

namespace persona::tools {

// `persona keys new|hash`: prints a fresh secret once plus the config entry
// holding its hash (new), or the hash of a secret read from stdin (hash).
// Returns the exit code (0 ok, 1 failure, 2 usage).
int RunKeys(int argc, char** argv);

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_KEYS_COMMAND_H_
