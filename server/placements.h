// Placements: where recommendations are shown and how each is chosen.
//
// A placement names its strategy (recommenders and their weights in the
// blend), its default count, its business rules (rule language, see
// docs/RULES.md) and optionally experiment variants with traffic shares.
// Built-in placements cover the usual pages (docs/PLACEMENTS.md); the
// config's `placements` override or add to them. A request naming a
// placement that is not configured is answered with the "default"
// placement's settings under its own name, so attribution still separates it.
//
// Immutable after Build: share the shared_ptr across threads; a reload builds
// a new Placements and swaps it in (see PlacementsHolder).
#ifndef PERSONA_SERVER_PLACEMENTS_H_
#define PERSONA_SERVER_PLACEMENTS_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "persona/config/v1/config.pb.h"

namespace persona::server {

// The recommenders a strategy may name.
inline constexpr std::string_view kRecommenderNames[] = {
    "als",        "similar",           "bought_together",     "viewed_together",
    "popularity", "trending",          "country_popularity",  "category_popularity",
    "recently_viewed", "buy_again",    "new_arrivals"};

struct StrategyStage {
  std::string recommender;
  double weight = 1.0;
};

struct PlacementVariant {
  // "default" when the placement runs no experiment.
  std::string name;
  double share = 1.0;
  std::vector<StrategyStage> strategy;
  // Rule-language text; validated at Build.
  std::string rules;
};

struct Placement {
  std::string name;
  std::string description;
  int default_count = 10;
  // At least one; shares sum to 1.
  std::vector<PlacementVariant> variants;
};

// Checks one rule text; returns INVALID_ARGUMENT describing the problem.
using RuleChecker = std::function<absl::Status(std::string_view rules)>;

class Placements {
 public:
  // The built-in placements overridden and extended by `configured`. Every
  // problem fails the whole build with INVALID_ARGUMENT naming it, e.g.
  // "placements[2] (cart).variants[1].rules: ...".
  static absl::StatusOr<std::shared_ptr<const Placements>> Build(
      const google::protobuf::RepeatedPtrField<config::v1::PlacementConfig>& configured,
      const RuleChecker& check_rules);

  // The placement of that name, or the "default" placement.
  const Placement& Get(std::string_view name) const;
  bool Has(std::string_view name) const {
    return by_name_.contains(absl::string_view(name.data(), name.size()));
  }
  // Every placement, sorted by name.
  std::vector<const Placement*> All() const;

 private:
  Placements() = default;
  absl::flat_hash_map<std::string, Placement> by_name_;
};

// Returns the built-in placements as config (for docs and tests).
google::protobuf::RepeatedPtrField<config::v1::PlacementConfig> BuiltinPlacements();

// The current Placements, swapped atomically on reload. Thread-safe.
class PlacementsHolder {
 public:
  explicit PlacementsHolder(std::shared_ptr<const Placements> initial)
      : current_(std::move(initial)) {}
  std::shared_ptr<const Placements> Get() const {
    absl::MutexLock lock(&mu_);
    return current_;
  }
  void Set(std::shared_ptr<const Placements> next) {
    absl::MutexLock lock(&mu_);
    current_ = std::move(next);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Placements> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_PLACEMENTS_H_
