// The customer join: a shop's customer attributes (customers CF) and
// aggregates (aggregates CF) share the key shape "<shop>\0C<id>", so walking
// both sorted ranges side by side yields every customer once, in id order,
// with whatever of the two is stored, without a point read per customer.
#include <memory>
#include <string>

#include "common/status_macros.h"
#include "rocksdb/db.h"
#include "storage/keys.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage::internal {

absl::Status ScanCustomerJoin(const Context& ctx, std::string_view shop,
                              std::string_view start_after, const CustomerJoinFn& fn) {
  RETURN_IF_ERROR(CheckShop(shop));
  const std::string prefix = keys::KindPrefix(shop, keys::kCustomer);
  const std::string upper = keys::PrefixEnd(prefix);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper_slice;
  // One snapshot for both ranges, so a customer written meanwhile is seen whole or not at all.
  const rocksdb::Snapshot* snapshot = ctx.db->GetSnapshot();
  read.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> attrs(ctx.db->NewIterator(read, ctx.cfs[kCustomers]));
  std::unique_ptr<rocksdb::Iterator> aggs(ctx.db->NewIterator(read, ctx.cfs[kAggregates]));
  // Start past `start_after` (ids never contain '\0', so id + '\0' is its successor).
  std::string lower = prefix;
  if (!start_after.empty()) {
    lower.append(start_after);
    lower.push_back('\0');
  }
  attrs->Seek(lower);
  aggs->Seek(lower);
  rec::CustomerRecord customer;
  rec::SubjectAggregatesRecord agg;
  absl::Status status;
  while (status.ok() && (attrs->Valid() || aggs->Valid())) {
    const int order = !aggs->Valid()    ? -1
                      : !attrs->Valid() ? 1
                                        : attrs->key().compare(aggs->key());
    const rocksdb::Slice key = order <= 0 ? attrs->key() : aggs->key();
    const std::string_view id(key.data() + prefix.size(), key.size() - prefix.size());
    const rec::CustomerRecord* c = nullptr;
    const rec::SubjectAggregatesRecord* a = nullptr;
    if (order <= 0) {
      if (!customer.ParseFromArray(attrs->value().data(), static_cast<int>(attrs->value().size()))) {
        status = Unparsable("customer", attrs->key().ToStringView());
        break;
      }
      c = &customer;
    }
    if (order >= 0) {
      if (!agg.ParseFromArray(aggs->value().data(), static_cast<int>(aggs->value().size()))) {
        status = Unparsable("aggregates", aggs->key().ToStringView());
        break;
      }
      a = &agg;
    }
    const bool more = fn(id, c, a);
    if (order <= 0) attrs->Next();
    if (order >= 0) aggs->Next();
    if (!more) break;
  }
  if (status.ok()) status = FromRocksDb(attrs->status(), "scanning customers");
  if (status.ok()) status = FromRocksDb(aggs->status(), "scanning customers");
  attrs.reset();
  aggs.reset();
  ctx.db->ReleaseSnapshot(snapshot);
  return status;
}

}  // namespace persona::storage::internal
