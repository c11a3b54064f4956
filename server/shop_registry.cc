#include "server/shop_registry.h"

#include <algorithm>
#include <cstdio>

#include "common/status_macros.h"
#include "server/convert.h"
#include "server/log.h"

namespace persona::server {

Shop::Shop(std::string name, ShopOptions options, const Clock* clock)
    : name_(std::move(name)), options_(options), clock_(clock) {}

void Shop::ApplyItems(const std::vector<rec::ItemRecord>& items) {
  absl::MutexLock lock(&mu_);
  for (const auto& item : items) items_[item.id()] = item;
  catalog_dirty_ = true;
}

void Shop::ApplyCategories(const std::vector<rec::CategoryRecord>& categories) {
  absl::MutexLock lock(&mu_);
  for (const auto& c : categories) {
    const std::string path = model::JoinCategoryPath(
        std::vector<std::string>(c.path().begin(), c.path().end()));
    if (c.repeat_purchase()) {
      repeat_categories_.insert(path);
    } else {
      repeat_categories_.erase(path);
    }
  }
  catalog_dirty_ = true;
}

void Shop::ApplyItemStats(std::vector<std::pair<std::string, rec::ItemStatsRecord>> stats) {
  if (stats.empty()) return;
  absl::MutexLock lock(&mu_);
  for (auto& [id, record] : stats) stats_.insert_or_assign(std::move(id), std::move(record));
  scores_dirty_ = true;
}

void Shop::SetModel(std::shared_ptr<const ServingModel> model) {
  absl::MutexLock lock(&mu_);
  model_ = std::move(model);
  catalog_dirty_ = true;  // realign the model's item ids with the catalog
}

std::shared_ptr<const ServingModel> Shop::model() const {
  absl::MutexLock lock(&mu_);
  return model_;
}

rec::ItemStatsRecord Shop::ItemStats(const std::string& item_id) const {
  absl::MutexLock lock(&mu_);
  auto it = stats_.find(item_id);
  return it == stats_.end() ? rec::ItemStatsRecord() : it->second;
}

std::shared_ptr<const ShopSnapshot> Shop::Snapshot() {
  absl::MutexLock lock(&mu_);
  if (catalog_dirty_ || snapshot_ == nullptr) return snapshot_ = Rebuild(true);
  if (scores_dirty_ && clock_->NowMs() - last_rebuild_ms_ >= options_.popularity_refresh_ms) {
    return snapshot_ = Rebuild(false);
  }
  return snapshot_;
}

std::shared_ptr<const ShopSnapshot> Shop::Rebuild(bool catalog_changed) {
  auto next = std::make_shared<ShopSnapshot>();
  if (catalog_changed || snapshot_ == nullptr) {
    // Sorted by id so indices are deterministic across restarts.
    std::vector<const rec::ItemRecord*> records;
    records.reserve(items_.size());
    for (const auto& [id, record] : items_) records.push_back(&record);
    std::sort(records.begin(), records.end(),
              [](const auto* a, const auto* b) { return a->id() < b->id(); });
    std::vector<model::ItemInfo> infos;
    infos.reserve(records.size());
    next->items.reserve(records.size());
    for (const auto* r : records) {
      infos.push_back(ToItemInfo(*r));
      next->items.push_back(std::make_shared<const persona::v1::Item>(FromRecord(*r)));
    }
    std::vector<std::string> repeat(repeat_categories_.begin(), repeat_categories_.end());
    next->catalog = model::CatalogIndex::Build(std::move(infos), repeat);
  } else {
    next->catalog = snapshot_->catalog;
    next->items = snapshot_->items;
  }
  const model::CatalogIndex& catalog = *next->catalog;
  std::vector<model::ItemPopularity> scores(catalog.size());
  for (int32_t i = 0; i < catalog.size(); ++i) {
    auto it = stats_.find(catalog.item(i).id);
    if (it == stats_.end()) continue;
    const rec::ItemStatsRecord& s = it->second;
    auto& out = scores[i];
    if (s.has_popularity()) out.popularity_log2 = s.popularity().log2();
    if (s.has_trending()) out.trending_log2 = s.trending().log2();
    for (const auto& [country, score] : s.country_popularity()) {
      out.by_country.emplace_back(country, score.log2());
    }
  }
  next->popularity = model::PopularityModel::Build(next->catalog, scores, options_.popularity);
  next->popular = std::make_shared<model::PopularityRecommender>(next->popularity);
  next->trending = std::make_shared<model::TrendingRecommender>(next->popularity);
  next->country_popular = std::make_shared<model::CountryPopularityRecommender>(next->popularity);
  next->category_popular = std::make_shared<model::CategoryPopularityRecommender>(next->popularity);
  if (catalog_changed || snapshot_ == nullptr) {
    next->recently_viewed = std::make_shared<model::RecentlyViewedRecommender>();
    next->buy_again = std::make_shared<model::BuyAgainRecommender>(next->catalog);
    next->new_arrivals = std::make_shared<model::NewArrivalsRecommender>(
        next->catalog, options_.new_arrival_window_ms);
  } else {
    next->recently_viewed = snapshot_->recently_viewed;
    next->buy_again = snapshot_->buy_again;
    next->new_arrivals = snapshot_->new_arrivals;
  }
  if (catalog_changed && model_ != nullptr) {
    AlignModel(*next);
  } else if (snapshot_ != nullptr) {
    next->model = snapshot_->model;
    next->als = snapshot_->als;
    next->bought_together = snapshot_->bought_together;
    next->viewed_together = snapshot_->viewed_together;
    next->similar = snapshot_->similar;
  }
  next->generation = snapshot_ == nullptr ? 1 : snapshot_->generation + 1;
  catalog_dirty_ = false;
  scores_dirty_ = false;
  last_rebuild_ms_ = clock_->NowMs();
  return next;
}

void Shop::AlignModel(ShopSnapshot& next) {
  next.model = model_;
  model::TrainedItems trained;
  trained.item_ids = model_->als.item_ids;
  trained.dim = model_->als.factors.factors;
  trained.factors = model_->als.factors.item_factors;
  trained.weighting = model_->als.weighting;
  auto als = model::AlsRecommender::Create(next.catalog, trained, model_->als.options,
                                           model_->version, options_.exploration_share);
  if (als.ok()) {
    next.als = *std::move(als);
    next.similar = std::make_shared<model::SimilarItemsRecommender>(next.als->factors());
  } else {
    LogError("model cannot serve", {{"shop", name_}, {"version", model_->version},
                                    {"error", als.status()}});
  }
  next.bought_together = model::BoughtTogetherRecommender::Create(next.catalog,
                                                                  model_->bought_together);
  next.viewed_together = model::BoughtTogetherRecommender::Create(
      next.catalog, model_->viewed_together, "viewed_together", model::Reason::kSimilarToViewed);
}

ShopRegistry::ShopRegistry(storage::Database* db, ShopOptions options, const Clock* clock)
    : db_(db), options_(options), clock_(clock) {}

std::vector<Shop*> ShopRegistry::Loaded() {
  absl::MutexLock lock(&mu_);
  std::vector<Shop*> shops;
  shops.reserve(shops_.size());
  for (const auto& [name, shop] : shops_) shops.push_back(shop.get());
  return shops;
}

absl::StatusOr<Shop*> ShopRegistry::Get(const std::string& name) {
  absl::MutexLock lock(&mu_);
  auto it = shops_.find(name);
  if (it != shops_.end()) return it->second.get();
  auto shop = std::make_unique<Shop>(name, options_, clock_);
  std::vector<rec::ItemRecord> items;
  RETURN_IF_ERROR(db_->catalog().ScanItems(name, [&](const rec::ItemRecord& r) {
    items.push_back(r);
    return true;
  }));
  shop->ApplyItems(items);
  std::vector<rec::CategoryRecord> categories;
  RETURN_IF_ERROR(db_->catalog().ScanCategories(name, [&](const rec::CategoryRecord& r) {
    categories.push_back(r);
    return true;
  }));
  shop->ApplyCategories(categories);
  std::vector<std::pair<std::string, rec::ItemStatsRecord>> stats;
  RETURN_IF_ERROR(db_->catalog().ScanItemStats(
      name, [&](std::string_view id, const rec::ItemStatsRecord& r) {
        stats.emplace_back(std::string(id), r);
        return true;
      }));
  shop->ApplyItemStats(std::move(stats));
  Shop* raw = shop.get();
  shops_.emplace(name, std::move(shop));
  return raw;
}

}  // namespace persona::server
