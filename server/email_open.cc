// CampaignApi as the EmailSlotResolver of the open-time email links: the
// slot's best item when the email is opened (chosen as the campaign chose,
// on the customer's profile and the catalog as they are now), and the click
// recorded with the send's recommendation id.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/campaign_api.h"
#include "server/campaign_run.h"
#include "server/recommend_pipeline.h"
#include "server/visitor.h"

namespace persona::server {
namespace {

constexpr int64_t kSlotMemoryMs = 86'400'000;
constexpr size_t kMaxRememberedSlots = 100'000;

std::string SlotKey(const LinkClaims& c) {
  return absl::StrCat(c.shop, std::string(1, '\0'), c.customer_id, std::string(1, '\0'),
                      c.campaign_id, std::string(1, '\0'), c.slot);
}

}  // namespace

absl::StatusOr<SlotItem> CampaignApi::ChooseSlot(const LinkClaims& claims) {
  ASSIGN_OR_RETURN(const std::string shop, api_->ResolveShop(claims.shop));
  ASSIGN_OR_RETURN(const auto campaign, db_->marketing().GetCampaign(shop, claims.campaign_id));
  ASSIGN_OR_RETURN(Shop * state, shops_->Get(shop));
  const std::shared_ptr<const ShopSnapshot> snap = state->Snapshot();
  const int64_t now = clock_->NowMs();
  VisitorOptions options;
  options.personalize_without_consent = page_->personalize_without_consent();
  ASSIGN_OR_RETURN(Visitor visitor,
                   LoadVisitor(*db_, shop, *snap, claims.customer_id, "", options, now));
  if (!visitor.customer) return absl::NotFoundError("unknown customer");
  PlacementAsk ask;
  ask.placement = campaign.placement();
  ask.count = campaign.items_per_customer();
  ask.rules = campaign.rules();
  const std::shared_ptr<const ReasonTexts> reasons = page_->reasons();
  const PipelineEnv env{page_->placements(), reasons.get(), now};
  v1::RecommendResponse response;
  // The same page context the campaign started from (the cart, the last order).
  const std::vector<int32_t> context =
      CampaignContext(static_cast<v1::CampaignType>(campaign.type()), visitor);
  RETURN_IF_ERROR(RunPlacement(env, *snap, visitor, context, ask, nullptr, &response));
  if (claims.slot < 0 || claims.slot >= response.items_size()) {
    return absl::NotFoundError("nothing to show in this slot");
  }
  const v1::Item& item = response.items(claims.slot).item();
  SlotItem slot{item.id(), item.image_url(), item.url(), response.recommendation_id()};
  // Clicks are attributed to the send, not to this open.
  if (visitor.aggregates) {
    for (const auto& s : visitor.aggregates->email_sends()) {
      if (s.campaign_id() == claims.campaign_id) slot.recommendation_id = s.recommendation_id();
    }
  }
  return slot;
}

absl::StatusOr<SlotItem> CampaignApi::Resolve(const LinkClaims& claims) {
  const std::string key = SlotKey(claims);
  const int64_t now = clock_->NowMs();
  {
    absl::MutexLock lock(&slots_mu_);
    auto it = slots_.find(key);
    if (it != slots_.end() && now - it->second.second < kSlotMemoryMs) return it->second.first;
  }
  ASSIGN_OR_RETURN(SlotItem slot, ChooseSlot(claims));
  absl::MutexLock lock(&slots_mu_);
  if (slots_.size() >= kMaxRememberedSlots) slots_.clear();
  slots_[key] = {slot, now};
  return slot;
}

void CampaignApi::ForgetCustomer(const std::string& shop, const std::string& customer_id) {
  const std::string nul(1, '\0');
  const std::string prefix = absl::StrCat(shop, nul, customer_id, nul);
  // Links may name no shop (the default one): forgetting too much only costs a recompute.
  const std::string unnamed = absl::StrCat(nul, customer_id, nul);
  absl::MutexLock lock(&slots_mu_);
  absl::erase_if(slots_, [&](const auto& entry) {
    return absl::StartsWith(entry.first, prefix) || absl::StartsWith(entry.first, unnamed);
  });
}

absl::Status CampaignApi::RecordClick(const LinkClaims& claims, const SlotItem& item) {
  v1::TrackEventsRequest request;
  request.set_shop(claims.shop);
  v1::Event* e = request.add_events();
  e->set_customer_id(claims.customer_id);
  e->set_type(v1::RECOMMENDATION_CLICK);
  e->set_channel(v1::EMAIL);
  e->set_timestamp_ms(clock_->NowMs());
  e->set_recommendation_id(item.recommendation_id);
  e->add_items()->set_item_id(item.item_id);
  (*e->mutable_properties())["campaign"] = claims.campaign_id;
  v1::TrackEventsResponse response;
  RETURN_IF_ERROR(api_->TrackEvents(request, &response));
  if (response.rejected_size() > 0) {
    return absl::InternalError(absl::StrCat("recording a click: ", response.rejected(0).reason()));
  }
  return absl::OkStatus();
}

}  // namespace persona::server
