#include "server/segments_api.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "Eigen/Core"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/metrics_api.h"
#include "server/validation.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;

absl::Status Field(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// Returns the record, or nullopt when the store has none (NOT_FOUND).
template <typename T>
absl::StatusOr<std::optional<T>> Optional(absl::StatusOr<T> result) {
  if (result.ok()) return std::optional<T>(*std::move(result));
  if (absl::IsNotFound(result.status())) return std::optional<T>();
  return result.status();
}

v1::SegmentKind KindOf(absl::string_view name) {
  if (absl::StartsWith(name, "rfm:")) return v1::RFM;
  if (absl::StartsWith(name, "persona:")) return v1::PERSONA;
  if (absl::StartsWith(name, "nps:") || name == "low_satisfaction" || name == "high_return_rate") {
    return v1::FEEDBACK;
  }
  return v1::LIFECYCLE;  // stage:*, viewed_not_bought, abandoned_cart
}

// "Home/Lighting, Kitchen": the persona's two strongest categories.
std::string PersonaLabel(const seg::PersonaDescription& p) {
  std::vector<std::string> top;
  for (size_t i = 0; i < p.top_categories.size() && i < 2; ++i) {
    top.push_back(p.top_categories[i].first);
  }
  return absl::StrJoin(top, ", ");
}

std::string Describe(absl::string_view name, const SegmentState& state) {
  static const std::map<std::string, std::string, std::less<>> kText = {
      {"stage:prospect", "Never bought and not new"},
      {"stage:new", "First seen or first purchase recently, with few orders"},
      {"stage:active", "Bought within the active window"},
      {"stage:loyal", "Active with many orders or top RFM recency and frequency"},
      {"stage:at_risk", "Last purchase past the active window, not yet lost"},
      {"stage:lost", "Last purchase longer ago than the lost threshold (hibernating)"},
      {"viewed_not_bought", "Viewed a product recently and bought nothing since"},
      {"abandoned_cart", "Left items in the cart after the last purchase"},
      {"nps:promoter", "Latest NPS answer 9-10"},
      {"nps:passive", "Latest NPS answer 7-8"},
      {"nps:detractor", "Latest NPS answer 0-6"},
      {"low_satisfaction", "Recent low CSAT answer"},
      {"high_return_rate", "Returns a high share of the units bought"},
  };
  if (auto it = kText.find(name); it != kText.end()) return it->second;
  if (absl::StartsWith(name, "rfm:")) {
    return absl::StrCat("RFM group ", name.substr(4), " (recency and frequency quintiles)");
  }
  if (absl::StartsWith(name, "persona:")) {
    for (const seg::PersonaDescription& p : state.personas) {
      if (name == absl::StrCat("persona:", p.persona)) {
        const std::string label = PersonaLabel(p);
        return label.empty() ? "Behavioural persona" : absl::StrCat("Behavioural persona: ", label);
      }
    }
    return "Behavioural persona";
  }
  return "";
}

// The problem with a custom segment's name, or "".
std::string SegmentNameProblem(const std::string& name) {
  if (name.empty() || name.size() > kMaxSegmentNameBytes) return "must be 1 to 64 bytes";
  if (name.find(':') != std::string::npos) {
    return "may not contain ':' (reserved for built-in segments)";
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return "may contain only a-z, 0-9, '_' and '-'";
    }
  }
  if (seg::IsBuiltInSegmentName(name)) return absl::StrCat("\"", name, "\" is a built-in segment");
  return "";
}

void FillRfm(const CustomerView& view, int64_t now_ms, v1::RfmScores* out) {
  out->set_recency(view.rfm.r);
  out->set_frequency(view.rfm.f);
  out->set_monetary(view.rfm.m);
  if (auto group = seg::ClassifyRfmGroup(view.rfm)) {
    out->set_group(std::string(seg::RfmGroupName(*group)));
  }
  if (view.facts.last_purchase_ms > 0) {
    out->set_recency_days(static_cast<double>(seg::DaysSince(view.facts.last_purchase_ms, now_ms)));
  }
  out->set_orders(view.facts.orders);
  out->set_monetary_value(view.facts.monetary);
}

absl::Status CheckTargetRequest(const v1::TargetCustomersRequest& r) {
  std::vector<std::string> set;
  if (!r.item_id().empty()) set.push_back("item_id");
  if (!r.category().empty()) set.push_back("category");
  if (!r.brand().empty()) set.push_back("brand");
  if (set.empty()) {
    return Field("item_id", "one of item_id, category and brand is required");
  }
  if (set.size() > 1) {
    return Field(absl::StrJoin(set, ", "), "only one of item_id, category and brand may be set");
  }
  if (auto p = CheckId("item_id", r.item_id(), false)) return ToStatus(*p);
  if (r.category().size() > 1024) return Field("category", "must be at most 1024 bytes");
  if (r.brand().size() > 1024) return Field("brand", "must be at most 1024 bytes");
  if (r.count() < 0 || r.count() > kMaxTargetCount) {
    return Field("count", "must be 1 to 100000 (0: the default, 100)");
  }
  if (r.exclude_bought_within_days() < 0 || r.exclude_bought_within_days() > 3650) {
    return Field("exclude_bought_within_days", "must be 0 to 3650 (0 keeps buyers)");
  }
  return absl::OkStatus();
}

// The target's items (catalog indices), or NOT_FOUND naming the field.
absl::StatusOr<std::vector<int32_t>> TargetItems(const model::CatalogIndex& catalog,
                                                 const v1::TargetCustomersRequest& r) {
  if (!r.item_id().empty()) {
    const int32_t i = catalog.Find(r.item_id());
    if (i < 0) return absl::NotFoundError(absl::StrCat("item_id: no item \"", r.item_id(), "\""));
    return std::vector<int32_t>{i};
  }
  std::span<const int32_t> items;
  if (!r.category().empty()) {
    const int32_t c = catalog.CategoryId(r.category());
    if (c < 0) {
      return absl::NotFoundError(absl::StrCat("category: no category \"", r.category(), "\""));
    }
    items = catalog.CategoryItems(c);
  } else {
    const int32_t b = catalog.BrandId(r.brand());
    if (b < 0) return absl::NotFoundError(absl::StrCat("brand: no brand \"", r.brand(), "\""));
    items = catalog.BrandItems(b);
  }
  if (items.empty()) return absl::NotFoundError("the target has no items");
  return std::vector<int32_t>(items.begin(), items.end());
}

// Scores of every customer row of `state` against the mean factor row of `items`.
Eigen::VectorXf ScoreRows(const SegmentState& state, const model::AlsRecommender& als,
                          const std::vector<int32_t>& items) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int32_t dim = state.dim;
  Eigen::VectorXf target = Eigen::VectorXf::Zero(dim);
  for (int32_t i : items) target += Eigen::Map<const Eigen::VectorXf>(als.ItemFactors(i), dim);
  target /= static_cast<float>(items.size());
  const Eigen::Map<const RowMajor> rows(state.factors.data(),
                                        static_cast<Eigen::Index>(state.ids.size()), dim);
  return rows * target;
}

}  // namespace

SegmentsApi::SegmentsApi(PersonaApi* api, storage::Database* db, ShopRegistry* shops,
                         SegmentEngine* engine, const Clock* clock)
    : api_(api), db_(db), shops_(shops), engine_(engine), clock_(clock) {}

absl::Status SegmentsApi::ListSegments(const v1::ListSegmentsRequest& request,
                                       v1::ListSegmentsResponse* response) {
  response->Clear();
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentState> state, engine_->State(shop));
  auto add = [&](const std::string& name, v1::SegmentKind kind, bool size_known) {
    v1::SegmentInfo* info = response->add_segments();
    info->set_name(name);
    info->set_kind(kind);
    auto it = state->sizes.find(name);
    const bool known = size_known && it != state->sizes.end();
    info->set_size(known ? it->second : -1);
    info->set_computed_time_ms(known ? state->computed_ms : 0);
    return info;
  };
  for (const std::string& name : seg::BuiltInSegmentNames(state->k)) {
    add(name, KindOf(name), true)->set_description(Describe(name, *state));
  }
  for (const CustomSegment& c : state->custom) {
    // ReloadCustom keeps the pass's sizes: one of a segment (re)defined since
    // belongs to another rule or to none.
    const bool counted = c.record.updated_time_ms() < state->computed_ms;
    v1::SegmentInfo* info = add(c.record.name(), v1::CUSTOM, counted);
    info->set_description(c.record.description());
    info->set_rule(seg::PrintSegmentRule(c.rule));
  }
  return absl::OkStatus();
}

absl::Status SegmentsApi::StreamSegmentMembers(
    const v1::StreamSegmentMembersRequest& request,
    const std::function<bool(const v1::SegmentMember&)>& emit) {
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  if (request.segment().empty() == request.rule().empty()) {
    return Field(request.segment().empty() ? "segment" : "rule",
                 "exactly one of segment and rule is required");
  }
  if (request.rule().size() > kMaxSegmentRuleBytes) return Field("rule", "must be at most 4096 bytes");
  if (auto p = CheckId("start_after", request.start_after(), false)) return ToStatus(*p);
  if (request.limit() < 0) return Field("limit", "must be >= 0 (0: all members)");
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentState> state, engine_->State(shop));
  ASSIGN_OR_RETURN(Audience audience, request.rule().empty()
                                          ? Audience::ForSegment(*state, request.segment())
                                          : Audience::ForRule(request.rule()));
  ASSIGN_OR_RETURN(Shop * shop_state, shops_->Get(shop));
  const std::shared_ptr<const ShopSnapshot> snap = shop_state->Snapshot();
  const int64_t now = clock_->NowMs();
  int64_t sent = 0;
  v1::SegmentMember member;
  const bool with_persona = audience.NeedsPersona();
  return db_->profiles().ScanCustomerProfiles(
      shop, request.start_after(),
      [&](std::string_view id, const rec::CustomerRecord* c, const rec::SubjectAggregatesRecord* a) {
        const CustomerView view = engine_->Evaluate(*state, *snap, id, c, a, now, with_persona);
        if (!audience.Contains(view, now)) return true;
        member.Clear();
        member.set_customer_id(std::string(id));
        if (c != nullptr) {
          member.set_email(c->email());
          member.set_first_name(c->first_name());
          member.set_locale(c->locale());
        }
        member.set_stage(std::string(seg::StageName(view.stage)));
        if (!emit(member)) return false;
        return request.limit() == 0 || ++sent < request.limit();
      });
}

absl::Status SegmentsApi::GetCustomerSegments(const v1::GetCustomerSegmentsRequest& request,
                                              v1::CustomerSegments* response) {
  response->Clear();
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  const std::string& id = request.customer_id();
  if (auto p = CheckId("customer_id", id, true)) return ToStatus(*p);
  ASSIGN_OR_RETURN(std::optional<rec::CustomerRecord> customer,
                   Optional(db_->profiles().GetCustomer(shop, id)));
  ASSIGN_OR_RETURN(std::optional<rec::SubjectAggregatesRecord> aggregates,
                   Optional(db_->profiles().GetAggregates(shop, storage::Subject::Customer(id))));
  if (!customer && !aggregates) {
    return absl::NotFoundError(absl::StrCat("customer_id: no customer \"", id, "\""));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentState> state, engine_->State(shop));
  ASSIGN_OR_RETURN(Shop * shop_state, shops_->Get(shop));
  const std::shared_ptr<const ShopSnapshot> snap = shop_state->Snapshot();
  const int64_t now = clock_->NowMs();
  const CustomerView view = engine_->Evaluate(*state, *snap, id, customer ? &*customer : nullptr,
                                              aggregates ? &*aggregates : nullptr, now);
  response->set_customer_id(id);
  FillRfm(view, now, response->mutable_rfm());
  response->set_stage(std::string(seg::StageName(view.stage)));
  response->set_persona(view.facts.persona);
  for (std::string& s : engine_->SegmentsOf(*state, view, now)) {
    response->add_segments(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status SegmentsApi::PutSegment(const v1::PutSegmentRequest& request,
                                     v1::SegmentInfo* response) {
  response->Clear();
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  if (auto p = SegmentNameProblem(request.name()); !p.empty()) return Field("name", p);
  if (request.rule().empty()) return Field("rule", "is required");
  if (request.rule().size() > kMaxSegmentRuleBytes) return Field("rule", "must be at most 4096 bytes");
  if (request.description().size() > kMaxSegmentDescriptionBytes) {
    return Field("description", "must be at most 1024 bytes");
  }
  auto rule = seg::ParseSegmentRule(request.rule());
  if (!rule.ok()) return Field("rule", rule.status().message());

  const int64_t now = clock_->NowMs();
  rec::SegmentDefinitionRecord record;
  record.set_created_time_ms(now);
  RETURN_IF_ERROR(db_->marketing().ScanSegments(shop, [&](const rec::SegmentDefinitionRecord& r) {
    if (r.name() == request.name()) record.set_created_time_ms(r.created_time_ms());
    return r.name() < request.name();  // scanned by name
  }));
  record.set_name(request.name());
  record.set_rule(request.rule());
  record.set_description(request.description());
  record.set_updated_time_ms(now);
  RETURN_IF_ERROR(db_->marketing().PutSegment(shop, record));
  RETURN_IF_ERROR(engine_->ReloadCustom(shop));

  response->set_name(record.name());
  response->set_kind(v1::CUSTOM);
  response->set_description(record.description());
  response->set_rule(seg::PrintSegmentRule(*rule));
  response->set_size(-1);
  return absl::OkStatus();
}

absl::Status SegmentsApi::DeleteSegment(const v1::DeleteSegmentRequest& request,
                                        v1::DeleteSegmentResponse* response) {
  response->Clear();
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  if (request.name().empty() || request.name().size() > kMaxSegmentNameBytes) {
    return Field("name", "must be 1 to 64 bytes");
  }
  RETURN_IF_ERROR(db_->marketing().DeleteSegment(shop, request.name()));
  return engine_->ReloadCustom(shop);
}

absl::Status SegmentsApi::GetSegmentHistory(const v1::GetSegmentHistoryRequest& request,
                                            v1::GetSegmentHistoryResponse* response) {
  response->Clear();
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  int32_t to = UtcDay(clock_->NowMs());
  if (!request.to_date().empty()) {
    ASSIGN_OR_RETURN(to, ParseUtcDate("to_date", request.to_date()));
  }
  int32_t from = to - (kDefaultHistoryDays - 1);
  if (!request.from_date().empty()) {
    ASSIGN_OR_RETURN(from, ParseUtcDate("from_date", request.from_date()));
  }
  if (from > to) return Field("from_date", "must not be after to_date");
  if (int64_t{to} - from >= kMaxHistoryDays) {
    return Field("from_date", "the range may cover at most 366 days");
  }
  for (int i = 0; i < request.segments_size(); ++i) {
    if (request.segments(i).empty() || request.segments(i).size() > kMaxSegmentNameBytes) {
      return Field(absl::StrCat("segments[", i, "]"), "must be 1 to 64 bytes");
    }
  }
  // Histories by name; requested ones in request order, else all by name.
  std::map<std::string, v1::SegmentHistory> seen;
  RETURN_IF_ERROR(db_->marketing().ScanSegmentSizes(
      shop, std::max(from, 0), to, [&](int32_t day, const rec::SegmentSizesRecord& r) {
        const std::string date = FormatUtcDate(day);
        for (const auto& [name, size] : r.sizes()) {
          v1::SegmentSizePoint* point = seen[name].add_points();
          point->set_date(date);
          point->set_size(size);
        }
        return true;
      }));
  if (request.segments().empty()) {
    for (auto& [name, history] : seen) {
      history.set_segment(name);
      *response->add_segments() = std::move(history);
    }
    return absl::OkStatus();
  }
  for (const std::string& name : request.segments()) {
    v1::SegmentHistory* history = response->add_segments();
    if (auto it = seen.find(name); it != seen.end()) *history = it->second;
    history->set_segment(name);
  }
  return absl::OkStatus();
}

absl::Status SegmentsApi::ListPersonas(const v1::ListPersonasRequest& request,
                                       v1::ListPersonasResponse* response) {
  response->Clear();
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentState> state, engine_->State(shop));
  for (const seg::PersonaDescription& p : state->personas) {
    v1::Persona* out = response->add_personas();
    out->set_index(p.persona);
    out->set_segment(absl::StrCat("persona:", p.persona));
    out->set_size(p.size);
    out->set_growth(static_cast<int64_t>(p.growth));
    for (const auto& [name, members] : p.top_categories) out->add_top_categories(name);
    for (const auto& [name, members] : p.top_brands) out->add_top_brands(name);
    out->set_average_order_value(p.average_order_value);
    out->set_label(PersonaLabel(p));
  }
  if (state->k > 0) response->set_model_version(state->model_version);
  response->set_computed_time_ms(state->computed_ms);
  return absl::OkStatus();
}

absl::Status SegmentsApi::RefreshSegments(const v1::RefreshSegmentsRequest& request,
                                          v1::RefreshSegmentsResponse* response) {
  response->Clear();
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentState> state, engine_->RunPass(shop));
  response->set_customers(state->customers);
  response->set_seconds(state->seconds);
  return absl::OkStatus();
}

absl::Status SegmentsApi::TargetCustomers(const v1::TargetCustomersRequest& request,
                                          v1::TargetCustomersResponse* response) {
  response->Clear();
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  ASSIGN_OR_RETURN(std::vector<v1::TargetedCustomer> customers, Target(shop, request));
  for (v1::TargetedCustomer& c : customers) *response->add_customers() = std::move(c);
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentState> state, engine_->State(shop));
  response->set_model_version(state->model_version);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const SegmentState>> SegmentsApi::TargetState(
    const std::string& shop, const ShopSnapshot& snap) {
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentState> state, engine_->State(shop));
  if (state->model_version != snap.als->version() || state->dim != snap.als->dim()) {
    ASSIGN_OR_RETURN(state, engine_->RunPass(shop));
  }
  if (state->model_version != snap.als->version() || state->dim != snap.als->dim() ||
      state->ids.empty()) {
    return absl::FailedPreconditionError("no trained model: the segment pass has no customer factors");
  }
  return state;
}

absl::StatusOr<bool> SegmentsApi::Eligible(const std::string& shop, const std::string& id,
                                           const v1::TargetCustomersRequest& request,
                                           const ShopSnapshot& snap,
                                           const std::vector<bool>& in_target, int64_t now_ms) {
  ASSIGN_OR_RETURN(std::optional<rec::CustomerRecord> customer,
                   Optional(db_->profiles().GetCustomer(shop, id)));
  ASSIGN_OR_RETURN(std::optional<rec::SubjectAggregatesRecord> aggregates,
                   Optional(db_->profiles().GetAggregates(shop, storage::Subject::Customer(id))));
  if (!customer && !aggregates) return false;  // erased since the pass
  const bool personalize = customer && customer->has_consent_personalization()
                               ? customer->consent_personalization()
                               : engine_->settings().personalize_without_consent;
  if (!personalize) return false;
  if (request.require_email_consent() && !(customer && customer->consent_email_marketing())) {
    return false;
  }
  const int days = request.exclude_bought_within_days();
  if (days == 0 || !aggregates) return true;
  for (const auto& [item_id, time_ms] : aggregates->bought_items()) {
    const int32_t i = snap.catalog->Find(item_id);
    if (i >= 0 && in_target[i] && seg::WithinDays(time_ms, days, now_ms)) return false;
  }
  return true;
}

absl::StatusOr<std::vector<v1::TargetedCustomer>> SegmentsApi::Target(
    const std::string& shop, const v1::TargetCustomersRequest& request) {
  RETURN_IF_ERROR(CheckTargetRequest(request));
  const int64_t count = request.count() == 0 ? kDefaultTargetCount : request.count();
  ASSIGN_OR_RETURN(Shop * shop_state, shops_->Get(shop));
  const std::shared_ptr<const ShopSnapshot> snap = shop_state->Snapshot();
  ASSIGN_OR_RETURN(const std::vector<int32_t> items, TargetItems(*snap->catalog, request));
  if (snap->als == nullptr) return absl::FailedPreconditionError("no trained model");
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentState> state, TargetState(shop, *snap));
  const Eigen::VectorXf scores = ScoreRows(*state, *snap->als, items);
  std::vector<bool> in_target(snap->catalog->size(), false);
  for (int32_t i : items) in_target[i] = true;

  std::vector<int32_t> order;
  order.reserve(state->ids.size());
  for (size_t r = 0; r < state->ids.size(); ++r) {
    if (!request.require_email_consent() || state->email_consent[r]) order.push_back(r);
  }
  auto better = [&](int32_t a, int32_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;  // rows are in id order
  };
  std::vector<v1::TargetedCustomer> out;
  const int64_t now = clock_->NowMs();
  size_t sorted = 0;
  size_t chunk = static_cast<size_t>(count) * 2 + 50;
  for (size_t pos = 0; pos < order.size() && static_cast<int64_t>(out.size()) < count; ++pos) {
    if (pos == sorted) {  // rank the next chunk of candidates (doubling each time)
      const size_t end = std::min(order.size(), sorted + chunk);
      std::partial_sort(order.begin() + sorted, order.begin() + end, order.end(), better);
      sorted = end;
      chunk *= 2;
    }
    const std::string& id = state->ids[order[pos]];
    ASSIGN_OR_RETURN(const bool eligible, Eligible(shop, id, request, *snap, in_target, now));
    if (!eligible) continue;
    v1::TargetedCustomer& c = out.emplace_back();
    c.set_customer_id(id);
    c.set_score(scores[order[pos]]);
  }
  return out;
}

}  // namespace persona::server
