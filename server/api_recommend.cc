// PersonaApi: recommendations for a placement.
#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/decay.h"
#include "common/status_macros.h"
#include "server/api.h"
#include "server/trainer.h"

namespace persona::server {
namespace {

constexpr int kDefaultCount = 10;
// Affinity categories used to personalise popularity, strongest first.
constexpr size_t kMaxAffinityCategories = 3;

std::string NewRecommendationId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("r%016x%016x", rng(), rng());
}

std::string_view LeafName(std::string_view joined_path) {
  const size_t slash = joined_path.rfind('/');
  return slash == std::string_view::npos ? joined_path : joined_path.substr(slash + 1);
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
  }
  return v1::REASON_CODE_UNSPECIFIED;
}

std::string ReasonText(const model::ScoredItem& s, const ShopSnapshot& snap,
                       const std::string& country) {
  const auto& catalog = *snap.catalog;
  switch (s.reason) {
    case model::Reason::kPopular: return "Popular right now";
    case model::Reason::kPopularInCountry: return absl::StrCat("Popular in ", country);
    case model::Reason::kPopularInCategory:
      return s.category >= 0 ? absl::StrCat("Popular in ", std::string(LeafName(catalog.CategoryName(s.category))))
                             : "Popular in this category";
    case model::Reason::kTrending: return "Trending now";
    case model::Reason::kPersonalized:
      return s.anchor >= 0 ? absl::StrCat("Based on your interest in ", snap.items[s.anchor]->title())
                           : "Picked for you";
    case model::Reason::kBoughtTogether:
      return s.anchor >= 0 ? absl::StrCat("Often bought with ", snap.items[s.anchor]->title())
                           : "Often bought together";
    case model::Reason::kSimilarToViewed:
      return s.anchor >= 0 ? absl::StrCat("Similar to ", snap.items[s.anchor]->title())
                           : "Similar to what you viewed";
    case model::Reason::kNewArrival:
      return s.category >= 0
                 ? absl::StrCat("New in ", std::string(LeafName(catalog.CategoryName(s.category))))
                 : "New arrival";
  }
  return "";
}

model::FilterSpec ToFilterSpec(const v1::ItemFilter& f) {
  model::FilterSpec spec;
  spec.category_path.assign(f.category_path().begin(), f.category_path().end());
  if (f.has_min_price()) spec.min_price = f.min_price();
  if (f.has_max_price()) spec.max_price = f.max_price();
  spec.in_stock_only = f.in_stock_only();
  spec.brands.assign(f.brands().begin(), f.brands().end());
  return spec;
}

// What Recommend knows of the visitor.
struct Visitor {
  std::optional<rec::CustomerRecord> customer;
  std::optional<rec::SubjectAggregatesRecord> aggregates;
  bool consent = true;
};

// The recommenders a placement blends, best first; popularity always closes
// the list so that `count` items come back whenever the catalog allows.
std::vector<const model::Recommender*> Strategy(const std::string& placement,
                                                const ShopSnapshot& snap) {
  std::vector<const model::Recommender*> out;
  auto add = [&](const auto& recommender) {
    if (recommender != nullptr) out.push_back(recommender.get());
  };
  if (placement == "trending") {
    add(snap.trending);
  } else if (placement == "cart" || placement == "checkout" || placement == "post-purchase") {
    add(snap.bought_together);
    add(snap.als);
  } else if (placement == "product") {
    add(snap.viewed_together);
    add(snap.bought_together);
    add(snap.als);
  } else {
    add(snap.als);
  }
  add(snap.popular);
  return out;
}

}  // namespace

namespace {

// Returns the subject's recent interactions with catalog items, oldest first,
// as kept in its aggregates (no event reads on the hot path).
std::vector<model::Interaction> History(const rec::SubjectAggregatesRecord& aggregates,
                                        const model::CatalogIndex& catalog) {
  std::vector<model::Interaction> history;
  history.reserve(aggregates.recent_interactions_size());
  for (const auto& r : aggregates.recent_interactions()) {
    const float strength = InteractionStrength(r.type(), r.value());
    if (strength == 0) continue;
    if (int32_t i = catalog.Find(r.item_id()); i >= 0) history.push_back({i, strength, r.time_ms()});
  }
  return history;
}

}  // namespace

absl::Status PersonaApi::Recommend(const v1::RecommendRequest& request,
                                   v1::RecommendResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  if (auto p = CheckRecommend(request)) return ToStatus(*p);
  const int count = request.count() == 0 ? kDefaultCount : request.count();
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  const std::shared_ptr<const ShopSnapshot> snap = state->Snapshot();
  const model::CatalogIndex& catalog = *snap->catalog;
  const int64_t now = clock_->NowMs();

  // Who is asking: unknown customers and sessions are cold starts, not errors.
  Visitor visitor;
  std::optional<storage::Subject> subject;
  if (!request.customer_id().empty()) {
    subject = storage::Subject::Customer(request.customer_id());
    auto customer = db_->profiles().GetCustomer(shop, request.customer_id());
    if (customer.ok()) {
      visitor.customer = *std::move(customer);
    } else if (!absl::IsNotFound(customer.status())) {
      return customer.status();
    }
  } else if (!request.session_id().empty()) {
    ASSIGN_OR_RETURN(auto merged, db_->profiles().ResolveSession(shop, request.session_id()));
    subject = merged ? storage::Subject::Customer(*merged)
                     : storage::Subject::Session(request.session_id());
  }
  visitor.consent = visitor.customer && visitor.customer->has_consent_personalization()
                        ? visitor.customer->consent_personalization()
                        : config_.personalize_without_consent();
  if (subject && visitor.consent) {
    auto agg = db_->profiles().GetAggregates(shop, *subject);
    if (agg.ok()) {
      visitor.aggregates = *std::move(agg);
    } else if (!absl::IsNotFound(agg.status())) {
      return agg.status();
    }
  }

  // Allowed items: filters, then exclusions (never the page's own items).
  model::ItemMask allowed = catalog.Allowed(ToFilterSpec(request.filter()));
  for (const auto& id : request.context_item_ids()) allowed.ResetIfValid(catalog.Find(id));
  for (const auto& id : request.exclude_item_ids()) allowed.ResetIfValid(catalog.Find(id));
  if (visitor.aggregates) {
    for (const auto& [id, time] : visitor.aggregates->bought_items()) {
      const int32_t i = catalog.Find(id);
      if (i >= 0 && !catalog.RepeatPurchase(i)) allowed.Reset(i);
    }
  }

  // Personal signals: country, declared preferences, category affinities.
  std::string country;
  std::vector<int32_t> preferred;
  if (visitor.consent) {
    if (visitor.customer) {
      country = visitor.customer->country();
      for (const auto& c : visitor.customer->preferred_categories()) {
        if (int32_t id = catalog.CategoryId(c); id >= 0) preferred.push_back(id);
      }
    }
    if (visitor.aggregates) {
      if (country.empty()) country = visitor.aggregates->last_country();
      std::vector<std::pair<double, int32_t>> affinities;
      for (const auto& [category, score] : visitor.aggregates->category_affinity()) {
        if (int32_t id = catalog.CategoryId(category); id >= 0) {
          affinities.emplace_back(score.log2(), id);
        }
      }
      std::sort(affinities.begin(), affinities.end(), std::greater<>());
      for (size_t i = 0; i < affinities.size() && i < kMaxAffinityCategories; ++i) {
        if (std::find(preferred.begin(), preferred.end(), affinities[i].second) == preferred.end()) {
          preferred.push_back(affinities[i].second);
        }
      }
    }
  }
  const int32_t country_id = country.empty() ? -1 : snap->popularity->CountryId(country);
  const bool personalized =
      visitor.consent && (visitor.aggregates.has_value() || country_id >= 0 || !preferred.empty());

  std::vector<int32_t> context;
  for (const auto& id : request.context_item_ids()) {
    if (int32_t i = catalog.Find(id); i >= 0) context.push_back(i);
  }
  std::vector<model::Interaction> history;
  if (visitor.aggregates) history = History(*visitor.aggregates, catalog);
  model::RecommendContext ctx{.now_ms = now, .count = count, .allowed = &allowed,
                              .context_items = context, .history = history,
                              .country = country_id, .preferred_categories = preferred,
                              .personalized = personalized};
  // The placement's strategy first; later recommenders fill what it leaves.
  struct Picked {
    model::ScoredItem item;
    const model::Recommender* source;
  };
  std::vector<Picked> picked;
  const auto strategy = Strategy(request.placement(), *snap);
  for (const model::Recommender* recommender : strategy) {
    if (picked.size() >= static_cast<size_t>(count)) break;
    ctx.count = count - static_cast<int>(picked.size());
    for (const auto& s : recommender->Recommend(ctx)) {
      allowed.Reset(s.item);
      picked.push_back({s, recommender});
    }
  }

  response->set_recommendation_id(NewRecommendationId());
  const bool modelled = !picked.empty() && picked.front().source != snap->popular.get() &&
                        picked.front().source != snap->trending.get();
  response->set_model_version(modelled && snap->model
                                  ? snap->model->version
                                  : absl::StrCat("popularity-g", snap->generation));
  response->set_personalized(personalized || !history.empty());
  response->set_placement(request.placement().empty() ? "default" : request.placement());
  for (const Picked& p : picked) {
    auto* out = response->add_items();
    *out->mutable_item() = *snap->items[p.item.item];
    out->set_score(p.item.score);
    out->set_reason_code(ToReasonCode(p.item.reason));
    out->set_reason(ReasonText(p.item, *snap, country));
    out->set_source(std::string(p.source->name()));
    out->set_fallback(p.source != strategy.front());
  }
  return absl::OkStatus();
}

}  // namespace persona::server
