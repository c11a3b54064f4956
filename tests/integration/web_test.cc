// The HTTP/JSON API through the real server: every call is the gRPC rpc of
// the same name behind the same gate, in protobuf's JSON mapping, with gRPC
// statuses mapped to HTTP ones, client and server streams as arrays (or
// NDJSON), CORS for the configured origins and request ids echoed.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

namespace pb = ::google::protobuf;

int ReadPort(const std::string& file) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    usleep(50'000);
  }
  return 0;
}

// An integer field: 64-bit integers are strings in the JSON mapping.
double Number(const pb::Value& value) {
  return value.has_string_value() ? std::stod(value.string_value()) : value.number_value();
}

pb::Struct ParseObject(const std::string& json) {
  pb::Struct out;
  EXPECT_TRUE(pb::util::JsonStringToMessage(json, &out).ok()) << json;
  return out;
}

pb::ListValue ParseArray(const std::string& json) {
  pb::Value out;
  EXPECT_TRUE(pb::util::JsonStringToMessage(json, &out).ok()) << json;
  EXPECT_TRUE(out.has_list_value()) << json;
  return out.list_value();
}

class WebTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string config = dir_.path() + "/persona.textproto";
    std::ofstream(config) << "http { cors_origins: \"https://shop.test\" }\n";
    const std::string port_file = dir_.path() + "/http-port";
    server_ = std::make_unique<ServerProcess>(
        ServerBinary(), dir_.path() + "/data",
        std::vector<std::string>{"--config=" + config,
                                 "--http_listen=127.0.0.1:0",
                                 "--http_port_file=" + port_file});
    ASSERT_TRUE(server_->Start());
    const int port = ReadPort(port_file);
    ASSERT_GT(port, 0);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", port);
  }

  httplib::Result Post(const std::string& rpc, const std::string& body,
                       const httplib::Headers& headers = {}) {
    return http_->Post(("/api/persona.v1." + rpc).c_str(), headers, body,
                       "application/json");
  }

  void PutItems() {
    auto r = Post(
        "CatalogService/UpsertItems",
        R"({"items":[{"id":"lamp","title":"Lamp","category_path":["Home","Lighting"],"price":20},
                               {"id":"rug","title":"Rug","category_path":["Home","Textiles"],"price":35}]})");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(Number(ParseObject(r->body).fields().at("accepted")), 2) << r->body;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(WebTest, UnaryCallsRoundTripInTheJsonMapping) {
  PutItems();
  auto r = Post("CatalogService/GetItems", R"({"ids":["rug","lamp"]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const pb::Struct items = ParseObject(r->body);
  const auto& list = items.fields().at("items").list_value();
  ASSERT_EQ(list.values_size(), 2);
  // Proto field names, not lowerCamelCase.
  EXPECT_EQ(list.values(0).struct_value().fields().at("id").string_value(),
            "rug");
  EXPECT_EQ(list.values(1)
                .struct_value()
                .fields()
                .at("category_path")
                .list_value()
                .values(1)
                .string_value(),
            "Lighting");
}

TEST_F(WebTest, EventsChangeTheNextRecommendationOverHttp) {
  PutItems();
  auto tracked = Post(
      "EventService/TrackEvents",
      R"({"events":[{"customer_id":"c1","type":"PRODUCT_VIEW","items":[{"item_id":"lamp"}]}]})");
  ASSERT_TRUE(tracked);
  ASSERT_EQ(tracked->status, 200) << tracked->body;
  auto r =
      Post("RecommendService/Recommend", R"({"customer_id":"c1","count":2})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const pb::Struct response = ParseObject(r->body);
  const auto& items = response.fields().at("items").list_value();
  ASSERT_GE(items.values_size(), 1);
  EXPECT_FALSE(items.values(0)
                   .struct_value()
                   .fields()
                   .at("reason")
                   .string_value()
                   .empty())
      << r->body;
}

TEST_F(WebTest, ErrorsCarryTheGrpcCodeAndAnHttpStatus) {
  // The server's own validation, naming the field.
  auto invalid = Post("CatalogService/GetItems", R"({"ids":[]})");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400) << invalid->body;
  EXPECT_EQ(ParseObject(invalid->body).fields().at("code").string_value(),
            "INVALID_ARGUMENT");
  // JSON that is not the request type.
  auto unknown_field =
      Post("CatalogService/GetItems", R"({"no_such_field":1})");
  ASSERT_TRUE(unknown_field);
  EXPECT_EQ(unknown_field->status, 400);
  EXPECT_NE(unknown_field->body.find("body"), std::string::npos)
      << unknown_field->body;
  auto broken = Post("CatalogService/GetItems", R"({"ids":[)");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 400);
  // A customer that does not exist.
  auto missing =
      Post("CustomerService/GetProfile", R"({"customer_id":"nobody"})");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404) << missing->body;
  EXPECT_EQ(ParseObject(missing->body).fields().at("code").string_value(),
            "NOT_FOUND");
  // No such rpc.
  auto no_rpc = Post("CatalogService/Nope", "{}");
  ASSERT_TRUE(no_rpc);
  EXPECT_EQ(no_rpc->status, 404);
  // A unary rpc given an array.
  auto array = Post("CatalogService/GetItems", R"([{},{}])");
  ASSERT_TRUE(array);
  EXPECT_EQ(array->status, 400);
}

TEST_F(WebTest, StreamsAreArraysOrNdjson) {
  auto r = Post(
      "CatalogService/StreamUpsertItems",
      R"([{"items":[{"id":"a","title":"A","category_path":["X"],"price":1}]},
                    {"items":[{"id":"b","title":"B","category_path":["X"],"price":2},
                              {"id":"","title":"bad"}]}])");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const pb::Struct summed = ParseObject(r->body);
  EXPECT_EQ(Number(summed.fields().at("accepted")), 2) << r->body;
  // The rejection's index counts items across the stream.
  EXPECT_EQ(summed.fields()
                .at("rejected")
                .list_value()
                .values(0)
                .struct_value()
                .fields()
                .at("index")
                .number_value(),
            2);

  auto events = Post(
      "EventService/StreamEvents",
      R"([{"events":[{"customer_id":"c1","type":"PRODUCT_VIEW","items":[{"item_id":"a"}]}]},
                         {"events":[{"customer_id":"c2","type":"PRODUCT_VIEW","items":[{"item_id":"b"}]}]}])");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->status, 200) << events->body;
  EXPECT_EQ(ParseArray(events->body).values_size(),
            2);  // one answer per message

  ASSERT_EQ(Post("SegmentService/RefreshSegments", "{}")->status, 200);
  auto members = Post("SegmentService/StreamSegmentMembers",
                      R"({"segment":"stage:new"})");
  ASSERT_TRUE(members);
  ASSERT_EQ(members->status, 200) << members->body;
  const pb::ListValue list = ParseArray(members->body);
  ASSERT_EQ(list.values_size(), 2) << members->body;
  auto ndjson = Post("SegmentService/StreamSegmentMembers",
                     R"({"segment":"stage:new"})",
                     {{"Accept", "application/x-ndjson"}});
  ASSERT_TRUE(ndjson);
  EXPECT_EQ(ndjson->get_header_value("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(std::count(ndjson->body.begin(), ndjson->body.end(), '\n'), 2)
      << ndjson->body;
}

TEST_F(WebTest, CorsForConfiguredOriginsOnly) {
  auto preflight = http_->Options("/api/persona.v1.RecommendService/Recommend",
                                  {{"Origin", "https://shop.test"},
                                   {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"),
            "https://shop.test");
  EXPECT_NE(preflight->get_header_value("Access-Control-Allow-Headers")
                .find("authorization"),
            std::string::npos);
  auto allowed =
      Post("CatalogService/GetItems", "{}", {{"Origin", "https://shop.test"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"),
            "https://shop.test");
  auto other =
      Post("CatalogService/GetItems", "{}", {{"Origin", "https://evil.test"}});
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));
}

TEST_F(WebTest, RequestIdsTravelBothWays) {
  auto mine =
      Post("CatalogService/GetItems", "{}", {{"x-request-id", "req-42"}});
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->get_header_value("x-request-id"), "req-42");
  auto made_up = Post("CatalogService/GetItems", "{}");
  ASSERT_TRUE(made_up);
  EXPECT_EQ(made_up->get_header_value("x-request-id").size(), 16u);
}

TEST_F(WebTest, ServesAnOpenApiDocumentOfEveryRpc) {
  auto r = http_->Get("/api/openapi.json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const pb::Struct doc = ParseObject(r->body);
  const auto& paths = doc.fields().at("paths").struct_value().fields();
  EXPECT_TRUE(paths.count("/api/persona.v1.RecommendService/Recommend"));
  EXPECT_TRUE(paths.count("/api/persona.v1.CampaignService/RunCampaign"));
  EXPECT_GE(paths.size(), 30u);
}

}  // namespace
}  // namespace persona::testing
