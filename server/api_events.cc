// PersonaApi: behaviour tracking.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/api.h"
#include "server/convert.h"

namespace persona::server {

absl::Status PersonaApi::TrackEvents(const v1::TrackEventsRequest& request,
                                     v1::TrackEventsResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  response->set_sequence(request.sequence());
  const ValidationLimits limits = Limits();
  if (auto p = CheckBatchSize("events", request.events_size(), limits.max_batch)) {
    return ToStatus(*p);
  }
  std::vector<rec::EventRecord> records;
  records.reserve(request.events_size());
  for (int i = 0; i < request.events_size(); ++i) {
    if (auto p = CheckEvent(request.events(i), absl::StrCat("events[", i, "]"), limits)) {
      auto* r = response->add_rejected();
      r->set_index(i);
      r->set_field(p->field);
      r->set_reason(p->reason);
      continue;
    }
    records.push_back(ToRecord(request.events(i), limits.now_ms));
  }
  if (records.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  ASSIGN_OR_RETURN(storage::AppendResult result, db_->events().Append(shop, records));
  int64_t stored = 0;
  for (auto outcome : result.outcomes) stored += outcome == storage::AppendOutcome::kStored;
  response->set_accepted(stored);
  response->set_duplicates(static_cast<int64_t>(records.size()) - stored);
  state->ApplyItemStats(std::move(result.item_stats));
  state->events_since_start.fetch_add(stored, std::memory_order_relaxed);
  return absl::OkStatus();
}

}  // namespace persona::server
