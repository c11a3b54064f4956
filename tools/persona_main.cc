// `persona`: the command-line tool. Dispatches to a sub-command.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "tools/cluster_command.h"
#include "tools/commands.h"
#include "tools/ops_commands.h"
#include "tools/connection.h"
#include "tools/keys_command.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* help;
};

constexpr Command kCommands[] = {
    {"import", persona::tools::RunImport,
     "load catalog, customers and events (CSV, JSON Lines, Online Retail) into a server"},
    {"recommend", persona::tools::RunRecommend, "ask a running server for recommendations"},
    {"stats", persona::tools::RunStats, "print a shop's counters and top items"},
    {"train", persona::tools::RunTrain, "train a shop's collaborative-filtering model now"},
    {"model", persona::tools::RunModel, "describe the model serving a shop"},
    {"eval", persona::tools::RunEval, "offline evaluation of the recommenders"},
    {"segments", persona::tools::RunSegments,
     "list segments, stream members, a customer's segments, targeting"},
    {"campaign", persona::tools::RunCampaign, "run an email campaign and print each email's items"},
    {"backup", persona::tools::RunBackup, "take an online backup of the server now, or list backups"},
    {"purge-events", persona::tools::RunPurgeEvents, "delete events older than the retention period now"},
    {"export", persona::tools::RunExport, "print everything held about a customer as JSON"},
    {"erase", persona::tools::RunErase, "erase a customer and everything held about them"},
    {"cluster", persona::tools::RunCluster,
     "sharded deployments: train one model for every shard, compare models, health"},
    {"keys", persona::tools::RunKeys, "make an API key: a fresh secret and its config entry"},
};

int Usage(FILE* out) {
  std::fprintf(out, "usage: persona <command> [flags]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.help);
  std::fprintf(out, "\n'persona <command> --help' describes a command's flags.\n\n%s",
               persona::tools::kConnectionFlagsHelp);
  return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (absl::Status s = persona::tools::TakeConnectionFlags(argc, argv); !s.ok()) {
    std::fprintf(stderr, "persona: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (argc < 2) return Usage(stderr);
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") return Usage(stdout);
  for (const Command& c : kCommands) {
    if (name == c.name) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "persona: unknown command '%s'\n\n", argv[1]);
  return Usage(stderr);
}
