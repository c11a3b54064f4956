// The empty-call reference of the load generator: an in-process gRPC server
// with one callback-API method that echoes its (empty) payload. Its QPS under
// the same client driver is the ceiling Recommend is compared with.
//
// Thread-safety: EchoServer is thread-safe once started; destroying it shuts
// the server down.
#ifndef PERSONA_TESTS_BENCH_ECHO_REFERENCE_H_
#define PERSONA_TESTS_BENCH_ECHO_REFERENCE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "tests/bench/closed_loop.h"
#include "tests/bench/stats.h"

namespace persona::bench {

class EchoServer {
 public:
  // Starts the server on 127.0.0.1 and a free port; UNAVAILABLE when it cannot
  // listen.
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start();
  ~EchoServer();

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  EchoServer() = default;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Drives Echo calls carrying `payload_bytes` bytes over `channel` with the
// closed-loop driver and returns calls/s and latencies.
PhaseResult RunEchoPhase(const std::shared_ptr<grpc::Channel>& channel,
                         const LoopOptions& options, int payload_bytes);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_ECHO_REFERENCE_H_
