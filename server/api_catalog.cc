// PersonaApi: catalog and shop-level calls.
#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "common/status_macros.h"
#include "server/api.h"
#include "server/convert.h"

namespace persona::server {

PersonaApi::PersonaApi(const persona::config::v1::Config& config, storage::Database* db,
                       ShopRegistry* shops, const Clock* clock)
    : config_(config), db_(db), shops_(shops), clock_(clock) {}

absl::StatusOr<std::string> PersonaApi::ResolveShop(const std::string& requested) const {
  return ResolveShopName(requested, config_.server().default_shop());
}

ValidationLimits PersonaApi::Limits() const {
  return {.now_ms = clock_->NowMs(),
          .max_future_skew_ms = config_.limits().max_future_skew_seconds() * 1000LL,
          .max_batch = config_.limits().max_batch()};
}

absl::Status PersonaApi::UpsertItems(const v1::UpsertItemsRequest& request,
                                     v1::UpsertItemsResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  const ValidationLimits limits = Limits();
  if (auto p = CheckBatchSize("items", request.items_size(), limits.max_batch)) return ToStatus(*p);
  std::vector<rec::ItemRecord> records;
  records.reserve(request.items_size());
  for (int i = 0; i < request.items_size(); ++i) {
    if (auto p = CheckItem(request.items(i), absl::StrCat("items[", i, "]"), limits)) {
      auto* r = response->add_rejected();
      r->set_index(i);
      r->set_field(p->field);
      r->set_reason(p->reason);
      continue;
    }
    records.push_back(ToRecord(request.items(i), limits.now_ms));
  }
  if (!records.empty()) {
    ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
    RETURN_IF_ERROR(db_->catalog().PutItems(shop, records));
    state->ApplyItems(records);
  }
  response->set_accepted(static_cast<int64_t>(records.size()));
  return absl::OkStatus();
}

absl::Status PersonaApi::GetItems(const v1::GetItemsRequest& request,
                                  v1::GetItemsResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  if (auto p = CheckBatchSize("ids", request.ids_size(), Limits().max_batch)) return ToStatus(*p);
  for (int i = 0; i < request.ids_size(); ++i) {
    if (auto p = CheckId(absl::StrCat("ids[", i, "]"), request.ids(i), true)) return ToStatus(*p);
  }
  for (const std::string& id : request.ids()) {
    absl::StatusOr<rec::ItemRecord> item = db_->catalog().GetItem(shop, id);
    if (item.ok()) {
      *response->add_items() = FromRecord(*item);
    } else if (absl::IsNotFound(item.status())) {
      response->add_missing_ids(id);
    } else {
      return item.status();
    }
  }
  return absl::OkStatus();
}

absl::Status PersonaApi::SetAvailability(const v1::SetAvailabilityRequest& request,
                                         v1::SetAvailabilityResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  const ValidationLimits limits = Limits();
  if (auto p = CheckBatchSize("ids", request.ids_size(), limits.max_batch)) return ToStatus(*p);
  if (request.availability() == v1::AVAILABILITY_UNSPECIFIED ||
      !v1::Availability_IsValid(request.availability())) {
    return absl::InvalidArgumentError("availability: must be IN_STOCK, OUT_OF_STOCK, PREORDER or DISCONTINUED");
  }
  if (request.stock() < -1) return absl::InvalidArgumentError("stock: must be >= -1");
  std::vector<rec::ItemRecord> records;
  for (int i = 0; i < request.ids_size(); ++i) {
    if (auto p = CheckId(absl::StrCat("ids[", i, "]"), request.ids(i), true)) return ToStatus(*p);
    absl::StatusOr<rec::ItemRecord> item = db_->catalog().GetItem(shop, request.ids(i));
    if (absl::IsNotFound(item.status())) {
      return absl::NotFoundError(absl::StrCat("ids[", i, "]: no item '", request.ids(i), "'"));
    }
    RETURN_IF_ERROR(item.status());
    item->set_availability(request.availability());
    if (request.stock() >= 0) item->set_stock(request.stock());
    item->set_updated_time_ms(limits.now_ms);
    records.push_back(*std::move(item));
  }
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  RETURN_IF_ERROR(db_->catalog().PutItems(shop, records));
  state->ApplyItems(records);
  response->set_updated(static_cast<int64_t>(records.size()));
  return absl::OkStatus();
}

absl::Status PersonaApi::UpsertCategories(const v1::UpsertCategoriesRequest& request,
                                          v1::UpsertCategoriesResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  if (auto p = CheckBatchSize("categories", request.categories_size(), Limits().max_batch)) {
    return ToStatus(*p);
  }
  std::vector<rec::CategoryRecord> records;
  for (int i = 0; i < request.categories_size(); ++i) {
    if (auto p = CheckCategory(request.categories(i), absl::StrCat("categories[", i, "]"))) {
      return ToStatus(*p);
    }
    rec::CategoryRecord r;
    r.mutable_path()->CopyFrom(request.categories(i).path());
    r.set_repeat_purchase(request.categories(i).repeat_purchase());
    records.push_back(std::move(r));
  }
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  RETURN_IF_ERROR(db_->catalog().PutCategories(shop, records));
  state->ApplyCategories(records);
  response->set_accepted(static_cast<int64_t>(records.size()));
  return absl::OkStatus();
}

absl::Status PersonaApi::GetStats(const v1::GetStatsRequest& request, v1::ShopStats* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  ASSIGN_OR_RETURN(storage::ShopCounters counters, db_->GetShopCounters(shop));
  auto snapshot = state->Snapshot();
  response->set_shop(shop);
  response->set_items(snapshot->catalog->size());
  response->set_recommendable_items(snapshot->catalog->recommendable().Count());
  response->set_customers(counters.customers);
  response->set_sessions(counters.sessions);
  response->set_events_total(counters.record.events_total());
  response->set_events_since_start(state->events_since_start.load());
  response->set_events_stored(counters.events_stored);
  response->set_duplicates_total(counters.record.duplicates_total());
  response->set_last_event_time_ms(counters.record.last_event_time_ms());
  response->set_model_version(snapshot->model != nullptr
                                  ? snapshot->model->version
                                  : absl::StrCat("popularity-g", snapshot->generation));
  const auto& order = snapshot->popularity->popular_order();
  for (size_t i = 0; i < order.size() && i < 10; ++i) {
    const auto& item = *snapshot->items[order[i]];
    auto* top = response->add_top_items();
    top->set_item_id(item.id());
    top->set_title(item.title());
    const rec::ItemStatsRecord stats = state->ItemStats(item.id());
    top->set_purchases(stats.purchases());
    top->set_score(stats.popularity().log2());
  }
  return absl::OkStatus();
}

namespace {

void FillModelInfo(const std::string& shop, const ServingModel& model, const ShopSnapshot* snap,
                   v1::ModelInfo* info) {
  info->set_shop(shop);
  info->set_version(model.version);
  info->set_trained_time_ms(model.trained_time_ms);
  info->set_training_seconds(model.training_seconds);
  info->set_users(model.users);
  info->set_items(static_cast<int64_t>(model.als.item_ids.size()));
  info->set_interactions(model.interactions);
  info->set_factors(model.als.options.factors);
  info->set_regularization(model.als.options.regularization);
  info->set_alpha(model.als.options.alpha);
  info->set_iterations(model.als.options.iterations);
  if (snap != nullptr && snap->als != nullptr && snap->model.get() == &model) {
    info->set_trained_items(snap->als->trained_items());
    info->set_imputed_items(snap->als->imputed_items());
    info->set_approximate_index(snap->als->has_ann());
  }
}

}  // namespace

absl::Status PersonaApi::DescribeModel(const std::string& shop, const ServingModel& model,
                                       v1::ModelInfo* response) {
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  const auto snap = state->Snapshot();
  FillModelInfo(shop, model, snap.get(), response);
  return absl::OkStatus();
}

absl::Status PersonaApi::GetModelInfo(const v1::GetModelInfoRequest& request,
                                      v1::ModelInfo* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  const auto snap = state->Snapshot();
  if (snap->model == nullptr) {
    return absl::NotFoundError(absl::StrCat("shop '", shop, "' has no trained model yet"));
  }
  FillModelInfo(shop, *snap->model, snap.get(), response);
  return absl::OkStatus();
}

absl::Status PersonaApi::ListShops(const v1::ListShopsRequest&, v1::ListShopsResponse* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> shops, db_->ListShops());
  for (auto& s : shops) response->add_shops(std::move(s));
  return absl::OkStatus();
}

}  // namespace persona::server
