// Runs the real persona-server binary for integration tests and benchmarks:
// a free port (port 0, read back from a port file), a temporary data
// directory, and clean or brutal stops. Not thread-safe.
#ifndef PERSONA_TESTS_TESTING_SERVER_PROCESS_H_
#define PERSONA_TESTS_TESTING_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace persona::testing {

// Creates a fresh temporary directory and removes it (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ServerProcess {
 public:
  // `binary` is the persona-server path; `data_dir` persists across restarts.
  ServerProcess(std::string binary, std::string data_dir, std::vector<std::string> extra_args = {});
  ~ServerProcess();  // SIGKILLs a running server.

  // Sets the credentials of channel() (and of Start's wait for the server);
  // default insecure. For servers with TLS. Call before Start.
  void set_channel_credentials(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    credentials_ = std::move(credentials);
  }

  // Starts the server and waits until it accepts gRPC calls (up to 60 s).
  // Returns false (with the reason on stderr) when it did not come up.
  bool Start();
  // Sends SIGTERM and waits for exit; returns the exit status (-1 on failure).
  int Stop();
  // Sends SIGKILL and reaps the process.
  void Kill();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  const std::string binary_;
  const std::string data_dir_;
  const std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_ = grpc::InsecureChannelCredentials();
};

// Returns the persona-server binary named by the PERSONA_SERVER_BIN compile definition.
std::string ServerBinary();

}  // namespace persona::testing

#endif  // PERSONA_TESTS_TESTING_SERVER_PROCESS_H_
