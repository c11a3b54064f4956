// `persona recommend` and `persona stats`: one call each to a running server,
// printed as a table or as the JSON of the response.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "persona/v1/admin.grpc.pb.h"
#include "persona/v1/recommend.grpc.pb.h"
#include "tools/cli_common.h"
#include "tools/cli_flags.h"
#include "tools/commands.h"
#include "tools/connection.h"
#include "tools/importer/values.h"

namespace persona::tools {
namespace {

namespace v1 = ::persona::v1;

// Cuts `text` to at most `width` bytes at a UTF-8 character boundary.
std::string Fit(const std::string& text, size_t width) {
  if (text.size() <= width) return text;
  size_t end = width - 1;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return text.substr(0, end) + "~";
}

// Fills a request from the flags; INVALID_ARGUMENT for a usage error.
absl::Status BuildRequest(const Flags& flags, v1::RecommendRequest* request) {
  if (flags.Given("customer") && flags.Given("session")) {
    return absl::InvalidArgumentError("give --customer or --session, not both");
  }
  request->set_shop(flags.Get("shop"));
  request->set_customer_id(flags.Get("customer"));
  request->set_session_id(flags.Get("session"));
  request->set_placement(flags.Get("placement"));
  ASSIGN_OR_RETURN(const int64_t count, flags.GetInt("count"));
  if (count < 1 || count > 100) return absl::InvalidArgumentError("--count must be in 1..100");
  request->set_count(static_cast<int32_t>(count));
  for (auto& id : flags.GetList("context")) request->add_context_item_ids(std::move(id));
  for (auto& id : flags.GetList("exclude")) request->add_exclude_item_ids(std::move(id));
  v1::ItemFilter* filter = request->mutable_filter();
  for (auto& part : importer::SplitCategoryPath(flags.Get("category"))) {
    filter->add_category_path(std::move(part));
  }
  for (auto& brand : flags.GetList("brand")) filter->add_brands(std::move(brand));
  if (flags.Given("min-price")) {
    ASSIGN_OR_RETURN(const double v, flags.GetDouble("min-price"));
    filter->set_min_price(v);
  }
  if (flags.Given("max-price")) {
    ASSIGN_OR_RETURN(const double v, flags.GetDouble("max-price"));
    filter->set_max_price(v);
  }
  filter->set_in_stock_only(flags.GetBool("in-stock"));
  request->set_rules(flags.Get("rules"));
  request->set_locale(flags.Get("locale"));
  request->set_variant(flags.Get("variant"));
  request->set_page_token(flags.Get("page-token"));
  return absl::OkStatus();
}

void PrintRecommendations(const v1::RecommendResponse& r) {
  std::printf("recommendation %s  model %s  placement %s  variant %s  %s\n",
              r.recommendation_id().c_str(), r.model_version().c_str(), r.placement().c_str(),
              r.variant().c_str(), r.personalized() ? "personalized" : "not personalized");
  std::printf("%4s  %-14s  %-40s  %12s  %s\n", "#", "ITEM", "TITLE", "PRICE", "REASON");
  int rank = 0;
  for (const auto& rec : r.items()) {
    const v1::Item& item = rec.item();
    const std::string price = absl::StrFormat("%.2f %s", item.price(), item.currency());
    std::string reason = rec.reason();
    if (rec.fallback()) absl::StrAppend(&reason, " (fallback)");
    if (rec.pinned()) absl::StrAppend(&reason, " (pinned)");
    std::printf("%4d  %-14s  %-40s  %12s  %s\n", ++rank, Fit(item.id(), 14).c_str(),
                Fit(item.title(), 40).c_str(), price.c_str(), reason.c_str());
  }
  if (r.items().empty()) std::printf("(no items)\n");
  if (!r.next_page_token().empty()) std::printf("more: --page-token=%s\n", r.next_page_token().c_str());
}

std::string FormatTime(int64_t ms) {
  if (ms <= 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

void PrintStats(const v1::ShopStats& s) {
  std::printf("shop         %s\n", s.shop().c_str());
  std::printf("items        %lld (%lld recommendable)\n", static_cast<long long>(s.items()),
              static_cast<long long>(s.recommendable_items()));
  std::printf("customers    %lld\n", static_cast<long long>(s.customers()));
  std::printf("sessions     %lld\n", static_cast<long long>(s.sessions()));
  std::printf("events       %lld total, %lld since start, %lld stored\n",
              static_cast<long long>(s.events_total()),
              static_cast<long long>(s.events_since_start()),
              static_cast<long long>(s.events_stored()));
  std::printf("duplicates   %lld\n", static_cast<long long>(s.duplicates_total()));
  std::printf("model        %s\n", s.model_version().c_str());
  std::printf("last event   %s\n", FormatTime(s.last_event_time_ms()).c_str());
  if (s.top_items().empty()) return;
  std::printf("\ntop items:\n%4s  %-14s  %-40s  %10s  %8s\n", "#", "ITEM", "TITLE", "PURCHASES",
              "SCORE");
  int rank = 0;
  for (const auto& top : s.top_items()) {
    std::printf("%4d  %-14s  %-40s  %10lld  %8.2f\n", ++rank, Fit(top.item_id(), 14).c_str(),
                Fit(top.title(), 40).c_str(), static_cast<long long>(top.purchases()), top.score());
  }
}

void PrintModel(const v1::ModelInfo& m) {
  std::printf("shop           %s\n", m.shop().c_str());
  std::printf("version        %s\n", m.version().c_str());
  std::printf("trained in     %.2f s\n", m.training_seconds());
  std::printf("learnt from    %lld users, %lld items, %lld interactions\n",
              static_cast<long long>(m.users()), static_cast<long long>(m.items()),
              static_cast<long long>(m.interactions()));
  std::printf("parameters     %d factors, regularization %g, alpha %g, %d iterations\n",
              m.factors(), m.regularization(), m.alpha(), m.iterations());
  std::printf("catalog items  %lld scored by the model, %lld new ones placed by category\n",
              static_cast<long long>(m.trained_items()), static_cast<long long>(m.imputed_items()));
}

// Runs one AdminService call that returns a ModelInfo.
template <typename Request, typename Call>
int RunModelCall(const char* name, const char* usage, int argc, char** argv, Call call) {
  Flags flags(usage);
  flags.Value("server", "127.0.0.1:50051", "the server's gRPC address");
  flags.Value("shop", "", "the shop (default: the server's default shop)");
  flags.Bool("json", "print the response as JSON");
  if (int code = ParseOrExit(flags, name, argc, argv); code >= 0) return code;
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) return Fail(name, channel.status());
  auto stub = v1::AdminService::NewStub(*channel);
  Request request;
  request.set_shop(flags.Get("shop"));
  v1::ModelInfo info;
  absl::Status status = call(*stub, request, &info);
  if (!status.ok()) return Fail(name, status);
  if (flags.GetBool("json")) {
    std::printf("%s", ToJson(info).c_str());
  } else {
    PrintModel(info);
  }
  return 0;
}

}  // namespace

int RunRecommend(int argc, char** argv) {
  Flags flags(
      "persona recommend [flags]\n\n"
      "Asks a running server which items to show a customer, a session or an\n"
      "anonymous visitor, and prints them with the reason for each.");
  flags.Value("server", "127.0.0.1:50051", "the server's gRPC address");
  flags.Value("shop", "", "the shop (default: the server's default shop)");
  flags.Value("customer", "", "the signed-in customer's id");
  flags.Value("session", "", "an anonymous session's id (instead of --customer)");
  flags.Value("placement", "", "the placement, e.g. home, product, cart (default: default)");
  flags.Value("count", "10", "how many items, 1..100");
  flags.Value("context", "", "items on the page, comma-separated ids (never recommended back)");
  flags.Value("category", "", "only items under this category path, e.g. Home/Lighting");
  flags.Value("brand", "", "only items of these brands, comma-separated");
  flags.Value("min-price", "", "only items priced at least this");
  flags.Value("max-price", "", "only items priced at most this");
  flags.Bool("in-stock", "only items in stock (no pre-orders)");
  flags.Value("exclude", "", "items never to return, comma-separated ids");
  flags.Value("rules", "", "business rules (docs/RULES.md), e.g. 'max per brand 2; diversity 0.3'");
  flags.Value("locale", "", "language of the reasons, e.g. de (default: the customer's)");
  flags.Value("variant", "", "force this experiment variant of the placement");
  flags.Value("page-token", "", "continue an earlier list (its next_page_token)");
  flags.Bool("json", "print the response as JSON");
  if (int code = ParseOrExit(flags, "recommend", argc, argv); code >= 0) return code;
  v1::RecommendRequest request;
  if (absl::Status s = BuildRequest(flags, &request); !s.ok()) return Usage("recommend", s);
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) return Fail("recommend", channel.status());
  auto stub = v1::RecommendService::NewStub(*channel);
  v1::RecommendResponse response;
  // Behind a sharding proxy, the call goes to the visitor's replica (docs/SCALE_OUT.md).
  std::unique_ptr<grpc::ClientContext> ctx = CallContext();
  SetShardKey(*ctx, request.customer_id(), request.session_id());
  absl::Status status =
      FromGrpc(stub->Recommend(ctx.get(), request, &response), "RecommendService.Recommend");
  if (!status.ok()) return Fail("recommend", status);
  if (flags.GetBool("json")) {
    std::printf("%s", ToJson(response).c_str());
  } else {
    PrintRecommendations(response);
  }
  return 0;
}

int RunStats(int argc, char** argv) {
  Flags flags("persona stats [flags]\n\nPrints a shop's counters and its most popular items.");
  flags.Value("server", "127.0.0.1:50051", "the server's gRPC address");
  flags.Value("shop", "", "the shop (default: the server's default shop)");
  flags.Bool("json", "print the response as JSON");
  if (int code = ParseOrExit(flags, "stats", argc, argv); code >= 0) return code;
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) return Fail("stats", channel.status());
  auto stub = v1::AdminService::NewStub(*channel);
  v1::GetStatsRequest request;
  request.set_shop(flags.Get("shop"));
  v1::ShopStats stats;
  absl::Status status =
      FromGrpc(stub->GetStats(CallContext().get(), request, &stats), "AdminService.GetStats");
  if (!status.ok()) return Fail("stats", status);
  if (flags.GetBool("json")) {
    std::printf("%s", ToJson(stats).c_str());
  } else {
    PrintStats(stats);
  }
  return 0;
}

int RunTrain(int argc, char** argv) {
  return RunModelCall<v1::TrainModelRequest>(
      "train",
      "persona train [flags]\n\nTrains the shop's collaborative-filtering model now from its "
      "stored behaviour and swaps it in; waits until it serves.",
      argc, argv, [](v1::AdminService::Stub& stub, const auto& request, v1::ModelInfo* info) {
        auto ctx = CallContext(std::chrono::hours(1));
        return FromGrpc(stub.TrainModel(ctx.get(), request, info), "AdminService.TrainModel");
      });
}

int RunModel(int argc, char** argv) {
  return RunModelCall<v1::GetModelInfoRequest>(
      "model", "persona model [flags]\n\nDescribes the model serving a shop.", argc, argv,
      [](v1::AdminService::Stub& stub, const auto& request, v1::ModelInfo* info) {
        return FromGrpc(stub.GetModelInfo(CallContext().get(), request, info),
                        "AdminService.GetModelInfo");
      });
}

}  // namespace persona::tools
