#include "server/call_gate.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "persona/v1/admin.pb.h"
#include "persona/v1/campaigns.pb.h"
#include "persona/v1/catalog.pb.h"
#include "persona/v1/customers.pb.h"
#include "persona/v1/events.pb.h"
#include "persona/v1/metrics.pb.h"
#include "persona/v1/recommend.pb.h"
#include "persona/v1/segments.pb.h"

namespace persona::server {
namespace {

using ::testing::ElementsAre;

constexpr char kRecommend[] = "/persona.v1.RecommendService/Recommend";

// Records what the gate asks of it; rejects when told to.
class RecordingHook final : public CallHook {
 public:
  RecordingHook(std::string name, std::vector<std::string>* log)
      : name_(std::move(name)), log_(log) {}

  absl::Status OnStart(CallState& call) override {
    log_->push_back(name_ + ".start");
    return reject_start_ ? absl::PermissionDeniedError(name_)
                         : absl::OkStatus();
  }
  absl::Status OnShop(CallState& call) override {
    log_->push_back(name_ + ".shop " + call.shop);
    return call.shop == reject_shop_ ? absl::PermissionDeniedError(call.shop)
                                     : absl::OkStatus();
  }
  void OnFinish(const CallState& call, const absl::Status& status) override {
    log_->push_back(name_ + ".finish " +
                    std::string(absl::StatusCodeToString(status.code())));
  }

  bool reject_start_ = false;
  std::string reject_shop_ = "-";

 private:
  const std::string name_;
  std::vector<std::string>* const log_;
};

struct Gate {
  std::vector<std::string> log;
  CallGate gate{"default-shop"};
  RecordingHook* a = nullptr;
  RecordingHook* b = nullptr;

  Gate() {
    auto ha = std::make_unique<RecordingHook>("a", &log);
    auto hb = std::make_unique<RecordingHook>("b", &log);
    a = ha.get();
    b = hb.get();
    gate.Add(std::move(ha));
    gate.Add(std::move(hb));
  }
};

TEST(CallGateTest, HooksRunInOrderAndFinishInReverse) {
  Gate g;
  grpc::ServerContext ctx;
  GatedCall call = g.gate.Begin(&ctx, kRecommend, "shop-1");
  ASSERT_TRUE(call.admitted().ok());
  EXPECT_EQ(call.state().shop, "shop-1");
  EXPECT_EQ(call.state().rpc->min_role, Role::kFrontend);
  EXPECT_TRUE(call.Finish(absl::NotFoundError("x")).code() ==
              absl::StatusCode::kNotFound);
  EXPECT_THAT(
      g.log, ElementsAre("a.start", "b.start", "a.shop shop-1", "b.shop shop-1",
                         "b.finish NOT_FOUND", "a.finish NOT_FOUND"));
}

TEST(CallGateTest, ARejectionStopsLaterHooksAndOnlyStartedHooksFinish) {
  Gate g;
  g.a->reject_start_ = true;
  grpc::ServerContext ctx;
  GatedCall call = g.gate.Begin(&ctx, kRecommend, "");
  EXPECT_EQ(call.admitted().code(), absl::StatusCode::kPermissionDenied);
  call.Finish(call.admitted()).IgnoreError();
  EXPECT_THAT(g.log, ElementsAre("a.start", "a.finish PERMISSION_DENIED"));
}

TEST(CallGateTest, AnEmptyShopIsTheDefaultShop) {
  Gate g;
  grpc::ServerContext ctx;
  GatedCall call = g.gate.Begin(&ctx, kRecommend, "");
  EXPECT_EQ(call.state().shop, "default-shop");
}

TEST(CallGateTest, ServerWideRpcsCarryNoShop) {
  Gate g;
  grpc::ServerContext ctx;
  GatedCall call =
      g.gate.Begin(&ctx, "/persona.v1.AdminService/ListShops", "ignored");
  ASSERT_TRUE(call.admitted().ok());
  EXPECT_EQ(call.state().shop, "");
  EXPECT_EQ(call.state().rpc->scope, RpcScope::kServer);
  call.Finish(absl::OkStatus()).IgnoreError();
  EXPECT_THAT(g.log,
              ElementsAre("a.start", "b.start", "b.finish OK", "a.finish OK"));
}

TEST(CallGateTest, StreamsCheckEachNewShopAndStayRejected) {
  Gate g;
  g.b->reject_shop_ = "forbidden";
  grpc::ServerContext ctx;
  GatedCall call =
      g.gate.BeginStream(&ctx, "/persona.v1.EventService/StreamEvents");
  ASSERT_TRUE(call.admitted().ok());
  EXPECT_TRUE(call.CheckShop("s1").ok());
  EXPECT_TRUE(call.CheckShop("s1").ok());  // not asked again
  EXPECT_EQ(call.CheckShop("forbidden").code(),
            absl::StatusCode::kPermissionDenied);
  // A refused shop is asked again, never remembered as passed.
  EXPECT_EQ(call.CheckShop("forbidden").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(g.log, ElementsAre("a.start", "b.start", "a.shop s1", "b.shop s1",
                                 "a.shop forbidden", "b.shop forbidden",
                                 "a.shop forbidden", "b.shop forbidden"));
}

TEST(CallGateTest, UnlistedMethodsAreRefused) {
  Gate g;
  grpc::ServerContext ctx;
  GatedCall call = g.gate.Begin(&ctx, "/persona.v1.RecommendService/Nope", "s");
  EXPECT_EQ(call.admitted().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(g.log.empty());
}

TEST(CallGateTest, ACallNeverFinishedFinishesCancelled) {
  Gate g;
  {
    grpc::ServerContext ctx;
    GatedCall call = g.gate.Begin(&ctx, kRecommend, "s");
  }
  EXPECT_EQ(g.log.back(), "a.finish CANCELLED");
}

TEST(CallGateTest, MakesUpARequestIdWhenTheClientSentNone) {
  Gate g;
  grpc::ServerContext ctx;
  GatedCall one = g.gate.Begin(&ctx, kRecommend, "s");
  grpc::ServerContext ctx2;
  GatedCall two = g.gate.Begin(&ctx2, kRecommend, "s");
  EXPECT_EQ(one.state().request_id.size(), 16u);
  EXPECT_NE(one.state().request_id, two.state().request_id);
}

// Every method of every service in the API protos is in the gate's table, so
// none is served without a role; and the table names no method that is gone.
TEST(CallGateTest, TheTableListsExactlyTheApiMethods) {
  const google::protobuf::FileDescriptor* files[] = {
      v1::UpsertItemsRequest::descriptor()->file(),
      v1::GetProfileRequest::descriptor()->file(),
      v1::TrackEventsRequest::descriptor()->file(),
      v1::RecommendRequest::descriptor()->file(),
      v1::GetStatsRequest::descriptor()->file(),
      v1::GetPlacementMetricsRequest::descriptor()->file(),
      v1::RunCampaignRequest::descriptor()->file(),
      v1::ListSegmentsRequest::descriptor()->file(),
  };
  std::vector<std::string> methods;
  for (const auto* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const std::string path =
            "/" + service->full_name() + "/" + service->method(m)->name();
        EXPECT_NE(FindRpc(path), nullptr)
            << path << " is served but not in the gate's table";
        methods.push_back(path);
      }
    }
  }
  for (const RpcInfo& rpc : AllRpcs()) {
    const bool in_protos_here =
        std::find(methods.begin(), methods.end(), rpc.method) != methods.end();
    // Services of other proto files (operations, cluster) are checked where
    // they are linked.
    if (rpc.method.find("/persona.v1.Operations") == 0 ||
        rpc.method.find("/persona.v1.Cluster") == 0) {
      continue;
    }
    EXPECT_TRUE(in_protos_here)
        << rpc.method << " is in the table but not in the protos";
    EXPECT_NE(rpc.min_role, Role::kNone) << rpc.method;
  }
}

}  // namespace
}  // namespace persona::server
