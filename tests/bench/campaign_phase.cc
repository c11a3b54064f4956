#include "tests/bench/campaign_phase.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "persona/v1/campaigns.grpc.pb.h"
#include "persona/v1/customers.grpc.pb.h"
#include "persona/v1/recommend.grpc.pb.h"
#include "tests/bench/als_phase.h"
#include "tests/testing/server_process.h"

namespace persona::bench {
namespace {

constexpr int kCustomerBatch = 1000;  // UpsertCustomers' limit
constexpr char kPlacement[] = "email_newsletter";
constexpr char kEveryone[] = "orders >= 0";
constexpr char kNobody[] = "orders < 0";

absl::Status CheckCall(const grpc::Status& status, const char* what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

void SetDeadline(grpc::ClientContext& ctx, int seconds) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

// Every customer may be emailed and personalised, and has an address.
absl::Status UpsertCustomers(const std::shared_ptr<grpc::Channel>& channel, int customers) {
  auto stub = v1::CustomerService::NewStub(channel);
  for (int first = 0; first < customers; first += kCustomerBatch) {
    v1::UpsertCustomersRequest request;
    for (int i = first; i < std::min(customers, first + kCustomerBatch); ++i) {
      v1::Customer* c = request.add_customers();
      c->set_id(AlsCustomerId(i));
      c->set_first_name(absl::StrCat("Customer", i));
      c->set_email(absl::StrCat(AlsCustomerId(i), "@example.com"));
      c->set_locale("en-GB");
      c->mutable_consents()->set_email_marketing(true);
      c->mutable_consents()->set_personalization(true);
    }
    grpc::ClientContext ctx;
    SetDeadline(ctx, 120);
    v1::UpsertCustomersResponse response;
    RETURN_IF_ERROR(CheckCall(stub->UpsertCustomers(&ctx, request, &response), "UpsertCustomers"));
    if (response.accepted() != request.customers_size()) {
      return absl::InternalError(absl::StrCat("UpsertCustomers accepted ", response.accepted(),
                                              " of ", request.customers_size()));
    }
  }
  return absl::OkStatus();
}

v1::RunCampaignRequest CampaignRequest(const CampaignPhaseOptions& o, const std::string& id) {
  v1::RunCampaignRequest r;
  r.set_campaign_id(id);
  r.set_type(v1::NEWSLETTER);
  r.set_items_per_customer(o.items_per_customer);
  if (o.rule_audience) {
    r.set_rule(kEveryone);
  } else {
    for (int i = 0; i < o.customers; ++i) r.mutable_customers()->add_customer_ids(AlsCustomerId(i));
  }
  return r;
}

// What one stream delivered.
struct StreamTally {
  int64_t emails = 0;
  int64_t short_rows = 0;  // email rows with fewer items than asked
  int64_t rows = 0;
  bool summary = false;
  v1::CampaignSummary last;
  std::string error;  // the first wrong row
};

// Reads a RunCampaign stream to its end, timing the gaps between rows.
absl::Status ReadCampaign(v1::CampaignService::Stub& stub, const v1::RunCampaignRequest& request,
                          int items, StreamTally& tally, LatencySamples* gaps) {
  grpc::ClientContext ctx;
  SetDeadline(ctx, 3600);
  std::unique_ptr<grpc::ClientReader<v1::CampaignRow>> reader = stub.RunCampaign(&ctx, request);
  v1::CampaignRow row;
  SteadyClock::time_point last = SteadyClock::now();
  while (reader->Read(&row)) {
    const SteadyClock::time_point now = SteadyClock::now();
    if (gaps != nullptr && tally.rows > 0) gaps->Add(now - last);
    last = now;
    ++tally.rows;
    if (row.has_summary()) {
      tally.summary = true;
      tally.last = row.summary();
    } else if (row.has_email()) {
      ++tally.emails;
      if (row.email().items_size() == 0 && tally.error.empty()) {
        tally.error = absl::StrCat("email row for ", row.customer_id(), " has no item");
      }
      if (row.email().items_size() < items) ++tally.short_rows;
    } else if (tally.error.empty()) {
      tally.error = absl::StrCat(row.customer_id(), " skipped: ",
                                 v1::SkipReason_Name(row.skipped()));
    }
  }
  return CheckCall(reader->Finish(), "RunCampaign");
}

// A dry run that matches nobody: runs the segment pass and scans the profiles.
absl::StatusOr<double> WarmUp(v1::CampaignService::Stub& stub) {
  v1::RunCampaignRequest r;
  r.set_campaign_id("bench-warmup");
  r.set_type(v1::NEWSLETTER);
  r.set_rule(kNobody);
  r.set_dry_run(true);
  StreamTally tally;
  const SteadyClock::time_point start = SteadyClock::now();
  RETURN_IF_ERROR(ReadCampaign(stub, r, 1, tally, nullptr));
  if (!tally.summary || tally.emails != 0) {
    return absl::InternalError(absl::StrCat("warm-up dry run (", kNobody, ") sent ", tally.emails,
                                            " emails, summary ", tally.summary ? "" : "missing"));
  }
  return Seconds(start, SteadyClock::now());
}

PhaseResult MeasureUnary(const std::shared_ptr<grpc::Channel>& channel,
                         const CampaignPhaseOptions& o, const std::string& name, pid_t pid) {
  auto stub = v1::RecommendService::NewStub(channel);
  using Loop = ClosedLoop<v1::RecommendRequest, v1::RecommendResponse>;
  Loop::Hooks hooks;
  hooks.make_request = [&](std::mt19937_64& rng, v1::RecommendRequest* r) {
    r->set_customer_id(AlsCustomerId(std::uniform_int_distribution<int>(0, o.customers - 1)(rng)));
    r->set_placement(kPlacement);
    r->set_count(o.items_per_customer);
  };
  hooks.start = [&](grpc::ClientContext* ctx, const v1::RecommendRequest* request,
                    v1::RecommendResponse* response, Loop::Done done) {
    stub->async()->Recommend(ctx, request, response, std::move(done));
  };
  hooks.check = [](const v1::RecommendRequest& request, const v1::RecommendResponse& response,
                   std::string* error) {
    if (response.items_size() > 0) return int64_t{1};
    *error = absl::StrCat("Recommend for ", request.customer_id(), " answered no item");
    return int64_t{-1};
  };
  return Loop::Run(name, "customers/s", o.loop, hooks, pid);
}

// The measured campaign: every customer, from the call to the summary row.
PhaseResult MeasureStream(v1::CampaignService::Stub& stub, const CampaignPhaseOptions& o,
                          const std::string& name, pid_t pid, std::string* note) {
  PhaseResult r;
  r.name = name;
  r.unit = "customers/s";
  const v1::RunCampaignRequest request =
      CampaignRequest(o, absl::StrFormat("bench-%x-%d", o.seed, getpid()));
  StreamTally tally;
  LatencySamples gaps;
  const double server0 = pid > 0 ? ProcessCpuSeconds(pid) : -1;
  const double client0 = ProcessCpuSeconds(getpid());
  const SteadyClock::time_point start = SteadyClock::now();
  const absl::Status status = ReadCampaign(stub, request, o.items_per_customer, tally, &gaps);
  r.seconds = Seconds(start, SteadyClock::now());
  const double server1 = pid > 0 ? ProcessCpuSeconds(pid) : -1;
  r.client_cpu_s = ProcessCpuSeconds(getpid()) - client0;
  r.server_cpu_s = server0 >= 0 && server1 >= 0 ? server1 - server0 : -1;
  r.calls = 1;
  r.units = r.all_units = tally.emails;
  SetPercentiles(gaps, r);
  if (!status.ok()) {
    r.error = status.ToString();
  } else if (!tally.error.empty()) {
    r.error = tally.error;
  } else if (!tally.summary) {
    r.error = "the stream ended without a summary row";
  } else if (tally.emails != o.customers || tally.last.emails() != tally.emails) {
    r.error = absl::StrCat(tally.emails, " email rows (summary: ", tally.last.emails(),
                           ") for ", o.customers, " customers");
  }
  *note = absl::StrFormat(
      "stream (%s audience): %d emails in %.2f s wall (server summary %.2f s), %d rows short "
      "of %d items, server CPU %.1f s",
      o.rule_audience ? absl::StrCat("rule '", kEveryone, "'") : std::string("explicit list"),
      tally.emails, r.seconds, tally.last.seconds(), tally.short_rows, o.items_per_customer,
      r.server_cpu_s);
  return r;
}

std::vector<PhaseResult> RunCatalog(const CampaignPhaseOptions& o, int items,
                                    std::string* description) {
  const std::string label = CatalogLabel(items);
  const std::string unary_name = absl::StrCat("campaign unary ", label, " items");
  const std::string stream_name = absl::StrCat("campaign stream ", label, " items");
  const auto fail = [&](const std::string& error) {
    PhaseResult unary, stream;
    unary.name = unary_name;
    stream.name = stream_name;
    unary.error = stream.error = error;
    return std::vector<PhaseResult>{unary, stream};
  };
  testing::TempDir dir;
  testing::ServerProcess server(o.server_binary, dir.path() + "/data");
  std::fprintf(stderr, "persona-loadgen: campaign phase (%s items): starting %s\n",
               label.c_str(), o.server_binary.c_str());
  if (!server.Start()) return fail("persona-server did not start (see stderr)");
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  AlsPhaseOptions shop_options;
  shop_options.items = items;
  shop_options.customers = o.customers;
  shop_options.events_per_customer = o.events_per_customer;
  shop_options.seed = o.seed;
  absl::StatusOr<std::string> shop = LoadTrainedShop(channel, shop_options);
  if (!shop.ok()) return fail(std::string(shop.status().message()));
  const SteadyClock::time_point upsert_start = SteadyClock::now();
  if (absl::Status s = UpsertCustomers(channel, o.customers); !s.ok()) {
    return fail("UpsertCustomers failed: " + s.ToString());
  }
  const double upsert_s = Seconds(upsert_start, SteadyClock::now());
  auto campaigns = v1::CampaignService::NewStub(channel);
  std::fprintf(stderr, "persona-loadgen: campaign phase: warm-up dry run\n");
  absl::StatusOr<double> warm = WarmUp(*campaigns);
  if (!warm.ok()) return fail("warm-up campaign failed: " + warm.status().ToString());
  const pid_t pid = FindChild("persona-server");
  std::fprintf(stderr, "persona-loadgen: campaign phase: unary Recommend\n");
  std::vector<PhaseResult> results = {MeasureUnary(channel, o, unary_name, pid)};
  std::fprintf(stderr, "persona-loadgen: campaign phase: RunCampaign over %d customers\n",
               o.customers);
  std::string note;
  results.push_back(MeasureStream(*campaigns, o, stream_name, pid, &note));
  *description = absl::StrFormat(
      "campaign phase, %s items: %s; %d customers upserted (email consent, address) in %.1f s; "
      "warm-up dry run (segment pass + scan) %.1f s; %s",
      label, *shop, o.customers, upsert_s, *warm, note);
  if (const int status = server.Stop(); status != 0 && results.back().error.empty()) {
    results.back().error = absl::StrCat("persona-server exit status ", status);
  }
  return results;
}

}  // namespace

std::string CatalogLabel(int items) {
  return items % 1000 == 0 ? absl::StrCat(items / 1000, "k") : absl::StrCat(items);
}

std::vector<PhaseResult> RunCampaignPhase(const CampaignPhaseOptions& o,
                                          std::string* description) {
  std::vector<PhaseResult> results;
  description->clear();
  for (int items : o.catalogs) {
    std::string one;
    for (PhaseResult& r : RunCatalog(o, items, &one)) results.push_back(std::move(r));
    if (one.empty()) continue;
    if (!description->empty()) *description += "\n";
    *description += one;
  }
  return results;
}

}  // namespace persona::bench
