// Sub-commands of the `persona` command-line tool. Each takes the arguments
// after its name and returns the process exit code (0 ok, 1 failure, 2 usage).
#ifndef PERSONA_TOOLS_COMMANDS_H_
#define PERSONA_TOOLS_COMMANDS_H_

namespace persona::tools {

// persona import: loads catalog, customers and events into a running server.
int RunImport(int argc, char** argv);
// persona recommend: asks a running server for recommendations.
int RunRecommend(int argc, char** argv);
// persona stats: prints a shop's counters.
int RunStats(int argc, char** argv);
// persona train: trains a shop's model now.
int RunTrain(int argc, char** argv);
// persona model: describes the model serving a shop.
int RunModel(int argc, char** argv);
// persona eval: offline evaluation of the recommenders.
int RunEval(int argc, char** argv);
// `persona segments <action>`: SegmentService calls.
int RunSegments(int argc, char** argv);
// `persona campaign`: runs an email campaign (CampaignService.RunCampaign).
int RunCampaign(int argc, char** argv);

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_COMMANDS_H_
