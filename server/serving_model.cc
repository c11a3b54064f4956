#include "server/serving_model.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "persona/storage/v1/records.pb.h"
#include "zlib.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;

uint32_t Crc32(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

void ToRecords(const std::vector<model::NeighborList>& lists,
               google::protobuf::RepeatedPtrField<rec::NeighborListRecord>* out) {
  out->Reserve(static_cast<int>(lists.size()));
  for (const auto& list : lists) {
    auto* r = out->Add();
    r->set_item_id(list.item_id);
    for (const auto& [id, score] : list.neighbors) {
      r->add_neighbor_ids(id);
      r->add_scores(score);
    }
  }
}

absl::StatusOr<std::vector<model::NeighborList>> FromRecords(
    const google::protobuf::RepeatedPtrField<rec::NeighborListRecord>& records) {
  std::vector<model::NeighborList> lists;
  lists.reserve(records.size());
  for (const auto& r : records) {
    if (r.neighbor_ids_size() != r.scores_size()) {
      return absl::DataLossError("stored neighbour list has mismatched ids and scores");
    }
    model::NeighborList list{r.item_id(), {}};
    list.neighbors.reserve(r.neighbor_ids_size());
    for (int k = 0; k < r.neighbor_ids_size(); ++k) {
      list.neighbors.emplace_back(r.neighbor_ids(k), r.scores(k));
    }
    lists.push_back(std::move(list));
  }
  return lists;
}

}  // namespace

absl::StatusOr<std::string> EncodeServingModel(const ServingModel& model) {
  rec::ServingModelRecord record;
  ASSIGN_OR_RETURN(*record.mutable_als(), model::SerializeModelRecord(model.als));
  rec::NeighborListsRecord neighbors;
  ToRecords(model.bought_together, neighbors.mutable_bought_together());
  ToRecords(model.viewed_together, neighbors.mutable_viewed_together());
  record.set_neighbors(neighbors.SerializeAsString());
  record.set_neighbors_crc32(Crc32(record.neighbors()));
  record.set_users(model.users);
  record.set_interactions(model.interactions);
  record.set_trained_time_ms(model.trained_time_ms);
  record.set_training_seconds(model.training_seconds);
  record.set_version(model.version);
  return record.SerializeAsString();
}

absl::StatusOr<ServingModel> DecodeServingModel(std::string_view bytes) {
  rec::ServingModelRecord record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("the stored model's envelope does not parse");
  }
  ServingModel model;
  absl::StatusOr<model::ModelRecord> als = model::ParseModelRecord(record.als());
  if (!als.ok()) {
    return absl::Status(als.status().code(),
                        absl::StrCat("the stored model's ALS record: ", als.status().message()));
  }
  model.als = *std::move(als);
  if (Crc32(record.neighbors()) != record.neighbors_crc32()) {
    return absl::DataLossError("the stored model's neighbour lists fail their checksum");
  }
  rec::NeighborListsRecord neighbors;
  if (!neighbors.ParseFromString(record.neighbors())) {
    return absl::DataLossError("the stored model's neighbour lists do not parse");
  }
  ASSIGN_OR_RETURN(model.bought_together, FromRecords(neighbors.bought_together()));
  ASSIGN_OR_RETURN(model.viewed_together, FromRecords(neighbors.viewed_together()));
  model.version = record.version();
  model.users = record.users();
  model.interactions = record.interactions();
  model.trained_time_ms = record.trained_time_ms();
  model.training_seconds = record.training_seconds();
  return model;
}

}  // namespace persona::server
