// CampaignApi's work on one block of audience members: decide (consent,
// address, already sent, frequency cap), prepare, score the ALS stage of the
// block at once, finish, record the sends, stream the rows.
#include <openssl/evp.h>

#include <algorithm>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/recommendation_id.h"
#include "common/status_macros.h"
#include "server/campaign_api.h"
#include "server/call_context.h"
#include "server/campaign_run.h"
#include "server/recommend_pipeline.h"
#include "server/visitor.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;

// Runs fn(i) for i in [0, n) on this thread and one more.
template <typename Fn>
void TwoWay(size_t n, Fn&& fn) {
  if (n < 8) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  const size_t half = n / 2;
  std::thread other([&] {
    for (size_t i = half; i < n; ++i) fn(i);
  });
  for (size_t i = 0; i < half; ++i) fn(i);
  other.join();
}

void Skip(v1::CampaignRow& row, v1::SkipReason reason) { row.set_skipped(reason); }

// The send's idempotency key, "email:<campaign>:<customer>". Event ids hold
// at most 256 bytes while campaign ids take 64 and customer ids 256, so a
// key that would be longer names the customer by the hex SHA-256 of the id
// (without this, sending to such a customer failed the whole run).
std::string SendEventId(const std::string& campaign, const std::string& customer) {
  std::string id = absl::StrCat("email:", campaign, ":", customer);
  if (id.size() <= 256) return id;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(customer.data(), customer.size(), digest, &size, EVP_sha256(), nullptr);
  return absl::StrCat("email:", campaign, ":#",
                      absl::BytesToHexString(
                          absl::string_view(reinterpret_cast<const char*>(digest), size)));
}

// The send of this campaign already recorded for the customer, if any.
const rec::EmailSendRecord* PreviousSend(const rec::SubjectAggregatesRecord* a,
                                         const std::string& campaign) {
  if (a == nullptr) return nullptr;
  for (const auto& s : a->email_sends()) {
    if (s.campaign_id() == campaign) return &s;
  }
  return nullptr;
}

// Emails of `type` (other campaigns) sent since `since`.
int SentSince(const rec::SubjectAggregatesRecord* a, const std::string& type,
              const std::string& campaign, int64_t since) {
  if (a == nullptr) return 0;
  int n = 0;
  for (const auto& s : a->email_sends()) {
    if (s.campaign_type() == type && s.campaign_id() != campaign && s.time_ms() >= since) ++n;
  }
  return n;
}

// Items to leave out: emailed within the no-repeat window, and shown on the
// site (showings that were not email sends) within the cross-channel window.
std::vector<std::string> Exclusions(const rec::SubjectAggregatesRecord* a, int64_t now,
                                    int64_t no_repeat_ms, int64_t shown_ms) {
  std::vector<std::string> out;
  if (a == nullptr) return out;
  if (no_repeat_ms >= 0) {
    for (const auto& s : a->email_sends()) {
      if (s.time_ms() < now - no_repeat_ms) continue;
      out.insert(out.end(), s.item_ids().begin(), s.item_ids().end());
    }
  }
  if (shown_ms > 0) {
    for (const auto& shown : a->shown_items()) {
      for (int64_t t : shown.times_ms()) {
        if (t < now - shown_ms) continue;
        const bool emailed = std::any_of(
            a->email_sends().begin(), a->email_sends().end(), [&](const rec::EmailSendRecord& s) {
              return s.time_ms() == t && std::find(s.item_ids().begin(), s.item_ids().end(),
                                                   shown.item_id()) != s.item_ids().end();
            });
        if (!emailed) {
          out.push_back(shown.item_id());
          break;
        }
      }
    }
  }
  return out;
}

void FillEmailItem(const v1::RecommendedItem& r, v1::EmailItem* e) {
  e->set_item_id(r.item().id());
  e->set_title(r.item().title());
  e->set_price(r.item().price());
  e->set_currency(r.item().currency());
  e->set_url(r.item().url());
  e->set_image_url(r.item().image_url());
  e->set_reason(r.reason());
  e->set_reason_code(r.reason_code());
}

void FillContact(const rec::CustomerRecord& c, v1::EmailContent* e) {
  e->set_email(c.email());
  e->set_first_name(c.first_name());
  e->set_last_name(c.last_name());
  e->set_locale(c.locale());
}

}  // namespace

std::vector<int32_t> CampaignContext(v1::CampaignType type, const Visitor& v) {
  if (type == v1::ABANDONED_CART) return v.cart;
  if (type != v1::CROSS_SELL || v.bought.empty()) return {};
  int64_t last = 0;
  for (const auto& [i, t] : v.bought) last = std::max(last, t);
  std::vector<int32_t> out;
  for (const auto& [i, t] : v.bought) {
    if (t == last) out.push_back(i);
  }
  return out;
}

absl::Status CampaignApi::Decide(CampaignRun& run, Member& m) {
  m.row.set_customer_id(m.id);
  m.row.set_cursor(m.id);
  const rec::CustomerRecord* c = m.customer ? &*m.customer : nullptr;
  const rec::SubjectAggregatesRecord* a = m.aggregates ? &*m.aggregates : nullptr;
  if (c == nullptr && a == nullptr) return Skip(m.row, v1::UNKNOWN_CUSTOMER), absl::OkStatus();
  if (c == nullptr || !c->consent_email_marketing()) {
    return Skip(m.row, v1::NO_EMAIL_CONSENT), absl::OkStatus();
  }
  if (c->email().empty()) return Skip(m.row, v1::NO_EMAIL_ADDRESS), absl::OkStatus();
  if (const rec::EmailSendRecord* sent = PreviousSend(a, run.req.campaign_id())) {
    v1::EmailContent* e = m.row.mutable_email();
    FillContact(*c, e);
    e->set_recommendation_id(sent->recommendation_id());
    e->set_repeated(true);
    // The reasons were not recorded with the send: the generic one stands in.
    const std::string reason = run.reasons->Render(v1::PERSONALIZED, c->locale(), {});
    // The same links as the first time (fresh tokens for the same slots), so
    // an email built from a resumed stream still has its open-time content.
    for (const std::string& id : sent->item_ids()) {
      const int32_t i = run.snap->catalog->Find(id);
      v1::EmailItem* item = e->add_items();
      item->set_item_id(id);
      AddLinks(run, m.id, e->items_size() - 1, item);
      if (i < 0) continue;
      const v1::Item& it = *run.snap->items[i];
      item->set_title(it.title());
      item->set_price(it.price());
      item->set_currency(it.currency());
      item->set_url(it.url());
      item->set_image_url(it.image_url());
      item->set_reason_code(v1::PERSONALIZED);
      item->set_reason(reason);
    }
    return absl::OkStatus();
  }
  if (SentSince(a, run.type_name, run.req.campaign_id(), run.now - run.cap_ms) >= run.max_emails) {
    return Skip(m.row, v1::FREQUENCY_CAP), absl::OkStatus();
  }
  m.visitor = std::make_unique<Visitor>(MakeVisitor(m.id, m.customer, m.aggregates, *run.snap,
                                                    run.visitor_options, run.now));
  m.context = CampaignContext(run.req.type(), *m.visitor);
  PlacementAsk ask;
  ask.placement = run.placement;
  ask.count = run.items;
  ask.exclude_ids = Exclusions(a, run.now, run.no_repeat_ms, run.shown_ms);
  ask.rules = run.req.rules();
  const PipelineEnv env{run.placements, run.reasons.get(), run.now};
  ASSIGN_OR_RETURN(m.prepared,
                   PreparePlacement(env, *run.snap, *m.visitor, m.context, ask, nullptr));
  // Emails are attributed per campaign: the id's variant is the campaign id.
  m.prepared->scroll.recommendation_id = EncodeRecommendationId(
      {.placement = m.prepared->name, .variant = run.req.campaign_id(), .issued_time_ms = run.now,
       .nonce = NewRecommendationNonce()});
  return absl::OkStatus();
}

void CampaignApi::AddLinks(const CampaignRun& run, const std::string& customer, int slot,
                           v1::EmailItem* item) const {
  if (signer_ == nullptr || settings_.public_base_url.empty()) return;
  const LinkClaims claims{.shop = run.shop, .customer_id = customer,
                          .campaign_id = run.req.campaign_id(), .slot = slot,
                          .issued_ms = run.now, .expires_ms = run.now + settings_.link_ttl_ms};
  const std::string token = signer_->Sign(claims);
  item->set_open_image_url(EmailLinkUrl(settings_.public_base_url, "open", token));
  item->set_click_url(EmailLinkUrl(settings_.public_base_url, "click", token));
}

absl::Status CampaignApi::RunBlock(CampaignRun& run) {
  // A client that went away (or a deadline that passed) stops the run
  // before the block's work, so it stops within one block.
  RETURN_IF_ERROR(CheckCurrentCall("a campaign block"));
  std::vector<Member>& block = run.block;
  if (run.audience) {
    // Segment membership, evaluated on both cores; non-members are dropped.
    const bool with_persona = run.audience->NeedsPersona();
    std::vector<uint8_t> member(block.size());
    TwoWay(block.size(), [&](size_t i) {
      const Member& m = block[i];
      const CustomerView view = segments_->Evaluate(
          *run.segments, *run.snap, m.id, m.customer ? &*m.customer : nullptr,
          m.aggregates ? &*m.aggregates : nullptr, run.now, with_persona);
      member[i] = run.audience->Contains(view, run.now);
    });
    size_t kept = 0;
    for (size_t i = 0; i < block.size(); ++i) {
      if (member[i] && kept != i) block[kept] = std::move(block[i]);
      if (member[i]) ++kept;
    }
    block.resize(kept);
  }
  std::vector<absl::Status> decided(block.size());
  TwoWay(block.size(), [&](size_t i) { decided[i] = Decide(run, block[i]); });
  for (const absl::Status& s : decided) RETURN_IF_ERROR(s);
  // The ALS stage of every new email in the block, matrix-matrix.
  std::vector<size_t> scored;
  std::vector<model::RecommendContext> contexts;
  for (size_t i = 0; i < block.size(); ++i) {
    if (block[i].prepared && block[i].prepared->als_context) {
      scored.push_back(i);
      contexts.push_back(*block[i].prepared->als_context);
    }
  }
  std::vector<std::vector<model::ScoredItem>> answers(contexts.size());
  if (!contexts.empty()) {
    const size_t half = contexts.size() / 2;
    std::span<const model::RecommendContext> all(contexts);
    std::vector<std::vector<model::ScoredItem>> second;
    std::thread other([&] { second = run.snap->als->RecommendBatch(all.subspan(half)); });
    std::vector<std::vector<model::ScoredItem>> first =
        run.snap->als->RecommendBatch(all.subspan(0, half));
    other.join();
    std::move(first.begin(), first.end(), answers.begin());
    std::move(second.begin(), second.end(), answers.begin() + half);
  }
  std::vector<const std::vector<model::ScoredItem>*> answer_of(block.size(), nullptr);
  for (size_t j = 0; j < scored.size(); ++j) answer_of[scored[j]] = &answers[j];
  const PipelineEnv env{run.placements, run.reasons.get(), run.now};
  std::vector<absl::Status> finished(block.size());
  TwoWay(block.size(), [&](size_t i) {
    Member& m = block[i];
    if (!m.prepared) return;
    finished[i] = FinishPlacement(env, *run.snap, *m.visitor, *m.prepared, answer_of[i],
                                  nullptr, &m.response);
  });
  for (const absl::Status& s : finished) RETURN_IF_ERROR(s);
  // Rows and the sends to record.
  v1::TrackEventsRequest sends;
  sends.set_shop(run.shop);
  for (Member& m : block) {
    if (!m.prepared) continue;
    if (m.response.items().empty()) {
      Skip(m.row, v1::NOTHING_TO_RECOMMEND);
      continue;
    }
    v1::EmailContent* e = m.row.mutable_email();
    FillContact(*m.customer, e);
    e->set_recommendation_id(m.response.recommendation_id());
    e->set_variant(m.response.variant());
    v1::Event* send = sends.add_events();
    send->set_event_id(SendEventId(run.req.campaign_id(), m.id));
    send->set_customer_id(m.id);
    send->set_type(v1::EMAIL_SEND);
    send->set_channel(v1::EMAIL);
    send->set_timestamp_ms(run.now);
    send->set_recommendation_id(m.response.recommendation_id());
    (*send->mutable_properties())["campaign"] = run.req.campaign_id();
    (*send->mutable_properties())["campaign_type"] = run.type_name;
    for (int k = 0; k < m.response.items_size(); ++k) {
      v1::EmailItem* item = e->add_items();
      FillEmailItem(m.response.items(k), item);
      send->add_items()->set_item_id(item->item_id());
      AddLinks(run, m.id, k, item);
    }
  }
  // Nobody will receive these rows: record no sends (a resumed run sends them).
  RETURN_IF_ERROR(CheckCurrentCall("recording a campaign block's sends"));
  if (!run.req.dry_run() && sends.events_size() > 0) {
    v1::TrackEventsResponse tracked;
    RETURN_IF_ERROR(api_->TrackEvents(sends, &tracked));
    if (tracked.rejected_size() > 0) {
      return absl::InternalError(absl::StrCat("recording email sends: ",
                                              tracked.rejected(0).reason()));
    }
  }
  // Only now, with the sends recorded, do the rows go out.
  for (Member& m : block) {
    run.summary.set_audience(run.summary.audience() + 1);
    if (m.row.has_email()) {
      run.summary.set_emails(run.summary.emails() + 1);
    } else {
      ++(*run.summary.mutable_skipped())[v1::SkipReason_Name(m.row.skipped())];
    }
    if (!run.emit(m.row)) return absl::CancelledError("the client went away");
  }
  block.clear();
  return absl::OkStatus();
}

}  // namespace persona::server
