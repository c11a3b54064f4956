// EventLog over RocksDB: checks the batch, serialises Appends per shop, and
// runs an AppendCall (storage/append_call.h) that builds the one WriteBatch.
#include <climits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/append_call.h"
#include "storage/keys.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage::internal {
namespace {

// Returns INVALID_ARGUMENT naming the first event whose ids cannot be keys.
absl::Status CheckEvents(const std::vector<rec::EventRecord>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    const rec::EventRecord& e = events[i];
    absl::Status status;
    if (e.customer_id().empty() && e.session_id().empty()) {
      status = absl::InvalidArgumentError("has neither customer_id nor session_id");
    }
    if (status.ok() && !e.customer_id().empty()) status = CheckKeyId("customer_id", e.customer_id());
    if (status.ok() && !e.session_id().empty()) status = CheckKeyId("session_id", e.session_id());
    if (status.ok() && !e.event_id().empty()) status = CheckKeyId("event_id", e.event_id());
    for (int j = 0; status.ok() && j < e.items_size(); ++j) {
      status = CheckKeyId("item_id", e.items(j).item_id());
    }
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("events[", i, "]: ", status.message()));
    }
  }
  return absl::OkStatus();
}

class RocksDbEventLog : public EventLog {
 public:
  explicit RocksDbEventLog(Context* ctx) : ctx_(*ctx) {}

  absl::StatusOr<AppendResult> Append(std::string_view shop,
                                      const std::vector<rec::EventRecord>& events) override {
    RETURN_IF_ERROR(CheckShop(shop));
    RETURN_IF_ERROR(CheckEvents(events));
    if (events.empty()) return AppendResult();
    ShopState* state = ctx_.Shop(shop);
    absl::MutexLock lock(&state->mu);
    RETURN_IF_ERROR(EnsureShopLoaded(ctx_, shop, *state));
    RETURN_IF_ERROR(LoadItemStats(shop, *state));
    AppendCall call(ctx_, shop, *state, events.size());
    RETURN_IF_ERROR(call.Process(events));
    return std::move(call).Commit();
  }

  absl::Status ScanEvents(
      std::string_view shop,
      const std::function<bool(const Subject&, const rec::EventRecord&)>& fn) override {
    RETURN_IF_ERROR(CheckShop(shop));
    Subject subject;
    rec::EventRecord event;
    absl::Status error;
    RETURN_IF_ERROR(ScanPrefix(ctx_, kEvents, keys::ShopPrefix(shop),
                               [&](std::string_view key, std::string_view value) {
      keys::ParsedEventKey parsed;
      if (!keys::ParseEventKey(key, &parsed) ||
          !event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        error = Unparsable("event", key);
        return false;
      }
      subject.kind = parsed.kind == keys::kCustomer ? Subject::Kind::kCustomer
                                                    : Subject::Kind::kSession;
      if (subject.id != parsed.id) subject.id.assign(parsed.id);
      return fn(subject, event);
    }));
    return error;
  }

  absl::Status ScanPlacementMetrics(
      std::string_view shop, std::string_view placement, int32_t from_day, int32_t to_day,
      const std::function<bool(const PlacementMetricsRow&)>& fn) override {
    RETURN_IF_ERROR(CheckShop(shop));
    if (from_day > to_day || to_day < 0) return absl::OkStatus();
    const std::string lower = PlacementMetricsDayPrefix(shop, from_day);
    const std::string upper =
        to_day == INT32_MAX ? keys::PrefixEnd(keys::KindPrefix(shop, kPlacementMetricsKind))
                            : PlacementMetricsDayPrefix(shop, to_day + 1);
    const size_t kind_prefix = keys::KindPrefix(shop, kPlacementMetricsKind).size();
    PlacementMetricsRow row;
    absl::Status error;
    RETURN_IF_ERROR(ScanRange(ctx_, kAggregates, lower, upper, /*reverse=*/false,
                              [&](std::string_view key, std::string_view value) {
      std::string_view row_placement, variant;
      if (!ParsePlacementMetricsPayload(key.substr(kind_prefix), &row.day, &row_placement,
                                        &variant) ||
          !row.metrics.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        error = Unparsable("placement metrics", key);
        return false;
      }
      if (!placement.empty() && row_placement != placement) return true;
      row.placement.assign(row_placement);
      row.variant.assign(variant);
      return fn(row);
    }));
    return error;
  }

 private:
  // Reads every item's statistics of the shop into its state, once.
  absl::Status LoadItemStats(std::string_view shop, ShopState& state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu) {
    if (state.item_stats_loaded) return absl::OkStatus();
    absl::flat_hash_map<std::string, rec::ItemStatsRecord> stats;
    RETURN_IF_ERROR(ScanRecords<rec::ItemStatsRecord>(
        ctx_, kAggregates, keys::KindPrefix(shop, keys::kItem),
        [&](std::string_view item_id, const rec::ItemStatsRecord& record) {
          stats.emplace(std::string(item_id), record);
          return true;
        }));
    state.item_stats = std::move(stats);
    state.item_stats_loaded = true;
    return absl::OkStatus();
  }

  Context& ctx_;
};

}  // namespace

std::unique_ptr<EventLog> NewRocksDbEventLog(Context* ctx) {
  return std::make_unique<RocksDbEventLog>(ctx);
}

}  // namespace persona::storage::internal
