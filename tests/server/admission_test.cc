// Admission control (server/admission.h) on the call gate: limits per class,
// the bounded wait of synchronous calls, draining, deadlines, and the
// thread's CallContext; then through a real in-process gRPC server with
// many concurrent clients.
#include "server/admission.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "persona/v1/campaigns.grpc.pb.h"
#include "persona/v1/recommend.grpc.pb.h"
#include "server/call_context.h"
#include "server/grpc_services.h"

namespace persona::server {
namespace {

using ::testing::HasSubstr;

constexpr char kRecommend[] = "/persona.v1.RecommendService/Recommend";
constexpr char kCampaign[] = "/persona.v1.CampaignService/RunCampaign";
constexpr char kGetItems[] = "/persona.v1.CatalogService/GetItems";

// Polls `done` (every millisecond, up to 60 s); false when it never held.
template <typename Pred>
bool Eventually(Pred done) {
  for (int i = 0; i < 60'000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

struct Gated {
  explicit Gated(AdmissionOptions options, const Clock* clock = Clock::Real()) {
    auto hook = std::make_unique<Admission>(options, clock);
    admission = hook.get();
    gate.Add(std::move(hook));
  }
  CallGate gate{"shop"};
  Admission* admission = nullptr;
};

AdmissionOptions Limits(int frontend, int stream, int heavy, int other) {
  AdmissionOptions o;
  o.max_in_flight = {frontend, stream, heavy, other};
  return o;
}

const AdmissionClassStats& Of(const AdmissionSnapshot& s, CallClass c) {
  return s.classes[static_cast<int>(c)];
}

TEST(CallClassTest, EveryRpcHasTheIntendedClass) {
  EXPECT_EQ(ClassOf(kRecommend), CallClass::kFrontend);
  EXPECT_EQ(ClassOf("/persona.v1.RecommendService/RankItems"),
            CallClass::kFrontend);
  EXPECT_EQ(ClassOf("/persona.v1.EventService/TrackEvents"),
            CallClass::kFrontend);
  EXPECT_EQ(ClassOf("/persona.v1.EventService/StreamEvents"),
            CallClass::kStream);
  EXPECT_EQ(ClassOf(kCampaign), CallClass::kHeavy);
  EXPECT_EQ(ClassOf("/persona.v1.AdminService/TrainModel"), CallClass::kHeavy);
  EXPECT_EQ(ClassOf("/persona.v1.SegmentService/RefreshSegments"),
            CallClass::kHeavy);
  EXPECT_EQ(ClassOf("/persona.v1.ClusterService/ExportInteractions"),
            CallClass::kHeavy);
  EXPECT_EQ(ClassOf(kGetItems), CallClass::kOther);
  EXPECT_EQ(ClassOf("/persona.v1.AdminService/ReloadConfig"),
            CallClass::kOther);
  for (const RpcInfo& rpc : AllRpcs()) {
    EXPECT_FALSE(CallClassName(ClassOf(rpc.method)).empty()) << rpc.method;
  }
}

TEST(AdmissionTest, CallsOverTheirClassLimitAreRefusedAtOnceNamingTheLimit) {
  Gated g(Limits(2, 8, 1, 8));
  grpc::CallbackServerContext c1, c2, c3, c4;
  GatedCall a = g.gate.Begin(&c1, kRecommend, "");
  GatedCall b = g.gate.Begin(&c2, kRecommend, "");
  GatedCall c = g.gate.Begin(&c3, kRecommend, "");
  ASSERT_TRUE(a.admitted().ok());
  ASSERT_TRUE(b.admitted().ok());
  EXPECT_EQ(c.admitted().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(c.admitted().message()),
              HasSubstr("overload.max_frontend_calls"));
  c.Finish(c.admitted()).IgnoreError();
  // Another class has its own limit.
  GatedCall other = g.gate.Begin(&c4, kGetItems, "");
  EXPECT_TRUE(other.admitted().ok());
  AdmissionSnapshot s = g.admission->Snapshot();
  EXPECT_EQ(Of(s, CallClass::kFrontend).in_flight, 2);
  EXPECT_EQ(Of(s, CallClass::kFrontend).admitted, 2);
  EXPECT_EQ(Of(s, CallClass::kFrontend).shed, 1);
  EXPECT_EQ(Of(s, CallClass::kOther).in_flight, 1);
  // A finished call frees its slot.
  a.Finish(absl::OkStatus()).IgnoreError();
  grpc::CallbackServerContext c5;
  GatedCall d = g.gate.Begin(&c5, kRecommend, "");
  EXPECT_TRUE(d.admitted().ok());
  EXPECT_EQ(Of(g.admission->Snapshot(), CallClass::kFrontend).in_flight, 2);
}

TEST(AdmissionTest, ACallRejectedByALaterHookGivesItsSlotBack) {
  class Reject final : public CallHook {
    absl::Status OnStart(CallState&) override {
      return absl::PermissionDeniedError("no");
    }
  };
  Gated g(Limits(1, 1, 1, 1));
  g.gate.Add(std::make_unique<Reject>());
  for (int i = 0; i < 3; ++i) {
    grpc::CallbackServerContext ctx;
    GatedCall call = g.gate.Begin(&ctx, kRecommend, "");
    EXPECT_EQ(call.admitted().code(), absl::StatusCode::kPermissionDenied);
    call.Finish(call.admitted()).IgnoreError();
  }
  EXPECT_EQ(Of(g.admission->Snapshot(), CallClass::kFrontend).in_flight, 0);
}

TEST(AdmissionTest, ASynchronousCallWaitsForASlotThatFrees) {
  AdmissionOptions o = Limits(8, 8, 1, 8);
  o.max_queue_wait = absl::Seconds(60);
  Gated g(o);
  grpc::ServerContext first_ctx, second_ctx;
  GatedCall first = g.gate.Begin(&first_ctx, kCampaign, "");
  ASSERT_TRUE(first.admitted().ok());
  absl::Status second_admitted;
  std::thread waiter([&] {
    GatedCall second = g.gate.Begin(&second_ctx, kCampaign, "");
    second_admitted = second.admitted();
    second.Finish(absl::OkStatus()).IgnoreError();
  });
  ASSERT_TRUE(Eventually([&] {
    return Of(g.admission->Snapshot(), CallClass::kHeavy).queued == 1;
  }));
  first.Finish(absl::OkStatus()).IgnoreError();
  waiter.join();
  EXPECT_TRUE(second_admitted.ok()) << second_admitted;
  const AdmissionClassStats heavy =
      Of(g.admission->Snapshot(), CallClass::kHeavy);
  EXPECT_EQ(heavy.admitted, 2);
  EXPECT_EQ(heavy.shed, 0);
  EXPECT_EQ(heavy.queued, 0);
}

TEST(AdmissionTest, AWaitIsBoundedAndTheQueueToo) {
  AdmissionOptions o = Limits(8, 8, 1, 8);
  o.max_queue_wait = absl::Milliseconds(1);
  o.max_queued = 1;
  Gated g(o);
  grpc::ServerContext holder_ctx, late_ctx;
  GatedCall holder = g.gate.Begin(&holder_ctx, kCampaign, "");
  ASSERT_TRUE(holder.admitted().ok());
  GatedCall late =
      g.gate.Begin(&late_ctx, kCampaign, "");  // waits 1 ms, then gives up
  EXPECT_EQ(late.admitted().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(late.admitted().message()),
              HasSubstr("overload.max_heavy_calls"));

  o.max_queued = 0;  // no waiting at all
  o.max_queue_wait = absl::Seconds(60);
  Gated none(o);
  grpc::ServerContext a_ctx, b_ctx;
  GatedCall a = none.gate.Begin(&a_ctx, kCampaign, "");
  GatedCall b = none.gate.Begin(&b_ctx, kCampaign, "");  // refused at once
  EXPECT_TRUE(a.admitted().ok());
  EXPECT_EQ(b.admitted().code(), absl::StatusCode::kResourceExhausted);
}

TEST(AdmissionTest, DrainingRefusesNewCallsAndWaitsForThoseInFlight) {
  AdmissionOptions o = Limits(8, 8, 1, 8);
  o.max_queue_wait = absl::Seconds(60);
  Gated g(o);
  grpc::ServerContext running_ctx, queued_ctx;
  GatedCall running = g.gate.Begin(&running_ctx, kCampaign, "");
  ASSERT_TRUE(running.admitted().ok());
  absl::Status queued_admitted;
  std::thread queued([&] {
    GatedCall call = g.gate.Begin(&queued_ctx, kCampaign, "");
    queued_admitted = call.admitted();
  });
  ASSERT_TRUE(Eventually([&] {
    return Of(g.admission->Snapshot(), CallClass::kHeavy).queued == 1;
  }));
  g.admission->BeginDrain();
  queued.join();  // the waiting call is woken and refused
  EXPECT_EQ(queued_admitted.code(), absl::StatusCode::kUnavailable);
  grpc::CallbackServerContext fresh_ctx;
  GatedCall fresh = g.gate.Begin(&fresh_ctx, kRecommend, "");
  EXPECT_EQ(fresh.admitted().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(fresh.admitted().message()),
              HasSubstr("shutting down"));
  EXPECT_EQ(g.admission->AwaitIdle(absl::Now()),
            1);  // `running` is still in flight
  std::thread finisher([&] { running.Finish(absl::OkStatus()).IgnoreError(); });
  EXPECT_EQ(g.admission->AwaitIdle(absl::InfiniteFuture()), 0);
  finisher.join();
  const AdmissionSnapshot s = g.admission->Snapshot();
  EXPECT_TRUE(s.draining);
  EXPECT_EQ(Of(s, CallClass::kHeavy).refused_draining, 1);
  EXPECT_EQ(Of(s, CallClass::kFrontend).refused_draining, 1);
}

TEST(AdmissionTest, InlineCallsCarryTheirContextOnTheirThreadUntilTheyFinish) {
  Gated g(Limits(8, 8, 8, 8));
  grpc::CallbackServerContext unary_ctx, stream_ctx, train_ctx;
  {
    GatedCall call = g.gate.Begin(&unary_ctx, kRecommend, "");
    ASSERT_TRUE(call.admitted().ok());
    EXPECT_EQ(CurrentCall().rpc(), &unary_ctx);
    EXPECT_TRUE(CheckCurrentCall("work").ok());
    call.Finish(absl::OkStatus()).IgnoreError();
    EXPECT_EQ(CurrentCall().rpc(), nullptr);
  }
  // Handlers that go on elsewhere leave the thread's context alone.
  GatedCall stream =
      g.gate.BeginStream(&stream_ctx, "/persona.v1.EventService/StreamEvents");
  ASSERT_TRUE(stream.admitted().ok());
  EXPECT_EQ(CurrentCall().rpc(), nullptr);
  GatedCall train =
      g.gate.Begin(&train_ctx, "/persona.v1.AdminService/TrainModel", "");
  ASSERT_TRUE(train.admitted().ok());
  EXPECT_EQ(CurrentCall().rpc(), nullptr);
  // Their finish on another thread does not touch this one's.
  std::thread([&] { stream.Finish(absl::OkStatus()).IgnoreError(); }).join();
  EXPECT_EQ(Of(g.admission->Snapshot(), CallClass::kStream).in_flight, 0);
}

// A RecommendService whose handler passes the gate and counts its runs.
class CountingRecommend final : public v1::RecommendService::CallbackService {
 public:
  explicit CountingRecommend(const CallGate* gate) : gate_(gate) {}
  grpc::ServerUnaryReactor* Recommend(grpc::CallbackServerContext* ctx,
                                      const v1::RecommendRequest* req,
                                      v1::RecommendResponse* resp) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    GatedCall gated = gate_->Begin(ctx, kRecommend, req->shop());
    absl::Status status = gated.admitted();
    if (status.ok()) {
      ++runs;
      status = CheckCurrentCall("answering");
    }
    reactor->Finish(ToGrpcStatus(gated.Finish(status)));
    return reactor;
  }
  std::atomic<int> runs{0};

 private:
  const CallGate* const gate_;
};

// A CampaignService whose handler passes the gate, then blocks until released.
class BlockingCampaigns final : public v1::CampaignService::Service {
 public:
  explicit BlockingCampaigns(const CallGate* gate) : gate_(gate) {}
  grpc::Status RunCampaign(grpc::ServerContext* ctx,
                           const v1::RunCampaignRequest* req,
                           grpc::ServerWriter<v1::CampaignRow>*) override {
    GatedCall gated = gate_->Begin(ctx, kCampaign, req->shop());
    if (!gated.admitted().ok())
      return ToGrpcStatus(gated.Finish(gated.admitted()));
    ++entered;
    release.WaitForNotification();
    return ToGrpcStatus(gated.Finish(absl::OkStatus()));
  }
  std::atomic<int> entered{0};
  absl::Notification release;

 private:
  const CallGate* const gate_;
};

struct InProcess {
  InProcess(AdmissionOptions options, const Clock* clock)
      : gated(options, clock), recommend(&gated.gate), campaigns(&gated.gate) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&recommend);
    builder.RegisterService(&campaigns);
    server = builder.BuildAndStart();
    channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                  grpc::InsecureChannelCredentials());
  }
  ~InProcess() {
    if (!campaigns.release.HasBeenNotified()) campaigns.release.Notify();
    server->Shutdown();
  }
  Gated gated;
  CountingRecommend recommend;
  BlockingCampaigns campaigns;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;
};

TEST(AdmissionGrpcTest,
     ManyClientsOverALowLimitGetResourceExhaustedWhileTheAdmittedSucceed) {
  AdmissionOptions o = Limits(8, 8, 2, 8);
  o.max_queued = 0;
  InProcess p(o, Clock::Real());
  constexpr int kClients = 16;
  std::atomic<int> ok{0}, exhausted{0}, other{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      auto stub = v1::CampaignService::NewStub(p.channel);
      grpc::ClientContext ctx;
      auto reader = stub->RunCampaign(&ctx, v1::RunCampaignRequest());
      v1::CampaignRow row;
      while (reader->Read(&row)) {
      }
      const grpc::Status s = reader->Finish();
      if (s.ok()) {
        ++ok;
      } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                 s.error_message().find("overload.max_heavy_calls") !=
                     std::string::npos) {
        ++exhausted;
      } else {
        ++other;
      }
    });
  }
  // The two admitted calls hold their slots until released, so every other
  // client is answered while they are still running.
  ASSERT_TRUE(Eventually([&] { return exhausted + other == kClients - 2; }));
  EXPECT_EQ(p.campaigns.entered, 2);
  p.campaigns.release.Notify();
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(exhausted, kClients - 2);
  EXPECT_EQ(other, 0);
  const AdmissionClassStats heavy =
      Of(p.gated.admission->Snapshot(), CallClass::kHeavy);
  EXPECT_EQ(heavy.admitted, 2);
  EXPECT_EQ(heavy.shed, kClients - 2);
  EXPECT_EQ(heavy.in_flight, 0);
}

TEST(AdmissionGrpcTest, ACallPastItsDeadlineIsRefusedBeforeTheHandlerWorks) {
  // The server's clock is an hour ahead: the client's 30 s deadline has
  // passed by the time the call arrives.
  FakeClock ahead(Clock::Real()->NowMs() + 3'600'000);
  InProcess p(AdmissionOptions(), &ahead);
  auto stub = v1::RecommendService::NewStub(p.channel);
  grpc::ClientContext late;
  late.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  v1::RecommendResponse resp;
  const grpc::Status s = stub->Recommend(&late, v1::RecommendRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(s.error_message(), HasSubstr("before the call started"));
  EXPECT_EQ(p.recommend.runs, 0);
  EXPECT_EQ(Of(p.gated.admission->Snapshot(), CallClass::kFrontend).expired, 1);
  // Without a deadline the same call runs.
  grpc::ClientContext patient;
  EXPECT_TRUE(stub->Recommend(&patient, v1::RecommendRequest(), &resp).ok());
  EXPECT_EQ(p.recommend.runs, 1);
}

TEST(AdmissionGrpcTest, ADeadlineTooCloseIsRefusedToo) {
  AdmissionOptions o;
  o.min_deadline = absl::Seconds(60);
  InProcess p(o, Clock::Real());
  auto stub = v1::RecommendService::NewStub(p.channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::RecommendResponse resp;
  const grpc::Status s = stub->Recommend(&ctx, v1::RecommendRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(s.error_message(), HasSubstr("overload.min_deadline_ms"));
  EXPECT_EQ(p.recommend.runs, 0);
}

}  // namespace
}  // namespace persona::server
