// PersonaApi: catalog and shop-level calls.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/keys.h"
#include "common/status_macros.h"
#include "server/api.h"
#include "server/convert.h"
#include "server/process_stats.h"

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

namespace {

constexpr size_t kMaxQueryBytes = 256;
constexpr int kMaxSearchPath = 8;
constexpr size_t kMaxSearchPathBytes = 128;
constexpr int kMaxSearchBrands = 100;
constexpr int kDefaultSearchPage = 20;
constexpr int kMaxSearchPage = 100;

absl::Status CheckSearch(const v1::SearchItemsRequest& r) {
  auto bad = [](const std::string& field, const char* reason) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
  };
  if (r.query().size() > kMaxQueryBytes) return bad("query", "must be at most 256 bytes");
  if (!IsCleanUtf8(r.query())) return bad("query", "must be UTF-8 without control characters");
  if (r.category_path_size() > kMaxSearchPath) return bad("category_path", "at most 8 levels");
  for (int i = 0; i < r.category_path_size(); ++i) {
    const std::string& level = r.category_path(i);
    if (level.empty() || level.size() > kMaxSearchPathBytes || !IsCleanUtf8(level)) {
      return bad(absl::StrCat("category_path[", i, "]"), "must be 1..128 bytes of clean UTF-8");
    }
  }
  if (r.brands_size() > kMaxSearchBrands) return bad("brands", "at most 100 brands");
  for (int i = 0; i < r.brands_size(); ++i) {
    if (!IdProblem(r.brands(i)).empty()) {
      return bad(absl::StrCat("brands[", i, "]"), "must be 1..256 bytes of clean UTF-8");
    }
  }
  if (r.page_size() < 0 || r.page_size() > kMaxSearchPage) {
    return bad("page_size", "must be 0..100");
  }
  if (auto p = CheckId("page_token", r.page_token(), false)) return ToStatus(*p);
  return absl::OkStatus();
}

// Whether `item` passes the request's category and brand filters and holds
// every one of `words` (already lower-case) in a searched field.
bool SearchMatches(const v1::Item& item, const v1::SearchItemsRequest& r,
                   const std::vector<std::string>& words) {
  if (item.category_path_size() < r.category_path_size()) return false;
  for (int i = 0; i < r.category_path_size(); ++i) {
    if (item.category_path(i) != r.category_path(i)) return false;
  }
  if (r.brands_size() > 0 &&
      std::find(r.brands().begin(), r.brands().end(), item.brand()) == r.brands().end()) {
    return false;
  }
  if (words.empty()) return true;
  // Fields joined by '\n': words hold no whitespace, so no match spans two.
  std::string text = absl::StrCat(item.id(), "\n", item.title(), "\n", item.brand());
  for (const std::string& level : item.category_path()) absl::StrAppend(&text, "\n", level);
  absl::AsciiStrToLower(&text);
  return std::all_of(words.begin(), words.end(),
                     [&](const std::string& w) { return absl::StrContains(text, w); });
}

}  // namespace

absl::Status PersonaApi::SearchItems(const v1::SearchItemsRequest& request,
                                     v1::SearchItemsResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  RETURN_IF_ERROR(CheckSearch(request));
  std::vector<std::string> words =
      absl::StrSplit(absl::AsciiStrToLower(request.query()), absl::ByAnyChar(" \t"),
                     absl::SkipEmpty());
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  const auto snap = state->Snapshot();
  std::vector<const v1::Item*> after_token;  // matches past the page token
  int64_t total = 0;
  for (const auto& item : snap->items) {
    if (!SearchMatches(*item, request, words)) continue;
    ++total;
    if (item->id() > request.page_token()) after_token.push_back(item.get());
  }
  const size_t page = request.page_size() > 0 ? request.page_size() : kDefaultSearchPage;
  const size_t taken = std::min(page, after_token.size());
  std::partial_sort(after_token.begin(), after_token.begin() + taken, after_token.end(),
                    [](const v1::Item* a, const v1::Item* b) { return a->id() < b->id(); });
  for (size_t i = 0; i < taken; ++i) *response->add_items() = *after_token[i];
  response->set_total_matches(total);
  if (after_token.size() > taken) response->set_next_page_token(after_token[taken - 1]->id());
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
  for (const auto& [name, value] : model.als.metrics) (*info->mutable_evaluation())[name] = value;
}

// Fills the ingest figures: the shop's events over this process's uptime.
void FillIngest(const Shop& state, int64_t now_ms, v1::ModelInfo* info) {
  const int64_t events = state.events_since_start.load(std::memory_order_relaxed);
  info->set_events_since_start(events);
  const std::optional<ProcessStats> process = ReadProcessStats();
  if (!process.has_value() || process->start_time_seconds <= 0) return;
  const double uptime_seconds = now_ms / 1000.0 - process->start_time_seconds;
  if (uptime_seconds > 0) info->set_ingest_events_per_second(events / uptime_seconds);
}

}  // namespace

absl::Status PersonaApi::DescribeModel(const std::string& shop, const ServingModel& model,
                                       v1::ModelInfo* response) {
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  const auto snap = state->Snapshot();
  FillModelInfo(shop, model, snap.get(), response);
  FillIngest(*state, clock_->NowMs(), response);
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
  FillIngest(*state, clock_->NowMs(), response);
  return absl::OkStatus();
}

absl::Status PersonaApi::ListShops(const v1::ListShopsRequest&, v1::ListShopsResponse* response) {
  ASSIGN_OR_RETURN(std::vector<std::string> shops, db_->ListShops());
  for (auto& s : shops) response->add_shops(std::move(s));
  return absl::OkStatus();
}

}  // namespace persona::server
