// `persona cluster <train|models|health>`: the commands of a sharded
// deployment (docs/SCALE_OUT.md), each talking to every replica directly.
#ifndef PERSONA_TOOLS_CLUSTER_COMMAND_H_
#define PERSONA_TOOLS_CLUSTER_COMMAND_H_

namespace persona::tools {

// Takes the arguments after "cluster"; returns the exit code (0 ok, 1
// failure, 2 usage).
int RunCluster(int argc, char** argv);

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_CLUSTER_COMMAND_H_
