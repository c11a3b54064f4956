// Email campaigns and segments through the running server on the demo shop:
// a win-back campaign checked row by row against the segment's members and
// their profiles, resuming from a cursor, the open-time links over HTTP
// (redirects, the recorded click, a forged token), and the segment best
// sellers as the first page fallback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "gtest/gtest.h"
#include "persona/v1/campaigns.grpc.pb.h"
#include "persona/v1/segments.grpc.pb.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

constexpr char kBase[] = "http://persona.test";

struct HttpAnswer {
  int status = 0;
  std::string location;
};

// One HTTP/1.0 GET of `path` on 127.0.0.1:`port`.
HttpAnswer Get(int port, const std::string& path) {
  HttpAnswer answer;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return answer;
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: persona.test\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) response.append(buf, n);
  close(fd);
  if (response.size() > 12) answer.status = std::stoi(response.substr(9, 3));
  const size_t at = response.find("\r\nLocation: ");
  if (at != std::string::npos) {
    const size_t start = at + 12;
    answer.location = response.substr(start, response.find("\r\n", start) - start);
  }
  return answer;
}

int ReadPort(const std::string& file) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    usleep(50'000);
  }
  return 0;
}

class CampaignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(PERSONA_DEMO_CSV)) GTEST_SKIP() << "no demo data";
    port_file_ = dir_.path() + "/http-port";
    server_ = std::make_unique<ServerProcess>(
        ServerBinary(), dir_.path() + "/data",
        std::vector<std::string>{std::string("--demo_csv=") + PERSONA_DEMO_CSV,
                                 "--http_listen=127.0.0.1:0", "--http_port_file=" + port_file_,
                                 std::string("--public_base_url=") + kBase});
    ASSERT_TRUE(server_->Start());
    http_port_ = ReadPort(port_file_);
    ASSERT_GT(http_port_, 0);
    client_ = std::make_unique<Client>(server_->channel());
    segments_ = v1::SegmentService::NewStub(server_->channel());
    campaigns_ = v1::CampaignService::NewStub(server_->channel());
    v1::ModelInfo info;
    ASSERT_TRUE(client_->admin->TrainModel(Ctx().get(), {}, &info).ok());
    v1::RefreshSegmentsResponse refreshed;
    ASSERT_TRUE(segments_->RefreshSegments(Ctx().get(), {}, &refreshed).ok());
    ASSERT_GT(refreshed.customers(), 1000);
  }

  std::vector<std::string> Members(const std::string& segment) {
    v1::StreamSegmentMembersRequest request;
    request.set_segment(segment);
    auto ctx = Ctx();
    auto reader = segments_->StreamSegmentMembers(ctx.get(), request);
    std::vector<std::string> ids;
    v1::SegmentMember m;
    while (reader->Read(&m)) ids.push_back(m.customer_id());
    EXPECT_TRUE(reader->Finish().ok());
    return ids;
  }

  std::vector<v1::CampaignRow> Run(const v1::RunCampaignRequest& request) {
    auto ctx = Ctx();
    auto reader = campaigns_->RunCampaign(ctx.get(), request);
    std::vector<v1::CampaignRow> rows;
    v1::CampaignRow row;
    while (reader->Read(&row)) rows.push_back(row);
    const grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return rows;
  }

  v1::Profile Profile(const std::string& id) {
    v1::GetProfileRequest request;
    request.set_customer_id(id);
    request.set_recent_events(50);
    v1::Profile profile;
    EXPECT_TRUE(client_->customers->GetProfile(Ctx().get(), request, &profile).ok());
    return profile;
  }

  TempDir dir_;
  std::string port_file_;
  int http_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<v1::SegmentService::Stub> segments_;
  std::unique_ptr<v1::CampaignService::Stub> campaigns_;
};

v1::RunCampaignRequest WinBack() {
  v1::RunCampaignRequest request;
  request.set_campaign_id("winback-1");
  request.set_type(v1::WIN_BACK);
  request.set_segment("stage:at_risk");
  request.set_items_per_customer(4);
  return request;
}

TEST_F(CampaignTest, WinBackRowsMatchTheSegmentAndEveryProfile) {
  const std::vector<std::string> audience = Members("stage:at_risk");
  ASSERT_GT(audience.size(), 20u);
  const std::vector<v1::CampaignRow> rows = Run(WinBack());
  ASSERT_EQ(rows.size(), audience.size() + 1);
  ASSERT_TRUE(rows.back().has_summary());
  int64_t emails = 0;
  for (size_t i = 0; i < audience.size(); ++i) {
    const v1::CampaignRow& row = rows[i];
    SCOPED_TRACE(row.customer_id());
    ASSERT_EQ(row.customer_id(), audience[i]);
    EXPECT_EQ(row.cursor(), audience[i]);
    const v1::Profile profile = Profile(row.customer_id());
    const v1::Customer& c = profile.customer();
    const bool consent = c.consents().has_email_marketing() && c.consents().email_marketing();
    if (!consent) {
      EXPECT_EQ(row.skipped(), v1::NO_EMAIL_CONSENT);
      continue;
    }
    ASSERT_TRUE(row.has_email()) << v1::SkipReason_Name(row.skipped());
    ++emails;
    const v1::EmailContent& e = row.email();
    EXPECT_EQ(e.email(), c.email());
    EXPECT_EQ(e.first_name(), c.first_name());
    EXPECT_EQ(e.locale(), c.locale());
    EXPECT_FALSE(e.repeated());
    EXPECT_NE(e.recommendation_id().find("r1.email_win_back.winback-1."), std::string::npos);
    ASSERT_EQ(e.items_size(), 4);
    std::set<std::string> distinct;
    for (const v1::EmailItem& item : e.items()) {
      distinct.insert(item.item_id());
      EXPECT_FALSE(item.title().empty());
      EXPECT_GT(item.price(), 0);
      EXPECT_EQ(item.currency(), "GBP");
      EXPECT_EQ(item.url(), "https://demo-shop.invalid/products/" + item.item_id());
      EXPECT_FALSE(item.image_url().empty());
      EXPECT_FALSE(item.reason().empty());
      EXPECT_EQ(item.open_image_url().rfind(std::string(kBase) + "/email/open/", 0), 0u);
      EXPECT_EQ(item.click_url().rfind(std::string(kBase) + "/email/click/", 0), 0u);
    }
    EXPECT_EQ(distinct.size(), 4u);
    // The send is recorded on the customer's profile.
    bool recorded = false;
    for (const auto& stored : profile.recent_events()) {
      recorded |= stored.event().type() == v1::EMAIL_SEND &&
                  stored.event().recommendation_id() == e.recommendation_id();
    }
    EXPECT_TRUE(recorded);
  }
  EXPECT_GT(emails, 0);
  EXPECT_EQ(rows.back().summary().audience(), static_cast<int64_t>(audience.size()));
  EXPECT_EQ(rows.back().summary().emails(), emails);
  EXPECT_EQ(rows.back().summary().skipped().at("NO_EMAIL_CONSENT"),
            static_cast<int64_t>(audience.size()) - emails);
}

TEST_F(CampaignTest, ResumingAfterACursorRepeatsTheRecordedRowsOfTheRest) {
  const std::vector<v1::CampaignRow> first = Run(WinBack());
  ASSERT_GT(first.size(), 10u);
  const size_t cut = first.size() / 2;
  v1::RunCampaignRequest resume = WinBack();
  resume.set_resume_after(first[cut - 1].cursor());
  const std::vector<v1::CampaignRow> rest = Run(resume);
  ASSERT_EQ(rest.size(), first.size() - cut);
  for (size_t i = 0; i + 1 < rest.size(); ++i) {
    EXPECT_EQ(rest[i].customer_id(), first[cut + i].customer_id());
    if (!first[cut + i].has_email()) continue;
    ASSERT_TRUE(rest[i].has_email());
    EXPECT_TRUE(rest[i].email().repeated());
    EXPECT_EQ(rest[i].email().recommendation_id(), first[cut + i].email().recommendation_id());
    ASSERT_EQ(rest[i].email().items_size(), first[cut + i].email().items_size());
    for (int k = 0; k < rest[i].email().items_size(); ++k) {
      EXPECT_EQ(rest[i].email().items(k).item_id(), first[cut + i].email().items(k).item_id());
    }
  }
}

TEST_F(CampaignTest, OpenTimeLinksRedirectAndRecordTheClick) {
  const std::vector<v1::CampaignRow> rows = Run(WinBack());
  const v1::CampaignRow* sent = nullptr;
  for (const auto& row : rows) {
    if (row.has_email()) {
      sent = &row;
      break;
    }
  }
  ASSERT_NE(sent, nullptr);
  ASSERT_GT(sent->email().items_size(), 0);
  const std::string open = sent->email().items(0).open_image_url().substr(strlen(kBase));
  const std::string click = sent->email().items(0).click_url().substr(strlen(kBase));
  const HttpAnswer image = Get(http_port_, open);
  EXPECT_EQ(image.status, 302);
  EXPECT_EQ(image.location.rfind("https://demo-shop.invalid/images/", 0), 0u) << image.location;
  const HttpAnswer page = Get(http_port_, click);
  EXPECT_EQ(page.status, 302);
  // The click lands on the item the open showed.
  const std::string item = image.location.substr(image.location.rfind('/') + 1,
                                                 image.location.size() - 4 -
                                                     image.location.rfind('/') - 1);
  EXPECT_EQ(page.location, "https://demo-shop.invalid/products/" + item);
  bool clicked = false;
  const v1::Profile profile = Profile(sent->customer_id());
  for (const auto& stored : profile.recent_events()) {
    clicked |= stored.event().type() == v1::RECOMMENDATION_CLICK &&
               stored.event().channel() == v1::EMAIL &&
               stored.event().recommendation_id() == sent->email().recommendation_id();
  }
  EXPECT_TRUE(clicked);
  // Altered or forged tokens are refused, and never redirected.
  std::string altered = click;
  altered[altered.size() - 5] = altered[altered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Get(http_port_, altered).status, 403);
  EXPECT_EQ(Get(http_port_, "/email/click/forged").status, 403);
}

TEST_F(CampaignTest, StageBestSellersAreTheFirstFallback) {
  const std::vector<std::string> loyal = Members("stage:loyal");
  ASSERT_FALSE(loyal.empty());
  // "Recently viewed" has nothing for buyers who never viewed: fallbacks fill it.
  v1::RecommendRequest request;
  request.set_customer_id(loyal.front());
  request.set_placement("recently_viewed");
  request.set_count(5);
  v1::RecommendResponse response;
  ASSERT_TRUE(client_->recommend->Recommend(Ctx().get(), request, &response).ok());
  ASSERT_EQ(response.items_size(), 5);
  EXPECT_EQ(response.items(0).source(), "segment_popularity");
  EXPECT_EQ(response.items(0).reason_code(), v1::POPULAR_IN_SEGMENT);
  EXPECT_TRUE(response.items(0).fallback());
  EXPECT_EQ(response.items(0).reason(), "Popular with customers like you");
}

TEST_F(CampaignTest, BadRequestsNameTheField) {
  v1::RunCampaignRequest request = WinBack();
  request.set_segment("no-such-segment");
  auto ctx = Ctx();
  auto reader = campaigns_->RunCampaign(ctx.get(), request);
  v1::CampaignRow row;
  EXPECT_FALSE(reader->Read(&row));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  request = WinBack();
  request.set_rules("filter price <");
  auto ctx2 = Ctx();
  auto reader2 = campaigns_->RunCampaign(ctx2.get(), request);
  EXPECT_FALSE(reader2->Read(&row));
  const grpc::Status status = reader2->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("rules"), std::string::npos) << status.error_message();
}

}  // namespace
}  // namespace persona::testing
