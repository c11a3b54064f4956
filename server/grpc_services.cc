#include "server/grpc_services.h"

#include <cstdio>

#include "persona/v1/admin.grpc.pb.h"
#include "persona/v1/catalog.grpc.pb.h"
#include "persona/v1/customers.grpc.pb.h"
#include "persona/v1/events.grpc.pb.h"
#include "persona/v1/metrics.grpc.pb.h"
#include "persona/v1/recommend.grpc.pb.h"
#include "common/status_macros.h"
#include "server/call_context.h"
#include "server/log.h"

namespace persona::server {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// Passes the gate, runs `call` unless the client already gave up, and
// finishes the call.
template <typename Call>
ServerUnaryReactor* Unary(const CallGate* gate, CallbackServerContext* ctx,
                          std::string_view method, std::string_view shop,
                          Call&& call) {
  ServerUnaryReactor* reactor = ctx->DefaultReactor();
  GatedCall gated = gate->Begin(ctx, method, shop);
  absl::Status status = gated.admitted();
  if (status.ok())
    status = ctx->IsCancelled()
                 ? absl::CancelledError("cancelled by the client")
                 : call();
  reactor->Finish(ToGrpcStatus(gated.Finish(std::move(status))));
  return reactor;
}

class CatalogService final : public v1::CatalogService::CallbackService {
 public:
  CatalogService(PersonaApi* api, const CallGate* gate)
      : api_(api), gate_(gate) {}

  ServerUnaryReactor* UpsertItems(CallbackServerContext* ctx,
                                  const v1::UpsertItemsRequest* req,
                                  v1::UpsertItemsResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.CatalogService/UpsertItems",
                 req->shop(), [&] { return api_->UpsertItems(*req, resp); });
  }
  grpc::ServerReadReactor<v1::UpsertItemsRequest>* StreamUpsertItems(
      CallbackServerContext* ctx, v1::UpsertItemsResponse* resp) override;
  ServerUnaryReactor* GetItems(CallbackServerContext* ctx,
                               const v1::GetItemsRequest* req,
                               v1::GetItemsResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.CatalogService/GetItems", req->shop(),
                 [&] { return api_->GetItems(*req, resp); });
  }
  ServerUnaryReactor* SetAvailability(
      CallbackServerContext* ctx, const v1::SetAvailabilityRequest* req,
      v1::SetAvailabilityResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.CatalogService/SetAvailability",
                 req->shop(),
                 [&] { return api_->SetAvailability(*req, resp); });
  }
  ServerUnaryReactor* UpsertCategories(
      CallbackServerContext* ctx, const v1::UpsertCategoriesRequest* req,
      v1::UpsertCategoriesResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.CatalogService/UpsertCategories",
                 req->shop(),
                 [&] { return api_->UpsertCategories(*req, resp); });
  }
  ServerUnaryReactor* SearchItems(CallbackServerContext* ctx,
                                  const v1::SearchItemsRequest* req,
                                  v1::SearchItemsResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.CatalogService/SearchItems",
                 req->shop(), [&] { return api_->SearchItems(*req, resp); });
  }

 private:
  PersonaApi* const api_;
  const CallGate* const gate_;
};

// Reads item batches until the client half-closes; sums them up in one
// response. Rejection indices count items across the whole stream.
class ItemStreamReader final
    : public grpc::ServerReadReactor<v1::UpsertItemsRequest> {
 public:
  ItemStreamReader(PersonaApi* api, GatedCall gated,
                   v1::UpsertItemsResponse* response)
      : api_(api), gated_(std::move(gated)), response_(response) {
    if (!gated_.admitted().ok()) {
      Finish(ToGrpcStatus(gated_.Finish(gated_.admitted())));
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(ToGrpcStatus(gated_.Finish(absl::OkStatus())));
      return;
    }
    v1::UpsertItemsResponse part;
    absl::Status status = gated_.CheckShop(request_.shop());
    if (status.ok()) status = api_->UpsertItems(request_, &part);
    if (!status.ok()) {
      Finish(ToGrpcStatus(gated_.Finish(std::move(status))));
      return;
    }
    response_->set_accepted(response_->accepted() + part.accepted());
    for (auto& r : *part.mutable_rejected()) {
      r.set_index(r.index() + offset_);
      *response_->add_rejected() = std::move(r);
    }
    offset_ += request_.items_size();
    StartRead(&request_);
  }
  void OnDone() override { delete this; }

 private:
  PersonaApi* const api_;
  GatedCall gated_;
  v1::UpsertItemsResponse* const response_;
  v1::UpsertItemsRequest request_;
  int32_t offset_ = 0;
};

grpc::ServerReadReactor<v1::UpsertItemsRequest>*
CatalogService::StreamUpsertItems(CallbackServerContext* ctx,
                                  v1::UpsertItemsResponse* resp) {
  return new ItemStreamReader(
      api_,
      gate_->BeginStream(ctx, "/persona.v1.CatalogService/StreamUpsertItems"),
      resp);
}

class CustomerService final : public v1::CustomerService::CallbackService {
 public:
  CustomerService(PersonaApi* api, const CallGate* gate)
      : api_(api), gate_(gate) {}

  ServerUnaryReactor* UpsertCustomers(
      CallbackServerContext* ctx, const v1::UpsertCustomersRequest* req,
      v1::UpsertCustomersResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.CustomerService/UpsertCustomers",
                 req->shop(),
                 [&] { return api_->UpsertCustomers(*req, resp); });
  }
  ServerUnaryReactor* GetProfile(CallbackServerContext* ctx,
                                 const v1::GetProfileRequest* req,
                                 v1::Profile* resp) override {
    return Unary(gate_, ctx, "/persona.v1.CustomerService/GetProfile",
                 req->shop(), [&] { return api_->GetProfile(*req, resp); });
  }
  ServerUnaryReactor* EraseCustomer(CallbackServerContext* ctx,
                                    const v1::EraseCustomerRequest* req,
                                    v1::EraseCustomerResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.CustomerService/EraseCustomer",
                 req->shop(), [&] { return api_->EraseCustomer(*req, resp); });
  }
  ServerUnaryReactor* ExportCustomer(
      CallbackServerContext* ctx, const v1::ExportCustomerRequest* req,
      v1::ExportCustomerResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.CustomerService/ExportCustomer",
                 req->shop(), [&] { return api_->ExportCustomer(*req, resp); });
  }

 private:
  PersonaApi* const api_;
  const CallGate* const gate_;
};

// Answers each batch of a tracking stream once it is stored, in order.
class EventStream final
    : public grpc::ServerBidiReactor<v1::TrackEventsRequest,
                                     v1::TrackEventsResponse> {
 public:
  EventStream(PersonaApi* api, GatedCall gated)
      : api_(api), gated_(std::move(gated)) {
    if (!gated_.admitted().ok()) {
      Finish(ToGrpcStatus(gated_.Finish(gated_.admitted())));
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(ToGrpcStatus(gated_.Finish(absl::OkStatus())));
      return;
    }
    response_.Clear();
    absl::Status status = gated_.CheckShop(request_.shop());
    if (status.ok()) status = api_->TrackEvents(request_, &response_);
    if (!status.ok()) {
      Finish(ToGrpcStatus(gated_.Finish(std::move(status))));
      return;
    }
    StartWrite(&response_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(ToGrpcStatus(
          gated_.Finish(absl::UnavailableError("the client went away"))));
      return;
    }
    StartRead(&request_);
  }
  void OnDone() override { delete this; }

 private:
  PersonaApi* const api_;
  GatedCall gated_;
  v1::TrackEventsRequest request_;
  v1::TrackEventsResponse response_;
};

class EventService final : public v1::EventService::CallbackService {
 public:
  EventService(PersonaApi* api, const CallGate* gate)
      : api_(api), gate_(gate) {}

  ServerUnaryReactor* TrackEvents(CallbackServerContext* ctx,
                                  const v1::TrackEventsRequest* req,
                                  v1::TrackEventsResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.EventService/TrackEvents",
                 req->shop(), [&] { return api_->TrackEvents(*req, resp); });
  }
  grpc::ServerBidiReactor<v1::TrackEventsRequest, v1::TrackEventsResponse>*
  StreamEvents(CallbackServerContext* ctx) override {
    return new EventStream(
        api_, gate_->BeginStream(ctx, "/persona.v1.EventService/StreamEvents"));
  }

 private:
  PersonaApi* const api_;
  const CallGate* const gate_;
};

class RecommendService final : public v1::RecommendService::CallbackService {
 public:
  RecommendService(PageApi* page, const CallGate* gate)
      : page_(page), gate_(gate) {}

  ServerUnaryReactor* Recommend(CallbackServerContext* ctx,
                                const v1::RecommendRequest* req,
                                v1::RecommendResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.RecommendService/Recommend",
                 req->shop(), [&] { return page_->Recommend(*req, resp); });
  }
  ServerUnaryReactor* RecommendPage(CallbackServerContext* ctx,
                                    const v1::RecommendPageRequest* req,
                                    v1::RecommendPageResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.RecommendService/RecommendPage",
                 req->shop(), [&] { return page_->RecommendPage(*req, resp); });
  }
  ServerUnaryReactor* RankItems(CallbackServerContext* ctx,
                                const v1::RankItemsRequest* req,
                                v1::RankItemsResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.RecommendService/RankItems",
                 req->shop(), [&] { return page_->RankItems(*req, resp); });
  }

 private:
  PageApi* const page_;
  const CallGate* const gate_;
};

class MetricsService final : public v1::MetricsService::CallbackService {
 public:
  MetricsService(const MetricsApi* metrics, const CallGate* gate)
      : metrics_(metrics), gate_(gate) {}

  ServerUnaryReactor* GetPlacementMetrics(
      CallbackServerContext* ctx, const v1::GetPlacementMetricsRequest* req,
      v1::GetPlacementMetricsResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.MetricsService/GetPlacementMetrics",
                 req->shop(),
                 [&] { return metrics_->GetPlacementMetrics(*req, resp); });
  }

 private:
  const MetricsApi* const metrics_;
  const CallGate* const gate_;
};

// Copies the served placements into the ListPlacements answer.
void DescribePlacements(const Placements& placements,
                        v1::ListPlacementsResponse* response) {
  for (const Placement* p : placements.All()) {
    v1::PlacementInfo* info = response->add_placements();
    info->set_name(p->name);
    info->set_description(p->description);
    info->set_default_count(p->default_count);
    for (const PlacementVariant& v : p->variants) {
      v1::PlacementVariantInfo* variant = info->add_variants();
      variant->set_name(v.name);
      variant->set_share(v.share);
      variant->set_rules(v.rules);
      for (const StrategyStage& stage : v.strategy) {
        v1::PlacementStage* out = variant->add_strategy();
        out->set_recommender(stage.recommender);
        out->set_weight(stage.weight);
      }
    }
  }
}

class AdminService final : public v1::AdminService::CallbackService {
 public:
  explicit AdminService(const ServiceDeps& deps)
      : api_(deps.api),
        page_(deps.page),
        worker_(deps.worker),
        reload_config_(deps.reload_config),
        gate_(deps.gate) {}

  ServerUnaryReactor* GetStats(CallbackServerContext* ctx,
                               const v1::GetStatsRequest* req,
                               v1::ShopStats* resp) override {
    return Unary(gate_, ctx, "/persona.v1.AdminService/GetStats", req->shop(),
                 [&] { return api_->GetStats(*req, resp); });
  }
  ServerUnaryReactor* ListShops(CallbackServerContext* ctx,
                                const v1::ListShopsRequest* req,
                                v1::ListShopsResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.AdminService/ListShops", "",
                 [&] { return api_->ListShops(*req, resp); });
  }
  // Queues the run on the training worker and finishes when it is done.
  ServerUnaryReactor* TrainModel(CallbackServerContext* ctx,
                                 const v1::TrainModelRequest* req,
                                 v1::ModelInfo* resp) override {
    ServerUnaryReactor* reactor = ctx->DefaultReactor();
    auto gated = std::make_shared<GatedCall>(
        gate_->Begin(ctx, "/persona.v1.AdminService/TrainModel", req->shop()));
    absl::StatusOr<std::string> shop = api_->ResolveShop(req->shop());
    if (!gated->admitted().ok() || !shop.ok()) {
      absl::Status status =
          gated->admitted().ok() ? shop.status() : gated->admitted();
      reactor->Finish(ToGrpcStatus(gated->Finish(std::move(status))));
      return reactor;
    }
    worker_->Request(
        *shop, [this, reactor, resp, gated, shop = *shop](
                   absl::StatusOr<std::shared_ptr<const ServingModel>> model) {
          absl::Status status = model.ok()
                                    ? api_->DescribeModel(shop, **model, resp)
                                    : model.status();
          reactor->Finish(ToGrpcStatus(gated->Finish(std::move(status))));
        },
        CallContext::Of(ctx));  // `ctx` lives until the reactor finishes
    return reactor;
  }
  ServerUnaryReactor* GetModelInfo(CallbackServerContext* ctx,
                                   const v1::GetModelInfoRequest* req,
                                   v1::ModelInfo* resp) override {
    return Unary(gate_, ctx, "/persona.v1.AdminService/GetModelInfo",
                 req->shop(), [&] { return api_->GetModelInfo(*req, resp); });
  }
  ServerUnaryReactor* ReloadConfig(CallbackServerContext* ctx,
                                   const v1::ReloadConfigRequest*,
                                   v1::ReloadConfigResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.AdminService/ReloadConfig", "", [&] {
      return reload_config_ ? reload_config_(resp)
                            : absl::FailedPreconditionError(
                                  "this server cannot reload its config");
    });
  }
  ServerUnaryReactor* ListPlacements(CallbackServerContext* ctx,
                                     const v1::ListPlacementsRequest* req,
                                     v1::ListPlacementsResponse* resp) override {
    return Unary(gate_, ctx, "/persona.v1.AdminService/ListPlacements",
                 req->shop(), [&]() -> absl::Status {
                   RETURN_IF_ERROR(api_->ResolveShop(req->shop()).status());
                   if (page_ == nullptr) {
                     return absl::FailedPreconditionError(
                         "this server serves no placements");
                   }
                   DescribePlacements(*page_->placements(), resp);
                   return absl::OkStatus();
                 });
  }

 private:
  PersonaApi* const api_;
  PageApi* const page_;
  TrainingWorker* const worker_;
  const std::function<absl::Status(v1::ReloadConfigResponse*)> reload_config_;
  const CallGate* const gate_;
};

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      LogError("internal error", {{"error", status}});
      return grpc::Status(code, "internal error; see the server log");
    default:
      return grpc::Status(code, std::string(status.message()));
  }
}

std::vector<std::unique_ptr<grpc::Service>> MakeServices(
    const ServiceDeps& deps) {
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<CatalogService>(deps.api, deps.gate));
  services.push_back(std::make_unique<CustomerService>(deps.api, deps.gate));
  services.push_back(std::make_unique<EventService>(deps.api, deps.gate));
  services.push_back(std::make_unique<RecommendService>(deps.page, deps.gate));
  services.push_back(std::make_unique<AdminService>(deps));
  if (deps.metrics != nullptr) {
    services.push_back(
        std::make_unique<MetricsService>(deps.metrics, deps.gate));
  }
  return services;
}

}  // namespace persona::server
