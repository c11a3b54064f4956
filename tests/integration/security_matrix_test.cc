// The security matrix through the real server: every rpc of the gate's table
// × {no key, a wrong key, frontend, marketing, admin of shop A, admin of
// every shop} × {shop A, shop B}. Missing or wrong keys are UNAUTHENTICATED;
// a role below the rpc's or another shop is PERMISSION_DENIED; anything else
// reaches the handler (any other status). The table itself is checked
// against the protos and against what the server says it serves, so a new
// rpc cannot escape the matrix.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/call_gate.h"
#include "server/key_hash.h"
#include "tests/integration/security_calls.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

using server::AllRpcs;
using server::Role;
using server::RpcInfo;
using server::RpcScope;

constexpr char kShopA[] = "shop-a";
constexpr char kShopB[] = "shop-b";

struct Caller {
  std::string name;
  Metadata metadata;
  Role role = Role::kNone;  // kNone: no valid key
  bool all_shops = false;
};

std::string KeyEntry(const std::string& id, const std::string& secret, const char* role,
                     const char* shop) {
  return "  api_keys { id: '" + id + "' sha256: '" + server::Sha256Hex(secret) + "' role: " + role +
         " shops: '" + shop + "' }\n";
}

class SecurityMatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string config = dir_->path() + "/persona.textproto";
    std::ofstream(config) << "security {\n"
                          << KeyEntry("front-a", "secret-front", "FRONTEND", kShopA)
                          << KeyEntry("marketing-a", "secret-marketing", "MARKETING", kShopA)
                          << KeyEntry("admin-a", "secret-admin-a", "ADMIN", kShopA)
                          << KeyEntry("admin-all", "secret-admin-all", "ADMIN", "*") << "}\n"
                          << "training { interval_minutes: 0 }\n"
                          << "segments { pass_interval_minutes: 0 personas: 0 }\n";
    server_ = new ServerProcess(ServerBinary(), dir_->path() + "/data",
                                {"--config=" + config, "--default_shop=" + std::string(kShopA)});
    started_ = server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(started_); }

  static TempDir* dir_;
  static ServerProcess* server_;
  static bool started_;
};

TempDir* SecurityMatrixTest::dir_ = nullptr;
ServerProcess* SecurityMatrixTest::server_ = nullptr;
bool SecurityMatrixTest::started_ = false;

std::vector<Caller> Callers() {
  return {
      {"no key", {}, Role::kNone, false},
      {"wrong key", {{"authorization", "Bearer secret-nobody"}}, Role::kNone, false},
      {"frontend of A", {{"authorization", "Bearer secret-front"}}, Role::kFrontend, false},
      // x-api-key is the other accepted header.
      {"marketing of A", {{"x-api-key", "secret-marketing"}}, Role::kMarketing, false},
      {"admin of A", {{"authorization", "bearer secret-admin-a"}}, Role::kAdmin, false},
      {"admin of all", {{"authorization", "Bearer secret-admin-all"}}, Role::kAdmin, true},
  };
}

grpc::StatusCode Expected(const RpcInfo& rpc, const Caller& caller, const std::string& shop) {
  if (caller.role == Role::kNone) return grpc::StatusCode::UNAUTHENTICATED;
  if (caller.role < rpc.min_role) return grpc::StatusCode::PERMISSION_DENIED;
  if (caller.all_shops) return grpc::StatusCode::OK;
  if (rpc.scope == RpcScope::kServer || shop != kShopA) return grpc::StatusCode::PERMISSION_DENIED;
  return grpc::StatusCode::OK;  // stands for "anything but the two"
}

TEST_F(SecurityMatrixTest, EveryRpcEveryRoleEveryShop) {
  int calls = 0;
  for (const RpcInfo& rpc : AllRpcs()) {
    const std::string method(rpc.method);
    const google::protobuf::MethodDescriptor* descriptor = FindMethod(method);
    ASSERT_NE(descriptor, nullptr) << method;
    for (const Caller& caller : Callers()) {
      for (const std::string shop : {kShopA, kShopB}) {
        SCOPED_TRACE(method + " as " + caller.name + " on " + shop);
        const CallResult result = CallMethod(
            server_->channel(), method, {RequestNamingShop(*descriptor, shop)}, caller.metadata);
        ++calls;
        const grpc::StatusCode expected = Expected(rpc, caller, shop);
        if (expected == grpc::StatusCode::OK) {
          EXPECT_NE(result.code, grpc::StatusCode::UNAUTHENTICATED) << result.message;
          EXPECT_NE(result.code, grpc::StatusCode::PERMISSION_DENIED) << result.message;
          // The call reached its handler: neither unrouted nor refused by the gate.
          EXPECT_NE(result.code, grpc::StatusCode::UNIMPLEMENTED) << result.message;
          EXPECT_NE(result.code, grpc::StatusCode::INTERNAL) << result.message;
        } else {
          EXPECT_EQ(result.code, expected) << result.message;
        }
      }
    }
  }
  EXPECT_EQ(calls, static_cast<int>(AllRpcs().size()) * 6 * 2);
}

// The roles the issue names: frontend may recommend and track only; erase,
// export, training, config and operations are admin's.
TEST_F(SecurityMatrixTest, TheTableGivesEachRoleWhatTheIssueSays) {
  std::set<std::string> frontend;
  for (const RpcInfo& rpc : AllRpcs()) {
    if (rpc.min_role == Role::kFrontend) frontend.insert(std::string(rpc.method));
  }
  EXPECT_EQ(frontend, (std::set<std::string>{
                          "/persona.v1.EventService/TrackEvents",
                          "/persona.v1.EventService/StreamEvents",
                          "/persona.v1.RecommendService/Recommend",
                          "/persona.v1.RecommendService/RecommendPage",
                          "/persona.v1.RecommendService/RankItems",
                      }));
  for (const RpcInfo& rpc : AllRpcs()) {
    const std::string method(rpc.method);
    const bool admin_only =
        method.find("Erase") != std::string::npos || method.find("Export") != std::string::npos ||
        method.find("Train") != std::string::npos || method.find("Reload") != std::string::npos ||
        method.find("Upsert") != std::string::npos ||
        method.find("/persona.v1.OperationsService/") == 0 ||
        method.find("/persona.v1.ClusterService/") == 0;
    if (admin_only) EXPECT_EQ(rpc.min_role, Role::kAdmin) << method;
    const bool marketing = method.find("/persona.v1.CampaignService/") == 0 ||
                           method.find("/persona.v1.SegmentService/") == 0 ||
                           method.find("/persona.v1.MetricsService/") == 0;
    if (marketing) EXPECT_EQ(rpc.min_role, Role::kMarketing) << method;
  }
}

// Every rpc of every API proto file (all of proto/persona/v1) is in the
// table, and the table holds nothing else.
TEST_F(SecurityMatrixTest, TheTableIsEveryRpcOfTheProtos) {
  std::set<std::string> files;
  const std::vector<const google::protobuf::FileDescriptor*> api_files = ApiFiles();
  for (const auto* file : api_files) files.insert(file->name());
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(PERSONA_SOURCE_DIR) + "/proto/persona/v1")) {
    if (entry.path().extension() != ".proto") continue;
    EXPECT_TRUE(files.count("persona/v1/" + entry.path().filename().string()))
        << entry.path() << " is not in the descriptor set the test was built with";
  }
  std::set<std::string> in_protos;
  for (const auto* file : api_files) {
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        in_protos.insert(MethodPath(*file->service(s)->method(m)));
      }
    }
  }
  ASSERT_GT(in_protos.size(), 30u);
  std::set<std::string> in_table;
  for (const RpcInfo& rpc : AllRpcs()) in_table.insert(std::string(rpc.method));
  EXPECT_EQ(in_table, in_protos);
}

// What the server serves (by its reflection service) is in the table, but
// for the health and reflection services, which carry no data; and every
// service in the table is served.
TEST_F(SecurityMatrixTest, TheServerServesExactlyTheTablesServices) {
  std::set<std::string> served;
  for (const std::string& service : ServedServices(server_->channel())) {
    if (service == "grpc.health.v1.Health" || service.rfind("grpc.reflection.", 0) == 0) {
      continue;
    }
    served.insert(service);
  }
  ASSERT_FALSE(served.empty()) << "the reflection service listed nothing";
  std::set<std::string> in_table;
  for (const RpcInfo& rpc : AllRpcs()) {
    const std::string method(rpc.method);
    in_table.insert(method.substr(1, method.rfind('/') - 1));
  }
  EXPECT_EQ(served, in_table);
}

}  // namespace
}  // namespace persona::testing
