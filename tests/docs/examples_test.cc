// The quick start's and the API guide's shell examples work as written: each
// ```sh block (doc_blocks.h) runs in page order, in `bash -eo pipefail`,
// against a real persona-server started on free ports with a temporary data
// directory and the demo shop, as the pages tell readers to start it. The
// pages' addresses (gRPC 127.0.0.1:50051, HTTP http://127.0.0.1:8080) are
// replaced by the test server's, and `persona` / `build/tools/persona` is a
// wrapper that adds the test server's --server to commands that take one.
// Blocks run in a temporary directory where the checkout's data/, tools/,
// deploy/ and examples/ are linked, so the pages' sample paths resolve.
// Each block must exit 0 and print every "# expect:" text. Blocks marked
// "# not run: <why>" are skipped and listed.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "persona/v1/admin.grpc.pb.h"
#include "tests/docs/doc_blocks.h"
#include "tests/testing/server_process.h"

namespace persona::docs {
namespace {

using ::persona::testing::ServerBinary;
using ::persona::testing::ServerProcess;
using ::persona::testing::TempDir;

const std::string kSource = PERSONA_SOURCE_DIR;
const std::string kCli = PERSONA_CLI_BIN;
// The addresses the pages use.
const std::string kPageGrpc = "127.0.0.1:50051";
const std::string kPageHttp = "127.0.0.1:8080";

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `argv` in `dir` with `path_prefix` before $PATH, stdin from /dev/null.
Outcome RunCommand(const std::vector<std::string>& argv, const std::string& dir,
                   const std::string& path_prefix) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    if (chdir(dir.c_str()) != 0) _exit(126);
    const char* path = getenv("PATH");
    setenv("PATH",
           (path_prefix + ":" + (path ? path : "/usr/bin:/bin")).c_str(), 1);
    unsetenv("PERSONA_API_KEY");
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  Outcome outcome;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;)
    outcome.output.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  outcome.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

// The CLI's commands that take --server, from `persona --help` and each
// command's own --help, so a new command is handled without editing this.
std::vector<std::string> CommandsWithServerFlag() {
  std::vector<std::string> commands;
  std::istringstream help(RunCommand({kCli, "--help"}, "/", "/usr/bin").output);
  bool in_list = false;
  for (std::string line; std::getline(help, line);) {
    if (line == "commands:") {
      in_list = true;
    } else if (in_list && line.empty()) {
      break;
    } else if (in_list) {
      const std::string name = line.substr(2, line.find(' ', 2) - 2);
      if (absl::StrContains(
              RunCommand({kCli, name, "--help"}, "/", "/usr/bin").output,
              "--server=")) {
        commands.push_back(name);
      }
    }
  }
  return commands;
}

// Writes <dir>/build/tools/persona: the real CLI, with --server=<grpc> added
// after the command name when the command takes one.
std::string WriteCliWrapper(const std::string& dir, const std::string& grpc) {
  const std::string tools = dir + "/build/tools";
  std::filesystem::create_directories(tools);
  const std::vector<std::string> commands = CommandsWithServerFlag();
  EXPECT_GE(commands.size(), 5u) << "could not read the CLI's commands";
  std::ofstream(tools + "/persona")
      << "#!/bin/sh\n"
      << "case \"$1\" in\n  " << absl::StrJoin(commands, "|") << ")\n"
      << "    c=$1; shift; exec '" << kCli << "' \"$c\" --server=" << grpc
      << " \"$@\";;\n"
      << "esac\nexec '" << kCli << "' \"$@\"\n";
  std::filesystem::permissions(tools + "/persona",
                               std::filesystem::perms::owner_all);
  return tools;
}

int ReadPort(const std::string& file) {
  for (int i = 0; i < 600; ++i) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// Waits (by polling GetModelInfo) until the demo shop's first model serves,
// as it does a second after a reader's first start.
bool WaitForModel(ServerProcess& server) {
  auto stub = v1::AdminService::NewStub(server.channel());
  for (int i = 0; i < 1200; ++i) {
    grpc::ClientContext context;
    v1::GetModelInfoRequest request;
    v1::ModelInfo info;
    if (stub->GetModelInfo(&context, request, &info).ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class ExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The pages' examples use curl and jq (scripts/install-deps.sh installs
    // them).
    const Outcome tools = RunCommand(
        {"sh", "-c", "command -v curl && command -v jq"}, "/", "/usr/bin");
    ASSERT_EQ(tools.exit_code, 0)
        << "the examples need curl and jq: " << tools.output;
    std::filesystem::create_directories(work());
    // The pages run from the checkout: its sample files are where they say.
    for (const char* dir : {"data", "tools", "deploy", "examples"}) {
      std::filesystem::create_directory_symlink(kSource + "/" + dir,
                                                work() + "/" + dir);
    }
    const std::string port_file = dir_.path() + "/http-port";
    // What the guides tell readers to run: scripts/run-server.sh with the demo
    // shop, the HTTP listener, a backup directory and event retention.
    server_ = std::make_unique<ServerProcess>(
        ServerBinary(), dir_.path() + "/data",
        std::vector<std::string>{
            "--demo_csv=" + kSource + "/data/demo/online-retail-sample.csv.gz",
            "--http_listen=127.0.0.1:0", "--http_port_file=" + port_file,
            "--set=privacy.backup_dir=" + work() + "/var/backups",
            "--set=privacy.event_retention_days=730"});
    ASSERT_TRUE(server_->Start());
    const int http_port = ReadPort(port_file);
    ASSERT_GT(http_port, 0);
    http_ = absl::StrCat("127.0.0.1:", http_port);
    ASSERT_TRUE(WaitForModel(*server_));
    tools_ = WriteCliWrapper(work(), server_->address());
  }

  std::string work() const { return dir_.path() + "/work"; }

  // Runs every runnable block of `file`; returns how many ran.
  int RunPage(const std::string& file) {
    auto text = ReadFile(kSource + "/" + file);
    EXPECT_TRUE(text.ok()) << text.status();
    if (!text.ok()) return 0;
    auto page = ParsePage(*text);
    EXPECT_TRUE(page.ok()) << file << ": " << page.status();
    if (!page.ok()) return 0;
    int ran = 0;
    std::vector<std::string> skipped;
    for (const CodeBlock& block : page->blocks) {
      if (block.language != "sh") continue;
      const std::string where = absl::StrCat(
          file, ":", block.line, " (",
          block.heading >= 0 ? page->headings[block.heading].text : "", ")");
      if (!block.run) {
        skipped.push_back(absl::StrCat(where, ": ", block.not_run_reason));
        continue;
      }
      ++ran;
      const std::string script =
          ReplaceAll(ReplaceAll(block.text, kPageGrpc, server_->address()),
                     kPageHttp, http_);
      const Outcome outcome =
          RunCommand({"timeout", "300", "bash", "--noprofile", "--norc", "-eo",
                      "pipefail", "-c", script},
                     work(), tools_);
      EXPECT_EQ(outcome.exit_code, 0) << where << " failed:\n"
                                      << script << "--- output:\n"
                                      << outcome.output.substr(0, 6000);
      for (const std::string& expect : block.expects) {
        EXPECT_TRUE(absl::StrContains(outcome.output, expect))
            << where << ": output lacks '" << expect << "':\n"
            << script << "--- output:\n"
            << outcome.output.substr(0, 6000);
      }
    }
    std::printf("%s: %d blocks ran, %zu not run:\n  %s\n", file.c_str(), ran,
                skipped.size(), absl::StrJoin(skipped, "\n  ").c_str());
    return ran;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string http_;
  std::string tools_;
};

TEST_F(ExamplesTest, QuickStartExamplesWork) {
  EXPECT_GE(RunPage("docs/QUICKSTART.md"), 10);
}

TEST_F(ExamplesTest, GuideExamplesWork) {
  EXPECT_GE(RunPage("docs/GUIDE.md"), 40);
}

// The harness itself can fail: a block that exits non-zero, or lacks its
// expected text, is reported.
TEST_F(ExamplesTest, AFailingBlockIsCaught) {
  const Outcome bad = RunCommand(
      {"bash", "-eo", "pipefail", "-c", "persona stats --shop=no_such/shop"},
      work(), tools_);
  EXPECT_NE(bad.exit_code, 0) << bad.output;
  const Outcome ok = RunCommand(
      {"bash", "-eo", "pipefail", "-c", "persona stats"}, work(), tools_);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(absl::StrContains(ok.output, "items")) << ok.output;
  EXPECT_FALSE(absl::StrContains(ok.output, "no such text in the output"));
}

}  // namespace
}  // namespace persona::docs
