// Fuzzes the decoding of stored models: the bytes of the `models` column
// family (server/serving_model.h DecodeServingModel: a protobuf envelope
// around the checksummed ALS record of model/model_record.h and the
// neighbour lists). The first byte holds flags:
//   bit 0: the rest is a bare ALS record (ParseModelRecord), else an envelope;
//   bit 1: recompute the checksums before decoding, so that mutations reach
//          the structure behind them instead of only failing the CRC.
// Checked: decoding returns a model or DATA_LOSS / FAILED_PRECONDITION,
// never crashes; a record that decodes encodes back to the same bytes (the
// format has one encoding), and an envelope that decodes re-encodes to one
// that decodes to the same model. A decoded model is then served as a shop
// loads it (server/shop_registry.cc AlignModel): aligned with a catalog of
// its items plus a new one, folding in a visitor and recommending within
// the catalog.
#include <zlib.h>

#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/als_recommender.h"
#include "model/catalog_index.h"
#include "model/model_record.h"
#include "persona/storage/v1/records.pb.h"
#include "server/serving_model.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/quiet_protobuf.h"

namespace persona {
namespace {

uint32_t Crc(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// Overwrites the trailing CRC-32 of an ALS record with the right one.
std::string WithRecordCrc(std::string_view bytes) {
  std::string out(bytes);
  if (out.size() < 4) return out;
  const uint32_t crc = Crc(std::string_view(out).substr(0, out.size() - 4));
  std::memcpy(out.data() + out.size() - 4, &crc, 4);
  return out;
}

void CheckDecodeError(const absl::Status& status) {
  FUZZ_CHECK(absl::IsDataLoss(status) || absl::IsFailedPrecondition(status),
             "decoding failed with %s", status.ToString().c_str());
}

// Serves a decoded model as a shop does; a refusal is a status, not a crash.
void Serve(const model::ModelRecord& record) {
  // Training makes 1..1024 factors (model/als.h); a record claiming more would
  // have the server allocate catalog size x factors floats when aligning it.
  FUZZ_CHECK(record.factors.factors >= 1 && record.factors.factors <= 1024,
             "a model of %d factors decodes", record.factors.factors);
  std::vector<model::ItemInfo> items;
  for (const std::string& id : record.item_ids) {
    items.push_back({id, {"c", id.substr(0, 1)}, id.substr(0, 2), 1.0});
  }
  items.push_back({"new-item", {"c", "n"}, "b", 2.0});
  const auto catalog = model::CatalogIndex::Build(std::move(items), {});
  model::TrainedItems trained;
  trained.item_ids = record.item_ids;
  trained.dim = record.factors.factors;
  trained.factors = record.factors.item_factors;
  trained.weighting = record.weighting;
  const auto als = model::AlsRecommender::Create(catalog, trained, record.options, "v", 0.5);
  if (!als.ok()) return;
  const model::Interaction history[] = {{0, 3.0f, 1, model::InteractionKind::kPurchase},
                                        {catalog->size() - 1, 1.0f, 2}};
  model::RecommendContext ctx;
  ctx.count = 3;
  ctx.allowed = &catalog->recommendable();
  ctx.history = history;
  ctx.personalized = true;
  std::set<int32_t> seen;
  for (const model::ScoredItem& s : (*als)->Recommend(ctx)) {
    FUZZ_CHECK(s.item >= 0 && s.item < catalog->size() && seen.insert(s.item).second,
               "recommended item %d", s.item);
  }
}

void AlsRecord(std::string_view bytes) {
  const absl::StatusOr<model::ModelRecord> record = model::ParseModelRecord(bytes);
  if (!record.ok()) return CheckDecodeError(record.status());
  const model::FactorModel& f = record->factors;
  FUZZ_CHECK(f.user_factors.size() == static_cast<size_t>(f.num_users) * f.factors &&
                 f.item_factors.size() == static_cast<size_t>(f.num_items) * f.factors,
             "factor sizes do not match the dimensions");
  const absl::StatusOr<std::string> again = model::SerializeModelRecord(*record);
  FUZZ_CHECK(again.ok(), "a parsed record does not serialise: %s",
             again.status().ToString().c_str());
  FUZZ_CHECK(*again == bytes, "a parsed record serialises to other bytes");
  Serve(*record);
}

void Envelope(std::string_view bytes) {
  const absl::StatusOr<server::ServingModel> model = server::DecodeServingModel(bytes);
  if (!model.ok()) return CheckDecodeError(model.status());
  const absl::StatusOr<std::string> encoded = server::EncodeServingModel(*model);
  FUZZ_CHECK(encoded.ok(), "a decoded model does not encode: %s",
             encoded.status().ToString().c_str());
  const absl::StatusOr<server::ServingModel> again = server::DecodeServingModel(*encoded);
  FUZZ_CHECK(again.ok(), "a re-encoded model does not decode: %s",
             again.status().ToString().c_str());
  FUZZ_CHECK(again->version == model->version && again->users == model->users &&
                 again->als.item_ids == model->als.item_ids &&
                 again->bought_together.size() == model->bought_together.size() &&
                 again->viewed_together.size() == model->viewed_together.size(),
             "a re-encoded model decodes to another model");
  Serve(model->als);
}

}  // namespace
}  // namespace persona

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = persona::fuzz::QuietProtobufLogs();
  (void)quiet;
  using namespace persona;
  fuzz::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const std::string_view rest = in.Rest();
  const bool fix_crc = (flags & 2) != 0;
  if (flags & 1) {
    AlsRecord(fix_crc ? WithRecordCrc(rest) : std::string(rest));
    return 0;
  }
  storage::v1::ServingModelRecord envelope;
  if (!fix_crc || !envelope.ParseFromArray(rest.data(), static_cast<int>(rest.size()))) {
    Envelope(rest);
    return 0;
  }
  envelope.set_als(WithRecordCrc(envelope.als()));
  envelope.set_neighbors_crc32(Crc(envelope.neighbors()));
  Envelope(envelope.SerializeAsString());
  return 0;
}
