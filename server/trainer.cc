#include "server/trainer.h"

#include <chrono>
#include <cstdio>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "model/interactions.h"
#include "model/serving_model.h"
#include "server/log.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;

// persona.v1.EventType numbers.
enum : int {
  kProductView = 1, kAddToCart = 4, kRemoveFromCart = 5, kPurchase = 6, kReturn = 7,
  kRating = 8, kEmailClick = 10, kRecommendationClick = 12
};

// Dense indices for string keys, in order of first sight.
class Indexer {
 public:
  int32_t Index(std::string_view key) {
    auto [it, inserted] = index_.try_emplace(absl::string_view(key.data(), key.size()),
                                             static_cast<int32_t>(keys_.size()));
    if (inserted) keys_.emplace_back(key);
    return it->second;
  }
  int32_t size() const { return static_cast<int32_t>(keys_.size()); }
  std::vector<std::string>& keys() { return keys_; }

 private:
  absl::flat_hash_map<std::string, int32_t> index_;
  std::vector<std::string> keys_;
};

// Everything training reads from one scan of a shop's events.
struct TrainingData {
  Indexer users, items, orders, sessions;
  std::vector<model::Triple> interactions, bought, viewed;
};

std::vector<model::NeighborList> ToLists(const model::ItemNeighbors& neighbors,
                                         const std::vector<std::string>& ids) {
  std::vector<model::NeighborList> lists;
  for (int32_t i = 0; i < neighbors.num_items(); ++i) {
    auto nbs = neighbors.Neighbors(i);
    if (nbs.empty()) continue;
    model::NeighborList list{ids[i], {}};
    list.neighbors.reserve(nbs.size());
    for (const auto& nb : nbs) list.neighbors.emplace_back(ids[nb.item], nb.score);
    lists.push_back(std::move(list));
  }
  return lists;
}

absl::StatusOr<std::vector<model::NeighborList>> Neighbors(
    Indexer& groups, const std::vector<model::Triple>& triples, int32_t num_items,
    const std::vector<std::string>& item_ids, const model::NeighborOptions& options) {
  if (triples.empty()) return std::vector<model::NeighborList>();
  ASSIGN_OR_RETURN(auto matrix, model::InteractionMatrix::Build(groups.size(), num_items, triples));
  ASSIGN_OR_RETURN(auto neighbors, model::ItemNeighbors::Build(matrix, options));
  return ToLists(*neighbors, item_ids);
}

std::string VersionAt(int64_t ms) {
  return absl::StrCat("als-", absl::FormatTime("%Y%m%dT%H%M%E3SZ", absl::FromUnixMillis(ms),
                                               absl::UTCTimeZone()));
}

}  // namespace

TrainerOptions DefaultTrainerOptions() {
  TrainerOptions o;
  o.als = model::TunedAlsOptions();
  o.neighbors.max_neighbors = 30;
  return o;
}

void ApplyTrainingConfig(const persona::config::v1::TrainingConfig& c, TrainerOptions& o) {
  if (c.factors() > 0) o.als.factors = c.factors();
  if (c.regularization() > 0) o.als.regularization = static_cast<float>(c.regularization());
  if (c.alpha() > 0) o.als.alpha = static_cast<float>(c.alpha());
  if (c.iterations() > 0) o.als.iterations = c.iterations();
  if (c.threads() > 0) o.als.threads = c.threads();
  if (c.min_interactions() > 0) o.min_interactions = c.min_interactions();
  o.validation_fraction = c.validation_fraction();
  o.neighbors.threads = o.als.threads;
}

float InteractionStrength(const rec::EventRecord& e) {
  return InteractionStrength(e.type(), e.value());
}

float InteractionStrength(int type, double value) {
  switch (type) {
    case kProductView: return 1.0f;
    case kAddToCart: return 3.0f;
    case kPurchase: return 5.0f;
    case kRecommendationClick: return 2.0f;
    case kEmailClick: return 1.0f;
    case kRating: return value >= 4 ? 4.0f : value >= 3 ? 1.0f : -2.0f;
    case kRemoveFromCart: return -1.0f;
    case kReturn: return -5.0f;
    default: return 0.0f;
  }
}

Trainer::Trainer(storage::Database* db, ShopRegistry* shops, TrainerOptions options,
                 const Clock* clock)
    : db_(db), shops_(shops), options_(std::move(options)), clock_(clock) {}

absl::StatusOr<ServingModel> Trainer::Build(const std::string& shop) {
  // Customers who withheld personalization consent are kept out of training.
  absl::flat_hash_set<std::string> opted_out;
  RETURN_IF_ERROR(db_->profiles().ScanCustomers(shop, [&](const rec::CustomerRecord& c) {
    if (c.has_consent_personalization() && !c.consent_personalization()) opted_out.insert(c.id());
    return true;
  }));
  TrainingData d;
  std::string key;
  RETURN_IF_ERROR(db_->events().ScanEvents(
      shop, [&](const storage::Subject& subject, const rec::EventRecord& e) {
        const bool customer = subject.kind == storage::Subject::Kind::kCustomer;
        if (customer && opted_out.contains(subject.id)) return true;
        const float strength = InteractionStrength(e);
        if (strength == 0 || e.items_size() == 0) return true;
        key.assign(customer ? "C" : "S").append(subject.id);
        const int32_t user = d.users.Index(key);
        const int32_t order = e.type() == kPurchase && !e.order_id().empty()
                                  ? d.orders.Index(key + "\x1f" + e.order_id()) : -1;
        const int32_t session = e.type() == kProductView && !e.session_id().empty()
                                    ? d.sessions.Index(e.session_id()) : -1;
        for (const auto& item : e.items()) {
          const int32_t i = d.items.Index(item.item_id());
          d.interactions.push_back({user, i, strength, e.timestamp_ms()});
          if (order >= 0) d.bought.push_back({order, i, 1.0f, 0});
          if (session >= 0) d.viewed.push_back({session, i, 1.0f, 0});
        }
        return true;
      }));
  if (static_cast<int64_t>(d.interactions.size()) < options_.min_interactions) {
    return absl::FailedPreconditionError(absl::StrCat(
        "shop '", shop, "' has ", d.interactions.size(), " interactions; training needs at least ",
        options_.min_interactions));
  }
  ASSIGN_OR_RETURN(auto matrix, model::InteractionMatrix::Build(d.users.size(), d.items.size(),
                                                                d.interactions));
  // BM25-weighted implicit ALS; serving folds users in from their current
  // behaviour through the same weighting, so only item factors are kept.
  model::ServingTrainOptions train;
  train.als = options_.als;
  train.bm25 = options_.bm25;
  train.validation_fraction = options_.validation_fraction;
  ServingModel out;
  ASSIGN_OR_RETURN(out.als, model::TrainServingModel(matrix, d.items.keys(), train, *clock_));
  out.users = d.users.size();
  out.interactions = matrix.nnz();
  ASSIGN_OR_RETURN(out.bought_together, Neighbors(d.orders, d.bought, d.items.size(),
                                                  d.items.keys(), options_.neighbors));
  ASSIGN_OR_RETURN(out.viewed_together, Neighbors(d.sessions, d.viewed, d.items.size(),
                                                  d.items.keys(), options_.neighbors));
  return out;
}

absl::StatusOr<std::shared_ptr<const ServingModel>> Trainer::Train(const std::string& shop) {
  absl::MutexLock lock(&train_mu_);
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(ServingModel model, Build(shop));
  model.trained_time_ms = clock_->NowMs();
  model.training_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  model.version = VersionAt(model.trained_time_ms);
  ASSIGN_OR_RETURN(const std::string bytes, EncodeServingModel(model));
  RETURN_IF_ERROR(db_->models().PutModel(shop, model.version, bytes));
  auto shared = std::make_shared<const ServingModel>(std::move(model));
  state->SetModel(shared);
  return shared;
}

absl::StatusOr<std::shared_ptr<const ServingModel>> Trainer::LoadStored(const std::string& shop) {
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  std::shared_ptr<const ServingModel> loaded;
  RETURN_IF_ERROR(db_->models().ScanModels(shop, [&](std::string_view version,
                                                     std::string_view bytes) {
    absl::StatusOr<ServingModel> model = DecodeServingModel(bytes);
    if (model.ok()) {
      loaded = std::make_shared<const ServingModel>(*std::move(model));
      return false;
    }
    LogWarning("stored model refused; trying an older one (retrain with `persona train`)",
               {{"shop", shop}, {"version", version}, {"error", model.status()}});
    return true;
  }));
  if (loaded == nullptr) return absl::NotFoundError(absl::StrCat("no usable model for '", shop, "'"));
  state->SetModel(loaded);
  return loaded;
}

}  // namespace persona::server
