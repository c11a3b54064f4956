// ProfileStore over RocksDB: customer attributes and session aliases in the
// customers column family, aggregates in the aggregates column family, events
// in the events column family.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/keys.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage::internal {
namespace {

class RocksDbProfileStore : public ProfileStore {
 public:
  explicit RocksDbProfileStore(Context* ctx) : ctx_(*ctx) {}

  absl::Status PutCustomers(std::string_view shop,
                            const std::vector<rec::CustomerRecord>& customers) override;
  absl::StatusOr<rec::CustomerRecord> GetCustomer(std::string_view shop,
                                                  std::string_view id) override;
  absl::StatusOr<std::optional<std::string>> ResolveSession(std::string_view shop,
                                                            std::string_view session_id) override;
  absl::StatusOr<rec::SubjectAggregatesRecord> GetAggregates(std::string_view shop,
                                                             const Subject& subject) override;
  absl::StatusOr<std::vector<rec::EventRecord>> RecentEvents(std::string_view shop,
                                                             const Subject& subject,
                                                             int limit) override;
  absl::StatusOr<int64_t> EraseCustomer(std::string_view shop, std::string_view id) override;
  absl::Status ScanCustomers(std::string_view shop,
                             const std::function<bool(const rec::CustomerRecord&)>& fn) override;
  absl::Status ScanAggregates(
      std::string_view shop,
      const std::function<bool(const Subject&, const rec::SubjectAggregatesRecord&)>& fn) override;
  absl::Status ScanCustomerProfiles(std::string_view shop, std::string_view start_after,
                                    const CustomerJoinFn& fn) override {
    return ScanCustomerJoin(ctx_, shop, start_after, fn);
  }

 private:
  // Deletes a subject's events and the idempotency keys of those events.
  absl::Status EraseEvents(std::string_view shop, char kind, std::string_view id, Batch& batch,
                           int64_t* deleted);
  // Deletes a merged session's alias (when it still points to `customer`)
  // and anything still stored under the session.
  absl::Status EraseMergedSession(std::string_view shop, std::string_view customer,
                                  std::string_view session, Batch& batch, int64_t* deleted);
  // Deletes `key` when present.
  absl::Status EraseKey(Cf cf, std::string_view key, Batch& batch, int64_t* deleted);

  Context& ctx_;
};

absl::Status RocksDbProfileStore::PutCustomers(std::string_view shop,
                                               const std::vector<rec::CustomerRecord>& customers) {
  RETURN_IF_ERROR(CheckShop(shop));
  for (const auto& c : customers) RETURN_IF_ERROR(CheckKeyId("customer id", c.id()));
  if (customers.empty()) return absl::OkStatus();
  ShopState* state = ctx_.Shop(shop);
  absl::MutexLock lock(&state->mu);  // keeps the country cache in step with the write
  RETURN_IF_ERROR(EnsureShopLoaded(ctx_, shop, *state));
  Batch batch(ctx_);
  std::string key;
  for (const auto& c : customers) {
    keys::BuildKey(shop, keys::kCustomer, c.id(), &key);
    batch.PutRecord(kCustomers, key, c);
  }
  PutShopRecordIfNew(ctx_, shop, *state, batch);
  RETURN_IF_ERROR(batch.Commit("storing customers"));
  MarkShopPersisted(*state);
  if (state->customer_country.size() + customers.size() > kMaxCachedCustomers) {
    state->customer_country.clear();
  }
  for (const auto& c : customers) state->customer_country[c.id()] = c.country();
  return absl::OkStatus();
}

absl::StatusOr<rec::CustomerRecord> RocksDbProfileStore::GetCustomer(std::string_view shop,
                                                                     std::string_view id) {
  RETURN_IF_ERROR(CheckShop(shop));
  RETURN_IF_ERROR(CheckKeyId("customer id", id));
  rec::CustomerRecord record;
  ASSIGN_OR_RETURN(const bool found,
                   GetRecord(ctx_, kCustomers, keys::Key(shop, keys::kCustomer, id), &record));
  if (!found) return absl::NotFoundError(absl::StrCat("customer \"", Av(id), "\" not found"));
  return record;
}

absl::StatusOr<std::optional<std::string>> RocksDbProfileStore::ResolveSession(
    std::string_view shop, std::string_view session_id) {
  RETURN_IF_ERROR(CheckShop(shop));
  RETURN_IF_ERROR(CheckKeyId("session id", session_id));
  rec::SessionAliasRecord alias;
  ASSIGN_OR_RETURN(const bool found,
                   GetRecord(ctx_, kCustomers, keys::Key(shop, keys::kAlias, session_id), &alias));
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(alias.customer_id());
}

absl::StatusOr<rec::SubjectAggregatesRecord> RocksDbProfileStore::GetAggregates(
    std::string_view shop, const Subject& subject) {
  RETURN_IF_ERROR(CheckShop(shop));
  RETURN_IF_ERROR(CheckKeyId("subject id", subject.id));
  rec::SubjectAggregatesRecord agg;
  ASSIGN_OR_RETURN(
      const bool found,
      GetRecord(ctx_, kAggregates, keys::Key(shop, keys::KindOf(subject.kind), subject.id), &agg));
  if (!found) return absl::NotFoundError(absl::StrCat("no events of \"", subject.id, "\""));
  return agg;
}

absl::StatusOr<std::vector<rec::EventRecord>> RocksDbProfileStore::RecentEvents(
    std::string_view shop, const Subject& subject, int limit) {
  RETURN_IF_ERROR(CheckShop(shop));
  RETURN_IF_ERROR(CheckKeyId("subject id", subject.id));
  std::vector<rec::EventRecord> events;
  if (limit <= 0) return events;
  const std::string prefix = keys::EventPrefix(shop, keys::KindOf(subject.kind), subject.id);
  absl::Status parse_error;
  RETURN_IF_ERROR(ScanRange(ctx_, kEvents, prefix, keys::PrefixEnd(prefix), /*reverse=*/true,
                            [&](std::string_view key, std::string_view value) {
                              rec::EventRecord& e = events.emplace_back();
                              if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                                parse_error = Unparsable("event", key);
                                return false;
                              }
                              return static_cast<int>(events.size()) < limit;
                            }));
  RETURN_IF_ERROR(parse_error);
  return events;
}

absl::Status RocksDbProfileStore::EraseKey(Cf cf, std::string_view key, Batch& batch,
                                           int64_t* deleted) {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, Get(ctx_, cf, key, &value));
  if (found) {
    batch.Delete(cf, key);
    ++*deleted;
  }
  return absl::OkStatus();
}

absl::Status RocksDbProfileStore::EraseEvents(std::string_view shop, char kind, std::string_view id,
                                              Batch& batch, int64_t* deleted) {
  std::string id_key;
  rec::EventRecord event;
  absl::Status parse_error;
  RETURN_IF_ERROR(ScanPrefix(ctx_, kEvents, keys::EventPrefix(shop, kind, id),
                             [&](std::string_view key, std::string_view value) {
                               if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                                 parse_error = Unparsable("event", key);
                                 return false;
                               }
                               if (!event.event_id().empty()) {
                                 keys::BuildKey(shop, keys::kEventId, event.event_id(), &id_key);
                                 batch.Delete(kIdempotency, id_key);
                                 ++*deleted;
                               }
                               batch.Delete(kEvents, key);
                               ++*deleted;
                               return true;
                             }));
  return parse_error;
}

absl::Status RocksDbProfileStore::EraseMergedSession(std::string_view shop,
                                                     std::string_view customer,
                                                     std::string_view session, Batch& batch,
                                                     int64_t* deleted) {
  const std::string alias_key = keys::Key(shop, keys::kAlias, session);
  rec::SessionAliasRecord alias;
  ASSIGN_OR_RETURN(const bool found, GetRecord(ctx_, kCustomers, alias_key, &alias));
  // A session that later logged in as someone else belongs to them now.
  if (found && alias.customer_id() != customer) return absl::OkStatus();
  if (found) {
    batch.Delete(kCustomers, alias_key);
    ++*deleted;
  }
  RETURN_IF_ERROR(EraseKey(kAggregates, keys::Key(shop, keys::kSession, session), batch, deleted));
  return EraseEvents(shop, keys::kSession, session, batch, deleted);
}

absl::StatusOr<int64_t> RocksDbProfileStore::EraseCustomer(std::string_view shop,
                                                           std::string_view id) {
  RETURN_IF_ERROR(CheckShop(shop));
  RETURN_IF_ERROR(CheckKeyId("customer id", id));
  ShopState* state = ctx_.Shop(shop);
  absl::MutexLock lock(&state->mu);  // no Append of this shop runs meanwhile
  Batch batch(ctx_);
  int64_t deleted = 0;
  const std::string key = keys::Key(shop, keys::kCustomer, id);
  RETURN_IF_ERROR(EraseKey(kCustomers, key, batch, &deleted));
  rec::SubjectAggregatesRecord agg;
  ASSIGN_OR_RETURN(const bool has_agg, GetRecord(ctx_, kAggregates, key, &agg));
  if (has_agg) {
    batch.Delete(kAggregates, key);
    ++deleted;
  }
  RETURN_IF_ERROR(EraseEvents(shop, keys::kCustomer, id, batch, &deleted));
  for (const auto& session : agg.merged_sessions()) {
    RETURN_IF_ERROR(EraseMergedSession(shop, id, session, batch, &deleted));
  }
  if (deleted == 0) return absl::NotFoundError(absl::StrCat("customer \"", Av(id), "\" not found"));
  RETURN_IF_ERROR(batch.Commit("erasing a customer"));
  state->customer_country.erase(Av(id));
  return deleted;
}

absl::Status RocksDbProfileStore::ScanCustomers(
    std::string_view shop, const std::function<bool(const rec::CustomerRecord&)>& fn) {
  RETURN_IF_ERROR(CheckShop(shop));
  return ScanRecords<rec::CustomerRecord>(
      ctx_, kCustomers, keys::KindPrefix(shop, keys::kCustomer),
      [&](std::string_view, const rec::CustomerRecord& c) { return fn(c); });
}

absl::Status RocksDbProfileStore::ScanAggregates(
    std::string_view shop,
    const std::function<bool(const Subject&, const rec::SubjectAggregatesRecord&)>& fn) {
  RETURN_IF_ERROR(CheckShop(shop));
  bool stopped = false;
  Subject subject;
  for (Subject::Kind kind : {Subject::Kind::kCustomer, Subject::Kind::kSession}) {
    if (stopped) break;
    subject.kind = kind;
    RETURN_IF_ERROR(ScanRecords<rec::SubjectAggregatesRecord>(
        ctx_, kAggregates, keys::KindPrefix(shop, keys::KindOf(kind)),
        [&](std::string_view id, const rec::SubjectAggregatesRecord& agg) {
          subject.id.assign(id);
          stopped = !fn(subject, agg);
          return !stopped;
        }));
  }
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<ProfileStore> NewRocksDbProfileStore(Context* ctx) {
  return std::make_unique<RocksDbProfileStore>(ctx);
}

}  // namespace persona::storage::internal
