// The state of one campaign run and of one audience member, shared by
// campaign_api.cc (enumeration) and campaign_block.cc (the block's work).
// Internal to CampaignApi; not thread-safe (one run per call).
#ifndef PERSONA_SERVER_CAMPAIGN_RUN_H_
#define PERSONA_SERVER_CAMPAIGN_RUN_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/campaign_api.h"
#include "server/recommend_pipeline.h"
#include "server/visitor.h"

namespace persona::server {

namespace rec = ::persona::storage::v1;

// The page context a campaign type starts from: the cart (abandoned cart),
// the last order (cross-sell), else none.
std::vector<int32_t> CampaignContext(v1::CampaignType type, const Visitor& visitor);

struct CampaignApi::Member {
  std::string id;
  std::optional<rec::CustomerRecord> customer;
  std::optional<rec::SubjectAggregatesRecord> aggregates;
  v1::CampaignRow row;
  // Set when the member gets a new email: the visitor and its prepared placement.
  std::unique_ptr<Visitor> visitor;
  std::vector<int32_t> context;
  std::unique_ptr<PreparedPlacement> prepared;
  v1::RecommendResponse response;
};

struct CampaignApi::CampaignRun {
  CampaignRun(const v1::RunCampaignRequest& r, const std::function<bool(const v1::CampaignRow&)>& e)
      : req(r), emit(e) {}
  const v1::RunCampaignRequest& req;
  const std::function<bool(const v1::CampaignRow&)>& emit;
  std::string shop;
  std::shared_ptr<const ShopSnapshot> snap;
  std::shared_ptr<const Placements> placements;
  std::shared_ptr<const ReasonTexts> reasons;
  std::shared_ptr<const SegmentState> segments;
  std::optional<Audience> audience;
  int64_t now = 0;
  std::string placement;
  std::string type_name;
  int items = 6;
  int max_emails = 1;
  int64_t cap_ms = 0;
  int64_t no_repeat_ms = -1;
  int64_t shown_ms = 0;
  VisitorOptions visitor_options;
  std::vector<Member> block;
  v1::CampaignSummary summary;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_CAMPAIGN_RUN_H_
