// Event retention: deletes a shop's events older than a cutoff, and its
// idempotency keys received before it. One scan per column family on a
// snapshot finds candidates; each batch of up to kBatchKeys candidates is
// then re-checked and deleted under the shop's mutex, so appends interleave
// and never see a half-updated subject.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/keys.h"
#include "storage/maintenance_internal.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage::internal {
namespace {

constexpr size_t kBatchKeys = 1000;

// Event time as Append defines it.
int64_t EventTime(const rec::EventRecord& e) {
  return e.timestamp_ms() != 0 ? e.timestamp_ms() : e.received_time_ms();
}

// The smallest seq at or after `agg.first_seq()` still stored once `deleted`
// are gone (agg.next_seq() when none is).
absl::StatusOr<uint64_t> FirstKeptSeq(const Context& ctx, const keys::ParsedEventKey& subject,
                                      const rec::SubjectAggregatesRecord& agg,
                                      const absl::flat_hash_set<std::string>& deleted) {
  const std::string prefix = keys::EventPrefix(subject.shop, subject.kind, subject.id);
  const std::string from = keys::EventKey(subject.shop, subject.kind, subject.id, agg.first_seq());
  uint64_t first = agg.next_seq();
  keys::ParsedEventKey parsed;
  RETURN_IF_ERROR(ScanRange(ctx, kEvents, from, keys::PrefixEnd(prefix), /*reverse=*/false,
                            [&](std::string_view key, std::string_view) {
                              if (deleted.contains(Av(key))) return true;
                              if (keys::ParseEventKey(key, &parsed)) first = parsed.seq;
                              return false;
                            }));
  return first;
}

// Deletes the candidate event keys that are still stored and still expired,
// and moves each touched subject's first_seq past its deleted events, in
// one write under the shop's mutex.
absl::Status DeleteEvents(Context& ctx, std::string_view shop, const std::vector<std::string>& candidates,
                          int64_t cutoff_ms, RetentionReport* report) {
  ShopState* state = ctx.Shop(shop);
  absl::MutexLock lock(&state->mu);
  Batch batch(ctx);
  absl::flat_hash_set<std::string> deleted;
  // Aggregates key → one of its deleted event keys (to name the subject).
  absl::flat_hash_map<std::string, std::string> subjects;
  std::string value;
  rec::EventRecord event;
  keys::ParsedEventKey parsed;
  for (const std::string& key : candidates) {
    ASSIGN_OR_RETURN(const bool found, Get(ctx, kEvents, key, &value));
    if (!found) continue;  // trimmed or erased meanwhile
    if (!event.ParseFromString(value)) return Unparsable("event", key);
    if (EventTime(event) >= cutoff_ms || !keys::ParseEventKey(key, &parsed)) continue;
    batch.Delete(kEvents, key);
    deleted.insert(key);
    subjects.try_emplace(keys::Key(shop, parsed.kind, parsed.id), key);
  }
  rec::SubjectAggregatesRecord agg;
  for (const auto& [agg_key, event_key] : subjects) {
    ASSIGN_OR_RETURN(const bool found, GetRecord(ctx, kAggregates, agg_key, &agg));
    if (!found) continue;
    keys::ParseEventKey(event_key, &parsed);
    ASSIGN_OR_RETURN(const uint64_t first, FirstKeptSeq(ctx, parsed, agg, deleted));
    if (first == agg.first_seq()) continue;
    agg.set_first_seq(first);
    batch.PutRecord(kAggregates, agg_key, agg);
  }
  RETURN_IF_ERROR(batch.Commit("deleting expired events"));
  report->events_deleted += static_cast<int64_t>(deleted.size());
  return absl::OkStatus();
}

// Deletes the candidate idempotency keys still received before the cutoff.
absl::Status DeleteIdempotencyKeys(Context& ctx, std::string_view shop,
                                   const std::vector<std::string>& candidates, int64_t cutoff_ms,
                                   RetentionReport* report) {
  ShopState* state = ctx.Shop(shop);
  absl::MutexLock lock(&state->mu);
  Batch batch(ctx);
  rec::IdempotencyRecord record;
  for (const std::string& key : candidates) {
    ASSIGN_OR_RETURN(const bool found, GetRecord(ctx, kIdempotency, key, &record));
    if (!found || record.received_time_ms() >= cutoff_ms) continue;
    batch.Delete(kIdempotency, key);
  }
  const int deleted = batch.Count();
  RETURN_IF_ERROR(batch.Commit("deleting expired idempotency keys"));
  report->idempotency_keys_deleted += deleted;
  return absl::OkStatus();
}

// Scans `cf` under `prefix` on a snapshot, collecting keys whose value
// `expired` says so, and hands them to `flush` in batches.
template <typename Record, typename Expired, typename Flush>
absl::Status ScanInBatches(const Context& ctx, Cf cf, const std::string& prefix, Expired&& expired,
                           Flush&& flush) {
  std::vector<std::string> candidates;
  absl::Status flush_error;
  RETURN_IF_ERROR(ScanRecords<Record>(ctx, cf, prefix, [&](std::string_view payload, const Record& r) {
    if (!expired(r)) return true;
    candidates.push_back(absl::StrCat(prefix, Av(payload)));
    if (candidates.size() < kBatchKeys) return true;
    flush_error = flush(candidates);
    candidates.clear();
    return flush_error.ok();
  }));
  RETURN_IF_ERROR(flush_error);
  if (!candidates.empty()) RETURN_IF_ERROR(flush(candidates));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RetentionReport> PurgeExpiredEvents(Context& ctx, std::string_view shop,
                                                   int64_t cutoff_ms) {
  RETURN_IF_ERROR(CheckShop(shop));
  RetentionReport report;
  // Both subject kinds: "<shop>\0C..." and "<shop>\0S...".
  for (char kind : {keys::kCustomer, keys::kSession}) {
    RETURN_IF_ERROR(ScanInBatches<rec::EventRecord>(
        ctx, kEvents, keys::KindPrefix(shop, kind),
        [&](const rec::EventRecord& e) { return EventTime(e) < cutoff_ms; },
        [&](const std::vector<std::string>& keys) {
          return DeleteEvents(ctx, shop, keys, cutoff_ms, &report);
        }));
  }
  RETURN_IF_ERROR(ScanInBatches<rec::IdempotencyRecord>(
      ctx, kIdempotency, keys::KindPrefix(shop, keys::kEventId),
      [&](const rec::IdempotencyRecord& r) { return r.received_time_ms() < cutoff_ms; },
      [&](const std::vector<std::string>& keys) {
        return DeleteIdempotencyKeys(ctx, shop, keys, cutoff_ms, &report);
      }));
  return report;
}

}  // namespace persona::storage::internal
