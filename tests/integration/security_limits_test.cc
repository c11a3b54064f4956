// Limits through the real server: request size, batch size on every batch
// rpc, stream length, rule complexity (business rules and segment rules),
// and a per-key rate limit; all answered with the status and a message
// naming the limit.
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "persona/v1/segments.grpc.pb.h"
#include "server/key_hash.h"
#include "tests/integration/client.h"
#include "tests/integration/security_calls.h"
#include "tests/testing/server_process.h"
#include "tools/client_channel.h"

namespace persona::testing {
namespace {

constexpr char kAdminKey[] = "secret-admin";
constexpr char kLimitedKey[] = "secret-limited";

class SecurityLimitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string config = dir_->path() + "/persona.textproto";
    std::ofstream(config)
        << "limits { max_message_bytes: 65536 max_batch: 5 max_stream_messages: 3 }\n"
        << "security {\n"
        << "  api_keys { id: 'admin' sha256: '" << server::Sha256Hex(kAdminKey)
        << "' role: ADMIN shops: '*' }\n"
        // One token per 1000 s: three calls, then refused for the test's life.
        << "  api_keys { id: 'limited' sha256: '" << server::Sha256Hex(kLimitedKey)
        << "' role: ADMIN shops: '*' rate_limit { requests_per_second: 0.001 burst: 3 } }\n"
        << "}\n"
        << "training { interval_minutes: 0 }\n"
        << "segments { pass_interval_minutes: 0 personas: 0 }\n";
    server_ = new ServerProcess(ServerBinary(), dir_->path() + "/data", {"--config=" + config});
    started_ = server_->Start();
    if (!started_) return;
    auto channel = tools::NewChannel(server_->address(), {.api_key = kAdminKey});
    started_ = channel.ok();
    if (started_) client_ = new Client(*channel);
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(started_); }

  static std::string Shop() { return "limits"; }

  // Seeds two items so that recommendations get as far as the rules.
  static void SeedItems() {
    v1::UpsertItemsRequest request;
    request.set_shop(Shop());
    *request.add_items() = MakeItem("i1", {"Home"}, 10);
    *request.add_items() = MakeItem("i2", {"Home"}, 20);
    v1::UpsertItemsResponse response;
    ASSERT_TRUE(client_->catalog->UpsertItems(Ctx().get(), request, &response).ok());
  }

  static grpc::Status Recommend(const std::string& rules) {
    v1::RecommendRequest request;
    request.set_shop(Shop());
    request.set_customer_id("c1");
    request.set_rules(rules);
    v1::RecommendResponse response;
    return client_->recommend->Recommend(Ctx().get(), request, &response);
  }

  static TempDir* dir_;
  static ServerProcess* server_;
  static Client* client_;
  static bool started_;
};

TempDir* SecurityLimitsTest::dir_ = nullptr;
ServerProcess* SecurityLimitsTest::server_ = nullptr;
Client* SecurityLimitsTest::client_ = nullptr;
bool SecurityLimitsTest::started_ = false;

#define EXPECT_STATUS(status, code, text)                                      \
  do {                                                                         \
    const grpc::Status s_ = (status);                                          \
    EXPECT_EQ(s_.error_code(), grpc::StatusCode::code) << s_.error_message();  \
    EXPECT_NE(s_.error_message().find(text), std::string::npos)                \
        << "'" << s_.error_message() << "' does not mention '" << text << "'"; \
  } while (0)

TEST_F(SecurityLimitsTest, RequestsOverTheMessageSizeAreRefused) {
  v1::UpsertItemsRequest request;
  request.set_shop(Shop());
  v1::Item* item = request.add_items();
  *item = MakeItem("big", {"Home"}, 1);
  item->set_title(std::string(70'000, 'x'));
  v1::UpsertItemsResponse response;
  const grpc::Status status = client_->catalog->UpsertItems(Ctx().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
}

TEST_F(SecurityLimitsTest, EveryBatchRpcRefusesMoreThanMaxBatch) {
  const std::string too_many = "has 6 elements; at most 5";
  {
    v1::TrackEventsRequest r;
    r.set_shop(Shop());
    for (int i = 0; i < 6; ++i) *r.add_events() = MakeEvent("c1", v1::PRODUCT_VIEW, {"i1"});
    v1::TrackEventsResponse out;
    EXPECT_STATUS(client_->events->TrackEvents(Ctx().get(), r, &out), INVALID_ARGUMENT,
                  "events: " + too_many);
  }
  {
    v1::UpsertItemsRequest r;
    r.set_shop(Shop());
    for (int i = 0; i < 6; ++i) *r.add_items() = MakeItem("x" + std::to_string(i), {"A"}, 1);
    v1::UpsertItemsResponse out;
    EXPECT_STATUS(client_->catalog->UpsertItems(Ctx().get(), r, &out), INVALID_ARGUMENT,
                  "items: " + too_many);
  }
  {
    v1::UpsertCustomersRequest r;
    r.set_shop(Shop());
    for (int i = 0; i < 6; ++i) r.add_customers()->set_id("c" + std::to_string(i));
    v1::UpsertCustomersResponse out;
    EXPECT_STATUS(client_->customers->UpsertCustomers(Ctx().get(), r, &out), INVALID_ARGUMENT,
                  "customers: " + too_many);
  }
  {
    v1::GetItemsRequest r;
    r.set_shop(Shop());
    for (int i = 0; i < 6; ++i) r.add_ids("x" + std::to_string(i));
    v1::GetItemsResponse out;
    EXPECT_STATUS(client_->catalog->GetItems(Ctx().get(), r, &out), INVALID_ARGUMENT,
                  "ids: " + too_many);
  }
  {
    v1::SetAvailabilityRequest r;
    r.set_shop(Shop());
    for (int i = 0; i < 6; ++i) r.add_ids("x" + std::to_string(i));
    r.set_availability(v1::OUT_OF_STOCK);
    v1::SetAvailabilityResponse out;
    EXPECT_STATUS(client_->catalog->SetAvailability(Ctx().get(), r, &out), INVALID_ARGUMENT,
                  "ids: " + too_many);
  }
  {
    v1::UpsertCategoriesRequest r;
    r.set_shop(Shop());
    for (int i = 0; i < 6; ++i) r.add_categories()->add_path("C" + std::to_string(i));
    v1::UpsertCategoriesResponse out;
    EXPECT_STATUS(client_->catalog->UpsertCategories(Ctx().get(), r, &out), INVALID_ARGUMENT,
                  "categories: " + too_many);
  }
}

TEST_F(SecurityLimitsTest, ClientStreamsEndAfterMaxStreamMessages) {
  const Metadata admin = {{"authorization", std::string("Bearer ") + kAdminKey}};
  std::vector<std::string> batches;
  for (int i = 0; i < 4; ++i) {
    v1::TrackEventsRequest r;
    r.set_shop(Shop());
    *r.add_events() = MakeEvent("c1", v1::PRODUCT_VIEW, {"i1"});
    batches.push_back(r.SerializeAsString());
  }
  CallResult events =
      CallMethod(server_->channel(), "/persona.v1.EventService/StreamEvents", batches, admin);
  EXPECT_EQ(events.code, grpc::StatusCode::RESOURCE_EXHAUSTED) << events.message;
  EXPECT_NE(events.message.find("limits.max_stream_messages"), std::string::npos) << events.message;
  EXPECT_EQ(events.responses, 3);  // the first three batches were answered
  // Three batches are within the limit.
  batches.pop_back();
  EXPECT_EQ(
      CallMethod(server_->channel(), "/persona.v1.EventService/StreamEvents", batches, admin).code,
      grpc::StatusCode::OK);

  std::vector<std::string> item_batches;
  for (int i = 0; i < 4; ++i) {
    v1::UpsertItemsRequest r;
    r.set_shop(Shop());
    *r.add_items() = MakeItem("s" + std::to_string(i), {"Home"}, 5);
    item_batches.push_back(r.SerializeAsString());
  }
  CallResult items = CallMethod(server_->channel(), "/persona.v1.CatalogService/StreamUpsertItems",
                                item_batches, admin);
  EXPECT_EQ(items.code, grpc::StatusCode::RESOURCE_EXHAUSTED) << items.message;
  EXPECT_NE(items.message.find("limits.max_stream_messages"), std::string::npos) << items.message;
}

std::string Repeat(const std::string& part, int times, const std::string& separator) {
  std::string out;
  for (int i = 0; i < times; ++i) out += (i > 0 ? separator : "") + part;
  return out;
}

std::string Nested(int depth) {
  return "filter " + std::string(depth, '(') + "brand = \"x\"" + std::string(depth, ')');
}

TEST_F(SecurityLimitsTest, BusinessRulesOverTheComplexityLimitsAreRefusedNamingThem) {
  SeedItems();
  EXPECT_TRUE(Recommend("max per brand 2; diversity 0.3").ok());
  EXPECT_STATUS(Recommend("# " + std::string(4096, 'x')), INVALID_ARGUMENT,
                "rules: must be at most 4096 bytes");
  EXPECT_TRUE(Recommend(Repeat("exclude cart", 64, "; ")).ok());
  EXPECT_STATUS(Recommend(Repeat("exclude cart", 65, "; ")), INVALID_ARGUMENT, "at most 64");
  EXPECT_TRUE(Recommend(Nested(15)).ok());
  EXPECT_STATUS(Recommend(Nested(17)), INVALID_ARGUMENT, "nested deeper than 16");
  EXPECT_STATUS(Recommend("filter " + Repeat("brand = \"x\"", 130, " or ")), INVALID_ARGUMENT,
                "more than 128 terms");
}

TEST_F(SecurityLimitsTest, SegmentRulesOverTheComplexityLimitsAreRefusedNamingThem) {
  auto segments =
      v1::SegmentService::NewStub(*tools::NewChannel(server_->address(), {.api_key = kAdminKey}));
  auto put = [&](const std::string& rule) {
    v1::PutSegmentRequest request;
    request.set_shop(Shop());
    request.set_name("limits");
    request.set_rule(rule);
    v1::SegmentInfo info;
    return segments->PutSegment(Ctx().get(), request, &info);
  };
  const std::string nested_ok = std::string(15, '(') + "country = \"DE\"" + std::string(15, ')');
  EXPECT_TRUE(put(nested_ok).ok()) << put(nested_ok).error_message();
  EXPECT_STATUS(put("country = \"DE\" " + std::string(4096, ' ')), INVALID_ARGUMENT,
                "rule: must be at most 4096 bytes");
  EXPECT_STATUS(put(std::string(17, '(') + "country = \"DE\"" + std::string(17, ')')),
                INVALID_ARGUMENT, "nested deeper than 16");
  EXPECT_STATUS(put(Repeat("country = \"DE\"", 130, " or ")), INVALID_ARGUMENT,
                "more than 128 terms");
}

TEST_F(SecurityLimitsTest, AKeyOverItsRateLimitIsRefusedNamingTheKey) {
  const Metadata limited = {{"authorization", std::string("Bearer ") + kLimitedKey}};
  const Metadata admin = {{"authorization", std::string("Bearer ") + kAdminKey}};
  v1::GetStatsRequest request;
  request.set_shop(Shop());
  const std::string bytes = request.SerializeAsString();
  const std::string method = "/persona.v1.AdminService/GetStats";
  for (int i = 0; i < 3; ++i) {
    CallResult ok = CallMethod(server_->channel(), method, {bytes}, limited);
    EXPECT_EQ(ok.code, grpc::StatusCode::OK) << i << ": " << ok.message;
  }
  CallResult refused = CallMethod(server_->channel(), method, {bytes}, limited);
  EXPECT_EQ(refused.code, grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.message;
  EXPECT_NE(refused.message.find("'limited'"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("burst 3"), std::string::npos) << refused.message;
  // Other keys have buckets of their own.
  EXPECT_EQ(CallMethod(server_->channel(), method, {bytes}, admin).code, grpc::StatusCode::OK);
}

}  // namespace
}  // namespace persona::testing
