// Persona's API behaviour, independent of the transport: each method takes a
// request message, fills the response and returns a status whose message
// names the field at fault. The gRPC services (grpc_services.cc) and the
// in-process demo importer call these. Thread-safe.
#ifndef PERSONA_SERVER_API_H_
#define PERSONA_SERVER_API_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "persona/config/v1/config.pb.h"
#include "persona/v1/admin.pb.h"
#include "persona/v1/catalog.pb.h"
#include "persona/v1/customers.pb.h"
#include "persona/v1/events.pb.h"
#include "persona/v1/recommend.pb.h"
#include "server/customer_privacy.h"
#include "server/shop_registry.h"
#include "server/serving_model.h"
#include "server/validation.h"
#include "storage/database.h"

namespace persona::server {

namespace v1 = ::persona::v1;

class PersonaApi {
 public:
  // `db`, `shops` and `clock` are not owned and must outlive the API.
  PersonaApi(const persona::config::v1::Config& config, storage::Database* db,
             ShopRegistry* shops, const Clock* clock);

  // Catalog.
  absl::Status UpsertItems(const v1::UpsertItemsRequest& request, v1::UpsertItemsResponse* response);
  absl::Status GetItems(const v1::GetItemsRequest& request, v1::GetItemsResponse* response);
  absl::Status SetAvailability(const v1::SetAvailabilityRequest& request,
                               v1::SetAvailabilityResponse* response);
  absl::Status UpsertCategories(const v1::UpsertCategoriesRequest& request,
                                v1::UpsertCategoriesResponse* response);
  absl::Status SearchItems(const v1::SearchItemsRequest& request,
                           v1::SearchItemsResponse* response);
  // Customers.
  absl::Status UpsertCustomers(const v1::UpsertCustomersRequest& request,
                               v1::UpsertCustomersResponse* response);
  absl::Status GetProfile(const v1::GetProfileRequest& request, v1::Profile* response);
  absl::Status EraseCustomer(const v1::EraseCustomerRequest& request,
                             v1::EraseCustomerResponse* response);
  absl::Status ExportCustomer(const v1::ExportCustomerRequest& request,
                              v1::ExportCustomerResponse* response);
  // Events.
  absl::Status TrackEvents(const v1::TrackEventsRequest& request, v1::TrackEventsResponse* response);
  // Admin.
  absl::Status GetStats(const v1::GetStatsRequest& request, v1::ShopStats* response);
  absl::Status ListShops(const v1::ListShopsRequest& request, v1::ListShopsResponse* response);
  absl::Status GetModelInfo(const v1::GetModelInfoRequest& request, v1::ModelInfo* response);
  // Fills `response` for a model just trained for `shop` (training itself
  // runs on the TrainingWorker, see grpc_services.cc).
  absl::Status DescribeModel(const std::string& shop, const ServingModel& model,
                             v1::ModelInfo* response);

  // Returns the shop name to use for `requested` (the default when empty), or
  // INVALID_ARGUMENT naming the "shop" field.
  absl::StatusOr<std::string> ResolveShop(const std::string& requested) const;

  const persona::config::v1::Config& config() const { return config_; }

  // Lets erasure and export reach what is held outside storage (see
  // server/customer_privacy.h). Call once, before serving.
  void SetCustomerDataHooks(CustomerDataHooks hooks) { hooks_ = std::move(hooks); }

 private:
  ValidationLimits Limits() const;
  absl::Status FillProfile(const std::string& shop, const storage::Subject& subject,
                           int recent_events, v1::Profile* profile);

  const persona::config::v1::Config config_;
  storage::Database* const db_;
  ShopRegistry* const shops_;
  const Clock* const clock_;
  CustomerDataHooks hooks_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_API_H_
