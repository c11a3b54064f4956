#include "server/page_api.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/call_context.h"
#include "server/recommend_pipeline.h"
#include "server/rules_stage.h"
#include "server/validation.h"
#include "server/visitor.h"

namespace persona::server {
namespace {


template <typename Ids>
std::vector<int32_t> ToIndices(const Ids& ids, const model::CatalogIndex& catalog) {
  std::vector<int32_t> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    if (int32_t i = catalog.Find(id); i >= 0) out.push_back(i);
  }
  return out;
}

// Prefixes an INVALID_ARGUMENT's message with the request field it came from
// ("placements[1]."), so the caller sees which entry is at fault.
absl::Status InField(const absl::Status& status, const std::string& prefix) {
  if (!absl::IsInvalidArgument(status)) return status;
  return absl::InvalidArgumentError(absl::StrCat(prefix, status.message()));
}

// The placement fields RecommendRequest and PlacementRequest share.
template <typename Request>
PlacementAsk AskOf(const Request& r, const std::string& locale) {
  PlacementAsk ask;
  ask.placement = r.placement();
  ask.count = r.count();
  ask.filter = r.has_filter() ? &r.filter() : nullptr;
  ask.exclude_ids.assign(r.exclude_item_ids().begin(), r.exclude_item_ids().end());
  ask.rules = r.rules();
  ask.page_token = r.page_token();
  ask.variant = r.variant();
  ask.locale = locale;
  return ask;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PageApi>> PageApi::Create(const config::v1::Config& config,
                                                         PersonaApi* api, storage::Database* db,
                                                         ShopRegistry* shops, const Clock* clock) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Placements> placements,
                   Placements::Build(config.placements(), CheckRules));
  ASSIGN_OR_RETURN(ReasonTexts reasons, ReasonTexts::Build(config.reason_templates()));
  return std::unique_ptr<PageApi>(
      new PageApi(config, api, db, shops, clock, std::move(placements),
                  std::make_shared<const ReasonTexts>(std::move(reasons))));
}

PageApi::PageApi(const config::v1::Config& config, PersonaApi* api, storage::Database* db,
                 ShopRegistry* shops, const Clock* clock,
                 std::shared_ptr<const Placements> placements,
                 std::shared_ptr<const ReasonTexts> reasons)
    : personalize_without_consent_(config.personalize_without_consent()),
      api_(api),
      db_(db),
      shops_(shops),
      clock_(clock),
      placements_(std::move(placements)),
      reasons_(std::move(reasons)) {}

absl::Status PageApi::Reload(const config::v1::Config& config) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Placements> placements,
                   Placements::Build(config.placements(), CheckRules));
  ASSIGN_OR_RETURN(ReasonTexts reasons, ReasonTexts::Build(config.reason_templates()));
  placements_.Set(std::move(placements));
  absl::MutexLock lock(&reasons_mu_);
  reasons_ = std::make_shared<const ReasonTexts>(std::move(reasons));
  return absl::OkStatus();
}

absl::StatusOr<PageApi::CallState> PageApi::Begin(const std::string& requested_shop,
                                                   const std::string& customer_id,
                                                   const std::string& session_id,
                                                   const ContextIds& context_ids) {
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(requested_shop));
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  CallState call;
  call.shop = shop;
  call.snap = state->Snapshot();
  call.now_ms = clock_->NowMs();
  VisitorOptions options;
  options.personalize_without_consent = personalize_without_consent_;
  ASSIGN_OR_RETURN(call.visitor, LoadVisitor(*db_, shop, *call.snap, customer_id, session_id,
                                             options, call.now_ms));
  RETURN_IF_ERROR(CheckCurrentCall("scoring"));  // the client may have gone while we read
  call.context = ToIndices(context_ids, *call.snap->catalog);
  call.placements = placements_.Get();
  {
    absl::MutexLock lock(&reasons_mu_);
    call.reasons = reasons_;
  }
  return call;
}

PipelineEnv PageApi::CallState::Env() const { return {placements, reasons.get(), now_ms}; }

SegmentBestSellers PageApi::SegmentFallback(const CallState& call) const {
  if (segments_ == nullptr) return {};
  // Evaluated only when a placement needs filling: most page views never
  // touch the segment engine's lock. `call` outlives the pipeline's use.
  return [this, &call](const Visitor& v) {
    std::vector<int32_t> out;
    if (!v.consent || !v.aggregates) return out;
    const std::shared_ptr<const SegmentState> state = segments_->Current(call.shop);
    if (state == nullptr) return out;
    const seg::Stage stage = segments_->StageOf(*state, *v.aggregates, call.now_ms);
    auto it = state->stage_best_sellers.find(std::string(seg::StageName(stage)));
    if (it == state->stage_best_sellers.end()) return out;
    for (const std::string& id : it->second) {
      if (const int32_t i = call.snap->catalog->Find(id); i >= 0) out.push_back(i);
    }
    return out;
  };
}

absl::Status PageApi::Recommend(const v1::RecommendRequest& request,
                                v1::RecommendResponse* response) {
  if (auto p = CheckRecommend(request)) return ToStatus(*p);
  ASSIGN_OR_RETURN(CallState call, Begin(request.shop(), request.customer_id(),
                                         request.session_id(), request.context_item_ids()));
  PipelineEnv env = call.Env();
  env.segment_best_sellers = SegmentFallback(call);
  return RunPlacement(env, *call.snap, call.visitor, call.context, AskOf(request, request.locale()),
                      /*page=*/nullptr, response);
}

absl::Status PageApi::RecommendPage(const v1::RecommendPageRequest& request,
                                    v1::RecommendPageResponse* response) {
  if (auto p = CheckRecommendPage(request)) return ToStatus(*p);
  ASSIGN_OR_RETURN(CallState call, Begin(request.shop(), request.customer_id(),
                                         request.session_id(), request.context_item_ids()));
  PipelineEnv env = call.Env();
  env.segment_best_sellers = SegmentFallback(call);
  std::optional<PageState> page;
  if (!request.allow_duplicates()) page = PageState{model::ItemMask(call.snap->catalog->size())};
  for (int i = 0; i < request.placements_size(); ++i) {
    const absl::Status status =
        RunPlacement(env, *call.snap, call.visitor, call.context,
                     AskOf(request.placements(i), request.locale()), page ? &*page : nullptr,
                     response->add_placements());
    if (!status.ok()) return InField(status, absl::StrCat("placements[", i, "]."));
  }
  return absl::OkStatus();
}

absl::Status PageApi::RankItems(const v1::RankItemsRequest& request,
                                v1::RankItemsResponse* response) {
  if (auto p = CheckRankItems(request)) return ToStatus(*p);
  ASSIGN_OR_RETURN(CallState call, Begin(request.shop(), request.customer_id(),
                                         request.session_id(), request.context_item_ids()));
  const model::CatalogIndex& catalog = *call.snap->catalog;
  std::vector<int32_t> items;
  items.reserve(request.item_ids_size());
  model::ItemMask listed(catalog.size());
  for (const auto& id : request.item_ids()) {
    const int32_t i = catalog.Find(id);
    if (i < 0) {
      response->add_unknown_item_ids(id);
    } else if (!listed.Test(i)) {  // a repeated id is ranked once
      listed.Set(i);
      items.push_back(i);
    }
  }
  PlacementAsk ask;
  ask.placement = request.placement();
  ask.rules = request.rules();
  ask.locale = request.locale();
  PipelineEnv env = call.Env();
  env.segment_best_sellers = SegmentFallback(call);
  return RankList(env, *call.snap, call.visitor, call.context, items, ask, response);
}

}  // namespace persona::server
