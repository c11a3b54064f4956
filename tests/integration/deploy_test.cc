// deploy/ against the code: the Dockerfile installs every library the built
// binaries link, every flag the Dockerfile and the Kubernetes manifests pass
// exists, the replicas' config parses and validates, and the manifests parse
// and agree on the gRPC port. No Docker engine or cluster is needed.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/config.h"

namespace persona::testing {
namespace {

namespace pb = ::google::protobuf;

const std::string kDeploy = std::string(PERSONA_SOURCE_DIR) + "/deploy/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a shell command; its stdout, and whether it exited with 0.
std::pair<std::string, bool> Capture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {out, false};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return {out, WIFEXITED(status) && WEXITSTATUS(status) == 0};
}

// The YAML documents of a manifest, through python3-yaml as JSON.
std::vector<pb::Struct> YamlDocs(const std::string& file) {
  static auto* cache = new std::map<std::string, std::vector<pb::Struct>>();
  if (auto it = cache->find(file); it != cache->end()) return it->second;
  auto [json, ok] = Capture("python3 -c 'import json,sys,yaml; print(json.dumps(list("
                            "yaml.safe_load_all(open(sys.argv[1])))))' " + kDeploy + file);
  EXPECT_TRUE(ok) << file << " does not parse as YAML (or python3-yaml is missing)";
  pb::ListValue list;
  EXPECT_TRUE(pb::util::JsonStringToMessage(json, &list).ok()) << json;
  std::vector<pb::Struct> docs;
  for (const pb::Value& v : list.values()) {
    if (v.has_struct_value()) docs.push_back(v.struct_value());
  }
  (*cache)[file] = docs;
  return docs;
}

const pb::Value* Path(const pb::Struct& s, const std::vector<std::string>& keys) {
  const pb::Struct* at = &s;
  const pb::Value* value = nullptr;
  for (const std::string& key : keys) {
    if (at == nullptr || !at->fields().contains(key)) return nullptr;
    value = &at->fields().at(key);
    at = value->has_struct_value() ? &value->struct_value() : nullptr;
  }
  return value;
}

// Every container of a workload (pod template, or a CronJob's job template).
std::vector<pb::Struct> Containers(const pb::Struct& doc) {
  std::vector<pb::Struct> out;
  for (const auto& path : std::vector<std::vector<std::string>>{
           {"spec", "template", "spec", "containers"},
           {"spec", "jobTemplate", "spec", "template", "spec", "containers"}}) {
    if (const pb::Value* v = Path(doc, path); v != nullptr) {
      for (const pb::Value& c : v->list_value().values()) out.push_back(c.struct_value());
    }
  }
  return out;
}

std::vector<std::string> Strings(const pb::Value* list) {
  std::vector<std::string> out;
  if (list == nullptr) return out;
  for (const pb::Value& v : list->list_value().values()) out.push_back(v.string_value());
  return out;
}

// The names of --flags in `args`.
std::set<std::string> FlagNames(const std::vector<std::string>& args) {
  std::set<std::string> names;
  for (const std::string& arg : args) {
    if (!arg.starts_with("--")) continue;
    names.insert(arg.substr(2, arg.find('=') - 2));
  }
  return names;
}

std::vector<std::string> Manifests() {
  return {"k8s/kustomization.yaml", "k8s/persona-statefulset.yaml", "k8s/persona-shards.yaml",
          "k8s/proxy.yaml", "k8s/train-cronjob.yaml"};
}

// The Dockerfile's last stage (from its last FROM on).
std::string RuntimeStage() {
  const std::string dockerfile = ReadFile(kDeploy + "Dockerfile");
  return dockerfile.substr(dockerfile.rfind("\nFROM "));
}

TEST(DeployTest, DockerfileBuildsPortablyAndRunsUnprivileged) {
  const std::string dockerfile = ReadFile(kDeploy + "Dockerfile");
  EXPECT_NE(dockerfile.find("\nFROM debian:12 AS build"), std::string::npos);
  EXPECT_NE(dockerfile.find("scripts/install-deps.sh"), std::string::npos);
  EXPECT_NE(dockerfile.find("-DPERSONA_NATIVE=OFF"), std::string::npos);
  const std::string runtime = RuntimeStage();
  EXPECT_TRUE(runtime.starts_with("\nFROM debian:12-slim")) << runtime.substr(0, 40);
  EXPECT_TRUE(std::regex_search(runtime, std::regex(R"(\nUSER [1-9][0-9]*)"))) << "runs as root";
  EXPECT_NE(runtime.find("\nVOLUME /var/lib/persona"), std::string::npos);
  EXPECT_NE(runtime.find("\nEXPOSE 50051"), std::string::npos);
  EXPECT_NE(runtime.find("\nHEALTHCHECK"), std::string::npos);
  EXPECT_NE(runtime.find("--from=build /build/server/persona-server /build/tools/persona"),
            std::string::npos);
}

TEST(DeployTest, DockerfileInstallsEveryLibraryTheBinariesLink) {
  const std::string runtime = RuntimeStage();
  std::set<std::string> installed = {"libc6", "libgcc-s1", "libstdc++6"};  // in debian:12-slim
  std::smatch m;
  ASSERT_TRUE(std::regex_search(runtime, m, std::regex(R"(apt-get install[^\n]*\n((.*\\\n)+))")));
  for (absl::string_view word : absl::StrSplit(m[1].str(), absl::ByAnyChar(" \\\n"),
                                               absl::SkipEmpty())) {
    if (word == "&&") break;
    installed.insert(std::string(word));
  }
  for (const std::string binary : {PERSONA_SERVER_BIN, PERSONA_CLI_BIN}) {
    // The binary's own NEEDED libraries (their dependencies come with their
    // packages), resolved by ldd, then one dpkg -S for all of them (with
    // links followed, for the /lib vs /usr/lib merge).
    auto [packages, ok] = Capture(
        "b=" + binary + "; paths=$(for l in $(readelf -d $b | sed -n 's/.*Shared library: "
        "\\[\\(.*\\)\\]/\\1/p'); do ldd $b | awk -v l=$l '$1 == l {print $3}'; done); "
        "dpkg -S $paths $(readlink -f $paths) 2>/dev/null | cut -d: -f1 | sort -u");
    ASSERT_FALSE(packages.empty()) << binary;
    for (absl::string_view package : absl::StrSplit(packages, '\n', absl::SkipEmpty())) {
      EXPECT_TRUE(installed.contains(std::string(package)))
          << binary << " links a library from " << package
          << ", which deploy/Dockerfile's runtime stage does not install";
    }
  }
}

TEST(DeployTest, EveryFlagTheImageAndManifestsPassExists) {
  auto [server_help, server_ok] = Capture(std::string(PERSONA_SERVER_BIN) + " --help 2>&1");
  auto [cluster_help, cluster_ok] = Capture(std::string(PERSONA_CLI_BIN) + " cluster --help");
  ASSERT_TRUE(cluster_ok) << cluster_help;
  std::set<std::string> server_flags, cli_flags;
  std::smatch m;
  const std::string runtime = RuntimeStage();
  ASSERT_TRUE(std::regex_search(runtime, m, std::regex(R"(\nCMD \[(.*)\])")));
  for (absl::string_view arg : absl::StrSplit(m[1].str(), ", ")) {
    server_flags.insert(std::string(absl::StripSuffix(absl::StripPrefix(arg, "\"--"), "\"")));
  }
  for (const std::string& file : Manifests()) {
    for (const pb::Struct& doc : YamlDocs(file)) {
      for (const pb::Struct& c : Containers(doc)) {
        const std::vector<std::string> command = Strings(Path(c, {"command"}));
        auto& into = !command.empty() && command[0] == "persona" ? cli_flags : server_flags;
        for (const std::string& name : FlagNames(Strings(Path(c, {"args"})))) into.insert(name);
      }
    }
  }
  for (std::string flag : server_flags) {
    flag = flag.substr(0, flag.find('='));
    EXPECT_NE(server_help.find("--" + flag + " ("), std::string::npos)
        << "persona-server has no --" << flag;
  }
  EXPECT_FALSE(cli_flags.empty()) << "the training job passes no flags";
  for (const std::string& flag : cli_flags) {
    EXPECT_NE(cluster_help.find("--" + flag), std::string::npos) << "persona cluster has no --" << flag;
  }
}

TEST(DeployTest, ReplicaConfigIsValidAndPublishOnly) {
  persona::config::v1::Config config;
  ASSERT_TRUE(pb::TextFormat::ParseFromString(ReadFile(kDeploy + "k8s/persona.textproto"), &config));
  server::ApplyDefaults(config);
  EXPECT_TRUE(server::ValidateConfig(config).ok()) << server::ValidateConfig(config);
  EXPECT_TRUE(config.cluster().publish_only());
  EXPECT_EQ(config.training().interval_minutes(), 0);
  EXPECT_EQ(config.server().listen_address(), "0.0.0.0:50051");
  EXPECT_EQ(config.storage().data_dir().rfind("/var/lib/persona/", 0), 0u)
      << "data_dir is not on the StatefulSet's volume";
}

TEST(DeployTest, ManifestsParseAndAgreeOnThePort) {
  for (const std::string& file : Manifests()) {
    std::vector<pb::Struct> docs = YamlDocs(file);
    EXPECT_FALSE(docs.empty()) << file;
    for (const pb::Struct& doc : docs) {
      for (const pb::Struct& c : Containers(doc)) {
        EXPECT_NE(Path(c, {"resources", "limits", "memory"}), nullptr)
            << file << ": a container without a memory limit";
        for (const char* probe : {"readinessProbe", "livenessProbe", "startupProbe"}) {
          if (const pb::Value* port = Path(c, {probe, "grpc", "port"}); port != nullptr) {
            EXPECT_EQ(port->number_value(), 50051) << file << " " << probe;
          }
        }
      }
      const pb::Value* kind = Path(doc, {"kind"});
      if (kind != nullptr && kind->string_value() == "StatefulSet") {
        EXPECT_NE(Path(doc, {"spec", "volumeClaimTemplates"}), nullptr);
        const pb::Struct persona = Containers(doc).at(0);
        EXPECT_NE(Path(persona, {"readinessProbe", "grpc"}), nullptr) << "no gRPC health probe";
        EXPECT_NE(Path(persona, {"livenessProbe", "grpc"}), nullptr) << "no gRPC health probe";
      }
    }
  }
  pb::Struct kustomization = YamlDocs("k8s/kustomization.yaml").at(0);
  std::vector<std::string> files;
  for (const pb::Value& v : Path(kustomization, {"resources"})->list_value().values()) {
    files.push_back(v.string_value());
  }
  for (const pb::Value& v : Path(kustomization, {"configMapGenerator"})->list_value().values()) {
    for (const std::string& f : Strings(Path(v.struct_value(), {"files"}))) files.push_back(f);
  }
  for (const std::string& f : files) {
    EXPECT_TRUE(std::ifstream(kDeploy + "k8s/" + f).good()) << "kustomization names missing " << f;
  }
  const std::string nginx = ReadFile(kDeploy + "k8s/nginx.conf");
  EXPECT_NE(nginx.find("hash $http_x_persona_shard_key consistent;"), std::string::npos);
  const std::string cronjob = ReadFile(kDeploy + "k8s/train-cronjob.yaml");
  for (int s = 0; s < 3; ++s) {
    const std::string shard = "persona-shard-" + std::to_string(s) + ":50051";
    EXPECT_NE(nginx.find("server " + shard), std::string::npos) << shard;
    EXPECT_NE(cronjob.find(shard), std::string::npos) << shard;
  }
}

}  // namespace
}  // namespace persona::testing
