#include "tests/bench/echo_reference.h"

#include "echo.grpc.pb.h"

namespace persona::bench {
namespace {

// Answers at once from the reaction, as Persona's unary methods do.
class EchoServiceImpl final : public EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx,
                                 const EchoMessage* request,
                                 EchoMessage* response) override {
    response->set_payload(request->payload());
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start() {
  std::unique_ptr<EchoServer> echo(new EchoServer());
  echo->service_ = std::make_unique<EchoServiceImpl>();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &echo->port_);
  builder.RegisterService(echo->service_.get());
  echo->server_ = builder.BuildAndStart();
  if (echo->server_ == nullptr || echo->port_ == 0) {
    return absl::UnavailableError("the echo server cannot listen on 127.0.0.1");
  }
  return echo;
}

EchoServer::~EchoServer() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(5));
  }
}

PhaseResult RunEchoPhase(const std::shared_ptr<grpc::Channel>& channel,
                         const LoopOptions& options, int payload_bytes) {
  std::unique_ptr<EchoService::Stub> stub = EchoService::NewStub(channel);
  const std::string payload(static_cast<size_t>(std::max(0, payload_bytes)),
                            'x');
  ClosedLoop<EchoMessage, EchoMessage>::Hooks hooks;
  hooks.make_request = [&](std::mt19937_64&, EchoMessage* request) {
    request->set_payload(payload);
  };
  hooks.start = [&](grpc::ClientContext* ctx, const EchoMessage* request,
                    EchoMessage* response,
                    ClosedLoop<EchoMessage, EchoMessage>::Done done) {
    stub->async()->Echo(ctx, request, response, std::move(done));
  };
  hooks.check = [&](const EchoMessage& request, const EchoMessage& response,
                    std::string* error) {
    if (response.payload() != request.payload()) {
      *error = "echo returned a different payload";
      return int64_t{-1};
    }
    return int64_t{1};
  };
  // The server shares this process, so its CPU is in client_cpu_s.
  return ClosedLoop<EchoMessage, EchoMessage>::Run(
      "echo (empty call)", "calls/s", options, hooks, -1);
}

}  // namespace persona::bench
