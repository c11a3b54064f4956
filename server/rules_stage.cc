#include "server/rules_stage.h"

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "model/rules/compile.h"
#include "model/rules/parser.h"
#include "model/rules/rank.h"

namespace persona::server {
namespace {

namespace rules = ::persona::model::rules;

// Distinct rule texts kept parsed; placements have a handful, requests may
// vary, so the cache is bounded and simply emptied when full.
constexpr size_t kMaxParsedTexts = 1024;
// Compiled rules (placement and request) kept per (text, catalog serial); each holds a few
// item masks of catalog-size / 8 bytes.
constexpr size_t kMaxCompiledConfigs = 256;
// Time-dependent rules are compiled once per this period.
constexpr int64_t kTimeBucketMs = 60'000;

// Process-wide caches: Make is static, and rule texts and catalog serials are
// the same for every caller, so sharing is what makes them pay.
class RuleCache {
 public:
  static RuleCache& Get() {
    static RuleCache* cache = new RuleCache();
    return *cache;
  }

  // Returns the parsed rules of `text` (parsing errors are not cached).
  absl::StatusOr<std::shared_ptr<const rules::RuleSet>> Parse(const std::string& text) {
    {
      absl::MutexLock lock(&mu_);
      if (auto it = parsed_.find(text); it != parsed_.end()) return it->second;
    }
    absl::StatusOr<rules::RuleSet> parsed = rules::ParseRules(text);
    if (!parsed.ok()) return parsed.status();
    auto shared = std::make_shared<const rules::RuleSet>(*std::move(parsed));
    absl::MutexLock lock(&mu_);
    if (parsed_.size() >= kMaxParsedTexts) parsed_.clear();
    parsed_.emplace(text, shared);
    return shared;
  }

  // Returns `rule_set` (the parse of `text`) compiled against `catalog`,
  // reusing an earlier compilation for the same catalog. Rules that depend on
  // the request time ("created within 7d") are compiled against the start of
  // the current minute and reused within it, so a window edge may lag by up
  // to a minute.
  std::shared_ptr<const rules::CompiledRules> Compile(const std::string& text,
                                                      const rules::RuleSet& rule_set,
                                                      const model::CatalogIndex& catalog,
                                                      int64_t now_ms) {
    const int64_t minute = now_ms - now_ms % kTimeBucketMs;
    const Key timeless(text, catalog.serial(), -1);
    const Key timed(text, catalog.serial(), minute);
    {
      absl::MutexLock lock(&mu_);
      if (auto it = compiled_.find(timeless); it != compiled_.end()) return it->second;
      if (auto it = compiled_.find(timed); it != compiled_.end()) return it->second;
    }
    auto compiled =
        std::make_shared<const rules::CompiledRules>(rules::Compile(rule_set, catalog, minute));
    absl::MutexLock lock(&mu_);
    if (compiled_.size() >= kMaxCompiledConfigs) compiled_.clear();
    compiled_.emplace(compiled->uses_request_time ? timed : timeless, compiled);
    return compiled;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const rules::RuleSet>> parsed_
      ABSL_GUARDED_BY(mu_);
  // (rule text, catalog serial, minute or -1 for rules without request time).
  using Key = std::tuple<std::string, uint64_t, int64_t>;
  absl::flat_hash_map<Key, std::shared_ptr<const rules::CompiledRules>> compiled_
      ABSL_GUARDED_BY(mu_);
};

// Items the visitor-dependent exclusions remove: the cart, purchases within
// the window (unless repeat-purchase), items shown often enough lately.
std::vector<int32_t> VisitorExclusions(const rules::CompiledRules& r,
                                       const model::CatalogIndex& catalog,
                                       const Visitor& visitor, int64_t now_ms) {
  std::vector<int32_t> out;
  if (r.exclude_cart) out.insert(out.end(), visitor.cart.begin(), visitor.cart.end());
  if (r.exclude_bought_within_ms) {
    const int64_t window = *r.exclude_bought_within_ms;
    for (const auto& [item, time_ms] : visitor.bought) {
      if (item < 0 || item >= catalog.size() || catalog.RepeatPurchase(item)) continue;
      if (window == 0 || time_ms >= now_ms - window) out.push_back(item);
    }
  }
  for (const rules::ExcludeShownStmt& s : r.exclude_shown) {
    for (const Visitor::Shown& shown : visitor.shown) {
      int32_t times = 0;
      for (int64_t t : shown.times_ms) times += t >= now_ms - s.within_ms ? 1 : 0;
      if (times >= s.times) out.push_back(shown.item);
    }
  }
  return out;
}

}  // namespace

struct RulesStage::Compiled {
  std::shared_ptr<const rules::CompiledRules> rules;
  std::shared_ptr<const model::CatalogIndex> catalog;
  // The shop's best sellers, for promotions short of matching candidates.
  std::shared_ptr<const model::PopularityModel> popularity;
  std::vector<int32_t> visitor_excluded;
};

absl::Status CheckRules(std::string_view text) { return model::rules::ParseRules(text).status(); }

absl::StatusOr<RulesStage> RulesStage::Make(const std::string& placement_rules,
                                            const std::string& request_rules,
                                            const ShopSnapshot& snap, const Visitor& visitor,
                                            int64_t now_ms) {
  RuleCache& cache = RuleCache::Get();
  absl::StatusOr<std::shared_ptr<const rules::RuleSet>> config = cache.Parse(placement_rules);
  // Config rules were checked at start-up; failing now is our bug, not the caller's.
  if (!config.ok()) {
    return absl::InternalError(absl::StrCat("placement rules: ", config.status().message()));
  }
  absl::StatusOr<std::shared_ptr<const rules::RuleSet>> request = cache.Parse(request_rules);
  if (!request.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("rules: ", request.status().message()));
  }
  auto compiled = std::make_shared<Compiled>();
  compiled->catalog = snap.catalog;
  compiled->popularity = snap.popularity;
  std::shared_ptr<const rules::CompiledRules> from_config =
      cache.Compile(placement_rules, **config, *snap.catalog, now_ms);
  if ((*request)->empty()) {
    compiled->rules = std::move(from_config);
  } else {
    compiled->rules = std::make_shared<const rules::CompiledRules>(rules::MergeCompiled(
        *from_config, *cache.Compile(request_rules, **request, *snap.catalog, now_ms)));
  }
  compiled->visitor_excluded =
      VisitorExclusions(*compiled->rules, *snap.catalog, visitor, now_ms);
  return RulesStage(std::move(compiled));
}

RulesStage::RulesStage(std::shared_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}
RulesStage::~RulesStage() = default;

void RulesStage::Restrict(model::ItemMask& allowed) const {
  const rules::CompiledRules& r = *compiled_->rules;
  if (r.restricts && r.allowed.size() == allowed.size()) allowed.And(r.allowed);
  for (int32_t i : compiled_->visitor_excluded) allowed.ResetIfValid(i);
}

std::vector<Pick> RulesStage::Choose(const std::vector<Pick>& candidates, int count,
                                     const model::ItemMask& allowed) const {
  std::vector<rules::RankInput> inputs;
  inputs.reserve(candidates.size());
  for (const Pick& p : candidates) inputs.push_back({p.item.item, p.score});
  std::span<const int32_t> supply;
  if (compiled_->popularity != nullptr) supply = compiled_->popularity->popular_order();
  const std::vector<rules::Ranked> ranked = rules::ChooseItems(
      *compiled_->rules, *compiled_->catalog, inputs, count, allowed, supply);
  std::vector<Pick> out;
  out.reserve(ranked.size());
  for (const rules::Ranked& r : ranked) {
    Pick pick;
    if (r.origin >= 0) {
      pick = candidates[r.origin];
    } else {
      pick.item = {r.item, r.score, model::Reason::kPopular};
      pick.source = r.pinned ? "pin" : "promotion";
    }
    pick.score = r.score;
    pick.pinned = r.pinned;
    pick.promoted = r.promoted;
    pick.boosted = r.boosted;
    out.push_back(pick);
  }
  return out;
}

bool RulesStage::Ranks() const { return compiled_->rules->ranks(); }

bool RulesStage::HandlesBought() const {
  return compiled_->rules->exclude_bought_within_ms.has_value();
}

std::vector<Pick> RulesStage::Fill(std::vector<Pick> chosen, const std::vector<Pick>& extra,
                                   int count) const {
  std::vector<int32_t> taken;
  taken.reserve(chosen.size());
  for (const Pick& p : chosen) taken.push_back(p.item.item);
  std::vector<rules::RankInput> inputs;
  inputs.reserve(extra.size());
  for (const Pick& p : extra) inputs.push_back({p.item.item, p.score});
  for (const rules::Ranked& r :
       rules::FillItems(*compiled_->rules, *compiled_->catalog, taken, inputs, count)) {
    Pick pick = extra[r.origin];
    pick.score = r.score;
    pick.boosted = r.boosted;
    chosen.push_back(pick);
  }
  return chosen;
}

}  // namespace persona::server
