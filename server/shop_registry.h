// The in-memory serving state of each shop: the catalog as an indexed
// snapshot, the items' API messages for responses, and the popularity
// rankings. Loaded from storage on a shop's first use; kept current by the
// write paths (catalog upserts, tracked events).
//
// Thread-safe. Readers take an immutable Snapshot (a shared_ptr copy) and
// never hold a lock while scoring. Catalog changes are visible on the next
// Snapshot() call; popularity changes within `popularity_refresh_ms`.
#ifndef PERSONA_SERVER_SHOP_REGISTRY_H_
#define PERSONA_SERVER_SHOP_REGISTRY_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "model/als_recommender.h"
#include "model/bought_together.h"
#include "model/catalog_index.h"
#include "model/page_recommenders.h"
#include "model/popularity.h"
#include "persona/storage/v1/records.pb.h"
#include "persona/v1/common.pb.h"
#include "server/serving_model.h"
#include "storage/database.h"

namespace persona::server {

namespace rec = ::persona::storage::v1;

// What one request scores against.
struct ShopSnapshot {
  std::shared_ptr<const model::CatalogIndex> catalog;
  // API messages of the catalog's items, by catalog index.
  std::vector<std::shared_ptr<const persona::v1::Item>> items;
  std::shared_ptr<const model::PopularityModel> popularity;
  std::shared_ptr<const model::Recommender> popular;
  std::shared_ptr<const model::Recommender> trending;
  // The trained model, when there is one, and its recommenders aligned with
  // this catalog (null when no model is trained or it cannot be aligned).
  std::shared_ptr<const ServingModel> model;
  std::shared_ptr<const model::AlsRecommender> als;
  std::shared_ptr<const model::Recommender> bought_together;
  std::shared_ptr<const model::Recommender> viewed_together;
  // Items similar by factor cosine (null without a model).
  std::shared_ptr<const model::Recommender> similar;
  // The smaller recommenders page placements blend (model/page_recommenders.h).
  std::shared_ptr<const model::Recommender> country_popular;
  std::shared_ptr<const model::Recommender> category_popular;
  std::shared_ptr<const model::Recommender> recently_viewed;
  std::shared_ptr<const model::Recommender> buy_again;
  std::shared_ptr<const model::Recommender> new_arrivals;
  // Increases with every rebuild; part of the model version.
  int64_t generation = 0;
};

struct ShopOptions {
  model::PopularityOptions popularity;
  // Popularity rankings are rebuilt at most this often (default 1 s).
  int64_t popularity_refresh_ms = 1000;
  // Share of model answers reserved for new items (default 0.1).
  double exploration_share = 0.1;
  // Items created this recently are "new arrivals" (default 30 days).
  int64_t new_arrival_window_ms = 30 * 86'400'000LL;
};

// One shop's serving state.
class Shop {
 public:
  Shop(std::string name, ShopOptions options, const Clock* clock);

  const std::string& name() const { return name_; }
  // Returns the current snapshot, rebuilding it first when the catalog
  // changed, or when scores changed and the refresh interval has passed.
  std::shared_ptr<const ShopSnapshot> Snapshot();

  void ApplyItems(const std::vector<rec::ItemRecord>& items);
  void ApplyCategories(const std::vector<rec::CategoryRecord>& categories);
  // Takes the records (callers move them in: they carry per-country maps).
  void ApplyItemStats(std::vector<std::pair<std::string, rec::ItemStatsRecord>> stats);
  // Serves `model` from the next snapshot on.
  void SetModel(std::shared_ptr<const ServingModel> model);
  // Returns the item's statistics (zero when it has none).
  rec::ItemStatsRecord ItemStats(const std::string& item_id) const;
  // Returns the model set last (null when none), without rebuilding the
  // snapshot; for metrics.
  std::shared_ptr<const ServingModel> model() const;

  // Events accepted since this process started.
  std::atomic<int64_t> events_since_start{0};

 private:
  std::shared_ptr<const ShopSnapshot> Rebuild(bool catalog_changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Builds the model's recommenders for `next`'s catalog.
  void AlignModel(ShopSnapshot& next) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  const ShopOptions options_;
  const Clock* const clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, rec::ItemRecord> items_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> repeat_categories_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, rec::ItemStatsRecord> stats_ ABSL_GUARDED_BY(mu_);
  bool catalog_dirty_ ABSL_GUARDED_BY(mu_) = true;
  bool scores_dirty_ ABSL_GUARDED_BY(mu_) = true;
  std::shared_ptr<const ServingModel> model_ ABSL_GUARDED_BY(mu_);
  int64_t last_rebuild_ms_ ABSL_GUARDED_BY(mu_) = 0;
  std::shared_ptr<const ShopSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

// All shops of the server, created on first use.
class ShopRegistry {
 public:
  ShopRegistry(storage::Database* db, ShopOptions options, const Clock* clock);

  // Returns the shop's state, loading it from storage on first use.
  absl::StatusOr<Shop*> Get(const std::string& shop);
  // Returns the shops loaded so far (they live as long as the registry),
  // without loading any; for metrics.
  std::vector<Shop*> Loaded();

 private:
  storage::Database* const db_;
  const ShopOptions options_;
  const Clock* const clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Shop>> shops_ ABSL_GUARDED_BY(mu_);
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_SHOP_REGISTRY_H_
