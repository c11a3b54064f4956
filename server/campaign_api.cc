#include "server/campaign_api.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "common/recommendation_id.h"
#include "common/status_macros.h"
#include "server/campaign_run.h"
#include "server/recommend_pipeline.h"
#include "server/visitor.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;
constexpr int64_t kDayMs = 86'400'000;
constexpr int kMaxItems = 50;
constexpr int kMaxListedCustomers = 100'000;
constexpr int kMaxRuleBytes = 4096;

absl::Status Invalid(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": ", std::string(what)));
}

absl::Status Check(const v1::RunCampaignRequest& r) {
  if (auto p = NameProblem(r.campaign_id()); !p.empty()) return Invalid("campaign_id", p);
  if (r.type() == v1::CAMPAIGN_TYPE_UNSPECIFIED || !v1::CampaignType_IsValid(r.type())) {
    return Invalid("type", "is required (WELCOME, WIN_BACK, ...)");
  }
  if (r.audience_case() == v1::RunCampaignRequest::AUDIENCE_NOT_SET) {
    return Invalid("audience", "one of segment, rule, customers or target is required");
  }
  if (r.has_segment() && r.segment().empty()) return Invalid("segment", "must not be empty");
  if (r.has_rule() && (r.rule().empty() || r.rule().size() > kMaxRuleBytes)) {
    return Invalid("rule", "must be 1..4096 bytes");
  }
  if (r.has_customers()) {
    const auto& ids = r.customers().customer_ids();
    if (ids.empty() || ids.size() > kMaxListedCustomers) {
      return Invalid("customers.customer_ids", "must list 1..100000 ids");
    }
    for (int i = 0; i < ids.size(); ++i) {
      if (auto p = IdProblem(ids[i]); !p.empty()) {
        return Invalid(absl::StrCat("customers.customer_ids[", i, "]"), p);
      }
    }
  }
  if (r.items_per_customer() < 0 || r.items_per_customer() > kMaxItems) {
    return Invalid("items_per_customer", "must be 1..50 (0: 6)");
  }
  if (r.max_emails_per_period() < 0) return Invalid("max_emails_per_period", "must be >= 0");
  if (r.cap_period_days() < 0 || r.cap_period_days() > 90) {
    return Invalid("cap_period_days", "must be 0..90 (emails are remembered 90 days)");
  }
  if (r.no_repeat_days() < -1 || r.no_repeat_days() > 90) {
    return Invalid("no_repeat_days", "must be -1..90");
  }
  if (r.exclude_shown_on_site_days() < 0 || r.exclude_shown_on_site_days() > 30) {
    return Invalid("exclude_shown_on_site_days", "must be 0..30 (showings are remembered 30 days)");
  }
  if (r.rules().size() > kMaxRuleBytes) return Invalid("rules", "must be at most 4096 bytes");
  if (!r.placement().empty()) {
    if (auto p = NameProblem(r.placement()); !p.empty()) return Invalid("placement", p);
  }
  if (!r.resume_after().empty()) {
    if (auto p = IdProblem(r.resume_after()); !p.empty()) return Invalid("resume_after", p);
  }
  return absl::OkStatus();
}

}  // namespace

CampaignApi::CampaignApi(PersonaApi* api, PageApi* page, storage::Database* db,
                         ShopRegistry* shops, SegmentEngine* segments, TargetFn target,
                         const LinkSigner* signer, const Clock* clock, CampaignSettings settings)
    : api_(api), page_(page), db_(db), shops_(shops), segments_(segments),
      target_(std::move(target)), signer_(signer), clock_(clock), settings_(std::move(settings)) {}

absl::Status CampaignApi::Run(const v1::RunCampaignRequest& request,
                              const std::function<bool(const v1::CampaignRow&)>& emit) {
  RETURN_IF_ERROR(Check(request));
  const auto started = std::chrono::steady_clock::now();
  CampaignRun run(request, emit);
  ASSIGN_OR_RETURN(run.shop, api_->ResolveShop(request.shop()));
  ASSIGN_OR_RETURN(Shop * shop, shops_->Get(run.shop));
  run.snap = shop->Snapshot();
  run.placements = page_->placements();
  run.reasons = page_->reasons();
  run.now = clock_->NowMs();
  run.type_name = v1::CampaignType_Name(request.type());
  run.placement = request.placement().empty()
                      ? absl::StrCat("email_", absl::AsciiStrToLower(run.type_name))
                      : request.placement();
  run.items = request.items_per_customer() > 0 ? request.items_per_customer() : 6;
  run.max_emails = request.max_emails_per_period() > 0 ? request.max_emails_per_period()
                                                       : settings_.max_emails_per_period;
  run.cap_ms = (request.cap_period_days() > 0 ? request.cap_period_days()
                                              : settings_.cap_period_days) * kDayMs;
  const int no_repeat = request.no_repeat_days() != 0 ? request.no_repeat_days()
                                                      : settings_.no_repeat_days;
  run.no_repeat_ms = no_repeat < 0 ? -1 : no_repeat * kDayMs;
  run.shown_ms = request.exclude_shown_on_site_days() * kDayMs;
  run.visitor_options.personalize_without_consent = page_->personalize_without_consent();
  // A bad rule fails the call before anyone is sent anything.
  {
    Visitor nobody;
    PlacementAsk ask;
    ask.placement = run.placement;
    ask.count = run.items;
    ask.rules = request.rules();
    const PipelineEnv env{run.placements, run.reasons.get(), run.now};
    RETURN_IF_ERROR(PreparePlacement(env, *run.snap, nobody, {}, ask, nullptr).status());
  }
  if (request.has_segment() || request.has_rule()) {
    ASSIGN_OR_RETURN(run.segments, segments_->State(run.shop));
    if (request.has_segment()) {
      ASSIGN_OR_RETURN(Audience a, Audience::ForSegment(*run.segments, request.segment()));
      run.audience = std::move(a);
    } else {
      ASSIGN_OR_RETURN(Audience a, Audience::ForRule(request.rule()));
      run.audience = std::move(a);
    }
  }
  if (!request.dry_run()) {
    rec::CampaignRecord record;
    auto stored = db_->marketing().GetCampaign(run.shop, request.campaign_id());
    if (stored.ok()) record = *std::move(stored);
    if (record.created_time_ms() == 0) record.set_created_time_ms(run.now);
    record.set_campaign_id(request.campaign_id());
    record.set_type(request.type());
    record.set_placement(run.placement);
    record.set_rules(request.rules());
    record.set_items_per_customer(run.items);
    record.set_last_run_time_ms(run.now);
    RETURN_IF_ERROR(db_->marketing().PutCampaign(run.shop, record));
  }
  RETURN_IF_ERROR(Enumerate(run));
  if (!run.block.empty()) RETURN_IF_ERROR(RunBlock(run));
  run.summary.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  v1::CampaignRow last;
  *last.mutable_summary() = run.summary;
  if (!emit(last)) return absl::CancelledError("the client went away");
  return absl::OkStatus();
}

absl::Status CampaignApi::Enumerate(CampaignRun& run) {
  const v1::RunCampaignRequest& req = run.req;
  if (run.audience) {
    absl::Status status;
    RETURN_IF_ERROR(db_->profiles().ScanCustomerProfiles(
        run.shop, req.resume_after(),
        [&](std::string_view id, const rec::CustomerRecord* c, const rec::SubjectAggregatesRecord* a) {
          Member m;
          m.id = std::string(id);
          if (c != nullptr) m.customer = *c;
          if (a != nullptr) m.aggregates = *a;
          status = AddMember(run, std::move(m));
          return status.ok();
        }));
    return status;
  }
  std::vector<std::string> ids;
  if (req.has_customers()) {
    ids.assign(req.customers().customer_ids().begin(), req.customers().customer_ids().end());
  } else {
    ASSIGN_OR_RETURN(ids, target_(run.shop, req.target()));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (const std::string& id : ids) {
    if (!req.resume_after().empty() && id <= req.resume_after()) continue;
    Member m;
    m.id = id;
    auto c = db_->profiles().GetCustomer(run.shop, id);
    if (c.ok()) {
      m.customer = *std::move(c);
    } else if (!absl::IsNotFound(c.status())) {
      return c.status();
    }
    auto a = db_->profiles().GetAggregates(run.shop, storage::Subject::Customer(id));
    if (a.ok()) {
      m.aggregates = *std::move(a);
    } else if (!absl::IsNotFound(a.status())) {
      return a.status();
    }
    RETURN_IF_ERROR(AddMember(run, std::move(m)));
  }
  return absl::OkStatus();
}

absl::Status CampaignApi::AddMember(CampaignRun& run, Member member) {
  run.block.push_back(std::move(member));
  if (static_cast<int>(run.block.size()) < settings_.block) return absl::OkStatus();
  return RunBlock(run);
}

}  // namespace persona::server
