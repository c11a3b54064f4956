// The segment calls (persona.v1.SegmentService) independent of the transport:
// list segments with their sizes, stream a segment's or an ad-hoc rule's
// members, show one customer's segments, define custom segments, segment
// sizes per day, personas, an on-demand pass, and targeting ("the customers
// most likely to buy this item, category or brand"). The gRPC service wraps
// it; campaigns call Target() for their "target" audience.
//
// Sizes, personas and the customers' factor vectors that targeting scores
// are as of the shop's last segment pass (SegmentEngine); membership that a
// call evaluates (StreamSegmentMembers, GetCustomerSegments) is live, on each
// customer's stored profile now and that pass's RFM cuts and centroids.
//
// Thread-safe: holds no mutable state; the engine, registry and database are
// thread-safe.
#ifndef PERSONA_SERVER_SEGMENTS_API_H_
#define PERSONA_SERVER_SEGMENTS_API_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "persona/v1/segments.pb.h"
#include "server/api.h"
#include "server/segment_engine.h"
#include "server/shop_registry.h"
#include "storage/database.h"

namespace persona::server {

// Limits of the segment calls (the values segments.proto documents).
inline constexpr int kMaxSegmentNameBytes = 64;
inline constexpr int kMaxSegmentRuleBytes = 4096;
inline constexpr int kMaxSegmentDescriptionBytes = 1024;
inline constexpr int kMaxTargetCount = 100'000;
inline constexpr int kDefaultTargetCount = 100;
inline constexpr int kMaxHistoryDays = 366;
inline constexpr int kDefaultHistoryDays = 30;

class SegmentsApi {
 public:
  // Pointers are not owned and must outlive the object.
  SegmentsApi(PersonaApi* api, storage::Database* db, ShopRegistry* shops, SegmentEngine* engine,
              const Clock* clock);

  // Every error below is INVALID_ARGUMENT "<field>: <problem>" for a bad
  // request field (including "shop"), or the storage error.

  // Lists the built-in segments (BuiltInSegmentNames, with the pass's k
  // personas), then the custom ones with their canonical rules. A custom
  // segment created or replaced at or after the pass has size -1.
  absl::Status ListSegments(const v1::ListSegmentsRequest& request,
                            v1::ListSegmentsResponse* response);
  // Calls `emit` for each member, in customer id order after `start_after`,
  // until `limit` members, the end, or `emit` returns false (client gone).
  // Exactly one of segment and rule; NOT_FOUND for an unknown segment name;
  // INVALID_ARGUMENT "rule: ..." for a bad rule.
  absl::Status StreamSegmentMembers(const v1::StreamSegmentMembersRequest& request,
                                    const std::function<bool(const v1::SegmentMember&)>& emit);
  // NOT_FOUND when the shop has neither attributes nor events of the customer.
  absl::Status GetCustomerSegments(const v1::GetCustomerSegmentsRequest& request,
                                   v1::CustomerSegments* response);
  // Validates the name (1..64 of [a-z0-9_-], not a built-in name) and the
  // rule ("rule: <parser message with the column>"), stores the segment
  // (keeping its creation time when replacing) and makes the engine use it.
  // The returned size is -1 until the next pass.
  absl::Status PutSegment(const v1::PutSegmentRequest& request, v1::SegmentInfo* response);
  // NOT_FOUND when there is no custom segment of that name.
  absl::Status DeleteSegment(const v1::DeleteSegmentRequest& request,
                             v1::DeleteSegmentResponse* response);
  // Sizes per day in [from_date, to_date] (default: the 30 days through
  // today, UTC; at most 366 days): one history per requested segment in
  // request order, or per segment seen, by name, when none is requested.
  absl::Status GetSegmentHistory(const v1::GetSegmentHistoryRequest& request,
                                 v1::GetSegmentHistoryResponse* response);
  // The pass's personas; none when the pass had no model or too few customers.
  absl::Status ListPersonas(const v1::ListPersonasRequest& request,
                            v1::ListPersonasResponse* response);
  // Runs a pass now; returns when it is published.
  absl::Status RefreshSegments(const v1::RefreshSegmentsRequest& request,
                               v1::RefreshSegmentsResponse* response);
  // Resolves the shop and answers Target(); model_version is the pass's.
  absl::Status TargetCustomers(const v1::TargetCustomersRequest& request,
                               v1::TargetCustomersResponse* response);

  // Returns up to `request.count` (default 100) customers of `shop` (already
  // resolved; request.shop is ignored) by the dot product of their factor
  // vector at the last pass with the target's factors (the item's row, or the
  // mean row of the category's or brand's items), best first, ties in id
  // order. Skips customers without personalization consent (re-read now, as
  // the pass may be stale), erased since the pass, without email consent when
  // required, and who bought the target (any of its items) within
  // exclude_bought_within_days (0 keeps them). INVALID_ARGUMENT naming the
  // field; NOT_FOUND for an unknown item, category or brand;
  // FAILED_PRECONDITION "no trained model" when there is no model or the pass
  // has no customer factors. When the model changed since the pass, runs a
  // pass first (factors of two trainings are not comparable).
  absl::StatusOr<std::vector<v1::TargetedCustomer>> Target(
      const std::string& shop, const v1::TargetCustomersRequest& request);

 private:
  // The shop's last pass, run again first when its factors come from
  // another model than `snap`'s.
  absl::StatusOr<std::shared_ptr<const SegmentState>> TargetState(const std::string& shop,
                                                                  const ShopSnapshot& snap);
  // Whether the customer may be targeted now and did not buy an item of the
  // target (`in_target`, by catalog index) recently.
  absl::StatusOr<bool> Eligible(const std::string& shop, const std::string& id,
                                const v1::TargetCustomersRequest& request,
                                const ShopSnapshot& snap, const std::vector<bool>& in_target,
                                int64_t now_ms);

  PersonaApi* const api_;
  storage::Database* const db_;
  ShopRegistry* const shops_;
  SegmentEngine* const engine_;
  const Clock* const clock_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_SEGMENTS_API_H_
