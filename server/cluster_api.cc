#include "server/cluster_api.h"

#include <cstdio>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "persona/v1/common.pb.h"
#include "server/log.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;

constexpr int32_t kDefaultBatch = 1000;
constexpr int32_t kMaxBatch = 10000;

void FillSettings(const TrainerOptions& o, v1::TrainingSettings* s) {
  s->set_factors(o.als.factors);
  s->set_regularization(o.als.regularization);
  s->set_alpha(o.als.alpha);
  s->set_iterations(o.als.iterations);
  s->set_min_interactions(o.min_interactions);
  s->set_bm25(o.bm25);
  s->set_max_neighbors(o.neighbors.max_neighbors);
}

// Customers who withheld personalization consent; training leaves them out.
absl::StatusOr<absl::flat_hash_set<std::string>> OptedOut(storage::Database& db,
                                                          const std::string& shop) {
  absl::flat_hash_set<std::string> opted_out;
  RETURN_IF_ERROR(db.profiles().ScanCustomers(shop, [&](const rec::CustomerRecord& c) {
    if (c.has_consent_personalization() && !c.consent_personalization()) opted_out.insert(c.id());
    return true;
  }));
  return opted_out;
}

}  // namespace

void LoadPublishedModels(Trainer& trainer, storage::Database& db) {
  absl::StatusOr<std::vector<std::string>> shops = db.ListShops();
  if (!shops.ok()) {
    LogError("cannot list shops", {{"error", shops.status()}});
    return;
  }
  for (const std::string& shop : *shops) {
    auto loaded = trainer.LoadStored(shop);
    if (loaded.ok()) {
      LogInfo("serving published model", {{"shop", shop}, {"version", (*loaded)->version}});
    } else {
      LogInfo("no published model yet (publish-only replica; run `persona cluster train`); "
              "serving popularity",
              {{"shop", shop}});
    }
  }
}

ClusterApi::ClusterApi(ClusterOptions options, PersonaApi* api, storage::Database* db,
                       ShopRegistry* shops)
    : options_(std::move(options)), api_(api), db_(db), shops_(shops) {}

absl::Status ClusterApi::ExportInteractions(
    const v1::ExportInteractionsRequest& request,
    const std::function<bool(const v1::ExportInteractionsResponse&)>& write) {
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(request.shop()));
  const int32_t batch = request.batch_size() == 0 ? kDefaultBatch : request.batch_size();
  if (batch < 1 || batch > kMaxBatch) {
    return absl::InvalidArgumentError("batch_size: must be between 1 and 10000");
  }
  ASSIGN_OR_RETURN(const absl::flat_hash_set<std::string> opted_out, OptedOut(*db_, shop));
  v1::ExportInteractionsResponse out;
  out.set_replica(options_.replica_name);
  FillSettings(options_.training, out.mutable_settings());
  bool stopped = false;
  RETURN_IF_ERROR(db_->events().ScanEvents(
      shop, [&](const storage::Subject& subject, const rec::EventRecord& e) {
        const bool customer = subject.kind == storage::Subject::Kind::kCustomer;
        if (customer && opted_out.contains(subject.id)) return true;
        const float strength = InteractionStrength(e);
        if (strength == 0 || e.items_size() == 0) return true;
        v1::Interaction* row = out.add_interactions();
        row->set_user(absl::StrCat(customer ? "C" : "S", subject.id));
        for (const auto& item : e.items()) row->add_item_ids(item.item_id());
        row->set_strength(strength);
        row->set_timestamp_ms(e.timestamp_ms());
        if (e.type() == v1::PURCHASE) row->set_order_id(e.order_id());
        if (e.type() == v1::PRODUCT_VIEW) row->set_session_id(e.session_id());
        if (out.interactions_size() < batch) return true;
        if (!write(out)) {
          stopped = true;
          return false;
        }
        out.Clear();
        return true;
      }));
  if (stopped || !write(out)) return absl::CancelledError("the client went away");
  return absl::OkStatus();
}

}  // namespace persona::server
