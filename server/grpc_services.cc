#include "server/grpc_services.h"

#include <cstdio>

#include "persona/v1/admin.grpc.pb.h"
#include "persona/v1/catalog.grpc.pb.h"
#include "persona/v1/customers.grpc.pb.h"
#include "persona/v1/events.grpc.pb.h"
#include "persona/v1/metrics.grpc.pb.h"
#include "persona/v1/recommend.grpc.pb.h"

namespace persona::server {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// Runs `call` unless the client already gave up, and finishes the call.
template <typename Call>
ServerUnaryReactor* Unary(CallbackServerContext* ctx, Call&& call) {
  ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (ctx->IsCancelled()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
  } else {
    reactor->Finish(ToGrpcStatus(call()));
  }
  return reactor;
}

class CatalogService final : public v1::CatalogService::CallbackService {
 public:
  explicit CatalogService(PersonaApi* api) : api_(api) {}

  ServerUnaryReactor* UpsertItems(CallbackServerContext* ctx, const v1::UpsertItemsRequest* req,
                                  v1::UpsertItemsResponse* resp) override {
    return Unary(ctx, [&] { return api_->UpsertItems(*req, resp); });
  }
  grpc::ServerReadReactor<v1::UpsertItemsRequest>* StreamUpsertItems(
      CallbackServerContext* ctx, v1::UpsertItemsResponse* resp) override;
  ServerUnaryReactor* GetItems(CallbackServerContext* ctx, const v1::GetItemsRequest* req,
                               v1::GetItemsResponse* resp) override {
    return Unary(ctx, [&] { return api_->GetItems(*req, resp); });
  }
  ServerUnaryReactor* SetAvailability(CallbackServerContext* ctx,
                                      const v1::SetAvailabilityRequest* req,
                                      v1::SetAvailabilityResponse* resp) override {
    return Unary(ctx, [&] { return api_->SetAvailability(*req, resp); });
  }
  ServerUnaryReactor* UpsertCategories(CallbackServerContext* ctx,
                                       const v1::UpsertCategoriesRequest* req,
                                       v1::UpsertCategoriesResponse* resp) override {
    return Unary(ctx, [&] { return api_->UpsertCategories(*req, resp); });
  }

 private:
  PersonaApi* const api_;
};

// Reads item batches until the client half-closes; sums them up in one response.
// Rejection indices count items across the whole stream.
class ItemStreamReader final : public grpc::ServerReadReactor<v1::UpsertItemsRequest> {
 public:
  ItemStreamReader(PersonaApi* api, v1::UpsertItemsResponse* response)
      : api_(api), response_(response) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    v1::UpsertItemsResponse part;
    const absl::Status status = api_->UpsertItems(request_, &part);
    if (!status.ok()) {
      Finish(ToGrpcStatus(status));
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
  v1::UpsertItemsResponse* const response_;
  v1::UpsertItemsRequest request_;
  int32_t offset_ = 0;
};

grpc::ServerReadReactor<v1::UpsertItemsRequest>* CatalogService::StreamUpsertItems(
    CallbackServerContext*, v1::UpsertItemsResponse* resp) {
  return new ItemStreamReader(api_, resp);
}

class CustomerService final : public v1::CustomerService::CallbackService {
 public:
  explicit CustomerService(PersonaApi* api) : api_(api) {}

  ServerUnaryReactor* UpsertCustomers(CallbackServerContext* ctx,
                                      const v1::UpsertCustomersRequest* req,
                                      v1::UpsertCustomersResponse* resp) override {
    return Unary(ctx, [&] { return api_->UpsertCustomers(*req, resp); });
  }
  ServerUnaryReactor* GetProfile(CallbackServerContext* ctx, const v1::GetProfileRequest* req,
                                 v1::Profile* resp) override {
    return Unary(ctx, [&] { return api_->GetProfile(*req, resp); });
  }
  ServerUnaryReactor* EraseCustomer(CallbackServerContext* ctx, const v1::EraseCustomerRequest* req,
                                    v1::EraseCustomerResponse* resp) override {
    return Unary(ctx, [&] { return api_->EraseCustomer(*req, resp); });
  }
  ServerUnaryReactor* ExportCustomer(CallbackServerContext* ctx,
                                     const v1::ExportCustomerRequest* req,
                                     v1::ExportCustomerResponse* resp) override {
    return Unary(ctx, [&] { return api_->ExportCustomer(*req, resp); });
  }

 private:
  PersonaApi* const api_;
};

// Answers each batch of a tracking stream once it is stored, in order.
class EventStream final
    : public grpc::ServerBidiReactor<v1::TrackEventsRequest, v1::TrackEventsResponse> {
 public:
  explicit EventStream(PersonaApi* api) : api_(api) { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    response_.Clear();
    const absl::Status status = api_->TrackEvents(request_, &response_);
    if (!status.ok()) {
      Finish(ToGrpcStatus(status));
      return;
    }
    StartWrite(&response_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the client went away"));
      return;
    }
    StartRead(&request_);
  }
  void OnDone() override { delete this; }

 private:
  PersonaApi* const api_;
  v1::TrackEventsRequest request_;
  v1::TrackEventsResponse response_;
};

class EventService final : public v1::EventService::CallbackService {
 public:
  explicit EventService(PersonaApi* api) : api_(api) {}

  ServerUnaryReactor* TrackEvents(CallbackServerContext* ctx, const v1::TrackEventsRequest* req,
                                  v1::TrackEventsResponse* resp) override {
    return Unary(ctx, [&] { return api_->TrackEvents(*req, resp); });
  }
  grpc::ServerBidiReactor<v1::TrackEventsRequest, v1::TrackEventsResponse>* StreamEvents(
      CallbackServerContext*) override {
    return new EventStream(api_);
  }

 private:
  PersonaApi* const api_;
};

class RecommendService final : public v1::RecommendService::CallbackService {
 public:
  explicit RecommendService(PageApi* page) : page_(page) {}

  ServerUnaryReactor* Recommend(CallbackServerContext* ctx, const v1::RecommendRequest* req,
                                v1::RecommendResponse* resp) override {
    return Unary(ctx, [&] { return page_->Recommend(*req, resp); });
  }
  ServerUnaryReactor* RecommendPage(CallbackServerContext* ctx,
                                    const v1::RecommendPageRequest* req,
                                    v1::RecommendPageResponse* resp) override {
    return Unary(ctx, [&] { return page_->RecommendPage(*req, resp); });
  }
  ServerUnaryReactor* RankItems(CallbackServerContext* ctx, const v1::RankItemsRequest* req,
                                v1::RankItemsResponse* resp) override {
    return Unary(ctx, [&] { return page_->RankItems(*req, resp); });
  }

 private:
  PageApi* const page_;
};

class MetricsService final : public v1::MetricsService::CallbackService {
 public:
  explicit MetricsService(const MetricsApi* metrics) : metrics_(metrics) {}

  ServerUnaryReactor* GetPlacementMetrics(CallbackServerContext* ctx,
                                          const v1::GetPlacementMetricsRequest* req,
                                          v1::GetPlacementMetricsResponse* resp) override {
    return Unary(ctx, [&] { return metrics_->GetPlacementMetrics(*req, resp); });
  }

 private:
  const MetricsApi* const metrics_;
};

class AdminService final : public v1::AdminService::CallbackService {
 public:
  explicit AdminService(const ServiceDeps& deps)
      : api_(deps.api), worker_(deps.worker), reload_config_(deps.reload_config) {}

  ServerUnaryReactor* GetStats(CallbackServerContext* ctx, const v1::GetStatsRequest* req,
                               v1::ShopStats* resp) override {
    return Unary(ctx, [&] { return api_->GetStats(*req, resp); });
  }
  ServerUnaryReactor* ListShops(CallbackServerContext* ctx, const v1::ListShopsRequest* req,
                                v1::ListShopsResponse* resp) override {
    return Unary(ctx, [&] { return api_->ListShops(*req, resp); });
  }
  // Queues the run on the training worker and finishes when it is done.
  ServerUnaryReactor* TrainModel(CallbackServerContext* ctx, const v1::TrainModelRequest* req,
                                 v1::ModelInfo* resp) override {
    ServerUnaryReactor* reactor = ctx->DefaultReactor();
    absl::StatusOr<std::string> shop = api_->ResolveShop(req->shop());
    if (!shop.ok()) {
      reactor->Finish(ToGrpcStatus(shop.status()));
      return reactor;
    }
    worker_->Request(*shop, [this, reactor, resp, shop = *shop](
                                absl::StatusOr<std::shared_ptr<const ServingModel>> model) {
      reactor->Finish(ToGrpcStatus(model.ok() ? api_->DescribeModel(shop, **model, resp)
                                              : model.status()));
    });
    return reactor;
  }
  ServerUnaryReactor* GetModelInfo(CallbackServerContext* ctx, const v1::GetModelInfoRequest* req,
                                   v1::ModelInfo* resp) override {
    return Unary(ctx, [&] { return api_->GetModelInfo(*req, resp); });
  }
  ServerUnaryReactor* ReloadConfig(CallbackServerContext* ctx, const v1::ReloadConfigRequest*,
                                   v1::ReloadConfigResponse* resp) override {
    return Unary(ctx, [&] {
      return reload_config_ ? reload_config_(resp)
                            : absl::FailedPreconditionError("this server cannot reload its config");
    });
  }

 private:
  PersonaApi* const api_;
  TrainingWorker* const worker_;
  const std::function<absl::Status(v1::ReloadConfigResponse*)> reload_config_;
};

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      std::fprintf(stderr, "persona-server: internal error: %s\n", status.ToString().c_str());
      return grpc::Status(code, "internal error; see the server log");
    default:
      return grpc::Status(code, std::string(status.message()));
  }
}

std::vector<std::unique_ptr<grpc::Service>> MakeServices(const ServiceDeps& deps) {
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<CatalogService>(deps.api));
  services.push_back(std::make_unique<CustomerService>(deps.api));
  services.push_back(std::make_unique<EventService>(deps.api));
  services.push_back(std::make_unique<RecommendService>(deps.page));
  services.push_back(std::make_unique<AdminService>(deps));
  if (deps.metrics != nullptr) services.push_back(std::make_unique<MetricsService>(deps.metrics));
  return services;
}

}  // namespace persona::server
