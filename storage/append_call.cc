#include "storage/append_call.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/aggregates.h"
#include "storage/keys.h"

namespace persona::storage::internal {
namespace {

// Bytes reserved in the WriteBatch per event (record, key, idempotency key).
constexpr size_t kBatchBytesPerEvent = 256;

}  // namespace

void BuildPlacementMetricsKey(std::string_view shop, int32_t day, std::string_view placement,
                              std::string_view variant, std::string* out) {
  out->clear();
  out->append(shop);
  out->push_back('\0');
  out->push_back(kPlacementMetricsKind);
  const uint32_t d = static_cast<uint32_t>(std::max(day, 0));
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((d >> shift) & 0xff));
  out->append(placement);
  out->push_back('\0');
  out->append(variant);
}

std::string PlacementMetricsDayPrefix(std::string_view shop, int32_t day) {
  std::string out;
  BuildPlacementMetricsKey(shop, day, "", "", &out);
  out.resize(out.size() - 1);  // the '\0' after the (empty) placement
  return out;
}

bool ParsePlacementMetricsPayload(std::string_view payload, int32_t* day,
                                  std::string_view* placement, std::string_view* variant) {
  if (payload.size() < 5) return false;
  uint32_t d = 0;
  for (int i = 0; i < 4; ++i) d = (d << 8) | static_cast<unsigned char>(payload[i]);
  if (d > static_cast<uint32_t>(INT32_MAX)) return false;
  payload.remove_prefix(4);
  const size_t nul = payload.find('\0');
  if (nul == std::string_view::npos || nul == 0) return false;
  *day = static_cast<int32_t>(d);
  *placement = payload.substr(0, nul);
  *variant = payload.substr(nul + 1);
  return true;
}

AppendCall::AppendCall(Context& ctx, std::string_view shop_name, ShopState& shop,
                       size_t event_count)
    : ctx_(ctx),
      shop_name_(shop_name),
      shop_(shop),
      now_ms_(ctx.clock->NowMs()),
      batch_(ctx, event_count * kBatchBytesPerEvent),
      record_(shop.record) {
  result_.outcomes.reserve(event_count);
  seen_event_ids_.reserve(event_count);
  if (record_.created_time_ms() == 0) record_.set_created_time_ms(now_ms_);
  // The caches are bounded here, never in the middle of a call that holds views into them.
  if (shop_.customer_country.size() + event_count > kMaxCachedCustomers) {
    shop_.customer_country.clear();
  }
  if (shop_.item_category.size() + event_count * 100 > kMaxCachedItems) shop_.item_category.clear();
}

AppendCall::~AppendCall() {
  if (committed_ || changed_items_.empty()) return;
  // The cache holds changes that never reached the disk: drop it.
  shop_.item_stats.clear();
  shop_.item_stats_loaded = false;
}

absl::Status AppendCall::Process(const std::vector<rec::EventRecord>& events) {
  for (const rec::EventRecord& event : events) {
    ASSIGN_OR_RETURN(const bool duplicate, IsDuplicate(event));
    if (duplicate) {
      result_.outcomes.push_back(AppendOutcome::kDuplicate);
      record_.set_duplicates_total(record_.duplicates_total() + 1);
      continue;
    }
    if (!event.event_id().empty()) seen_event_ids_.insert(event.event_id());
    RETURN_IF_ERROR(ProcessOne(event));
    result_.outcomes.push_back(AppendOutcome::kStored);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> AppendCall::IsDuplicate(const rec::EventRecord& event) {
  if (event.event_id().empty()) return false;
  if (seen_event_ids_.contains(event.event_id())) return true;
  keys::BuildKey(shop_name_, keys::kEventId, event.event_id(), &key_);
  return Get(ctx_, kIdempotency, key_, &value_);
}

absl::Status AppendCall::ProcessOne(const rec::EventRecord& in) {
  ASSIGN_OR_RETURN(SubjectState* subject, ResolveSubject(in));
  // Copy only when the stored record differs from the input.
  const bool fill_customer =
      subject->kind == Subject::Kind::kCustomer && in.customer_id() != subject->id;
  const rec::EventRecord* event = &in;
  if (fill_customer || in.received_time_ms() == 0) {
    scratch_ = in;
    if (fill_customer) scratch_.set_customer_id(subject->id);
    if (in.received_time_ms() == 0) scratch_.set_received_time_ms(now_ms_);
    event = &scratch_;
  }
  StoreEvent(subject, *event);
  RETURN_IF_ERROR(UpdateAggregates(subject, *event));
  RETURN_IF_ERROR(UpdateItemStats(subject, *event));
  RETURN_IF_ERROR(UpdatePlacementMetrics(subject, *event));
  if (!event->event_id().empty()) {
    rec::IdempotencyRecord idempotency;
    idempotency.set_received_time_ms(event->received_time_ms());
    keys::BuildKey(shop_name_, keys::kEventId, event->event_id(), &key_);
    batch_.PutRecord(kIdempotency, key_, idempotency);
  }
  record_.set_events_total(record_.events_total() + 1);
  record_.set_last_event_time_ms(std::max(record_.last_event_time_ms(), EventTimeMs(*event)));
  return absl::OkStatus();
}

absl::StatusOr<AppendCall::SubjectState*> AppendCall::ResolveSubject(const rec::EventRecord& event) {
  if (!event.customer_id().empty()) {
    ASSIGN_OR_RETURN(SubjectState* customer,
                     LoadSubject(Subject::Kind::kCustomer, event.customer_id()));
    if (!event.session_id().empty()) RETURN_IF_ERROR(Login(event.session_id(), customer));
    return customer;
  }
  ASSIGN_OR_RETURN(const std::string owner, LookupAlias(event.session_id()));
  if (!owner.empty()) return LoadSubject(Subject::Kind::kCustomer, owner);
  return LoadSubject(Subject::Kind::kSession, event.session_id());
}

absl::StatusOr<AppendCall::SubjectState*> AppendCall::LoadSubject(Subject::Kind kind,
                                                                  std::string_view id) {
  const char kind_byte = keys::KindOf(kind);
  keys::BuildKey(shop_name_, kind_byte, id, &key_);
  auto it = subjects_.find(key_);
  if (it != subjects_.end()) return it->second.get();
  auto state = std::make_unique<SubjectState>();
  state->kind = kind;
  state->kind_byte = kind_byte;
  state->id.assign(id);
  state->agg_key = key_;
  RETURN_IF_ERROR(GetRecord(ctx_, kAggregates, state->agg_key, &state->agg).status());
  state->disk_next_seq = state->agg.next_seq();
  SubjectState* raw = state.get();
  subject_order_.push_back(raw);
  subjects_.emplace(raw->agg_key, std::move(state));
  return raw;
}

absl::StatusOr<std::string> AppendCall::LookupAlias(std::string_view session) {
  auto it = aliases_.find(Av(session));
  if (it != aliases_.end()) return it->second;
  rec::SessionAliasRecord alias;
  keys::BuildKey(shop_name_, keys::kAlias, session, &key_);
  ASSIGN_OR_RETURN(const bool found, GetRecord(ctx_, kCustomers, key_, &alias));
  std::string owner = found ? alias.customer_id() : std::string();
  aliases_.emplace(std::string(session), owner);
  return owner;
}

absl::Status AppendCall::Login(std::string_view session, SubjectState* customer) {
  ASSIGN_OR_RETURN(const std::string owner, LookupAlias(session));
  if (owner == customer->id) return absl::OkStatus();
  // A session merged into someone else has nothing left under its own key.
  if (owner.empty()) {
    ASSIGN_OR_RETURN(SubjectState* state, LoadSubject(Subject::Kind::kSession, session));
    if (!state->merged_away && state->agg.next_seq() > 0) {
      RETURN_IF_ERROR(MergeSession(state, customer));
    }
  }
  rec::SessionAliasRecord alias;
  alias.set_customer_id(customer->id);
  alias.set_merged_time_ms(now_ms_);
  keys::BuildKey(shop_name_, keys::kAlias, session, &key_);
  batch_.PutRecord(kCustomers, key_, alias);
  aliases_[std::string(session)] = customer->id;
  const auto& merged = customer->agg.merged_sessions();
  if (std::find(merged.begin(), merged.end(), session) == merged.end()) {
    customer->agg.add_merged_sessions(std::string(session));
  }
  customer->changed = true;
  return absl::OkStatus();
}

absl::Status AppendCall::MergeSession(SubjectState* session, SubjectState* customer) {
  const uint64_t first = session->agg.first_seq();
  const uint64_t next = session->agg.next_seq();
  // Events on disk (seqs below disk_next_seq), oldest first; trimmed ones are below `first`.
  if (first < session->disk_next_seq) {
    const std::string lower = keys::EventKey(shop_name_, keys::kSession, session->id, first);
    const std::string upper =
        keys::EventKey(shop_name_, keys::kSession, session->id, session->disk_next_seq);
    absl::Status move_status;
    RETURN_IF_ERROR(ScanRange(ctx_, kEvents, lower, upper, /*reverse=*/false,
                              [&](std::string_view key, std::string_view value) {
                                move_status = MoveEvent(value, key, customer);
                                return move_status.ok();
                              }));
    RETURN_IF_ERROR(move_status);
  }
  // Events this call added to the session.
  for (uint64_t seq = std::max(first, session->disk_next_seq); seq < next; ++seq) {
    auto it = session->pending.find(seq);
    if (it == session->pending.end()) continue;
    const std::string old_key = keys::EventKey(shop_name_, keys::kSession, session->id, seq);
    RETURN_IF_ERROR(MoveEvent(it->second, old_key, customer));
  }
  MergeAggregates(session->agg, ctx_.options.aggregation, &customer->agg);
  customer->changed = true;
  session->agg.Clear();
  session->pending.clear();
  session->merged_away = true;
  session->changed = true;
  return absl::OkStatus();
}

absl::Status AppendCall::MoveEvent(std::string_view value, std::string_view old_key,
                                   SubjectState* customer) {
  rec::EventRecord event;
  if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return Unparsable("event", old_key);
  }
  event.set_customer_id(customer->id);
  batch_.Delete(kEvents, old_key);
  StoreEvent(customer, event);
  return absl::OkStatus();
}

void AppendCall::StoreEvent(SubjectState* subject, const rec::EventRecord& event) {
  rec::SubjectAggregatesRecord& agg = subject->agg;
  const uint64_t seq = agg.next_seq();
  agg.set_next_seq(seq + 1);
  keys::BuildEventKey(shop_name_, subject->kind_byte, subject->id, seq, &key_);
  event.SerializeToString(&value_);
  batch_.Put(kEvents, key_, value_);
  if (subject->kind == Subject::Kind::kSession) subject->pending[seq] = value_;
  const uint64_t max_events = static_cast<uint64_t>(ctx_.options.max_events_per_subject);
  while (agg.next_seq() - agg.first_seq() > max_events) {
    keys::BuildEventKey(shop_name_, subject->kind_byte, subject->id, agg.first_seq(), &key_);
    batch_.Delete(kEvents, key_);
    subject->pending.erase(agg.first_seq());
    agg.set_first_seq(agg.first_seq() + 1);
  }
  subject->changed = true;
}

absl::Status AppendCall::UpdateAggregates(SubjectState* subject, const rec::EventRecord& event) {
  // First fill the category cache, then take views into it (no insertion in between).
  for (const auto& item : event.items()) {
    if (shop_.item_category.contains(item.item_id())) continue;
    rec::ItemRecord record;
    keys::BuildKey(shop_name_, keys::kItem, item.item_id(), &key_);
    ASSIGN_OR_RETURN(const bool found, GetRecord(ctx_, kItems, key_, &record));
    shop_.item_category[item.item_id()] =
        found && !record.category_path().empty() ? record.category_path(0) : std::string();
  }
  categories_.clear();
  for (const auto& item : event.items()) categories_.push_back(shop_.item_category[item.item_id()]);
  ApplyEvent(event, categories_, ctx_.options.aggregation, &subject->agg);
  return absl::OkStatus();
}

absl::StatusOr<std::string> AppendCall::CustomerCountry(std::string_view customer) {
  auto it = shop_.customer_country.find(Av(customer));
  if (it != shop_.customer_country.end()) return it->second;
  rec::CustomerRecord record;
  keys::BuildKey(shop_name_, keys::kCustomer, customer, &key_);
  ASSIGN_OR_RETURN(const bool found, GetRecord(ctx_, kCustomers, key_, &record));
  std::string country = found ? record.country() : std::string();
  shop_.customer_country.emplace(std::string(customer), country);
  return country;
}

absl::Status AppendCall::UpdateItemStats(SubjectState* subject, const rec::EventRecord& event) {
  if (event.items().empty()) return absl::OkStatus();
  const AggregationOptions& options = ctx_.options.aggregation;
  bool weighted = false;
  for (const auto& item : event.items()) weighted |= LineWeight(options, event.type(), item) > 0;
  std::string country;
  if (weighted) {
    if (subject->kind == Subject::Kind::kCustomer) {
      ASSIGN_OR_RETURN(country, CustomerCountry(subject->id));
    }
    // ApplyEvent already copied this event's properties["country"] into last_country.
    if (country.empty()) country = subject->agg.last_country();
  }
  for (const auto& item : event.items()) {
    changed_items_.insert(item.item_id());
    ApplyEventToItem(event, item, country, options, &shop_.item_stats[item.item_id()]);
  }
  return absl::OkStatus();
}

absl::Status AppendCall::UpdatePlacementMetrics(SubjectState* subject,
                                                const rec::EventRecord& event) {
  metrics_deltas_.clear();
  AttributeEvent(event, ctx_.options.aggregation, &subject->agg, &metrics_deltas_);
  for (const PlacementMetricsDelta& d : metrics_deltas_) {
    BuildPlacementMetricsKey(shop_name_, d.day, d.placement, d.variant, &key_);
    auto it = placement_metrics_.find(key_);
    if (it == placement_metrics_.end()) {
      rec::PlacementMetricsRecord record;
      RETURN_IF_ERROR(GetRecord(ctx_, kAggregates, key_, &record).status());
      it = placement_metrics_.emplace(key_, std::move(record)).first;
    }
    AddPlacementMetrics(d.delta, &it->second);
  }
  return absl::OkStatus();
}

absl::StatusOr<AppendResult> AppendCall::Commit() && {
  for (SubjectState* subject : subject_order_) {
    if (subject->merged_away) {
      batch_.Delete(kAggregates, subject->agg_key);
    } else if (subject->changed) {
      batch_.PutRecord(kAggregates, subject->agg_key, subject->agg);
      result_.subjects.push_back(Subject{subject->kind, subject->id});
    }
  }
  for (const std::string& item_id : changed_items_) {
    keys::BuildKey(shop_name_, keys::kItem, item_id, &key_);
    batch_.PutRecord(kAggregates, key_, shop_.item_stats.at(item_id));
  }
  for (const auto& [key, record] : placement_metrics_) batch_.PutRecord(kAggregates, key, record);
  batch_.PutRecord(kMetadata, keys::ShopRecordKey(shop_name_), record_);
  RETURN_IF_ERROR(batch_.Commit("appending events"));
  shop_.record = std::move(record_);
  shop_.record_persisted = true;
  committed_ = true;
  result_.item_stats.reserve(changed_items_.size());
  for (const std::string& item_id : changed_items_) {
    result_.item_stats.emplace_back(item_id, shop_.item_stats.at(item_id));
  }
  return std::move(result_);
}

}  // namespace persona::storage::internal
