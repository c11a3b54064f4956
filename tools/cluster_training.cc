#include "tools/cluster_training.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "model/item_neighbors.h"
#include "model/serving_model.h"

namespace persona::tools {

namespace v1 = ::persona::v1;

int32_t ClusterTrainingSet::Indexer::Index(std::string_view key) {
  auto [it, inserted] = index_.try_emplace(absl::string_view(key.data(), key.size()),
                                           static_cast<int32_t>(keys_.size()));
  if (inserted) keys_.emplace_back(key);
  return it->second;
}

void ClusterTrainingSet::Add(const v1::Interaction& row) {
  const int32_t user = users_.Index(row.user());
  // Orders are per customer, as the server keys them; sessions are global.
  const int32_t order =
      row.order_id().empty() ? -1 : orders_.Index(absl::StrCat(row.user(), "\x1f", row.order_id()));
  const int32_t session = row.session_id().empty() ? -1 : sessions_.Index(row.session_id());
  for (const std::string& id : row.item_ids()) {
    const int32_t item = items_.Index(id);
    interactions_.push_back({user, item, row.strength(), row.timestamp_ms()});
    if (order >= 0) bought_.push_back({order, item, 1.0f, 0});
    if (session >= 0) viewed_.push_back({session, item, 1.0f, 0});
  }
}

absl::StatusOr<std::vector<model::NeighborList>> ClusterTrainingSet::Neighbors(
    const Indexer& groups, const std::vector<model::Triple>& triples, int32_t num_items,
    const std::vector<std::string>& item_ids, int max_neighbors, int threads) {
  std::vector<model::NeighborList> lists;
  if (triples.empty()) return lists;
  ASSIGN_OR_RETURN(auto matrix, model::InteractionMatrix::Build(groups.size(), num_items, triples));
  model::NeighborOptions options;
  options.max_neighbors = max_neighbors;
  options.threads = threads;
  ASSIGN_OR_RETURN(auto neighbors, model::ItemNeighbors::Build(matrix, options));
  for (int32_t i = 0; i < neighbors->num_items(); ++i) {
    auto nbs = neighbors->Neighbors(i);
    if (nbs.empty()) continue;
    model::NeighborList list{item_ids[i], {}};
    list.neighbors.reserve(nbs.size());
    for (const auto& nb : nbs) list.neighbors.emplace_back(item_ids[nb.item], nb.score);
    lists.push_back(std::move(list));
  }
  return lists;
}

absl::StatusOr<ClusterModel> ClusterTrainingSet::Train(const v1::TrainingSettings& settings,
                                                       int threads, const Clock& clock) const {
  if (interactions() < settings.min_interactions()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the shards hold ", interactions(), " interactions; training needs at least ",
                     settings.min_interactions()));
  }
  model::ServingTrainOptions train;
  train.als.factors = settings.factors();
  train.als.regularization = static_cast<float>(settings.regularization());
  train.als.alpha = static_cast<float>(settings.alpha());
  train.als.iterations = settings.iterations();
  train.als.threads = std::max(1, threads);
  train.bm25 = settings.bm25();
  ASSIGN_OR_RETURN(auto matrix,
                   model::InteractionMatrix::Build(users_.size(), items_.size(), interactions_));
  ClusterModel out;
  ASSIGN_OR_RETURN(out.als, model::TrainServingModel(matrix, items_.keys(), train, clock));
  out.users = users_.size();
  out.interactions = matrix.nnz();
  ASSIGN_OR_RETURN(out.bought_together, Neighbors(orders_, bought_, items_.size(), items_.keys(),
                                                  settings.max_neighbors(), train.als.threads));
  ASSIGN_OR_RETURN(out.viewed_together, Neighbors(sessions_, viewed_, items_.size(),
                                                  items_.keys(), settings.max_neighbors(),
                                                  train.als.threads));
  return out;
}

std::string ClusterModelVersion(int64_t ms) {
  return absl::StrCat("als-",
                      absl::FormatTime("%Y%m%dT%H%M%E3SZ", absl::FromUnixMillis(ms),
                                       absl::UTCTimeZone()),
                      "-cluster");
}

namespace {

void AddLists(const std::vector<model::NeighborList>& lists, int per_message, bool bought,
              std::vector<v1::PublishModelRequest>& out) {
  for (size_t i = 0; i < lists.size(); ++i) {
    if (i % per_message == 0) out.emplace_back();
    v1::ItemNeighborList* list = bought ? out.back().add_bought_together()
                                        : out.back().add_viewed_together();
    list->set_item_id(lists[i].item_id);
    for (const auto& [id, score] : lists[i].neighbors) {
      list->add_neighbor_ids(id);
      list->add_scores(score);
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<v1::PublishModelRequest>> PublishMessages(
    const ClusterModel& model, v1::PublishedModelHeader header, size_t chunk_bytes,
    int lists_per_message) {
  ASSIGN_OR_RETURN(const std::string record, model::SerializeModelRecord(model.als));
  header.set_users(model.users);
  header.set_interactions(model.interactions);
  header.set_als_record_bytes(static_cast<int64_t>(record.size()));
  header.set_bought_together_lists(static_cast<int64_t>(model.bought_together.size()));
  header.set_viewed_together_lists(static_cast<int64_t>(model.viewed_together.size()));
  std::vector<v1::PublishModelRequest> out(1);
  *out[0].mutable_header() = std::move(header);
  for (size_t at = 0; at < record.size(); at += chunk_bytes) {
    if (at > 0) out.emplace_back();
    out.back().set_als_record_chunk(record.substr(at, chunk_bytes));
  }
  AddLists(model.bought_together, std::max(1, lists_per_message), true, out);
  AddLists(model.viewed_together, std::max(1, lists_per_message), false, out);
  return out;
}

}  // namespace persona::tools
