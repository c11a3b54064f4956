#include "tests/testing/server_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace persona::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/persona-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ServerBinary() { return PERSONA_SERVER_BIN; }

ServerProcess::ServerProcess(std::string binary, std::string data_dir,
                             std::vector<std::string> extra_args)
    : binary_(std::move(binary)), data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

bool ServerProcess::Start() {
  const std::string port_file = data_dir_ + ".port";
  std::filesystem::remove(port_file);
  std::vector<std::string> args = {binary_, "--listen=127.0.0.1:0", "--data_dir=" + data_dir_,
                                   "--port_file=" + port_file};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = fork();
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // A test that crashes must not leave its server running (holding the
    // test's output pipe open, which would hang ctest).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    execv(binary_.c_str(), argv.data());
    std::perror("execv persona-server");
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      std::fprintf(stderr, "persona-server exited during start-up (status %d)\n", status);
      pid_ = -1;
      return false;
    }
    std::ifstream in(port_file);
    if (in >> port_ && port_ > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (port_ <= 0) {
    std::fprintf(stderr, "persona-server did not write its port file in time\n");
    return false;
  }
  channel_ = grpc::CreateChannel(address(), credentials_);
  return channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  channel_.reset();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  channel_.reset();
}

}  // namespace persona::testing
