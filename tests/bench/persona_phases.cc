#include "tests/bench/persona_phases.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "persona/v1/catalog.grpc.pb.h"
#include "persona/v1/customers.grpc.pb.h"
#include "persona/v1/events.grpc.pb.h"
#include "persona/v1/recommend.grpc.pb.h"

namespace persona::bench {
namespace {

constexpr int kSetupBatch = 500;

std::unique_ptr<grpc::ClientContext> SetupContext() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(60));
  return ctx;
}

absl::Status Check(const grpc::Status& status, int64_t accepted, int64_t sent,
                   int rejected, const char* what) {
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat(what, ": ", status.error_message()));
  }
  if (accepted != sent || rejected != 0) {
    return absl::InternalError(absl::StrCat(what, ": ", accepted, " of ", sent,
                                            " accepted, ", rejected,
                                            " rejected"));
  }
  return absl::OkStatus();
}

absl::Status PutItems(v1::CatalogService::Stub& stub, const ShopData& shop) {
  for (size_t first = 0; first < shop.items.size(); first += kSetupBatch) {
    v1::UpsertItemsRequest request;
    const size_t last = std::min(shop.items.size(), first + kSetupBatch);
    for (size_t i = first; i < last; ++i) {
      v1::Item* item = request.add_items();
      item->set_id(shop.items[i]);
      item->set_title(absl::StrCat("Product ", shop.items[i]));
      for (auto& part : SyntheticCategory(static_cast<int>(i)))
        item->add_category_path(part);
      item->set_price(1.0 + static_cast<double>(i % 40));
      item->set_currency("GBP");
      item->set_availability(v1::IN_STOCK);
      item->set_url(absl::StrCat("https://shop.example/p/", shop.items[i]));
    }
    v1::UpsertItemsResponse response;
    const grpc::Status status =
        stub.UpsertItems(SetupContext().get(), request, &response);
    if (absl::Status s =
            Check(status, response.accepted(), request.items_size(),
                  response.rejected_size(), "UpsertItems");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status PutCustomers(v1::CustomerService::Stub& stub,
                          const ShopData& shop) {
  for (size_t first = 0; first < shop.customers.size(); first += kSetupBatch) {
    v1::UpsertCustomersRequest request;
    const size_t last = std::min(shop.customers.size(), first + kSetupBatch);
    for (size_t i = first; i < last; ++i) {
      v1::Customer* customer = request.add_customers();
      customer->set_id(shop.customers[i].id);
      customer->set_country(shop.customers[i].country);
    }
    v1::UpsertCustomersResponse response;
    const grpc::Status status =
        stub.UpsertCustomers(SetupContext().get(), request, &response);
    if (absl::Status s =
            Check(status, response.accepted(), request.customers_size(),
                  response.rejected_size(), "UpsertCustomers");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Tracks one purchase of all of each customer's items.
absl::Status PutHistory(v1::EventService::Stub& stub, const ShopData& shop) {
  for (size_t first = 0; first < shop.customers.size(); first += kSetupBatch) {
    v1::TrackEventsRequest request;
    const size_t last = std::min(shop.customers.size(), first + kSetupBatch);
    for (size_t i = first; i < last; ++i) {
      const ShopCustomer& c = shop.customers[i];
      v1::Event* e = request.add_events();
      e->set_event_id(absl::StrCat("history-", c.id));
      e->set_customer_id(c.id);
      e->set_type(v1::PURCHASE);
      e->set_order_id(c.orders.empty() ? absl::StrCat("history-o-", c.id)
                                       : c.orders.front());
      e->set_channel(v1::WEB);
      for (int item : c.items_bought) {
        auto* line = e->add_items();
        line->set_item_id(shop.items[item]);
        line->set_quantity(1);
        line->set_price(1.0 + item % 40);
      }
    }
    v1::TrackEventsResponse response;
    const grpc::Status status =
        stub.TrackEvents(SetupContext().get(), request, &response);
    if (absl::Status s =
            Check(status, response.accepted(), request.events_size(),
                  response.rejected_size(), "TrackEvents (history)");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadSyntheticShop(const std::shared_ptr<grpc::Channel>& channel,
                               const ShopData& shop) {
  auto catalog = v1::CatalogService::NewStub(channel);
  auto customers = v1::CustomerService::NewStub(channel);
  auto events = v1::EventService::NewStub(channel);
  if (absl::Status s = PutItems(*catalog, shop); !s.ok()) return s;
  if (absl::Status s = PutCustomers(*customers, shop); !s.ok()) return s;
  return PutHistory(*events, shop);
}

absl::StatusOr<int> CountKnownCustomers(
    const std::shared_ptr<grpc::Channel>& channel, const ShopData& shop,
    int sample) {
  auto stub = v1::CustomerService::NewStub(channel);
  int known = 0;
  for (int i = 0; i < sample && i < static_cast<int>(shop.customers.size());
       ++i) {
    v1::GetProfileRequest request;
    request.set_customer_id(shop.customers[i].id);
    request.set_recent_events(1);
    v1::Profile profile;
    const grpc::Status status =
        stub->GetProfile(SetupContext().get(), request, &profile);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) continue;
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("GetProfile: ", status.error_message()));
    }
    known += profile.stored_events() > 0;
  }
  return known;
}

PhaseResult RunRecommendPhase(const std::shared_ptr<grpc::Channel>& channel,
                              const LoopOptions& options,
                              const RecommendFactory& requests,
                              pid_t server_pid) {
  auto stub = v1::RecommendService::NewStub(channel);
  using Loop = ClosedLoop<v1::RecommendRequest, v1::RecommendResponse>;
  Loop::Hooks hooks;
  hooks.make_request = [&](std::mt19937_64& rng, v1::RecommendRequest* r) {
    requests.Next(rng, r);
  };
  hooks.start = [&](grpc::ClientContext* ctx,
                    const v1::RecommendRequest* request,
                    v1::RecommendResponse* response, Loop::Done done) {
    stub->async()->Recommend(ctx, request, response, std::move(done));
  };
  hooks.check = [](const v1::RecommendRequest&,
                   const v1::RecommendResponse& response, std::string* error) {
    if (response.items_size() == 0) {
      *error = "Recommend answered no item";
      return int64_t{-1};
    }
    return int64_t{1};
  };
  return Loop::Run("persona Recommend (count 10)", "calls/s", options, hooks,
                   server_pid);
}

PhaseResult RunUnaryIngestPhase(const std::shared_ptr<grpc::Channel>& channel,
                                const LoopOptions& options,
                                EventFactory& events, int batch,
                                pid_t server_pid) {
  auto stub = v1::EventService::NewStub(channel);
  using Loop = ClosedLoop<v1::TrackEventsRequest, v1::TrackEventsResponse>;
  Loop::Hooks hooks;
  hooks.make_request = [&](std::mt19937_64& rng, v1::TrackEventsRequest* r) {
    events.Batch(rng, batch, "", r);
  };
  hooks.start = [&](grpc::ClientContext* ctx,
                    const v1::TrackEventsRequest* request,
                    v1::TrackEventsResponse* response, Loop::Done done) {
    stub->async()->TrackEvents(ctx, request, response, std::move(done));
  };
  hooks.check = [](const v1::TrackEventsRequest& request,
                   const v1::TrackEventsResponse& response,
                   std::string* error) {
    if (response.accepted() != request.events_size() ||
        response.duplicates() != 0 || response.rejected_size() != 0) {
      *error =
          absl::StrCat("TrackEvents accepted ", response.accepted(), " of ",
                       request.events_size(), " (", response.duplicates(),
                       " duplicates, ", response.rejected_size(), " rejected",
                       response.rejected_size() > 0
                           ? absl::StrCat(": ", response.rejected(0).field(),
                                          " ", response.rejected(0).reason())
                           : "",
                       ")");
      return int64_t{-1};
    }
    return response.accepted();
  };
  return Loop::Run(absl::StrCat("persona TrackEvents x", batch), "events/s",
                   options, hooks, server_pid);
}

}  // namespace persona::bench
