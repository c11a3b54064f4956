// Email campaigns (CampaignService.RunCampaign) and the open-time content of
// their emails (EmailSlotResolver behind /email/open and /email/click).
//
// A campaign walks its audience in customer-id order, in blocks: for each
// member it checks email consent, the address, whether this campaign was
// already sent to them (then the row repeats what was sent), and the
// campaign type's frequency cap; prepares the placement (variant, rules,
// exclusions: items emailed within the no-repeat window, items shown on the
// site within the cross-channel window, items bought); scores the ALS stage
// of the whole block at once (AlsRecommender::RecommendBatch, matrix-matrix
// on two threads); finishes every member through the placement pipeline;
// records the block's sends as EMAIL_SEND events in one write; and only then
// streams the block's rows. So a row the client received was recorded, and
// resuming after a row's cursor re-sends nobody and skips nobody.
//
// Thread-safe: campaigns run concurrently, each on its caller's thread plus
// one helper thread per block.
#ifndef PERSONA_SERVER_CAMPAIGN_API_H_
#define PERSONA_SERVER_CAMPAIGN_API_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "persona/v1/campaigns.pb.h"
#include "server/api.h"
#include "server/email_links.h"
#include "server/link_token.h"
#include "server/page_api.h"
#include "server/segment_engine.h"
#include "server/shop_registry.h"
#include "storage/database.h"

namespace persona::server {

struct CampaignSettings {
  // Frequency cap when a request sets none: emails of one campaign type per
  // customer per period.
  int max_emails_per_period = 1;
  int cap_period_days = 7;
  // Items emailed within this many days are not sent again (request default).
  int no_repeat_days = 14;
  // Customers scored per block.
  int block = 256;
  // Open-time links: the server's public HTTP base URL (empty: no links)
  // and how long links stay valid.
  std::string public_base_url;
  int64_t link_ttl_ms = 90 * 86'400'000LL;
};

// The customers a TargetCustomersRequest selects (SegmentsApi::Target).
using TargetFn = std::function<absl::StatusOr<std::vector<std::string>>(
    const std::string& shop, const v1::TargetCustomersRequest&)>;

class CampaignApi : public EmailSlotResolver {
 public:
  // `signer` may be null (no open-time links). None owned.
  CampaignApi(PersonaApi* api, PageApi* page, storage::Database* db, ShopRegistry* shops,
              SegmentEngine* segments, TargetFn target, const LinkSigner* signer,
              const Clock* clock, CampaignSettings settings);

  // Streams the campaign's rows to `emit` (which returns false when the
  // client is gone: the run stops with CANCELLED). INVALID_ARGUMENT names
  // the request field; NOT_FOUND an unknown segment.
  absl::Status Run(const v1::RunCampaignRequest& request,
                   const std::function<bool(const v1::CampaignRow&)>& emit);

  // EmailSlotResolver: the slot's best item for the customer now, chosen
  // with the campaign's placement and rules; remembered for a day so the
  // click lands on the item the open showed.
  absl::StatusOr<SlotItem> Resolve(const LinkClaims& claims) override;
  // Records a RECOMMENDATION_CLICK (channel EMAIL) carrying the send's
  // recommendation id, so later purchases are attributed to the campaign.
  absl::Status RecordClick(const LinkClaims& claims, const SlotItem& item) override;
  // Forgets the open-time choices remembered for an erased customer.
  void ForgetCustomer(const std::string& shop, const std::string& customer_id);

 private:
  struct CampaignRun;
  struct Member;
  absl::Status Enumerate(CampaignRun& run);
  absl::Status AddMember(CampaignRun& run, Member member);
  absl::Status RunBlock(CampaignRun& run);
  absl::Status Decide(CampaignRun& run, Member& m);
  // Sets the slot's open-time links (when links are configured).
  void AddLinks(const CampaignRun& run, const std::string& customer, int slot,
                v1::EmailItem* item) const;
  absl::StatusOr<SlotItem> ChooseSlot(const LinkClaims& claims);

  PersonaApi* const api_;
  PageApi* const page_;
  storage::Database* const db_;
  ShopRegistry* const shops_;
  SegmentEngine* const segments_;
  const TargetFn target_;
  const LinkSigner* const signer_;
  const Clock* const clock_;
  const CampaignSettings settings_;
  // Open-time choices: "<shop>\0<customer>\0<campaign>\0<slot>" -> item, time.
  absl::Mutex slots_mu_;
  absl::flat_hash_map<std::string, std::pair<SlotItem, int64_t>> slots_ ABSL_GUARDED_BY(slots_mu_);
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_CAMPAIGN_API_H_
