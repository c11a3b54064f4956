#include "server/placements.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "model/experiment.h"

namespace persona::server {
namespace {

namespace cfg = ::persona::config::v1;

constexpr int kDefaultCount = 10;
constexpr int kMaxCount = 100;
constexpr double kMaxWeight = 100;

struct Builtin {
  const char* name;
  const char* description;
  std::vector<std::pair<const char*, double>> strategy;
  const char* rules;
};

// The placements every shop has unless its config overrides them.
const std::vector<Builtin>& Builtins() {
  static const auto* builtins = new std::vector<Builtin>{
      {"default", "Any placement not configured: personalised, else popular.", {{"als", 1}}, ""},
      {"home", "Home page \"for you\".", {{"als", 1}, {"trending", 0.2}}, "max per category 3"},
      {"category", "Category or landing page: the category's best sellers for this visitor.",
       {{"als", 1}, {"category_popularity", 1}}, ""},
      {"product", "Product page \"similar items\".",
       {{"similar", 1}, {"viewed_together", 1}, {"als", 0.5}}, ""},
      {"complete_the_look", "Product page \"complete the look\": bought with this item.",
       {{"bought_together", 1}, {"als", 0.3}}, "max per category 2"},
      {"cart", "Cart \"frequently bought together\".", {{"bought_together", 1}, {"als", 0.5}}, ""},
      {"checkout", "Checkout add-ons.", {{"bought_together", 1}, {"als", 0.5}}, ""},
      {"post_purchase", "After the order: what goes with it.",
       {{"bought_together", 1}, {"als", 1}}, ""},
      {"post-purchase", "Alias of post_purchase.", {{"bought_together", 1}, {"als", 1}}, ""},
      {"buy_again", "\"Buy it again\" for repeat-purchase categories.", {{"buy_again", 1}}, ""},
      {"recently_viewed", "The visitor's recently viewed items.", {{"recently_viewed", 1}}, ""},
      {"trending", "\"Trending now\".", {{"trending", 1}}, ""},
      {"new_arrivals", "\"New arrivals for you\".", {{"new_arrivals", 1}}, ""},
      {"rank", "RankItems: orders the shop's own list.", {{"als", 1}}, ""},
      // Email campaigns (CampaignService), one per campaign type.
      {"email_welcome", "Welcome email: personalised from declared preferences, else best sellers.",
       {{"als", 1}, {"popularity", 0.5}}, "max per category 2"},
      {"email_win_back", "Win-back email: what the lapsing customer is likely to want now.",
       {{"als", 1}, {"trending", 0.3}}, "max per category 2"},
      {"email_abandoned_cart", "Abandoned-cart email: what goes with the cart (the cart is context).",
       {{"bought_together", 1}, {"als", 0.5}}, ""},
      {"email_cross_sell", "Post-purchase cross-sell: what goes with the last order.",
       {{"bought_together", 1}, {"als", 1}}, "max per category 2"},
      {"email_replenishment", "Replenishment: repeat-purchase items due again.",
       {{"buy_again", 1}}, ""},
      {"email_back_in_stock", "Back in stock: viewed items available again, then similar.",
       {{"recently_viewed", 1}, {"als", 0.5}}, "filter in_stock"},
      {"email_price_drop", "Price drop: viewed items, then what the customer likes.",
       {{"recently_viewed", 1}, {"als", 0.5}}, ""},
      {"email_newsletter", "Newsletter: personalised picks with trends and new arrivals.",
       {{"als", 1}, {"trending", 0.3}, {"new_arrivals", 0.3}}, "max per category 2"},
  };
  return *builtins;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

absl::Status Invalid(const std::string& field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::StatusOr<std::vector<StrategyStage>> ToStrategy(
    const google::protobuf::RepeatedPtrField<cfg::StrategyStage>& stages, const std::string& field) {
  std::vector<StrategyStage> out;
  for (int i = 0; i < stages.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    const auto& s = stages[i];
    const bool known = std::find(std::begin(kRecommenderNames), std::end(kRecommenderNames),
                                 s.recommender()) != std::end(kRecommenderNames);
    if (!known) {
      return Invalid(at + ".recommender", absl::StrCat("unknown recommender \"", s.recommender(),
                                                       "\"; see docs/PLACEMENTS.md"));
    }
    const double weight = s.weight() == 0 ? 1.0 : s.weight();
    if (!(weight > 0 && weight <= kMaxWeight)) {
      return Invalid(at + ".weight", absl::StrCat("must be in (0, ", kMaxWeight, "]"));
    }
    out.push_back({s.recommender(), weight});
  }
  return out;
}

absl::StatusOr<Placement> ToPlacement(const cfg::PlacementConfig& c, const std::string& field,
                                      const RuleChecker& check_rules) {
  Placement p;
  p.name = c.name();
  p.description = c.description();
  p.default_count = c.default_count() == 0 ? kDefaultCount : c.default_count();
  if (p.default_count < 1 || p.default_count > kMaxCount) {
    return Invalid(field + ".default_count", absl::StrCat("must be between 1 and ", kMaxCount));
  }
  if (c.strategy().empty()) return Invalid(field + ".strategy", "needs at least one recommender");
  ASSIGN_OR_RETURN(auto strategy, ToStrategy(c.strategy(), field + ".strategy"));
  if (auto s = check_rules(c.rules()); !s.ok()) return Invalid(field + ".rules", s.message());
  if (c.variants().empty()) {
    p.variants.push_back({"default", 1.0, strategy, c.rules()});
    return p;
  }
  std::vector<model::Variant> shares;
  for (const auto& v : c.variants()) shares.push_back({v.name(), v.share()});
  if (auto s = model::ValidateVariants(shares); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".", s.message()));
  }
  for (int i = 0; i < c.variants_size(); ++i) {
    const auto& v = c.variants(i);
    const std::string at = absl::StrCat(field, ".variants[", i, "]");
    PlacementVariant variant{v.name(), v.share(), strategy, c.rules()};
    if (!v.strategy().empty()) {
      ASSIGN_OR_RETURN(variant.strategy, ToStrategy(v.strategy(), at + ".strategy"));
    }
    if (v.has_rules()) {
      if (auto s = check_rules(v.rules()); !s.ok()) return Invalid(at + ".rules", s.message());
      variant.rules = v.rules();
    }
    p.variants.push_back(std::move(variant));
  }
  return p;
}

}  // namespace

google::protobuf::RepeatedPtrField<cfg::PlacementConfig> BuiltinPlacements() {
  google::protobuf::RepeatedPtrField<cfg::PlacementConfig> out;
  for (const Builtin& b : Builtins()) {
    auto* c = out.Add();
    c->set_name(b.name);
    c->set_description(b.description);
    c->set_default_count(kDefaultCount);
    c->set_rules(b.rules);
    for (const auto& [recommender, weight] : b.strategy) {
      auto* s = c->add_strategy();
      s->set_recommender(recommender);
      s->set_weight(weight);
    }
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const Placements>> Placements::Build(
    const google::protobuf::RepeatedPtrField<cfg::PlacementConfig>& configured,
    const RuleChecker& check_rules) {
  std::shared_ptr<Placements> out(new Placements());
  const auto builtins = BuiltinPlacements();
  for (int i = 0; i < builtins.size(); ++i) {
    const std::string field = absl::StrCat("builtin placement ", builtins[i].name());
    ASSIGN_OR_RETURN(Placement p, ToPlacement(builtins[i], field, check_rules));
    out->by_name_[p.name] = std::move(p);
  }
  absl::flat_hash_map<std::string, int> seen;
  for (int i = 0; i < configured.size(); ++i) {
    const auto& c = configured[i];
    const std::string field = absl::StrCat("placements[", i, "] (", c.name(), ")");
    if (!ValidName(c.name())) return Invalid(field + ".name", "must be 1..64 of [a-z0-9_-]");
    if (!seen.emplace(c.name(), i).second) return Invalid(field + ".name", "duplicate placement");
    ASSIGN_OR_RETURN(Placement p, ToPlacement(c, field, check_rules));
    out->by_name_[p.name] = std::move(p);
  }
  return out;
}

const Placement& Placements::Get(std::string_view name) const {
  if (auto it = by_name_.find(absl::string_view(name.data(), name.size())); it != by_name_.end()) {
    return it->second;
  }
  return by_name_.find("default")->second;
}

std::vector<const Placement*> Placements::All() const {
  std::vector<const Placement*> out;
  for (const auto& [name, p] : by_name_) out.push_back(&p);
  std::sort(out.begin(), out.end(),
            [](const Placement* a, const Placement* b) { return a->name < b->name; });
  return out;
}

}  // namespace persona::server
