// Readers for the public data sets used by offline evaluation. They read the
// files in place (MovieLens may not be redistributed) and map ids to dense
// indices in order of first appearance.
//   LoadMovieLens: <dir>/u.data, user \t item \t rating \t unix-seconds; the
//     rating becomes the event weight.
//   LoadOnlineRetail: the UCI Online Retail CSV (optionally gzip-compressed,
//     read through zlib). Only purchases count: rows with a customer id,
//     positive quantity, an invoice not starting with 'C', and a stock code
//     starting with a digit (POST, DOT, M, BANK CHARGES, AMAZONFEE, gift_...
//     are fees or vouchers, not products). Each invoice line has weight 1;
//     the invoice is the event's basket.
// Pure functions; thread-compatible.
#ifndef PERSONA_MODEL_EVAL_DATASETS_H_
#define PERSONA_MODEL_EVAL_DATASETS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/interactions.h"

namespace persona::model::eval {

struct Dataset {
  std::vector<std::string> user_ids;
  std::vector<std::string> item_ids;
  std::vector<Triple> events;
  // Per event: basket (order) index, or empty when the data has no baskets.
  std::vector<int32_t> baskets;
  int32_t num_baskets = 0;
  int32_t num_users() const { return static_cast<int32_t>(user_ids.size()); }
  int32_t num_items() const { return static_cast<int32_t>(item_ids.size()); }
};

// NOT_FOUND when the file is missing, DATA_LOSS on a malformed line.
absl::StatusOr<Dataset> LoadMovieLens(const std::string& dir);
absl::StatusOr<Dataset> LoadOnlineRetail(const std::string& path);

// Splits one CSV record (RFC 4180: quoted fields, "" escapes) into fields.
std::vector<std::string> SplitCsvLine(const std::string& line);

}  // namespace persona::model::eval

#endif  // PERSONA_MODEL_EVAL_DATASETS_H_
