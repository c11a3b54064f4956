// `persona cluster train|models|health`: one training run for every shard,
// the model each shard serves, and each shard's gRPC health.
#include "tools/cluster_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "grpcpp/generic/generic_stub.h"
#include "persona/v1/admin.grpc.pb.h"
#include "persona/v1/cluster.grpc.pb.h"
#include "tools/cli_common.h"
#include "tools/cli_flags.h"
#include "tools/cluster_training.h"
#include "tools/connection.h"

namespace persona::tools {
namespace {

namespace v1 = ::persona::v1;

// Exporting or publishing a large shop takes a while; so may training.
constexpr std::chrono::seconds kLongCall = std::chrono::hours(2);

bool SameSettings(const v1::TrainingSettings& a, const v1::TrainingSettings& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

// Streams one shard's interactions into `set`; returns the replica's name
// and settings in `first`.
absl::Status Gather(const std::string& address, const std::string& shop, ClusterTrainingSet& set,
                    v1::ExportInteractionsResponse& first, int64_t& rows) {
  ASSIGN_OR_RETURN(auto channel, Connect(address));
  auto stub = v1::ClusterService::NewStub(channel);
  v1::ExportInteractionsRequest request;
  request.set_shop(shop);
  auto ctx = CallContext(kLongCall);
  auto reader = stub->ExportInteractions(ctx.get(), request);
  v1::ExportInteractionsResponse part;
  bool got_first = false;
  while (reader->Read(&part)) {
    if (!got_first) {
      first = part;
      got_first = true;
    }
    for (const v1::Interaction& row : part.interactions()) set.Add(row);
    rows += part.interactions_size();
  }
  RETURN_IF_ERROR(FromGrpc(reader->Finish(), "ClusterService.ExportInteractions"));
  if (!got_first) return absl::DataLossError(absl::StrCat(address, " sent no export header"));
  return absl::OkStatus();
}

absl::StatusOr<v1::ModelInfo> Publish(const std::string& address,
                                      const std::vector<v1::PublishModelRequest>& messages) {
  ASSIGN_OR_RETURN(auto channel, Connect(address));
  auto stub = v1::ClusterService::NewStub(channel);
  auto ctx = CallContext(kLongCall);
  v1::ModelInfo info;
  auto writer = stub->PublishModel(ctx.get(), &info);
  for (const auto& message : messages) {
    if (!writer->Write(message)) break;  // Finish tells why
  }
  writer->WritesDone();
  RETURN_IF_ERROR(FromGrpc(writer->Finish(), "ClusterService.PublishModel"));
  return info;
}

// Gathers from every shard, checking that no replica is listed twice and
// that all are configured alike.
absl::StatusOr<v1::TrainingSettings> GatherAll(const std::vector<std::string>& shards,
                                               const std::string& shop, ClusterTrainingSet& set) {
  std::set<std::string> replicas;
  v1::TrainingSettings settings;
  for (size_t i = 0; i < shards.size(); ++i) {
    v1::ExportInteractionsResponse first;
    int64_t rows = 0;
    RETURN_IF_ERROR(Gather(shards[i], shop, set, first, rows));
    std::printf("exported %-24s replica %-16s %lld rows\n", shards[i].c_str(),
                first.replica().c_str(), static_cast<long long>(rows));
    if (!replicas.insert(first.replica()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "replica '", first.replica(), "' is listed twice in --shards (", shards[i],
          "); its interactions would count double"));
    }
    if (i == 0) settings = first.settings();
    if (!SameSettings(settings, first.settings())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the training settings of ", shards[i], " differ from ", shards[0], "'s: {",
          first.settings().ShortDebugString(), "} vs {", settings.ShortDebugString(),
          "}; give every replica the same training section"));
    }
  }
  return settings;
}

int Train(const Flags& flags, const std::vector<std::string>& shards) {
  absl::StatusOr<int64_t> threads = flags.GetInt("threads");
  if (!threads.ok() || *threads < 1 || *threads > 256) {
    return Usage("cluster train", absl::InvalidArgumentError("--threads must be in 1..256"));
  }
  ClusterTrainingSet set;
  absl::StatusOr<v1::TrainingSettings> settings = GatherAll(shards, flags.Get("shop"), set);
  if (!settings.ok()) return Fail("cluster train", settings.status());
  const Clock& clock = *Clock::Real();
  const int64_t start = clock.NowMs();
  auto model = set.Train(*settings, static_cast<int>(*threads), clock);
  if (!model.ok()) return Fail("cluster train", model.status());
  v1::PublishedModelHeader header;
  header.set_shop(flags.Get("shop"));
  header.set_trained_time_ms(clock.NowMs());
  header.set_training_seconds(static_cast<double>(header.trained_time_ms() - start) / 1000);
  header.set_version(ClusterModelVersion(header.trained_time_ms()));
  std::printf("trained %s from %lld users, %lld interactions, %zu items in %.2f s\n",
              header.version().c_str(), static_cast<long long>(model->users),
              static_cast<long long>(model->interactions), model->als.item_ids.size(),
              header.training_seconds());
  auto messages = PublishMessages(*model, header);
  if (!messages.ok()) return Fail("cluster train", messages.status());
  int failed = 0;
  for (const std::string& shard : shards) {
    absl::StatusOr<v1::ModelInfo> info = Publish(shard, *messages);
    if (info.ok()) {
      std::printf("published %-23s model %s serves (%lld items scored, %lld placed by "
                  "category)\n", shard.c_str(), info->version().c_str(),
                  static_cast<long long>(info->trained_items()),
                  static_cast<long long>(info->imputed_items()));
    } else {
      ++failed;
      std::fprintf(stderr, "persona cluster train: publishing to %s failed: %s\n", shard.c_str(),
                   std::string(info.status().message()).c_str());
    }
  }
  if (failed == 0) return 0;
  std::fprintf(stderr, "persona cluster train: %d of %zu replicas did not take the model; run "
               "again to bring every replica to one version\n", failed, shards.size());
  return 1;
}

int Models(const Flags& flags, const std::vector<std::string>& shards) {
  std::set<std::string> versions;
  int failed = 0;
  for (const std::string& shard : shards) {
    v1::ModelInfo info;
    auto channel = Connect(shard);
    absl::Status status = channel.status();
    if (status.ok()) {
      auto stub = v1::AdminService::NewStub(*channel);
      v1::GetModelInfoRequest request;
      request.set_shop(flags.Get("shop"));
      status = FromGrpc(stub->GetModelInfo(CallContext().get(), request, &info),
                        "AdminService.GetModelInfo");
    }
    if (!status.ok()) {
      ++failed;
      std::printf("%-24s -  (%s)\n", shard.c_str(), std::string(status.message()).c_str());
      continue;
    }
    versions.insert(info.version());
    std::printf("%-24s %s  %lld users, %lld interactions\n", shard.c_str(), info.version().c_str(),
                static_cast<long long>(info.users()), static_cast<long long>(info.interactions()));
  }
  if (failed > 0 || versions.size() > 1) {
    std::fprintf(stderr, "persona cluster models: the replicas do not all serve one model\n");
    return 1;
  }
  return 0;
}

// grpc.health.v1.Health/Check with an empty service name, encoded by hand
// (an empty request; the answer's field 1 is the status, SERVING = 1).
// The channel has the connection flags' TLS and key, as every other command.
std::string HealthOf(const std::string& address) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = Connect(address);
  if (!channel.ok()) return absl::StrCat("unreachable (", channel.status().message(), ")");
  grpc::GenericStub stub(*channel);
  grpc::CompletionQueue cq;
  auto ctx = CallContext(std::chrono::seconds(5));
  grpc::Slice empty("");  // HealthCheckRequest{service: ""} encodes to no bytes
  grpc::ByteBuffer request(&empty, 1), response;
  auto call = stub.PrepareUnaryCall(ctx.get(), "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) return absl::StrCat("unreachable (", status.error_message(), ")");
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (bytes == std::string("\x08\x01", 2)) return "SERVING";
  if (bytes == std::string("\x08\x02", 2)) return "NOT_SERVING";
  return "UNKNOWN";
}

int Health(const std::vector<std::string>& shards) {
  int failed = 0;
  for (const std::string& shard : shards) {
    const std::string health = HealthOf(shard);
    std::printf("%-24s %s\n", shard.c_str(), health.c_str());
    if (health != "SERVING") ++failed;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

int RunCluster(int argc, char** argv) {
  Flags flags(
      "persona cluster <train|models|health> --shards=host:port,... [flags]\n\n"
      "Commands for Persona sharded behind a hashing proxy (docs/SCALE_OUT.md), talking to\n"
      "every replica directly. train: gather every shard's interactions, train one model\n"
      "and publish it to every shard. models: the model each shard serves (exit 1 unless\n"
      "all serve one). health: each shard's gRPC health (exit 1 unless all are SERVING).");
  flags.Value("shards", "", "every replica's gRPC address, comma-separated (required)");
  flags.Value("shop", "", "the shop (default: the servers' default shop)");
  flags.Value("threads", std::to_string(std::max(1u, std::thread::hardware_concurrency())),
              "train: threads for training (default: all cores)");
  if (int code = ParseOrExit(flags, "cluster", argc, argv, /*positional_ok=*/true); code >= 0) {
    return code;
  }
  const std::vector<std::string> shards = flags.GetList("shards");
  if (shards.empty()) return Usage("cluster", absl::InvalidArgumentError("--shards is required"));
  const std::string action = flags.positional().empty() ? "" : flags.positional()[0];
  if (flags.positional().size() > 1) {
    return Usage("cluster", absl::InvalidArgumentError("give one action"));
  }
  if (action == "train") return Train(flags, shards);
  if (action == "models") return Models(flags, shards);
  if (action == "health") return Health(shards);
  return Usage("cluster", absl::InvalidArgumentError(
                              absl::StrCat("unknown action '", action, "': train, models or health")));
}

}  // namespace persona::tools
