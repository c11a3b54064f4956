// ClusterApi::PublishModel: assembles a model sent in parts, checks that the
// parts add up, stores it like a locally trained model and serves it.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/cluster_api.h"
#include "server/serving_model.h"

namespace persona::server {
namespace {

constexpr int64_t kMaxRecordBytes = int64_t{2} << 30;
constexpr size_t kMaxVersionBytes = 128;

absl::Status Invalid(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("PublishModel: ", what));
}

absl::Status CheckHeader(const v1::PublishedModelHeader& h) {
  if (h.version().empty() || h.version().size() > kMaxVersionBytes) {
    return Invalid("header.version: must be 1..128 bytes");
  }
  for (char c : h.version()) {
    if (c <= ' ' || c >= 0x7f) return Invalid("header.version: must be printable, without spaces");
  }
  if (h.als_record_bytes() < 1 || h.als_record_bytes() > kMaxRecordBytes) {
    return Invalid("header.als_record_bytes: must be between 1 and 2 GiB");
  }
  if (h.bought_together_lists() < 0 || h.viewed_together_lists() < 0 || h.users() < 0 ||
      h.interactions() < 0) {
    return Invalid("header: counts must be >= 0");
  }
  return absl::OkStatus();
}

// Appends `lists` to `out`, refusing more than `expected` in total.
absl::Status AppendLists(const google::protobuf::RepeatedPtrField<v1::ItemNeighborList>& lists,
                         int64_t expected, const char* field,
                         std::vector<model::NeighborList>& out) {
  if (static_cast<int64_t>(out.size()) + lists.size() > expected) {
    return Invalid(absl::StrCat(field, ": more lists than the header announced"));
  }
  for (const v1::ItemNeighborList& list : lists) {
    if (list.item_id().empty() || list.neighbor_ids_size() != list.scores_size()) {
      return Invalid(absl::StrCat(field, ": a list needs an item id and one score per neighbour"));
    }
    model::NeighborList& next = out.emplace_back();
    next.item_id = list.item_id();
    next.neighbors.reserve(list.neighbor_ids_size());
    for (int k = 0; k < list.neighbor_ids_size(); ++k) {
      next.neighbors.emplace_back(list.neighbor_ids(k), list.scores(k));
    }
  }
  return absl::OkStatus();
}

// Reads every part after the header into `model` and `record`.
absl::Status ReadParts(const std::function<bool(v1::PublishModelRequest*)>& read,
                       const v1::PublishedModelHeader& header, v1::PublishModelRequest& part,
                       ServingModel& model, std::string& record) {
  while (true) {
    if (record.size() + part.als_record_chunk().size() >
        static_cast<uint64_t>(header.als_record_bytes())) {
      return Invalid("als_record_chunk: more bytes than header.als_record_bytes");
    }
    record.append(part.als_record_chunk());
    RETURN_IF_ERROR(AppendLists(part.bought_together(), header.bought_together_lists(),
                                "bought_together", model.bought_together));
    RETURN_IF_ERROR(AppendLists(part.viewed_together(), header.viewed_together_lists(),
                                "viewed_together", model.viewed_together));
    part.Clear();
    if (!read(&part)) break;
    if (part.has_header()) return Invalid("only the first message may carry the header");
  }
  if (static_cast<int64_t>(record.size()) != header.als_record_bytes() ||
      static_cast<int64_t>(model.bought_together.size()) != header.bought_together_lists() ||
      static_cast<int64_t>(model.viewed_together.size()) != header.viewed_together_lists()) {
    return Invalid("the stream ended before every part the header announced arrived");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ClusterApi::PublishModel(
    const std::function<bool(v1::PublishModelRequest*)>& read,
    const std::function<absl::Status(const std::string&)>& check_shop, v1::ModelInfo* response) {
  v1::PublishModelRequest part;
  if (!read(&part)) return Invalid("the stream ended before its header");
  if (!part.has_header()) return Invalid("the first message must carry the header");
  const v1::PublishedModelHeader header = part.header();
  RETURN_IF_ERROR(check_shop(header.shop()));
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(header.shop()));
  RETURN_IF_ERROR(CheckHeader(header));
  ServingModel model;
  std::string record;
  record.reserve(static_cast<size_t>(std::min<int64_t>(header.als_record_bytes(), 64 << 20)));
  RETURN_IF_ERROR(ReadParts(read, header, part, model, record));
  absl::StatusOr<model::ModelRecord> als = model::ParseModelRecord(record);
  if (!als.ok()) return Invalid(absl::StrCat("als record: ", als.status().message()));
  model.als = *std::move(als);
  model.version = header.version();
  model.users = header.users();
  model.interactions = header.interactions();
  model.trained_time_ms = header.trained_time_ms();
  model.training_seconds = header.training_seconds();
  ASSIGN_OR_RETURN(const std::string bytes, EncodeServingModel(model));
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  auto shared = std::make_shared<const ServingModel>(std::move(model));
  {
    absl::MutexLock lock(&publish_mu_);
    std::string newest;
    RETURN_IF_ERROR(db_->models().ScanModels(shop, [&](std::string_view version, std::string_view) {
      newest = std::string(version);
      return false;
    }));
    if (newest > header.version()) {
      return absl::FailedPreconditionError(
          absl::StrCat("shop '", shop, "' already stores the newer model ", newest,
                       "; publish a model with a later version"));
    }
    RETURN_IF_ERROR(db_->models().PutModel(shop, header.version(), bytes));
    state->SetModel(shared);
  }
  return api_->DescribeModel(shop, *shared, response);
}

}  // namespace persona::server
