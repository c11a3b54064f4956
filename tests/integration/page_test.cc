// Page-view personalization through the running server: whole pages with
// distinct items, infinite scroll, re-ranking, request and config rules,
// config reload, experiments, consent, declared preferences and reasons.
#include <chrono>
#include <fstream>
#include <set>

#include "gtest/gtest.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

// 60 items over three categories and two brands; two customers' purchases so
// popularity has an order; one customer with declared preferences.
void LoadShop(Client& client) {
  v1::UpsertItemsRequest items;
  const char* categories[] = {"Lighting", "Kitchen", "Garden"};
  for (int i = 0; i < 60; ++i) {
    v1::Item item = MakeItem("i" + std::to_string(i), {"Home", categories[i % 3]}, 5 + i);
    item.set_brand(i % 2 == 0 ? "Acme" : "Brightly");
    if (i % 10 == 0) item.add_tags("sale");
    *items.add_items() = item;
  }
  v1::UpsertItemsResponse items_resp;
  ASSERT_TRUE(client.catalog->UpsertItems(Ctx().get(), items, &items_resp).ok());
  v1::TrackEventsRequest events;
  for (int c = 0; c < 30; ++c) {
    for (int k = 0; k < 3; ++k) {
      // Lower ids sell more: item i is bought by about (60 - i) / 2 customers.
      const int item = (c + k * 7) % (30 + c);
      *events.add_events() = MakeEvent("buyer" + std::to_string(c), v1::PURCHASE,
                                       {"i" + std::to_string(item)});
    }
  }
  v1::TrackEventsResponse events_resp;
  ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), events, &events_resp).ok());
}

v1::RecommendResponse Recommend(Client& client, const v1::RecommendRequest& request) {
  v1::RecommendResponse response;
  grpc::Status status = client.recommend->Recommend(Ctx().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

class PageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(ServerBinary(), dir_.path() + "/data");
    ASSERT_TRUE(server_->Start());
    client_ = std::make_unique<Client>(server_->channel());
    LoadShop(*client_);
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(PageTest, PagePlacementsGetDistinctItemsUnlessDuplicatesAreAllowed) {
  v1::RecommendPageRequest page;
  page.set_customer_id("buyer3");
  for (const char* name : {"home", "trending", "new_arrivals"}) {
    auto* p = page.add_placements();
    p->set_placement(name);
    p->set_count(12);
  }
  v1::RecommendPageResponse response;
  grpc::Status status = client_->recommend->RecommendPage(Ctx().get(), page, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.placements_size(), 3);
  std::set<std::string> seen;
  int total = 0;
  for (const auto& placement : response.placements()) {
    EXPECT_EQ(placement.items_size(), 12) << placement.placement();
    EXPECT_FALSE(placement.recommendation_id().empty());
    for (const auto& item : placement.items()) {
      seen.insert(item.item().id());
      ++total;
      EXPECT_FALSE(item.reason().empty()) << item.DebugString();
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(total)) << "an item appeared twice on the page";
  EXPECT_EQ(response.placements(0).placement(), "home");
  EXPECT_EQ(response.placements(1).placement(), "trending");

  page.set_allow_duplicates(true);
  v1::RecommendPageResponse dupes;
  ASSERT_TRUE(client_->recommend->RecommendPage(Ctx().get(), page, &dupes).ok());
  std::set<std::string> dupe_ids;
  int dupe_total = 0;
  for (const auto& placement : dupes.placements()) {
    for (const auto& item : placement.items()) {
      dupe_ids.insert(item.item().id());
      ++dupe_total;
    }
  }
  EXPECT_LT(dupe_ids.size(), static_cast<size_t>(dupe_total));
}

TEST_F(PageTest, PageErrorsNameThePlacementEntry) {
  v1::RecommendPageRequest page;
  page.add_placements()->set_placement("home");
  page.add_placements()->set_rules("filter brand = ");
  v1::RecommendPageResponse response;
  grpc::Status status = client_->recommend->RecommendPage(Ctx().get(), page, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("placements[1].rules: ", 0), 0u) << status.error_message();
}

TEST_F(PageTest, InfiniteScrollContinuesWithoutRepeats) {
  v1::RecommendRequest request;
  request.set_customer_id("buyer5");
  request.set_placement("home");
  request.set_count(10);
  std::set<std::string> seen;
  for (int page = 0; page < 4; ++page) {
    v1::RecommendResponse response = Recommend(*client_, request);
    ASSERT_EQ(response.items_size(), 10) << "page " << page;
    for (const auto& item : response.items()) {
      EXPECT_TRUE(seen.insert(item.item().id()).second) << item.item().id() << " repeated";
    }
    ASSERT_FALSE(response.next_page_token().empty());
    request.set_page_token(response.next_page_token());
  }
  request.set_page_token("not-a-token");
  v1::RecommendResponse response;
  grpc::Status status = client_->recommend->Recommend(Ctx().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("page_token: ", 0), 0u) << status.error_message();
}

TEST_F(PageTest, RankItemsOrdersTheShopsListAndReportsWhatItDropped) {
  v1::RankItemsRequest request;
  request.set_customer_id("buyer1");
  for (const char* id : {"i50", "i1", "i51", "nope", "i2", "i3"}) request.add_item_ids(id);
  request.set_rules("exclude brand = \"Brightly\"");
  v1::RankItemsResponse response;
  grpc::Status status = client_->recommend->RankItems(Ctx().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.unknown_item_ids_size(), 1);
  EXPECT_EQ(response.unknown_item_ids(0), "nope");
  std::set<std::string> ranked;
  for (const auto& item : response.items()) ranked.insert(item.item().id());
  EXPECT_EQ(ranked, (std::set<std::string>{"i50", "i2"}));
  std::set<std::string> removed(response.removed_item_ids().begin(),
                                response.removed_item_ids().end());
  EXPECT_EQ(removed, (std::set<std::string>{"i1", "i51", "i3"}));
  // The best seller of the two comes first.
  EXPECT_EQ(response.items(0).item().id(), "i2");
  EXPECT_FALSE(response.recommendation_id().empty());
}

TEST_F(PageTest, RequestRulesFilterBoostAndPin) {
  v1::RecommendRequest request;
  request.set_session_id("visitor-1");
  request.set_count(8);
  request.set_rules("filter category under \"Home/Kitchen\" and brand = \"Acme\"\npin [\"i58\"]");
  v1::RecommendResponse response = Recommend(*client_, request);
  ASSERT_EQ(response.items_size(), 8);
  EXPECT_EQ(response.items(0).item().id(), "i58");
  EXPECT_TRUE(response.items(0).pinned());
  EXPECT_EQ(response.items(0).reason_code(), v1::PINNED);
  for (const auto& item : response.items()) {
    EXPECT_EQ(item.item().category_path(1), "Kitchen") << item.item().id();
    EXPECT_EQ(item.item().brand(), "Acme") << item.item().id();
  }

  request.set_rules("boost 1.5 iff brand = \"Acme\"");
  v1::RecommendResponse bad;
  grpc::Status status = client_->recommend->Recommend(Ctx().get(), request, &bad);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("rules: ", 0), 0u) << status.error_message();
  EXPECT_NE(status.error_message().find("iff"), std::string::npos) << status.error_message();
}

TEST_F(PageTest, BoughtAndShownExclusionsFollowTheRules) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  // Bought i0 sixty days ago; was shown i2 twice and i4 once today.
  v1::Event old_purchase = MakeEvent("regular", v1::PURCHASE, {"i0"});
  old_purchase.set_timestamp_ms(now_ms - 60 * 86'400'000LL);
  v1::Event shown = MakeEvent("regular", v1::RECOMMENDATION_IMPRESSION, {"i2", "i4"});
  shown.set_recommendation_id("r1.home.default.x.y.z");
  v1::Event shown_again = MakeEvent("regular", v1::RECOMMENDATION_IMPRESSION, {"i2"});
  v1::TrackEventsRequest events;
  for (const auto& e : {old_purchase, shown, shown_again}) *events.add_events() = e;
  v1::TrackEventsResponse events_resp;
  grpc::Status status = client_->events->TrackEvents(Ctx().get(), events, &events_resp);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const auto ids = [&](const std::string& rules) {
    v1::RecommendRequest request;
    request.set_customer_id("regular");
    request.set_placement("trending");
    request.set_count(5);
    request.set_rules("filter id in [\"i0\", \"i2\", \"i4\"]\n" + rules);
    std::set<std::string> out;
    const v1::RecommendResponse response = Recommend(*client_, request);
    for (const auto& item : response.items()) out.insert(item.item().id());
    return out;
  };
  // By default nothing bought comes back; a window lets older purchases back.
  EXPECT_EQ(ids(""), (std::set<std::string>{"i2", "i4"}));
  EXPECT_EQ(ids("exclude bought within 30d"), (std::set<std::string>{"i0", "i2", "i4"}));
  EXPECT_EQ(ids("exclude bought within 90d"), (std::set<std::string>{"i2", "i4"}));
  // Shown twice today: out under "2 times", in under "3 times".
  EXPECT_EQ(ids("exclude shown 2 times within 7d"), (std::set<std::string>{"i4"}));
  EXPECT_EQ(ids("exclude shown 3 times within 7d"), (std::set<std::string>{"i2", "i4"}));
  EXPECT_EQ(ids("exclude shown 1 times within 7d\nexclude bought within 30d"),
            (std::set<std::string>{"i0"}));
}

TEST_F(PageTest, CountIsFilledFromFallbacksAndMarked) {
  // A new visitor on the "cart" placement with an item nobody bought with
  // anything: the strategy has nothing, fallbacks fill every slot.
  v1::RecommendRequest request;
  request.set_session_id("visitor-2");
  request.set_placement("cart");
  request.add_context_item_ids("i59");
  request.set_count(15);
  v1::RecommendResponse response = Recommend(*client_, request);
  ASSERT_EQ(response.items_size(), 15);
  for (const auto& item : response.items()) {
    EXPECT_TRUE(item.fallback()) << item.DebugString();
    EXPECT_NE(item.item().id(), "i59");
  }
}

TEST_F(PageTest, DeclaredPreferencesPersonaliseTheFirstPageAndConsentIsRespected) {
  v1::UpsertCustomersRequest customers;
  auto* fan = customers.add_customers();
  fan->set_id("garden-fan");
  fan->set_locale("de-DE");
  fan->mutable_preferences()->add_categories("Home/Garden");
  auto* private_one = customers.add_customers();
  private_one->set_id("private");
  private_one->mutable_consents()->set_personalization(false);
  v1::UpsertCustomersResponse customers_resp;
  grpc::Status status = client_->customers->UpsertCustomers(Ctx().get(), customers, &customers_resp);
  ASSERT_TRUE(status.ok()) << status.error_message();

  v1::RecommendRequest request;
  request.set_customer_id("garden-fan");
  request.set_placement("category");
  request.set_count(6);
  v1::RecommendResponse response = Recommend(*client_, request);
  ASSERT_EQ(response.items_size(), 6);
  EXPECT_TRUE(response.personalized());
  int garden = 0;
  for (const auto& item : response.items()) garden += item.item().category_path(1) == "Garden";
  EXPECT_GE(garden, 4) << response.DebugString();
  // German reasons for a de-DE customer.
  bool german = false;
  for (const auto& item : response.items()) {
    german |= item.reason().find("Beliebt") != std::string::npos ||
              item.reason().find("Für Sie") != std::string::npos ||
              item.reason().find("Weil") != std::string::npos;
  }
  EXPECT_TRUE(german) << response.DebugString();

  // Purchases of a customer without consent are not used.
  v1::TrackEventsRequest events;
  *events.add_events() = MakeEvent("private", v1::PURCHASE, {"i7"});
  v1::TrackEventsResponse events_resp;
  ASSERT_TRUE(client_->events->TrackEvents(Ctx().get(), events, &events_resp).ok());
  request.set_customer_id("private");
  v1::RecommendResponse private_resp = Recommend(*client_, request);
  EXPECT_FALSE(private_resp.personalized());
  EXPECT_EQ(private_resp.items_size(), 6);
}

// A config with an experiment on "home" and a rule on "sale".
std::string ExperimentConfig(const std::string& sale_rules) {
  return R"(
placements {
  name: "home"
  strategy { recommender: "popularity" }
  variants { name: "control" share: 0.5 }
  variants { name: "trend" share: 0.5 strategy { recommender: "trending" } }
}
placements {
  name: "sale"
  strategy { recommender: "popularity" }
  rules: ")" + sale_rules + R"("
}
)";
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

TEST(PageConfigTest, ExperimentsAndReloadWithoutRestart) {
  TempDir dir;
  const std::string config = dir.path() + "/persona.textproto";
  WriteFile(config, ExperimentConfig("filter tag = \\\"sale\\\""));
  ServerProcess server(ServerBinary(), dir.path() + "/data", {"--config=" + config});
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  LoadShop(client);

  // Variants: stable per subject, both in use, forced on request.
  std::set<std::string> variants;
  for (int c = 0; c < 20; ++c) {
    v1::RecommendRequest request;
    request.set_customer_id("buyer" + std::to_string(c));
    request.set_placement("home");
    const std::string first = Recommend(client, request).variant();
    EXPECT_EQ(Recommend(client, request).variant(), first);
    variants.insert(first);
  }
  EXPECT_EQ(variants, (std::set<std::string>{"control", "trend"}));
  v1::RecommendRequest forced;
  forced.set_customer_id("buyer1");
  forced.set_placement("home");
  forced.set_variant("trend");
  EXPECT_EQ(Recommend(client, forced).items(0).source(), "trending");

  v1::RecommendRequest sale;
  sale.set_placement("sale");
  sale.set_count(20);
  v1::RecommendResponse before = Recommend(client, sale);
  ASSERT_EQ(before.items_size(), 6);  // i0, i10, ..., i50 are tagged "sale"
  for (const auto& item : before.items()) EXPECT_EQ(item.item().tags(0), "sale");

  // An invalid file is refused and the running config stays.
  WriteFile(config, ExperimentConfig("filter tag = "));
  v1::ReloadConfigResponse reload;
  grpc::Status status = client.admin->ReloadConfig(Ctx().get(), {}, &reload);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("sale"), std::string::npos) << status.error_message();
  EXPECT_EQ(Recommend(client, sale).items_size(), 6);

  // A valid one takes effect on the next call.
  WriteFile(config, ExperimentConfig("filter brand = \\\"Acme\\\" and price < 20"));
  status = client.admin->ReloadConfig(Ctx().get(), {}, &reload);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reload.config_file(), config);
  v1::RecommendResponse after = Recommend(client, sale);
  ASSERT_EQ(after.items_size(), 8);  // i0, i2, ..., i14: Acme under 20
  for (const auto& item : after.items()) {
    EXPECT_EQ(item.item().brand(), "Acme");
    EXPECT_LT(item.item().price(), 20);
  }
}

TEST(PageConfigTest, AnInvalidRuleInTheConfigStopsStartUpNamingIt) {
  TempDir dir;
  const std::string config = dir.path() + "/persona.textproto";
  WriteFile(config, ExperimentConfig("boost 2 iff tag = \\\"sale\\\""));
  const std::string log = dir.path() + "/server.log";
  const std::string command = ServerBinary() + " --config=" + config + " --data_dir=" +
                              dir.path() + "/data --listen=127.0.0.1:0 2>" + log;
  const int rc = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("placements[1] (sale).rules"), std::string::npos) << text;
  EXPECT_NE(text.find("iff"), std::string::npos) << text;
}

}  // namespace
}  // namespace persona::testing
