// Runs the `persona` command-line tool from an integration test. The test
// target defines PERSONA_CLI_BIN (the tool's path, from CMake).
#ifndef PERSONA_TESTS_INTEGRATION_CLI_RUN_H_
#define PERSONA_TESTS_INTEGRATION_CLI_RUN_H_

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace persona::testing {

struct CliRun {
  int exit_code = -1;  // -1: could not run, or killed by a signal
  std::string output;  // stdout and stderr together
};

// Runs `persona <args>` through the shell and captures stdout and stderr.
inline CliRun Persona(const std::string& args) {
  CliRun run;
  const std::string command = std::string(PERSONA_CLI_BIN) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace persona::testing

#endif  // PERSONA_TESTS_INTEGRATION_CLI_RUN_H_
