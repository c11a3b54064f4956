// PersonaApi: customers, profiles, erasure and export (the parts beyond the
// storage records are in customer_privacy.cc).
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/decay.h"
#include "common/status_macros.h"
#include "server/api.h"
#include "server/convert.h"

namespace persona::server {
namespace {

constexpr int kDefaultRecentEvents = 20;
constexpr int kMaxRecentEvents = 200;
constexpr double kDayMs = 86'400'000.0;

// Fills the statistics derived from `agg` as seen at `now_ms`.
void FillStats(const rec::SubjectAggregatesRecord& agg, int64_t now_ms, double affinity_half_life_ms,
               v1::ProfileStats* stats) {
  stats->set_recency_days(agg.last_purchase_time_ms() > 0
                              ? (now_ms - agg.last_purchase_time_ms()) / kDayMs
                              : -1);
  stats->set_frequency(agg.orders());
  stats->set_monetary(agg.monetary());
  stats->set_average_order_value(agg.orders() > 0 ? agg.monetary() / agg.orders() : 0);
  stats->set_first_seen_time_ms(agg.first_seen_time_ms());
  stats->set_last_seen_time_ms(agg.last_seen_time_ms());
  stats->set_last_purchase_time_ms(agg.last_purchase_time_ms());
  stats->set_lifetime_returns(agg.returned_items());
  stats->set_lifetime_returned_value(agg.returned_value());
  for (const auto& [type, count] : agg.event_counts()) {
    const std::string name = v1::EventType_IsValid(type)
                                 ? v1::EventType_Name(static_cast<v1::EventType>(type))
                                 : absl::StrCat(type);
    (*stats->mutable_event_counts())[name] = count;
  }
  std::vector<std::pair<double, std::string>> affinities;
  double total = 0;
  for (const auto& [category, score] : agg.category_affinity()) {
    const double v = DecayedValueAt(score.log2(), now_ms, affinity_half_life_ms);
    affinities.emplace_back(v, category);
    total += v;
  }
  std::sort(affinities.begin(), affinities.end(), std::greater<>());
  for (size_t i = 0; i < affinities.size() && i < 10; ++i) {
    auto* a = stats->add_category_affinities();
    a->set_category(affinities[i].second);
    a->set_score(affinities[i].first);
    a->set_share(total > 0 ? affinities[i].first / total : 0);
  }
  stats->set_distinct_items_bought(agg.distinct_items_bought());
  stats->mutable_merged_sessions()->CopyFrom(agg.merged_sessions());
  stats->set_last_nps(agg.has_nps() ? agg.last_nps() : -1);
}

}  // namespace

absl::Status PersonaApi::UpsertCustomers(const v1::UpsertCustomersRequest& request,
                                         v1::UpsertCustomersResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  const ValidationLimits limits = Limits();
  if (auto p = CheckBatchSize("customers", request.customers_size(), limits.max_batch)) {
    return ToStatus(*p);
  }
  std::vector<rec::CustomerRecord> records;
  records.reserve(request.customers_size());
  for (int i = 0; i < request.customers_size(); ++i) {
    if (auto p = CheckCustomer(request.customers(i), absl::StrCat("customers[", i, "]"), limits)) {
      auto* r = response->add_rejected();
      r->set_index(i);
      r->set_field(p->field);
      r->set_reason(p->reason);
      continue;
    }
    records.push_back(ToRecord(request.customers(i), limits.now_ms));
  }
  if (!records.empty()) RETURN_IF_ERROR(db_->profiles().PutCustomers(shop, records));
  response->set_accepted(static_cast<int64_t>(records.size()));
  return absl::OkStatus();
}

absl::Status PersonaApi::FillProfile(const std::string& shop, const storage::Subject& subject,
                                     int recent_events, v1::Profile* profile) {
  bool known = false;
  if (subject.kind == storage::Subject::Kind::kCustomer) {
    absl::StatusOr<rec::CustomerRecord> customer = db_->profiles().GetCustomer(shop, subject.id);
    if (customer.ok()) {
      *profile->mutable_customer() = FromRecord(*customer);
      known = true;
    } else if (!absl::IsNotFound(customer.status())) {
      return customer.status();
    } else {
      profile->mutable_customer()->set_id(subject.id);
    }
  } else {
    profile->set_session_id(subject.id);
  }
  absl::StatusOr<rec::SubjectAggregatesRecord> agg = db_->profiles().GetAggregates(shop, subject);
  if (agg.ok()) {
    known = true;
    FillStats(*agg, clock_->NowMs(), DaysToMs(config_.popularity().affinity_half_life_days()),
              profile->mutable_stats());
    profile->set_stored_events(static_cast<int64_t>(agg->next_seq() - agg->first_seq()));
  } else if (!absl::IsNotFound(agg.status())) {
    return agg.status();
  } else {
    profile->mutable_stats()->set_recency_days(-1);
    profile->mutable_stats()->set_last_nps(-1);
  }
  if (!known) return absl::NotFoundError("no customer or session with that id in this shop");
  if (recent_events > 0) {
    ASSIGN_OR_RETURN(auto events, db_->profiles().RecentEvents(shop, subject, recent_events));
    for (const auto& e : events) {
      auto* out = profile->add_recent_events();
      *out->mutable_event() = FromRecord(e);
      out->set_received_time_ms(e.received_time_ms());
    }
  }
  return absl::OkStatus();
}

absl::Status PersonaApi::GetProfile(const v1::GetProfileRequest& request, v1::Profile* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  if (request.customer_id().empty() == request.session_id().empty()) {
    return absl::InvalidArgumentError("customer_id: exactly one of customer_id and session_id is required");
  }
  if (request.recent_events() < 0 || request.recent_events() > kMaxRecentEvents) {
    return absl::InvalidArgumentError(
        absl::StrCat("recent_events: must be between 0 and ", kMaxRecentEvents));
  }
  const int recent = request.recent_events() == 0 ? kDefaultRecentEvents : request.recent_events();
  storage::Subject subject;
  if (!request.customer_id().empty()) {
    if (auto p = CheckId("customer_id", request.customer_id(), true)) return ToStatus(*p);
    subject = storage::Subject::Customer(request.customer_id());
  } else {
    if (auto p = CheckId("session_id", request.session_id(), true)) return ToStatus(*p);
    ASSIGN_OR_RETURN(auto merged, db_->profiles().ResolveSession(shop, request.session_id()));
    subject = merged ? storage::Subject::Customer(*merged)
                     : storage::Subject::Session(request.session_id());
  }
  return FillProfile(shop, subject, recent, response);
}

absl::Status PersonaApi::EraseCustomer(const v1::EraseCustomerRequest& request,
                                       v1::EraseCustomerResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  if (auto p = CheckId("customer_id", request.customer_id(), true)) return ToStatus(*p);
  const std::string& id = request.customer_id();
  absl::StatusOr<int64_t> deleted = db_->profiles().EraseCustomer(shop, id);
  if (!deleted.ok() && !absl::IsNotFound(deleted.status())) return deleted.status();
  // Copies outside the records go even when storage held nothing (a retry
  // after a failure below, or a pass that ran before an earlier erasure).
  ASSIGN_OR_RETURN(const int64_t models, ScrubCustomerFromModels(*db_, *shops_, shop, id));
  if (hooks_.on_erased) hooks_.on_erased(shop, id);
  if (!deleted.ok() && models == 0) return deleted.status();
  response->set_records_deleted(deleted.value_or(0) + models);
  return absl::OkStatus();
}

absl::Status PersonaApi::ExportCustomer(const v1::ExportCustomerRequest& request,
                                        v1::ExportCustomerResponse* response) {
  ASSIGN_OR_RETURN(const std::string shop, ResolveShop(request.shop()));
  if (auto p = CheckId("customer_id", request.customer_id(), true)) return ToStatus(*p);
  v1::Profile profile;
  RETURN_IF_ERROR(FillProfile(shop, storage::Subject::Customer(request.customer_id()),
                              /*recent_events=*/0, &profile));
  ASSIGN_OR_RETURN(std::string json,
                   ExportCustomerJson(*db_, shop, request.customer_id(), profile,
                                      config_.storage().max_events_per_subject(), clock_->NowMs(),
                                      hooks_));
  response->set_json(std::move(json));
  return absl::OkStatus();
}

}  // namespace persona::server
