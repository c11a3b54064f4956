// A trained collaborative-filtering model as bytes, for storing it (the
// server keeps it in its database) and loading it back: factors, user and
// item ids, training options, the strength weighting (BM25 statistics),
// quality metrics and times, followed by a
// CRC-32 (zlib) of everything before it. Parsing verifies magic, version,
// sizes and checksum, so truncation or a flipped byte is reported, never
// loaded. Little-endian on disk.
// Value types and pure functions; thread-compatible.
#ifndef PERSONA_MODEL_MODEL_RECORD_H_
#define PERSONA_MODEL_MODEL_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "model/als.h"
#include "model/weighting.h"

namespace persona::model {

struct ModelRecord {
  // The options the model was trained with (fold-in needs the same ones).
  AlsOptions options;
  // The BM25 weighting training applied to the strengths (fold-in must apply
  // it too: FoldIn::Create(items, options, *weighting)), or none when the
  // strengths were used as given. Covers factors.num_items items.
  std::optional<Bm25Weighting> weighting;
  FactorModel factors;
  // Ids of the factor rows: item_ids.size() == factors.num_items and
  // user_ids.size() == factors.num_users (either may be empty when the
  // caller maps indices itself).
  std::vector<std::string> item_ids;
  std::vector<std::string> user_ids;
  // Named quality figures, e.g. {"ndcg@10", 0.49}.
  std::vector<std::pair<std::string, double>> metrics;
  int64_t trained_at_ms = 0;
  int64_t training_time_ms = 0;
};

// Returns the record's bytes (format version 2). INVALID_ARGUMENT when
// factor, id or weighting sizes do not match the dimensions, or there are
// more than 1024 factors (training's bound, AlsOptions::factors).
absl::StatusOr<std::string> SerializeModelRecord(const ModelRecord& record);

// Parses bytes from SerializeModelRecord. DATA_LOSS when the checksum, magic
// or any size is wrong (also more than 1024 factors); FAILED_PRECONDITION
// for any format version other than 2 (version 1 kept the weighting as text
// only: retrain).
absl::StatusOr<ModelRecord> ParseModelRecord(std::string_view bytes);

}  // namespace persona::model

#endif  // PERSONA_MODEL_MODEL_RECORD_H_
