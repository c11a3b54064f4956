// Request validation: every problem names the field at fault, e.g.
// "events[2].items[0].price: must be finite and >= 0". Pure functions; thread-safe.
#ifndef PERSONA_SERVER_VALIDATION_H_
#define PERSONA_SERVER_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "persona/v1/common.pb.h"
#include "persona/v1/recommend.pb.h"

namespace persona::server {

namespace v1 = ::persona::v1;

// A field and what is wrong with it.
struct Problem {
  std::string field;
  std::string reason;
};

// Limits the checks use; defaults as documented in the protos.
struct ValidationLimits {
  int64_t now_ms = 0;
  // Latest acceptable timestamp is now_ms + max_future_skew_ms.
  int64_t max_future_skew_ms = 300'000;
  // Largest batch of events, items or customers.
  int max_batch = 1000;
};

// Returns INVALID_ARGUMENT "<field>: <reason>".
absl::Status ToStatus(const Problem& problem);

// Checks a batch's size; `field` names the repeated field, e.g. "events".
std::optional<Problem> CheckBatchSize(const std::string& field, int size, int max_batch);

// Each returns the first problem of the element, with fields prefixed by
// `prefix` (e.g. "items[3]"), or nothing when it is valid.
std::optional<Problem> CheckItem(const v1::Item& item, const std::string& prefix,
                                 const ValidationLimits& limits);
std::optional<Problem> CheckCustomer(const v1::Customer& customer, const std::string& prefix,
                                     const ValidationLimits& limits);
std::optional<Problem> CheckEvent(const v1::Event& event, const std::string& prefix,
                                  const ValidationLimits& limits);
std::optional<Problem> CheckCategory(const v1::Category& category, const std::string& prefix);
// Checks a Recommend request apart from the shop.
std::optional<Problem> CheckRecommend(const v1::RecommendRequest& request);
std::optional<Problem> CheckRecommendPage(const v1::RecommendPageRequest& request);
std::optional<Problem> CheckRankItems(const v1::RankItemsRequest& request);

// Returns the shop a request names, `default_shop` when it names none, or
// INVALID_ARGUMENT naming the "shop" field.
absl::StatusOr<std::string> ResolveShopName(const std::string& requested,
                                            const std::string& default_shop);

// Returns the problem of an id field, or nothing; `required` rejects empty ids.
std::optional<Problem> CheckId(const std::string& field, const std::string& id, bool required);

}  // namespace persona::server

#endif  // PERSONA_SERVER_VALIDATION_H_
