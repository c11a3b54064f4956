// Erasure beyond storage (model rows) and the customer export document.
#include "server/customer_privacy.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "server/convert.h"
#include "server/log.h"
#include "server/marketing.h"
#include "server/serving_model.h"

namespace persona::server {
namespace {

namespace v1 = ::persona::v1;

// Returns `text` as a JSON string literal.
std::string JsonString(std::string_view text) {
  std::string out;
  AppendJsonString(text, out);
  return out;
}

// Returns `message` as compact JSON with the proto's field names.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) return absl::InternalError(std::string(status.message()));
  return json;
}

// One JSON object built field by field.
class JsonObject {
 public:
  void Add(std::string_view name, const std::string& json) {
    absl::StrAppend(&text_, text_.empty() ? "{\n  " : ",\n  ", JsonString(name), ": ", json);
  }
  absl::Status AddMessage(std::string_view name, const google::protobuf::Message& message) {
    ASSIGN_OR_RETURN(std::string json, ToJson(message));
    Add(name, json);
    return absl::OkStatus();
  }
  std::string Finish() { return text_.empty() ? "{}" : text_ + "\n}\n"; }

 private:
  std::string text_;
};

// The subject's stored events, oldest first, as a JSON array of StoredEvent.
absl::StatusOr<std::string> EventsJson(storage::Database& db, const std::string& shop,
                                       const storage::Subject& subject, int max_events,
                                       int64_t* count) {
  ASSIGN_OR_RETURN(std::vector<rec::EventRecord> events,
                   db.profiles().RecentEvents(shop, subject, max_events));
  // Stored newest seq first; a session merged at login gets later seqs than
  // the customer's own earlier events, so order by event time for people.
  std::reverse(events.begin(), events.end());
  auto time_of = [](const rec::EventRecord& e) {
    return e.timestamp_ms() != 0 ? e.timestamp_ms() : e.received_time_ms();
  };
  std::stable_sort(events.begin(), events.end(), [&](const auto& a, const auto& b) {
    return time_of(a) < time_of(b);
  });
  std::string out = "[";
  for (const rec::EventRecord& e : events) {
    v1::StoredEvent stored;
    *stored.mutable_event() = FromRecord(e);
    stored.set_received_time_ms(e.received_time_ms());
    ASSIGN_OR_RETURN(std::string json, ToJson(stored));
    absl::StrAppend(&out, out.size() > 1 ? ",\n    " : "\n    ", json);
  }
  *count = static_cast<int64_t>(events.size());
  return out + (events.empty() ? "]" : "\n  ]");
}

// The aggregates as stored, or NOT_FOUND.
absl::StatusOr<rec::SubjectAggregatesRecord> Aggregates(storage::Database& db, const std::string& shop,
                                                        const storage::Subject& subject) {
  return db.profiles().GetAggregates(shop, subject);
}

// Sessions merged into the customer, each with what is still stored under it.
absl::StatusOr<std::string> MergedSessionsJson(storage::Database& db, const std::string& shop,
                                               const rec::SubjectAggregatesRecord& agg,
                                               int max_events) {
  std::string out = "[";
  for (const std::string& session : agg.merged_sessions()) {
    const storage::Subject subject = storage::Subject::Session(session);
    JsonObject entry;
    entry.Add("session_id", JsonString(session));
    int64_t count = 0;
    ASSIGN_OR_RETURN(std::string events, EventsJson(db, shop, subject, max_events, &count));
    if (count > 0) entry.Add("events", events);
    absl::StatusOr<rec::SubjectAggregatesRecord> left = Aggregates(db, shop, subject);
    if (left.ok()) {
      RETURN_IF_ERROR(entry.AddMessage("aggregates", *left));
    } else if (!absl::IsNotFound(left.status())) {
      return left.status();
    }
    absl::StrAppend(&out, out.size() > 1 ? ", " : "", entry.Finish());
  }
  return out + "]";
}

}  // namespace

CustomerDataHooks MarketingCustomerHooks(Marketing* marketing, storage::Database* db,
                                         ShopRegistry* shops, const Clock* clock) {
  CustomerDataHooks hooks;
  hooks.on_erased = [marketing](const std::string& shop, const std::string& id) {
    marketing->segments().ForgetCustomer(shop, id);
    marketing->campaigns().ForgetCustomer(shop, id);
  };
  hooks.segments_of = [=](const std::string& shop,
                          const std::string& id) -> absl::StatusOr<std::vector<std::string>> {
    SegmentEngine& engine = marketing->segments();
    const std::shared_ptr<const SegmentState> state = engine.Current(shop);
    if (state == nullptr) return std::vector<std::string>();  // no pass yet; never start one here
    absl::StatusOr<rec::CustomerRecord> customer = db->profiles().GetCustomer(shop, id);
    if (!customer.ok() && !absl::IsNotFound(customer.status())) return customer.status();
    absl::StatusOr<rec::SubjectAggregatesRecord> agg =
        db->profiles().GetAggregates(shop, storage::Subject::Customer(id));
    if (!agg.ok() && !absl::IsNotFound(agg.status())) return agg.status();
    ASSIGN_OR_RETURN(Shop * shop_state, shops->Get(shop));
    const std::shared_ptr<const ShopSnapshot> snap = shop_state->Snapshot();
    const int64_t now = clock->NowMs();
    const CustomerView view = engine.Evaluate(*state, *snap, id, customer.ok() ? &*customer : nullptr,
                                              agg.ok() ? &*agg : nullptr, now);
    return engine.SegmentsOf(*state, view, now);
  };
  return hooks;
}

bool RemoveUserRow(model::ModelRecord& record, const std::string& user_id) {
  auto it = std::find(record.user_ids.begin(), record.user_ids.end(), user_id);
  if (it == record.user_ids.end()) return false;
  const size_t row = static_cast<size_t>(it - record.user_ids.begin());
  model::FactorModel& f = record.factors;
  const size_t k = static_cast<size_t>(f.factors);
  if (row < static_cast<size_t>(f.num_users) && f.user_factors.size() >= (row + 1) * k) {
    f.user_factors.erase(f.user_factors.begin() + static_cast<std::ptrdiff_t>(row * k),
                         f.user_factors.begin() + static_cast<std::ptrdiff_t>((row + 1) * k));
    --f.num_users;
  }
  record.user_ids.erase(it);
  return true;
}

absl::StatusOr<int64_t> ScrubCustomerFromModels(storage::Database& db, ShopRegistry& shops,
                                                const std::string& shop,
                                                const std::string& customer_id) {
  // Served models keep no user rows (fold-in serves users from their
  // history), so the bytes rarely mention the id; only those are decoded.
  std::vector<std::pair<std::string, std::string>> mentioning;
  RETURN_IF_ERROR(db.models().ScanModels(shop, [&](std::string_view version, std::string_view bytes) {
    if (bytes.find(customer_id) != std::string_view::npos) {
      mentioning.emplace_back(std::string(version), std::string(bytes));
    }
    return true;
  }));
  int64_t rewritten = 0;
  for (const auto& [version, bytes] : mentioning) {
    absl::StatusOr<ServingModel> model = DecodeServingModel(bytes);
    if (!model.ok()) {
      return absl::DataLossError(absl::StrCat("stored model ", version, " of shop ", shop,
                                              " may hold the customer but does not decode: ",
                                              model.status().message()));
    }
    if (!RemoveUserRow(model->als, customer_id)) continue;
    ASSIGN_OR_RETURN(std::string scrubbed, EncodeServingModel(*model));
    const absl::Status replaced = db.models().ReplaceModel(shop, version, scrubbed);
    if (absl::IsNotFound(replaced)) continue;  // a newer training run deleted it meanwhile
    RETURN_IF_ERROR(replaced);
    ++rewritten;
  }
  for (Shop* loaded : shops.Loaded()) {
    if (loaded->name() != shop) continue;
    const std::shared_ptr<const ShopSnapshot> snap = loaded->Snapshot();
    if (snap->model == nullptr) break;
    auto copy = std::make_shared<ServingModel>(*snap->model);
    if (RemoveUserRow(copy->als, customer_id)) loaded->SetModel(std::move(copy));
    break;
  }
  return rewritten;
}

absl::StatusOr<std::string> ExportCustomerJson(storage::Database& db, const std::string& shop,
                                               const std::string& customer_id,
                                               const v1::Profile& profile, int max_events,
                                               int64_t now_ms, const CustomerDataHooks& hooks) {
  const storage::Subject subject = storage::Subject::Customer(customer_id);
  JsonObject doc;
  doc.Add("shop", JsonString(shop));
  doc.Add("customer_id", JsonString(customer_id));
  doc.Add("exported_time_ms", absl::StrCat(now_ms));
  RETURN_IF_ERROR(doc.AddMessage("customer", profile.customer()));
  RETURN_IF_ERROR(doc.AddMessage("stats", profile.stats()));
  int64_t count = 0;
  ASSIGN_OR_RETURN(std::string events, EventsJson(db, shop, subject, max_events, &count));
  doc.Add("events", events);
  absl::StatusOr<rec::SubjectAggregatesRecord> agg = Aggregates(db, shop, subject);
  if (agg.ok()) {
    std::string sends = "[";
    for (const rec::EmailSendRecord& send : agg->email_sends()) {
      ASSIGN_OR_RETURN(std::string json, ToJson(send));
      absl::StrAppend(&sends, sends.size() > 1 ? ",\n    " : "\n    ", json);
    }
    doc.Add("email_sends", sends + (agg->email_sends().empty() ? "]" : "\n  ]"));
    ASSIGN_OR_RETURN(std::string merged, MergedSessionsJson(db, shop, *agg, max_events));
    doc.Add("merged_sessions", merged);
    rec::SubjectAggregatesRecord rest = *agg;
    rest.clear_email_sends();  // listed above
    RETURN_IF_ERROR(doc.AddMessage("aggregates", rest));
  } else if (!absl::IsNotFound(agg.status())) {
    return agg.status();
  }
  if (hooks.segments_of) {
    absl::StatusOr<std::vector<std::string>> segments = hooks.segments_of(shop, customer_id);
    if (segments.ok() && !segments->empty()) {
      std::string list = "[";
      for (const std::string& s : *segments) absl::StrAppend(&list, list.size() > 1 ? ", " : "", JsonString(s));
      doc.Add("segments", list + "]");
    } else if (!segments.ok()) {
      LogWarning("export left segments out", {{"shop", shop}, {"error", segments.status()}});
    }
  }
  return doc.Finish();
}

}  // namespace persona::server
