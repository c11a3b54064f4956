#include "tests/bench/als_phase.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "persona/v1/admin.grpc.pb.h"
#include "persona/v1/catalog.grpc.pb.h"
#include "persona/v1/events.grpc.pb.h"
#include "persona/v1/recommend.grpc.pb.h"
#include "tests/bench/workload.h"
#include "tests/testing/server_process.h"

namespace persona::bench {
namespace {

constexpr int kItemBatch = 500;
constexpr int kEventBatch = 1000;  // the server's default limits.max_batch
constexpr int kTopCategories = 6;  // SyntheticCategory's first level

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<grpc::ClientContext> Context(int seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return ctx;
}

std::string ItemId(int i) { return absl::StrFormat("P%06d", i); }
std::string CustomerId(int i) { return absl::StrFormat("als-k%06d", i); }
std::string PageCustomerId(int i) { return absl::StrFormat("page-k%04d", i); }

// Picks an item with P(i) ~ 1/(i+1) (Zipf, exponent 1): log-uniform over 1..n.
int ZipfItem(std::mt19937_64& rng, int n) {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  const int i = static_cast<int>(std::exp(u * std::log(n + 1.0))) - 1;
  return std::clamp(i, 0, n - 1);
}

absl::Status CheckCall(const grpc::Status& status, const char* what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

absl::Status PutItems(const std::shared_ptr<grpc::Channel>& channel, int items) {
  auto stub = v1::CatalogService::NewStub(channel);
  for (int first = 0; first < items; first += kItemBatch) {
    v1::UpsertItemsRequest request;
    for (int i = first; i < std::min(items, first + kItemBatch); ++i) {
      v1::Item* item = request.add_items();
      item->set_id(ItemId(i));
      item->set_title(absl::StrCat("Product ", i));
      for (auto& part : SyntheticCategory(i)) item->add_category_path(part);
      item->set_price(1.0 + i % 40);
      item->set_currency("GBP");
      item->set_availability(v1::IN_STOCK);
      item->set_url(absl::StrCat("https://shop.example/p/", i));
    }
    v1::UpsertItemsResponse response;
    if (absl::Status s = CheckCall(stub->UpsertItems(Context(60).get(), request, &response),
                                   "UpsertItems");
        !s.ok()) {
      return s;
    }
    if (response.accepted() != request.items_size()) {
      return absl::InternalError(absl::StrCat("UpsertItems accepted ", response.accepted(),
                                              " of ", request.items_size()));
    }
  }
  return absl::OkStatus();
}

// Each customer prefers one top-level category: 70% of their events pick a
// popular item of it, the rest any popular item. 70% views, 20% cart adds,
// 10% purchases, one item each.
void MakeEvent(std::mt19937_64& rng, int customer, int k, int items, v1::Event* e) {
  std::uniform_int_distribution<int> percent(0, 99);
  int item = ZipfItem(rng, items);
  if (percent(rng) < 70) {
    const int preferred = customer % kTopCategories;
    item = item - item % kTopCategories + preferred;
    if (item >= items) item -= kTopCategories;
  }
  e->set_event_id(absl::StrFormat("als-e%06d-%d", customer, k));
  e->set_customer_id(CustomerId(customer));
  e->set_channel(v1::WEB);
  const int kind = percent(rng);
  e->set_type(kind < 70 ? v1::PRODUCT_VIEW : kind < 90 ? v1::ADD_TO_CART : v1::PURCHASE);
  auto* line = e->add_items();
  line->set_item_id(ItemId(item));
  line->set_quantity(1);
  line->set_price(1.0 + item % 40);
  if (e->type() == v1::PURCHASE) {
    e->set_order_id(absl::StrFormat("als-o%06d-%d", customer, k));
    e->set_value(line->price());
  }
}

absl::Status PutEvents(const std::shared_ptr<grpc::Channel>& channel,
                       const AlsPhaseOptions& o) {
  auto stub = v1::EventService::NewStub(channel);
  std::mt19937_64 rng(o.seed);
  v1::TrackEventsRequest request;
  const auto flush = [&]() -> absl::Status {
    if (request.events_size() == 0) return absl::OkStatus();
    v1::TrackEventsResponse response;
    if (absl::Status s = CheckCall(stub->TrackEvents(Context(120).get(), request, &response),
                                   "TrackEvents");
        !s.ok()) {
      return s;
    }
    if (response.accepted() != request.events_size()) {
      return absl::InternalError(absl::StrCat("TrackEvents accepted ", response.accepted(),
                                              " of ", request.events_size()));
    }
    request.Clear();
    return absl::OkStatus();
  };
  for (int c = 0; c < o.customers; ++c) {
    for (int k = 0; k < o.events_per_customer; ++k) {
      MakeEvent(rng, c, k, o.items, request.add_events());
      if (request.events_size() == kEventBatch) {
        if (absl::Status s = flush(); !s.ok()) return s;
      }
    }
  }
  return flush();
}

// The page customers' events, after training (they are folded in).
absl::Status PutPageEvents(const std::shared_ptr<grpc::Channel>& channel,
                           const AlsPhaseOptions& o) {
  auto stub = v1::EventService::NewStub(channel);
  std::mt19937_64 rng(o.seed + 1);
  v1::TrackEventsRequest request;
  for (int c = 0; c < o.page_customers; ++c) {
    for (int k = 0; k < o.page_events; ++k) {
      v1::Event* e = request.add_events();
      MakeEvent(rng, c, k, o.items, e);
      e->set_customer_id(PageCustomerId(c));
      e->set_event_id(absl::StrFormat("page-e%04d-%d", c, k));
      if (e->type() == v1::PURCHASE) e->set_order_id(absl::StrFormat("page-o%04d-%d", c, k));
      if (request.events_size() == kEventBatch || (c + 1 == o.page_customers && k + 1 == o.page_events)) {
        v1::TrackEventsResponse response;
        RETURN_IF_ERROR(CheckCall(stub->TrackEvents(Context(120).get(), request, &response),
                                  "TrackEvents"));
        request.Clear();
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ModelInfo> Train(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::AdminService::NewStub(channel);
  v1::ModelInfo info;
  if (absl::Status s = CheckCall(
          stub->TrainModel(Context(1800).get(), v1::TrainModelRequest(), &info), "TrainModel");
      !s.ok()) {
    return s;
  }
  return info;
}

PhaseResult Measure(const std::shared_ptr<grpc::Channel>& channel, const AlsPhaseOptions& o,
                    const std::string& name, pid_t pid) {
  auto stub = v1::RecommendService::NewStub(channel);
  using Loop = ClosedLoop<v1::RecommendRequest, v1::RecommendResponse>;
  Loop::Hooks hooks;
  hooks.make_request = [&](std::mt19937_64& rng, v1::RecommendRequest* r) {
    r->set_customer_id(CustomerId(std::uniform_int_distribution<int>(0, o.customers - 1)(rng)));
    r->set_placement("home");
    r->set_count(10);
  };
  hooks.start = [&](grpc::ClientContext* ctx, const v1::RecommendRequest* request,
                    v1::RecommendResponse* response, Loop::Done done) {
    stub->async()->Recommend(ctx, request, response, std::move(done));
  };
  hooks.check = [](const v1::RecommendRequest& request, const v1::RecommendResponse& response,
                   std::string* error) {
    if (response.items_size() == 0) {
      *error = absl::StrCat("Recommend for ", request.customer_id(), " answered no item");
      return int64_t{-1};
    }
    if (response.model_version().rfind("als-", 0) != 0) {
      *error = absl::StrCat("Recommend for ", request.customer_id(), " served by ",
                            response.model_version(), ", not the ALS model");
      return int64_t{-1};
    }
    return int64_t{1};
  };
  return Loop::Run(name, "calls/s", o.loop, hooks, pid);
}

// A product page: "similar" for the viewed item, "complete the look", and a
// "for you" strip, with a category filter, a brand cap, MMR diversity and a
// promotion slot share.
void MakePageRequest(std::mt19937_64& rng, const AlsPhaseOptions& o,
                     v1::RecommendPageRequest* r) {
  const int customer = std::uniform_int_distribution<int>(0, o.page_customers - 1)(rng);
  r->set_customer_id(PageCustomerId(customer));
  r->add_context_item_ids(ItemId(ZipfItem(rng, o.items)));
  auto* similar = r->add_placements();
  similar->set_placement("product");
  similar->set_count(8);
  similar->set_rules("filter available and price <= 30\nmax per category 3");
  auto* look = r->add_placements();
  look->set_placement("complete_the_look");
  look->set_count(6);
  look->set_rules("exclude bought within 30d\ndiversity 0.3");
  auto* home = r->add_placements();
  home->set_placement("home");
  home->set_count(12);
  home->set_rules("promote 25% if price >= 20\nboost 1.2 if created within 90d\ndiversity 0.5");
}

PhaseResult MeasurePage(const std::shared_ptr<grpc::Channel>& channel, const AlsPhaseOptions& o,
                        const std::string& name, const LoopOptions& loop, pid_t pid) {
  auto stub = v1::RecommendService::NewStub(channel);
  using Loop = ClosedLoop<v1::RecommendPageRequest, v1::RecommendPageResponse>;
  Loop::Hooks hooks;
  hooks.make_request = [&](std::mt19937_64& rng, v1::RecommendPageRequest* r) {
    MakePageRequest(rng, o, r);
  };
  hooks.start = [&](grpc::ClientContext* ctx, const v1::RecommendPageRequest* request,
                    v1::RecommendPageResponse* response, Loop::Done done) {
    stub->async()->RecommendPage(ctx, request, response, std::move(done));
  };
  hooks.check = [](const v1::RecommendPageRequest& request,
                   const v1::RecommendPageResponse& response, std::string* error) {
    std::set<std::string> seen;
    for (int i = 0; i < response.placements_size(); ++i) {
      const auto& p = response.placements(i);
      if (p.items_size() != request.placements(i).count()) {
        *error = absl::StrCat("placement ", p.placement(), " answered ", p.items_size(), " of ",
                              request.placements(i).count(), " items");
        return int64_t{-1};
      }
      for (const auto& item : p.items()) {
        if (!seen.insert(item.item().id()).second) {
          *error = absl::StrCat(item.item().id(), " twice on the page");
          return int64_t{-1};
        }
      }
    }
    return int64_t{1};
  };
  return Loop::Run(name, "pages/s", loop, hooks, pid);
}

}  // namespace

std::string AlsCustomerId(int i) { return CustomerId(i); }

absl::StatusOr<std::string> LoadTrainedShop(const std::shared_ptr<grpc::Channel>& channel,
                                            const AlsPhaseOptions& o) {
  const Clock::time_point load_start = Clock::now();
  std::fprintf(stderr, "persona-loadgen: loading %d items, %d x %d events\n", o.items,
               o.customers, o.events_per_customer);
  absl::Status loaded = PutItems(channel, o.items);
  if (loaded.ok()) loaded = PutEvents(channel, o);
  if (!loaded.ok()) {
    return absl::Status(loaded.code(),
                        "loading the synthetic shop failed: " + loaded.ToString());
  }
  const double load_s = SecondsSince(load_start);
  std::fprintf(stderr, "persona-loadgen: training\n");
  const Clock::time_point train_start = Clock::now();
  absl::StatusOr<v1::ModelInfo> info = Train(channel);
  if (!info.ok()) {
    return absl::Status(info.status().code(), "training failed: " + info.status().ToString());
  }
  const double train_s = SecondsSince(train_start);
  // Catalogs past training.ann_min_items are served through the HNSW index
  // once the training thread has built it: measure that, waiting up to 10 min.
  const Clock::time_point index_start = Clock::now();
  bool indexed = false;
  // The server's default training.ann_min_items: smaller catalogs get no index.
  constexpr int kAnnMinItems = 100'000;
  for (int poll = 0; poll < 1200 && !indexed && o.items >= kAnnMinItems; ++poll) {
    v1::ModelInfo now;
    auto stub = v1::AdminService::NewStub(channel);
    indexed = stub->GetModelInfo(Context(30).get(), v1::GetModelInfoRequest(), &now).ok() &&
              now.approximate_index();
    if (!indexed) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const double index_s = SecondsSince(index_start);
  return absl::StrFormat(
      "%d items (Zipf popularity, 3-level categories), %d customers x %d events "
      "loaded through the API in %.1f s; TrainModel %.1f s wall (model %s: %d users, %d items, "
      "%d interactions, %d factors, %d iterations, %.1f s training); %s",
      o.items, o.customers, o.events_per_customer, load_s, train_s, info->version(),
      info->users(), info->items(), info->interactions(), info->factors(), info->iterations(),
      info->training_seconds(),
      indexed ? absl::StrFormat("HNSW index ready %.1f s after training", index_s)
              : "no HNSW index (exhaustive top-k)");
}

std::vector<PhaseResult> RunAlsPhase(const AlsPhaseOptions& o, std::string* description) {
  const std::string name = o.items % 1000 == 0
                               ? absl::StrCat("ALS Recommend ", o.items / 1000, "k items")
                               : absl::StrCat("ALS Recommend ", o.items, " items");
  PhaseResult failed;
  failed.name = name;
  const auto fail = [&](std::string error) {
    failed.error = std::move(error);
    return std::vector<PhaseResult>{failed};
  };
  testing::TempDir dir;
  testing::ServerProcess server(o.server_binary, dir.path() + "/data");
  std::fprintf(stderr, "persona-loadgen: ALS phase: starting %s\n", o.server_binary.c_str());
  if (!server.Start()) return fail("persona-server did not start (see stderr)");
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  absl::StatusOr<std::string> shop = LoadTrainedShop(channel, o);
  if (!shop.ok()) return fail(std::string(shop.status().message()));
  *description = "ALS phase: " + *shop;
  std::fprintf(stderr, "persona-loadgen: ALS phase: Recommend\n");
  const pid_t pid = FindChild("persona-server");
  std::vector<PhaseResult> results = {Measure(channel, o, name, pid)};
  if (o.page_customers > 0) {
    std::fprintf(stderr, "persona-loadgen: ALS phase: %d page customers x %d events\n",
                 o.page_customers, o.page_events);
    if (absl::Status s = PutPageEvents(channel, o); !s.ok()) {
      results.push_back(fail("loading the page customers failed: " + s.ToString()).front());
    } else {
      const std::string items = o.items % 1000 == 0 ? absl::StrCat(o.items / 1000, "k")
                                                    : absl::StrCat(o.items);
      std::fprintf(stderr, "persona-loadgen: ALS phase: RecommendPage\n");
      results.push_back(MeasurePage(channel, o, absl::StrCat("ALS page 3 placements ", items,
                                                             " items"), o.loop, pid));
      LoopOptions single = o.loop;
      single.concurrency = 1;
      results.push_back(MeasurePage(
          channel, o, absl::StrCat("ALS page 3 placements ", items, " items, 1 at a time"),
          single, pid));
    }
  }
  if (const int status = server.Stop(); status != 0 && results.front().error.empty()) {
    results.front().error = absl::StrCat("persona-server exit status ", status);
  }
  return results;
}

}  // namespace persona::bench
