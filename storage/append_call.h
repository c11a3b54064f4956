// One EventLog::Append call: turns a batch of events into one WriteBatch
// (events, aggregates, item statistics, placement figures of attributed
// recommendations, aliases, idempotency keys, the shop's counters) and, once
// it is written, publishes the new statistics and counters into the shop's
// in-memory state.
//
// Internal to storage/. Not thread-safe: the caller holds the shop's mutex for
// the object's whole life, which makes the read-modify-writes atomic.
#ifndef PERSONA_STORAGE_APPEND_CALL_H_
#define PERSONA_STORAGE_APPEND_CALL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/aggregates.h"
#include "storage/database.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage::internal {

// Kind byte of placement metrics in the aggregates CF (storage/README.md):
// "<shop>\0P<day, 4 bytes big-endian><placement>\0<variant>".
inline constexpr char kPlacementMetricsKind = 'P';

// Replaces `*out` with the aggregates-CF key of a placement/variant/day.
// Days before 1970 are stored as day 0.
void BuildPlacementMetricsKey(std::string_view shop, int32_t day, std::string_view placement,
                              std::string_view variant, std::string* out);
// Returns "<shop>\0P<day>": keys of days >= `day` sort at or after it.
std::string PlacementMetricsDayPrefix(std::string_view shop, int32_t day);
// Splits the part of such a key after "<shop>\0P"; false when malformed.
bool ParsePlacementMetricsPayload(std::string_view payload, int32_t* day,
                                  std::string_view* placement, std::string_view* variant);

class AppendCall {
 public:
  // `shop` must be loaded (EnsureShopLoaded) and its item statistics too.
  AppendCall(Context& ctx, std::string_view shop_name, ShopState& shop, size_t event_count);
  // Item statistics are updated in the shop's cache as events are processed
  // (no copies); a call dropped without a successful Commit therefore makes
  // the shop reload them from disk on its next Append.
  ~AppendCall();
  AppendCall(const AppendCall&) = delete;
  AppendCall& operator=(const AppendCall&) = delete;

  // Adds every event's effects to the batch; writes nothing. `events` must
  // outlive the call. On error the call must be dropped without Commit.
  absl::Status Process(const std::vector<rec::EventRecord>& events);

  // Writes the batch and, when it succeeded, updates the shop's state.
  absl::StatusOr<AppendResult> Commit() &&;

 private:
  // A customer's or session's aggregates as this call changes them.
  struct SubjectState {
    Subject::Kind kind;
    char kind_byte;
    std::string id;
    std::string agg_key;
    rec::SubjectAggregatesRecord agg;
    // Events with seqs below this are on disk (the rest were added by this call).
    uint64_t disk_next_seq = 0;
    // A session's events added by this call, by seq, serialised; a later
    // login in the same call moves them.
    absl::flat_hash_map<uint64_t, std::string> pending;
    bool changed = false;
    bool merged_away = false;  // a session merged into a customer: delete its aggregates
  };

  absl::StatusOr<bool> IsDuplicate(const rec::EventRecord& event);
  absl::Status ProcessOne(const rec::EventRecord& event);
  // Returns the subject the event belongs to, merging its session at login.
  absl::StatusOr<SubjectState*> ResolveSubject(const rec::EventRecord& event);
  absl::StatusOr<SubjectState*> LoadSubject(Subject::Kind kind, std::string_view id);
  // Returns the customer a session was merged into ("" when none).
  absl::StatusOr<std::string> LookupAlias(std::string_view session);
  absl::Status Login(std::string_view session, SubjectState* customer);
  // Moves a session's events and aggregates under the customer.
  absl::Status MergeSession(SubjectState* session, SubjectState* customer);
  absl::Status MoveEvent(std::string_view value, std::string_view old_key, SubjectState* customer);
  // Stores an event under the subject with the next seq and trims the oldest.
  void StoreEvent(SubjectState* subject, const rec::EventRecord& event);
  absl::Status UpdateAggregates(SubjectState* subject, const rec::EventRecord& event);
  absl::Status UpdateItemStats(SubjectState* subject, const rec::EventRecord& event);
  // Attributes the event to recommendations and adds to the placement figures.
  absl::Status UpdatePlacementMetrics(SubjectState* subject, const rec::EventRecord& event);
  // Returns the customer's country from their attributes ("" when none).
  absl::StatusOr<std::string> CustomerCountry(std::string_view customer);

  Context& ctx_;
  const std::string_view shop_name_;
  ShopState& shop_;
  const int64_t now_ms_;
  Batch batch_;
  AppendResult result_;
  rec::ShopRecord record_;
  absl::flat_hash_set<std::string_view> seen_event_ids_;  // views into the input events
  absl::flat_hash_map<std::string, std::unique_ptr<SubjectState>> subjects_;  // by aggregates key
  std::vector<SubjectState*> subject_order_;
  absl::flat_hash_map<std::string, std::string> aliases_;  // session → customer ("" = none)
  absl::flat_hash_set<std::string> changed_items_;  // whose stats this call changed in shop_
  // Placement figures this call changed, by aggregates key (read from disk first).
  absl::flat_hash_map<std::string, rec::PlacementMetricsRecord> placement_metrics_;
  std::vector<PlacementMetricsDelta> metrics_deltas_;
  bool committed_ = false;
  // Reused buffers.
  std::string key_;
  std::string value_;
  rec::EventRecord scratch_;
  std::vector<std::string_view> categories_;
};

}  // namespace persona::storage::internal

#endif  // PERSONA_STORAGE_APPEND_CALL_H_
