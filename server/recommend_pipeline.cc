#include "server/recommend_pipeline.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/recommendation_id.h"
#include "common/status_macros.h"
#include "server/call_context.h"
#include "model/blend.h"
#include "model/experiment.h"
#include "server/rules_stage.h"

namespace persona::server {
namespace {

namespace v1 = ::persona::v1;

// Candidates asked of each recommender: enough for re-ranking rules (caps,
// boosts, promotions, diversity) to choose from, a margin for blending
// several recommenders, and just `count` for a single one without them.
int Fetch(int count, size_t stages, bool ranks) {
  if (ranks) return std::min(count * 3 + 10, 300);
  if (stages > 1) return std::min(count * 2, 300);
  return count;
}
// Items an infinite scroll remembers (older ones may come back).
constexpr size_t kMaxScrollItems = 1000;

absl::Status Invalid(std::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": ", what));
}

std::string EncodeToken(const ScrollState& s) {
  std::string raw = s.recommendation_id;
  for (const auto& id : s.shown) absl::StrAppend(&raw, "\n", id);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<ScrollState> DecodeToken(const std::string& token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.empty()) {
    return Invalid("page_token", "not a token returned by this server");
  }
  std::vector<std::string> parts = absl::StrSplit(raw, '\n');
  ScrollState s;
  s.recommendation_id = parts.front();
  if (!DecodeRecommendationId(s.recommendation_id).ok()) {
    return Invalid("page_token", "not a token returned by this server");
  }
  s.shown.assign(parts.begin() + 1, parts.end());
  return s;
}

// The variant answering: forced by the request, else the visitor's hash.
absl::StatusOr<const PlacementVariant*> ChooseVariant(const Placement& placement,
                                                      const std::string& experiment,
                                                      const Visitor& visitor,
                                                      const std::string& forced) {
  if (!forced.empty()) {
    for (const auto& v : placement.variants) {
      if (v.name == forced) return &v;
    }
    return Invalid("variant", absl::StrCat("placement ", placement.name, " has no variant \"",
                                           forced, "\""));
  }
  if (placement.variants.size() == 1) return &placement.variants.front();
  std::vector<model::Variant> shares;
  for (const auto& v : placement.variants) shares.push_back({v.name, v.share});
  // Anonymous requests without a session get a random variant.
  const std::string subject =
      visitor.subject_id.empty() ? absl::StrCat(NewRecommendationNonce()) : visitor.subject_id;
  return &placement.variants[model::AssignVariant(experiment, subject, shares)];
}


// The recommender a strategy stage names, or null when this shop has none
// (no trained model yet, no co-occurrence data).
const model::Recommender* Lookup(const ShopSnapshot& snap, const std::string& name) {
  if (name == "als") return snap.als.get();
  if (name == "popularity") return snap.popular.get();
  if (name == "trending") return snap.trending.get();
  if (name == "bought_together") return snap.bought_together.get();
  if (name == "viewed_together") return snap.viewed_together.get();
  if (name == "similar") return snap.similar.get();
  if (name == "country_popularity") return snap.country_popular.get();
  if (name == "category_popularity") return snap.category_popular.get();
  if (name == "recently_viewed") return snap.recently_viewed.get();
  if (name == "buy_again") return snap.buy_again.get();
  if (name == "new_arrivals") return snap.new_arrivals.get();
  return nullptr;
}

// The visitor's history for the model: real interactions, else the seeds of
// declared preferences (built into `seeded`, which must outlive the span).
std::span<const model::Interaction> ModelHistory(const Visitor& visitor,
                                                 std::vector<model::Interaction>& seeded) {
  if (!visitor.history.empty() || visitor.seeds.empty()) return visitor.history;
  for (int32_t i : visitor.seeds) seeded.push_back({i, 1.0f, 0, model::InteractionKind::kOther});
  return seeded;
}

// Removes what a placement must never return from `allowed`.
void Exclude(const ShopSnapshot& snap, const Visitor& visitor,
             std::span<const int32_t> context_items, const PlacementAsk& ask,
             const ScrollState& scroll, const PageState* page, const RulesStage& rules,
             model::ItemMask& allowed) {
  const model::CatalogIndex& catalog = *snap.catalog;
  for (int32_t i : context_items) allowed.ResetIfValid(i);
  for (const auto& id : ask.exclude_ids) allowed.ResetIfValid(catalog.Find(id));
  for (const auto& id : scroll.shown) allowed.ResetIfValid(catalog.Find(id));
  // By default nothing bought is offered again unless its category is
  // repeat-purchase; an "exclude bought within <d>" rule narrows that.
  if (!rules.HandlesBought()) {
    for (const auto& [i, time] : visitor.bought) {
      if (!catalog.RepeatPurchase(i)) allowed.Reset(i);
    }
  }
  if (page != nullptr) allowed.AndNot(page->taken);
}

model::FilterSpec ToFilterSpec(const v1::ItemFilter* f) {
  model::FilterSpec spec;
  if (f == nullptr) return spec;
  spec.category_path.assign(f->category_path().begin(), f->category_path().end());
  if (f->has_min_price()) spec.min_price = f->min_price();
  if (f->has_max_price()) spec.max_price = f->max_price();
  spec.in_stock_only = f->in_stock_only();
  spec.brands.assign(f->brands().begin(), f->brands().end());
  return spec;
}

v1::ReasonCode ToReasonCode(model::Reason reason) {
  switch (reason) {
    case model::Reason::kPopular: return v1::POPULAR;
    case model::Reason::kPopularInCountry: return v1::POPULAR_IN_COUNTRY;
    case model::Reason::kPopularInCategory: return v1::POPULAR_IN_CATEGORY;
    case model::Reason::kTrending: return v1::TRENDING;
    case model::Reason::kPersonalized: return v1::PERSONALIZED;
    case model::Reason::kBoughtTogether: return v1::BOUGHT_TOGETHER;
    case model::Reason::kSimilarToViewed: return v1::SIMILAR_TO_VIEWED;
    case model::Reason::kNewArrival: return v1::NEW_ARRIVAL;
    case model::Reason::kRecentlyViewed: return v1::RECENTLY_VIEWED;
    case model::Reason::kBuyAgain: return v1::BUY_AGAIN;
    case model::Reason::kDeclaredPreference: return v1::DECLARED_PREFERENCE;
    case model::Reason::kPopularInSegment: return v1::POPULAR_IN_SEGMENT;
  }
  return v1::REASON_CODE_UNSPECIFIED;
}

std::string_view LeafName(std::string_view joined_path) {
  const size_t slash = joined_path.rfind('/');
  return slash == std::string_view::npos ? joined_path : joined_path.substr(slash + 1);
}

// How the visitor last met `item`: "bought", "carted", or "" (viewed, or
// only on the page).
std::string_view HowMet(const Visitor& visitor, int32_t item) {
  for (auto it = visitor.history.rbegin(); it != visitor.history.rend(); ++it) {
    if (it->item != item) continue;
    if (it->kind == model::InteractionKind::kPurchase) return "bought";
    if (it->kind == model::InteractionKind::kCart) return "carted";
    return "";
  }
  return "";
}

// Fills one response item: the catalog item, score, reason and flags.
void FillItem(const ShopSnapshot& snap, const Visitor& visitor, const std::string& locale,
              const ReasonTexts& reasons, const Pick& pick, v1::RecommendedItem* out) {
  const model::CatalogIndex& catalog = *snap.catalog;
  const model::ScoredItem& s = pick.item;
  *out->mutable_item() = *snap.items[s.item];
  out->set_score(pick.score);
  out->set_source(std::string(pick.source));
  out->set_fallback(pick.fallback);
  out->set_pinned(pick.pinned);
  out->set_promoted(pick.promoted);
  out->set_boosted(pick.boosted);
  v1::ReasonCode code = ToReasonCode(s.reason);
  int32_t category = s.category;
  int32_t anchor = s.anchor;
  const bool seeded = anchor >= 0 && visitor.history.empty() &&
                      std::find(visitor.seeds.begin(), visitor.seeds.end(), anchor) !=
                          visitor.seeds.end();
  if (seeded) {
    code = v1::DECLARED_PREFERENCE;
    category = catalog.TopCategory(anchor);
    anchor = -1;
  }
  if (pick.pinned) code = v1::PINNED;
  if (pick.promoted) code = v1::PROMOTED;
  out->set_reason_code(code);
  if (anchor >= 0) out->set_anchor_item_id(catalog.item(anchor).id);
  if (category < 0 && code == v1::NEW_ARRIVAL) category = catalog.TopCategory(s.item);
  const std::string category_name =
      category >= 0 ? std::string(LeafName(catalog.CategoryName(category))) : "";
  ReasonArgs args;
  if (anchor >= 0) {
    args.item = snap.items[anchor]->title();
    args.how = HowMet(visitor, anchor);
  }
  args.category = category_name;
  args.country = visitor.country;
  args.brand = catalog.item(s.item).brand;
  out->set_reason(reasons.Render(code, locale, args));
}


// The picks of one placement before they become a response.
struct Answer {
  std::vector<Pick> picks;
  bool modelled = false;
};

// What every recommender of the strategy is asked: `seeded` holds the
// history of a visitor known by declared preferences only and must outlive
// the context, as must `allowed`.
model::RecommendContext MakeContext(const Visitor& visitor, const PlacementVariant& variant,
                                    const RulesStage& rules, std::span<const int32_t> context_items,
                                    int count, int64_t now, const model::ItemMask& allowed,
                                    std::vector<model::Interaction>& seeded) {
  const std::span<const model::Interaction> history = ModelHistory(visitor, seeded);
  return {.now_ms = now,
          .count = Fetch(count, variant.strategy.size(), rules.Ranks()),
          .allowed = &allowed,
          .context_items = context_items, .history = history,
          .country = visitor.country_id,
          .preferred_categories = visitor.preferred_categories,
          .personalized = visitor.personalized() || !history.empty()};
}

// Runs the strategy, the rules and the fallbacks over `allowed`. The "als"
// stage takes `als_answer` when given (a batch scored it already).
Answer Choose(const ShopSnapshot& snap, const Visitor& visitor, const PlacementVariant& variant,
              const RulesStage& rules, std::span<const int32_t> context_items, int count,
              int64_t now, model::ItemMask& allowed, const SegmentBestSellers* segment_best,
              const std::vector<model::ScoredItem>* als_answer = nullptr) {
  std::vector<model::Interaction> seeded;
  const bool ranks = rules.Ranks();
  model::RecommendContext ctx =
      MakeContext(visitor, variant, rules, context_items, count, now, allowed, seeded);
  std::vector<std::vector<model::ScoredItem>> answers;
  std::vector<model::RankedList> lists;
  std::vector<std::string_view> sources;
  answers.reserve(variant.strategy.size());
  for (const StrategyStage& stage : variant.strategy) {
    const model::Recommender* r = Lookup(snap, stage.recommender);
    if (r == nullptr) continue;
    const bool precomputed = als_answer != nullptr && r == snap.als.get();
    answers.push_back(precomputed ? *als_answer : r->Recommend(ctx));
    sources.push_back(r->name());
  }
  for (size_t i = 0; i < answers.size(); ++i) {
    lists.push_back({answers[i], variant.strategy[i].weight});
  }
  Answer answer;
  std::vector<Pick> candidates;
  for (const model::BlendedItem& b : model::Blend(lists)) {
    candidates.push_back({b.item, b.score, sources[b.source]});
    if (sources[b.source] == "als") answer.modelled = true;
  }
  answer.picks = rules.Choose(candidates, count, allowed);
  if (static_cast<int>(answer.picks.size()) >= count) return answer;
  // Short (caps or promotions held candidates back, or the strategy knew too
  // little): the strategy's remaining candidates come first, then the
  // fallbacks — the best sellers of the visitor's segment, the country's,
  // then the shop's — below them.
  for (const Pick& p : answer.picks) allowed.Reset(p.item.item);
  std::vector<Pick> extra;
  for (const Pick& p : candidates) {
    if (!allowed.Test(p.item.item)) continue;
    allowed.Reset(p.item.item);
    extra.push_back(p);
  }
  const int missing = count - static_cast<int>(answer.picks.size() + extra.size());
  ctx.count = ranks ? Fetch(count, 1, true) : std::max(missing, 0);
  double floor = 0;
  for (const Pick& p : candidates) floor = std::min(floor, p.score);
  if (segment_best != nullptr && *segment_best && ctx.count > 0) {
    int taken = 0;
    for (int32_t i : (*segment_best)(visitor)) {
      if (taken >= ctx.count) break;
      if (!allowed.Test(i)) continue;
      allowed.Reset(i);
      floor -= 1;
      ++taken;
      extra.push_back({{i, 0, model::Reason::kPopularInSegment}, floor, "segment_popularity",
                       /*fallback=*/true});
    }
    if (!ranks) ctx.count = std::max(ctx.count - taken, 0);
  }
  const std::vector<const model::Recommender*> fallbacks = {snap.country_popular.get(),
                                                            snap.popular.get()};
  for (const model::Recommender* r : fallbacks) {
    if (r == nullptr || ctx.count == 0) continue;
    for (const model::ScoredItem& s : r->Recommend(ctx)) {
      if (!allowed.Test(s.item)) continue;
      allowed.Reset(s.item);
      floor -= 1;
      extra.push_back({s, floor, r->name(), /*fallback=*/true});
    }
  }
  answer.picks = rules.Fill(answer.picks, extra, count);
  return answer;
}

// The fields every answer shares: a new recommendation id (encoding
// placement, variant and time for attribution), the variant, the model
// version and whether it is personalised.
template <typename Response>
void Describe(const ShopSnapshot& snap, const Visitor& visitor, const std::string& placement,
              const std::string& variant, bool modelled, int64_t now_ms, Response* out) {
  if (out->recommendation_id().empty()) {
    out->set_recommendation_id(EncodeRecommendationId(
        {.placement = placement, .variant = variant, .issued_time_ms = now_ms,
         .nonce = NewRecommendationNonce()}));
  }
  out->set_variant(variant);
  out->set_model_version(modelled && snap.model != nullptr
                             ? snap.model->version
                             : absl::StrCat("popularity-g", snap.generation));
  out->set_personalized(visitor.personalized() || !visitor.seeds.empty());
}

}  // namespace

absl::StatusOr<std::unique_ptr<PreparedPlacement>> PreparePlacement(
    const PipelineEnv& env, const ShopSnapshot& snap, const Visitor& visitor,
    std::span<const int32_t> context_items, const PlacementAsk& ask, const PageState* page) {
  auto p = std::make_unique<PreparedPlacement>();
  p->name = ask.placement.empty() ? "default" : ask.placement;
  const Placement& placement = env.placements->Get(p->name);
  ASSIGN_OR_RETURN(p->variant, ChooseVariant(placement, p->name, visitor, ask.variant));
  p->count = ask.count > 0 ? ask.count : placement.default_count;
  if (!ask.page_token.empty()) {
    ASSIGN_OR_RETURN(p->scroll, DecodeToken(ask.page_token));
  }
  ASSIGN_OR_RETURN(RulesStage rules, RulesStage::Make(p->variant->rules, ask.rules, snap, visitor,
                                                      env.now_ms));
  p->rules = std::make_unique<RulesStage>(std::move(rules));
  p->allowed = snap.catalog->Allowed(ToFilterSpec(ask.filter));
  p->rules->Restrict(p->allowed);
  Exclude(snap, visitor, context_items, ask, p->scroll, page, *p->rules, p->allowed);
  p->context_items = context_items;
  p->locale = ask.locale.empty() ? visitor.locale : ask.locale;
  const bool has_als = snap.als != nullptr &&
                       std::any_of(p->variant->strategy.begin(), p->variant->strategy.end(),
                                   [](const StrategyStage& s) { return s.recommender == "als"; });
  if (has_als) {
    p->als_context = MakeContext(visitor, *p->variant, *p->rules, context_items, p->count,
                                 env.now_ms, p->allowed, p->seeded);
  }
  return p;
}

absl::Status FinishPlacement(const PipelineEnv& env, const ShopSnapshot& snap,
                             const Visitor& visitor, PreparedPlacement& p,
                             const std::vector<model::ScoredItem>* als_answer, PageState* page,
                             v1::RecommendResponse* out) {
  RETURN_IF_ERROR(CheckCurrentCall("scoring"));
  const Answer answer = Choose(snap, visitor, *p.variant, *p.rules, p.context_items, p.count,
                               env.now_ms, p.allowed, &env.segment_best_sellers, als_answer);
  // A scroll keeps the list's recommendation id.
  ScrollState& scroll = p.scroll;
  out->set_recommendation_id(scroll.recommendation_id);
  Describe(snap, visitor, p.name, p.variant->name, answer.modelled, env.now_ms, out);
  scroll.recommendation_id = out->recommendation_id();
  out->set_placement(p.name);
  for (const Pick& pick : answer.picks) {
    FillItem(snap, visitor, p.locale, *env.reasons, pick, out->add_items());
    if (page != nullptr) page->taken.Set(pick.item.item);
    if (scroll.shown.size() < kMaxScrollItems) {
      scroll.shown.push_back(snap.catalog->item(pick.item.item).id);
    }
  }
  if (static_cast<int>(answer.picks.size()) >= p.count) {
    out->set_next_page_token(EncodeToken(scroll));
  }
  return absl::OkStatus();
}

absl::Status RunPlacement(const PipelineEnv& env, const ShopSnapshot& snap, const Visitor& visitor,
                          std::span<const int32_t> context_items, const PlacementAsk& ask,
                          PageState* page, v1::RecommendResponse* out) {
  ASSIGN_OR_RETURN(std::unique_ptr<PreparedPlacement> p,
                   PreparePlacement(env, snap, visitor, context_items, ask, page));
  return FinishPlacement(env, snap, visitor, *p, nullptr, page, out);
}

absl::Status RankList(const PipelineEnv& env, const ShopSnapshot& snap, const Visitor& visitor,
                      std::span<const int32_t> context_items, std::span<const int32_t> items,
                      const PlacementAsk& ask, v1::RankItemsResponse* out) {
  const std::string name = ask.placement.empty() ? "rank" : ask.placement;
  const Placement& placement = env.placements->Get(name);
  ASSIGN_OR_RETURN(const PlacementVariant* variant,
                   ChooseVariant(placement, name, visitor, ask.variant));
  ASSIGN_OR_RETURN(RulesStage rules, RulesStage::Make(variant->rules, ask.rules, snap, visitor,
                                                      env.now_ms));
  // Only the listed items, minus what rules and exclusions remove.
  model::ItemMask listed(snap.catalog->size());
  for (int32_t i : items) listed.Set(i);
  model::ItemMask allowed = listed;
  allowed.And(snap.catalog->recommendable());
  rules.Restrict(allowed);
  ScrollState none;
  Exclude(snap, visitor, {}, ask, none, nullptr, rules, allowed);
  const int count = allowed.Count();
  const model::ItemMask rankable = allowed;
  RETURN_IF_ERROR(CheckCurrentCall("ranking the list"));
  Answer answer = Choose(snap, visitor, *variant, rules, context_items, count, env.now_ms, allowed,
                         &env.segment_best_sellers);
  Describe(snap, visitor, name, variant->name, answer.modelled, env.now_ms, out);
  const std::string locale = ask.locale.empty() ? visitor.locale : ask.locale;
  model::ItemMask placed(snap.catalog->size());
  for (const Pick& pick : answer.picks) {
    if (!listed.Test(pick.item.item) || placed.Test(pick.item.item)) continue;
    placed.Set(pick.item.item);
    FillItem(snap, visitor, locale, *env.reasons, pick, out->add_items());
  }
  // Allowed items no recommender ranked keep the shop's order at the end.
  for (int32_t i : items) {
    if (placed.Test(i) || !rankable.Test(i)) continue;
    placed.Set(i);
    const Pick rest{{i, 0, model::Reason::kPopular}, 0, "list", /*fallback=*/true};
    FillItem(snap, visitor, locale, *env.reasons, rest, out->add_items());
  }
  for (int32_t i : items) {
    if (!placed.Test(i)) {
      placed.Set(i);
      out->add_removed_item_ids(snap.catalog->item(i).id);
    }
  }
  return absl::OkStatus();
}

}  // namespace persona::server
