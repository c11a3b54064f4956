// The admin dashboard's server side through the real persona-server: the
// rpcs it added (CatalogService.SearchItems, AdminService.ListPlacements,
// GetModelInfo's evaluation and ingest figures) with their validation, and
// the page served from the binary at /admin/ (every module it imports, ETags,
// the security headers), with authentication off and on.
#include <unistd.h>

#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

// SHA-256 of "dash-admin", "dash-marketing" and "dash-frontend".
constexpr char kAdminSha[] = "d285654f27dcceb6b89805b82846da0b61c3e304f619c9aca289eb7c401f58da";
constexpr char kMarketingSha[] = "9bbe82b53a02c054eac80031e1614ece63826a4121d87368d0d20560ad1bc147";
constexpr char kFrontendSha[] = "ccf1c751a2808658c8c366c63173d86bb67a9d5bb4144c8edcfa3a49540c3d47";

// An experiment on "home" and a placement of our own, besides the built-ins.
constexpr char kPlacements[] = R"(
placements {
  name: "home"
  description: "Home page test"
  strategy { recommender: "als" }
  variants { name: "a" share: 0.5 strategy { recommender: "als" weight: 1 } }
  variants { name: "b" share: 0.5 strategy { recommender: "trending" weight: 2 } rules: "max per category 2" }
}
placements { name: "zz_banner" description: "Banner" default_count: 4 strategy { recommender: "popularity" } }
)";

int ReadPort(const std::string& file) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    usleep(50'000);
  }
  return 0;
}

class DashboardTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& extra_config) {
    const std::string config = dir_.path() + "/persona.textproto";
    std::ofstream(config) << kPlacements << extra_config;
    const std::string port_file = dir_.path() + "/http-port";
    server_ = std::make_unique<ServerProcess>(
        ServerBinary(), dir_.path() + "/data",
        std::vector<std::string>{"--config=" + config, "--http_listen=127.0.0.1:0",
                                 "--http_port_file=" + port_file});
    ASSERT_TRUE(server_->Start());
    const int port = ReadPort(port_file);
    ASSERT_GT(port, 0);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    client_ = std::make_unique<Client>(server_->channel());
  }
  void SetUp() override {
    if (!::testing::Test::HasFatalFailure() && start_plain_) StartServer("");
  }

  void UpsertSearchItems() {
    v1::UpsertItemsRequest request;
    auto add = [&](const char* id, const char* title, const char* brand,
                   std::vector<std::string> path) {
      v1::Item item = MakeItem(id, std::move(path), 10);
      item.set_title(title);
      item.set_brand(brand);
      *request.add_items() = item;
    };
    add("lamp-1", "Brass desk lamp", "Lumen", {"Home", "Lighting"});
    add("lamp-2", "Floor lamp", "Brightco", {"Home", "Lighting", "Floor"});
    add("rug-1", "Wool rug", "Lumen", {"Home", "Textiles"});
    add("mug", "Coffee mug", "Potter", {"Kitchen"});
    v1::UpsertItemsResponse response;
    ASSERT_TRUE(client_->catalog->UpsertItems(Ctx().get(), request, &response).ok());
    ASSERT_EQ(response.accepted(), 4);
  }

  std::vector<std::string> SearchIds(const v1::SearchItemsRequest& request, int64_t* total) {
    v1::SearchItemsResponse response;
    const grpc::Status status = client_->catalog->SearchItems(Ctx().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> ids;
    for (const auto& item : response.items()) ids.push_back(item.id());
    if (total != nullptr) *total = response.total_matches();
    return ids;
  }

  TempDir dir_;
  bool start_plain_ = true;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<Client> client_;
};

TEST_F(DashboardTest, SearchItemsMatchesEveryWordInIdTitleBrandOrCategory) {
  UpsertSearchItems();
  struct Case {
    std::string query;
    std::vector<std::string> path;
    std::vector<std::string> brands;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"lamp", {}, {}, {"lamp-1", "lamp-2"}},           // title and id
      {"LUMEN", {}, {}, {"lamp-1", "rug-1"}},           // brand, any case
      {"textiles", {}, {}, {"rug-1"}},                  // a category name
      {"brass  lamp", {}, {}, {"lamp-1"}},              // every word, extra spaces
      {"lamp wool", {}, {}, {}},                        // no item has both
      {"", {"Home", "Lighting"}, {}, {"lamp-1", "lamp-2"}},  // category prefix
      {"", {"Home", "Light"}, {}, {}},                  // levels match whole
      {"", {}, {"Lumen"}, {"lamp-1", "rug-1"}},         // brand filter
      {"lamp", {}, {"Lumen"}, {"lamp-1"}},
      {"", {}, {}, {"lamp-1", "lamp-2", "mug", "rug-1"}},  // everything, by id
      {"nothing-like-this", {}, {}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("query '" + c.query + "'");
    v1::SearchItemsRequest request;
    request.set_query(c.query);
    for (const auto& p : c.path) request.add_category_path(p);
    for (const auto& b : c.brands) request.add_brands(b);
    int64_t total = -1;
    EXPECT_EQ(SearchIds(request, &total), c.want);
    EXPECT_EQ(total, static_cast<int64_t>(c.want.size()));
  }
}

TEST_F(DashboardTest, SearchItemsPagesThroughEveryMatchOnceInIdOrder) {
  v1::UpsertItemsRequest items;
  for (int i = 0; i < 25; ++i) {
    char id[16];
    snprintf(id, sizeof(id), "item-%02d", 24 - i);  // upserted out of order
    *items.add_items() = MakeItem(id, {"Garden"}, 5);
  }
  *items.add_items() = MakeItem("other", {"Kitchen"}, 5);
  v1::UpsertItemsResponse upserted;
  ASSERT_TRUE(client_->catalog->UpsertItems(Ctx().get(), items, &upserted).ok());
  std::vector<std::string> seen;
  v1::SearchItemsRequest request;
  request.set_query("item");
  request.set_page_size(10);
  for (int page = 0; page < 5; ++page) {
    v1::SearchItemsResponse response;
    ASSERT_TRUE(client_->catalog->SearchItems(Ctx().get(), request, &response).ok());
    EXPECT_EQ(response.total_matches(), 25);
    for (const auto& item : response.items()) seen.push_back(item.id());
    if (response.next_page_token().empty()) break;
    EXPECT_EQ(response.items_size(), 10);
    request.set_page_token(response.next_page_token());
  }
  ASSERT_EQ(seen.size(), 25u);
  for (int i = 0; i < 25; ++i) {
    char id[16];
    snprintf(id, sizeof(id), "item-%02d", i);
    EXPECT_EQ(seen[i], id);
  }
  // The default page is 20 items.
  request.clear_page_token();
  request.set_page_size(0);
  int64_t total = 0;
  EXPECT_EQ(SearchIds(request, &total).size(), 20u);
}

TEST_F(DashboardTest, SearchItemsRefusesBadInputNamingTheField) {
  struct Case {
    std::string field;
    std::function<void(v1::SearchItemsRequest&)> spoil;
  };
  const std::vector<Case> cases = {
      {"shop", [](auto& r) { r.set_shop("Bad Shop!"); }},
      {"query", [](auto& r) { r.set_query(std::string(257, 'a')); }},
      {"query", [](auto& r) { r.set_query("lamp\x01"); }},
      {"category_path", [](auto& r) { for (int i = 0; i < 9; ++i) r.add_category_path("x"); }},
      {"category_path[1]", [](auto& r) { r.add_category_path("Home"); r.add_category_path(""); }},
      {"brands", [](auto& r) { for (int i = 0; i < 101; ++i) r.add_brands("b"); }},
      {"brands[0]", [](auto& r) { r.add_brands(""); }},
      {"page_size", [](auto& r) { r.set_page_size(101); }},
      {"page_size", [](auto& r) { r.set_page_size(-1); }},
      {"page_token", [](auto& r) { r.set_page_token("a\nb"); }},
  };
  for (const Case& c : cases) {
    v1::SearchItemsRequest request;
    c.spoil(request);
    v1::SearchItemsResponse response;
    const grpc::Status status = client_->catalog->SearchItems(Ctx().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(status.error_message().rfind(c.field + ":", 0), 0u)
        << c.field << " vs " << status.error_message();
  }
}

TEST_F(DashboardTest, ListPlacementsShowsBuiltinsAndTheConfiguredExperiment) {
  v1::ListPlacementsRequest request;
  v1::ListPlacementsResponse response;
  ASSERT_TRUE(client_->admin->ListPlacements(Ctx().get(), request, &response).ok());
  std::vector<std::string> names;
  const v1::PlacementInfo* home = nullptr;
  const v1::PlacementInfo* banner = nullptr;
  for (const auto& p : response.placements()) {
    names.push_back(p.name());
    if (p.name() == "home") home = &p;
    if (p.name() == "zz_banner") banner = &p;
    EXPECT_GE(p.variants_size(), 1) << p.name();
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_TRUE(std::set<std::string>(names.begin(), names.end()).count("cart"));
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(home->description(), "Home page test");
  ASSERT_EQ(home->variants_size(), 2);
  EXPECT_EQ(home->variants(0).name(), "a");
  EXPECT_DOUBLE_EQ(home->variants(0).share(), 0.5);
  ASSERT_EQ(home->variants(1).strategy_size(), 1);
  EXPECT_EQ(home->variants(1).strategy(0).recommender(), "trending");
  EXPECT_DOUBLE_EQ(home->variants(1).strategy(0).weight(), 2);
  EXPECT_EQ(home->variants(1).rules(), "max per category 2");
  ASSERT_NE(banner, nullptr);
  EXPECT_EQ(banner->default_count(), 4);
  ASSERT_EQ(banner->variants_size(), 1);
  EXPECT_EQ(banner->variants(0).name(), "default");

  request.set_shop("Not A Shop");
  const grpc::Status bad = client_->admin->ListPlacements(Ctx().get(), request, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad.error_message().rfind("shop:", 0), 0u) << bad.error_message();
}

TEST_F(DashboardTest, ModelInfoCarriesEvaluationFiguresAndTheIngestRate) {
  LoadTwoTastes(*client_);
  v1::ModelInfo trained;
  ASSERT_TRUE(client_->admin->TrainModel(Ctx().get(), v1::TrainModelRequest(), &trained).ok());
  v1::ModelInfo info;
  ASSERT_TRUE(client_->admin->GetModelInfo(Ctx().get(), v1::GetModelInfoRequest(), &info).ok());
  EXPECT_EQ(info.version(), trained.version());
  ASSERT_EQ(info.evaluation().count("users"), 1u);
  EXPECT_EQ(info.evaluation().at("users"), info.users());
  EXPECT_EQ(info.evaluation().at("items"), info.items());
  EXPECT_EQ(info.evaluation().at("interactions"), info.interactions());
  EXPECT_EQ(trained.evaluation().at("users"), 80);
  EXPECT_EQ(trained.evaluation().count("validation_ndcg@10"), 0u);  // off by default
  EXPECT_EQ(info.events_since_start(), 320);  // LoadTwoTastes' purchases
  EXPECT_GT(info.ingest_events_per_second(), 0);

  v1::GetModelInfoRequest bad;
  bad.set_shop("UPPER");
  const grpc::Status status = client_->admin->GetModelInfo(Ctx().get(), bad, &info);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("shop:", 0), 0u) << status.error_message();
}

// The modules a dashboard file imports, as written ('./api.js', '../format.js').
std::vector<std::string> Imports(const std::string& js) {
  std::vector<std::string> out;
  const std::regex import_re(R"(from\s+'([^']+)')");
  for (auto it = std::sregex_iterator(js.begin(), js.end(), import_re);
       it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

// Resolves `relative` against the directory of `from`, both under /admin/.
std::string Resolve(const std::string& from, const std::string& relative) {
  std::string dir = from.substr(0, from.rfind('/') + 1);
  std::string rest = relative;
  while (rest.rfind("../", 0) == 0) {
    dir = dir.substr(0, dir.rfind('/', dir.size() - 2) + 1);
    rest = rest.substr(3);
  }
  if (rest.rfind("./", 0) == 0) rest = rest.substr(2);
  return dir + rest;
}

TEST_F(DashboardTest, ThePageAndEveryModuleItImportsAreServedFromTheBinary) {
  auto redirect = http_->Get("/admin");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 302);
  EXPECT_EQ(redirect->get_header_value("Location"), "/admin/");

  auto index = http_->Get("/admin/");
  ASSERT_TRUE(index);
  ASSERT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("<script type=\"module\" src=\"app.js\">"), std::string::npos);
  EXPECT_NE(index->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");

  // Walk the module graph from app.js: every import must be served as JavaScript.
  std::vector<std::string> pending = {"/admin/app.js"};
  std::set<std::string> served;
  while (!pending.empty()) {
    const std::string path = pending.back();
    pending.pop_back();
    if (!served.insert(path).second) continue;
    auto r = http_->Get(path.c_str());
    ASSERT_TRUE(r) << path;
    ASSERT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/javascript; charset=utf-8") << path;
    EXPECT_FALSE(r->body.empty()) << path;
    for (const std::string& module : Imports(r->body)) pending.push_back(Resolve(path, module));
  }
  EXPECT_TRUE(served.count("/admin/views/placements.js"));
  EXPECT_TRUE(served.count("/admin/charts.js"));
  auto css = http_->Get("/admin/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");

  // Revalidation: the same ETag is a 304 without a body.
  const std::string etag = index->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = http_->Get("/admin/", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());

  for (const char* missing : {"/admin/nope.js", "/admin/../server/main.cc", "/admin/views/"}) {
    auto r = http_->Get(missing);
    ASSERT_TRUE(r) << missing;
    EXPECT_EQ(r->status, 404) << missing;
  }
}

class DashboardAuthTest : public DashboardTest {
 protected:
  DashboardAuthTest() { start_plain_ = false; }
};

// training.validation_fraction adds the held-out ranking figures the model
// view shows; without it (the test above) there are none.
TEST_F(DashboardAuthTest, ValidationFractionAddsRankingFiguresToTheModel) {
  StartServer("training { validation_fraction: 0.2 min_interactions: 20 }\n");
  LoadTwoTastes(*client_);
  v1::ModelInfo trained;
  ASSERT_TRUE(client_->admin->TrainModel(Ctx().get(), v1::TrainModelRequest(), &trained).ok());
  for (const char* name : {"validation_ndcg@10", "validation_precision@10",
                           "validation_recall@10", "validation_users"}) {
    ASSERT_EQ(trained.evaluation().count(name), 1u) << name;
  }
  EXPECT_GT(trained.evaluation().at("validation_users"), 0);
  EXPECT_GE(trained.evaluation().at("validation_ndcg@10"), 0);
  EXPECT_LE(trained.evaluation().at("validation_ndcg@10"), 1);
}

// With keys configured the page itself still loads (it holds no data), and
// the calls it makes need a key of the rpc's role.
TEST_F(DashboardAuthTest, ThePageLoadsWithoutAKeyAndItsCallsNeedOne) {
  StartServer(std::string("security {\n") +
              "  api_keys { id: 'admin' sha256: '" + kAdminSha + "' role: ADMIN shops: '*' }\n" +
              "  api_keys { id: 'mkt' sha256: '" + kMarketingSha + "' role: MARKETING shops: '*' }\n" +
              "  api_keys { id: 'web' sha256: '" + kFrontendSha + "' role: FRONTEND shops: '*' }\n" +
              "}\n");
  auto page = http_->Get("/admin/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  auto post = [&](const char* rpc, const char* key) {
    httplib::Headers headers;
    if (key != nullptr) headers.emplace("x-api-key", key);
    auto r = http_->Post((std::string("/api/persona.v1.") + rpc).c_str(), headers, "{}",
                         "application/json");
    return r ? r->status : -1;
  };
  EXPECT_EQ(post("CatalogService/SearchItems", nullptr), 401);
  EXPECT_EQ(post("CatalogService/SearchItems", "dash-frontend"), 403);
  EXPECT_EQ(post("CatalogService/SearchItems", "dash-marketing"), 200);
  EXPECT_EQ(post("AdminService/ListPlacements", "dash-frontend"), 403);
  EXPECT_EQ(post("AdminService/ListPlacements", "dash-marketing"), 200);
  EXPECT_EQ(post("AdminService/ListShops", "dash-marketing"), 403);
  EXPECT_EQ(post("AdminService/ListShops", "dash-admin"), 200);
}

}  // namespace
}  // namespace persona::testing
