// The page-view recommendation calls: Recommend (one placement),
// RecommendPage (several placements of one page, distinct items) and
// RankItems (the shop's own list, re-ordered), all through the placement
// pipeline of recommend_pipeline.h with the configured placements, rules,
// experiments and reason texts.
//
// Thread-safe: placements are swapped atomically on reload (Reload), and
// each call works on immutable snapshots.
#ifndef PERSONA_SERVER_PAGE_API_H_
#define PERSONA_SERVER_PAGE_API_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "persona/config/v1/config.pb.h"
#include "persona/v1/recommend.pb.h"
#include "server/api.h"
#include "server/placements.h"
#include "server/recommend_pipeline.h"
#include "server/segment_engine.h"
#include "server/reasons.h"
#include "server/shop_registry.h"
#include "server/visitor.h"
#include "storage/database.h"

namespace persona::server {

class PageApi {
 public:
  // Validates the config's placements and reason templates; INVALID_ARGUMENT
  // naming the first problem (start-up stops on it).
  static absl::StatusOr<std::unique_ptr<PageApi>> Create(const config::v1::Config& config,
                                                         PersonaApi* api, storage::Database* db,
                                                         ShopRegistry* shops, const Clock* clock);

  absl::Status Recommend(const v1::RecommendRequest& request, v1::RecommendResponse* response);
  absl::Status RecommendPage(const v1::RecommendPageRequest& request,
                             v1::RecommendPageResponse* response);
  absl::Status RankItems(const v1::RankItemsRequest& request, v1::RankItemsResponse* response);

  // Replaces placements and reason texts with those of `config`; on any
  // problem keeps the current ones and returns the problem.
  absl::Status Reload(const config::v1::Config& config);
  // Makes the best sellers of the visitor's lifecycle stage the first
  // fallback (from the segment engine's last pass). Call before serving.
  void SetSegments(SegmentEngine* segments) { segments_ = segments; }
  std::shared_ptr<const Placements> placements() const { return placements_.Get(); }
  std::shared_ptr<const ReasonTexts> reasons() const {
    absl::MutexLock lock(&reasons_mu_);
    return reasons_;
  }
  bool personalize_without_consent() const { return personalize_without_consent_; }

 private:
  using ContextIds = google::protobuf::RepeatedPtrField<std::string>;
  // What the placements of one request share.
  struct CallState {
    std::shared_ptr<const ShopSnapshot> snap;
    Visitor visitor;
    std::vector<int32_t> context;
    std::shared_ptr<const Placements> placements;
    std::shared_ptr<const ReasonTexts> reasons;
    int64_t now_ms = 0;
    std::string shop;
    PipelineEnv Env() const;
  };
  // Resolves the shop, takes its snapshot and loads the visitor.
  absl::StatusOr<CallState> Begin(const std::string& shop, const std::string& customer_id,
                                  const std::string& session_id, const ContextIds& context_ids);

  PageApi(const config::v1::Config& config, PersonaApi* api, storage::Database* db,
          ShopRegistry* shops, const Clock* clock, std::shared_ptr<const Placements> placements,
          std::shared_ptr<const ReasonTexts> reasons);

  const bool personalize_without_consent_;
  PersonaApi* const api_;
  storage::Database* const db_;
  ShopRegistry* const shops_;
  const Clock* const clock_;
  PlacementsHolder placements_;
  SegmentEngine* segments_ = nullptr;
  // The stage best sellers fallback of a call (empty without segments).
  SegmentBestSellers SegmentFallback(const CallState& call) const;
  mutable absl::Mutex reasons_mu_;
  std::shared_ptr<const ReasonTexts> reasons_ ABSL_GUARDED_BY(reasons_mu_);
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_PAGE_API_H_
