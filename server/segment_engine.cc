#include "server/segment_engine.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "model/segments/rfm.h"
#include "server/call_context.h"
#include "server/log.h"
#include "server/segment_facts.h"
#include "server/visitor.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;
constexpr int64_t kBestSellerWindowMs = 30 * seg::kMsPerDay;
constexpr size_t kBestSellersPerStage = 200;

}  // namespace

absl::StatusOr<Audience> Audience::ForSegment(const SegmentState& state, const std::string& name) {
  Audience a;
  if (seg::IsBuiltInSegmentName(name)) {
    a.built_in_ = name;
    return a;
  }
  for (const CustomSegment& c : state.custom) {
    if (c.record.name() == name) {
      a.rule_ = c.rule;
      return a;
    }
  }
  return absl::NotFoundError(absl::StrCat("segment: no segment named \"", name, "\""));
}

absl::StatusOr<Audience> Audience::ForRule(const std::string& text) {
  auto rule = seg::ParseSegmentRule(text);
  if (!rule.ok()) return absl::InvalidArgumentError(absl::StrCat("rule: ", rule.status().message()));
  Audience a;
  a.rule_ = *std::move(rule);
  return a;
}

bool Audience::Contains(const CustomerView& view, int64_t now_ms) const {
  if (!rule_) {
    return std::find(view.built_in.begin(), view.built_in.end(), built_in_) != view.built_in.end();
  }
  const seg::SegmentContext ctx{.now_ms = now_ms, .rfm = view.rfm, .stage = view.stage,
                                .built_in = view.built_in};
  return seg::Matches(*rule_, view.facts, ctx);
}

bool Audience::NeedsPersona() const {
  if (!rule_) return absl::StartsWith(built_in_, "persona:");
  // The canonical text names "persona" when the rule reads the persona field
  // or a persona segment (a false positive only costs time).
  return absl::StrContains(seg::PrintSegmentRule(*rule_), "persona");
}

SegmentEngine::SegmentEngine(storage::Database* db, ShopRegistry* shops, const Clock* clock,
                             SegmentSettings settings)
    : db_(db), shops_(shops), clock_(clock), settings_(std::move(settings)) {
  visitor_options_.personalize_without_consent = settings_.personalize_without_consent;
}

SegmentEngine::~SegmentEngine() { Stop(); }

absl::StatusOr<std::vector<CustomSegment>> SegmentEngine::LoadCustom(const std::string& shop) {
  std::vector<CustomSegment> out;
  absl::Status bad;
  RETURN_IF_ERROR(db_->marketing().ScanSegments(shop, [&](const rec::SegmentDefinitionRecord& r) {
    auto rule = seg::ParseSegmentRule(r.rule());
    if (rule.ok()) out.push_back({r, *std::move(rule)});  // stored rules were validated
    return true;
  }));
  return out;
}

namespace {

// Returns `state` without the customers in `ids` (a copy only when it holds one).
template <typename Ids>
std::shared_ptr<const SegmentState> Without(std::shared_ptr<const SegmentState> state, const Ids& ids) {
  std::vector<size_t> rows;
  for (const auto& entry : ids) {
    auto it = std::lower_bound(state->ids.begin(), state->ids.end(), entry.first);
    if (it != state->ids.end() && *it == entry.first) rows.push_back(it - state->ids.begin());
  }
  if (rows.empty()) return state;
  std::sort(rows.begin(), rows.end());
  auto next = std::make_shared<SegmentState>();
  *next = *state;
  const size_t dim = static_cast<size_t>(state->dim);
  for (auto r = rows.rbegin(); r != rows.rend(); ++r) {
    next->ids.erase(next->ids.begin() + *r);
    if (next->factors.size() >= (*r + 1) * dim) {
      next->factors.erase(next->factors.begin() + *r * dim, next->factors.begin() + (*r + 1) * dim);
    }
    if (*r < next->email_consent.size()) next->email_consent.erase(next->email_consent.begin() + *r);
  }
  return next;
}

}  // namespace

void SegmentEngine::Publish(const std::string& shop, std::shared_ptr<const SegmentState> state,
                            uint64_t pass_start) {
  absl::MutexLock lock(&mu_);
  auto forgotten = forgotten_.find(shop);
  if (forgotten != forgotten_.end()) {
    state = Without(std::move(state), forgotten->second);
    // A pass that began after these were erased never read them.
    if (pass_start != kNotAPass) {
      absl::erase_if(forgotten->second, [&](const auto& e) { return e.second <= pass_start; });
    }
  }
  states_[shop] = std::move(state);
}

uint64_t SegmentEngine::ForgottenSoFar() {
  absl::MutexLock lock(&mu_);
  return forget_count_;
}

void SegmentEngine::ForgetCustomer(const std::string& shop, const std::string& id) {
  absl::MutexLock lock(&mu_);
  forgotten_[shop][id] = ++forget_count_;
  auto it = states_.find(shop);
  if (it != states_.end()) {
    it->second = Without(it->second, std::vector<std::pair<std::string, uint64_t>>{{id, 0}});
  }
}

absl::StatusOr<std::shared_ptr<const SegmentState>> SegmentEngine::State(const std::string& shop) {
  {
    absl::MutexLock lock(&mu_);
    auto it = states_.find(shop);
    if (it != states_.end()) return it->second;
  }
  return RunPass(shop);
}

std::shared_ptr<const SegmentState> SegmentEngine::Current(const std::string& shop) {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(shop);
  return it == states_.end() ? nullptr : it->second;
}

seg::Stage SegmentEngine::StageOf(const SegmentState& state, const rec::SubjectAggregatesRecord& a,
                                  int64_t now_ms) const {
  seg::CustomerFacts f;
  f.first_seen_ms = a.first_seen_time_ms();
  f.last_seen_ms = a.last_seen_time_ms();
  f.last_purchase_ms = a.last_purchase_time_ms();
  f.orders = a.orders();
  f.monetary = a.monetary();
  const seg::RfmScore rfm = seg::ScoreRfm(f, state.cuts, now_ms);
  return seg::ClassifyStage(f, settings_.thresholds.lifecycle, rfm, now_ms);
}

absl::Status SegmentEngine::ReloadCustom(const std::string& shop) {
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentState> current, State(shop));
  ASSIGN_OR_RETURN(std::vector<CustomSegment> custom, LoadCustom(shop));
  auto next = std::make_shared<SegmentState>(*current);
  next->custom = std::move(custom);
  Publish(shop, std::move(next));
  return absl::OkStatus();
}

CustomerView SegmentEngine::Evaluate(const SegmentState& state, const ShopSnapshot& snap,
                                     std::string_view id, const rec::CustomerRecord* customer,
                                     const rec::SubjectAggregatesRecord* aggregates,
                                     int64_t now_ms, bool with_persona) const {
  CustomerView v;
  v.facts = BuildFacts(id, customer, aggregates, *snap.catalog, now_ms,
                       settings_.affinity_half_life_ms);
  if (with_persona && state.k > 0 && snap.als != nullptr && snap.als->dim() == state.dim && aggregates != nullptr &&
      Consents(customer, visitor_options_)) {
    std::vector<float> user;
    if (snap.als->FoldInUser(InteractionsOf(*aggregates, *snap.catalog), user)) {
      v.facts.persona = seg::NearestCentroid(state.centroids, state.dim, user);
    }
  }
  v.rfm = seg::ScoreRfm(v.facts, state.cuts, now_ms);
  v.stage = seg::ClassifyStage(v.facts, settings_.thresholds.lifecycle, v.rfm, now_ms);
  v.built_in = seg::BuiltInSegments(v.facts, v.rfm, v.stage, settings_.thresholds, now_ms);
  return v;
}

std::vector<std::string> SegmentEngine::SegmentsOf(const SegmentState& state,
                                                   const CustomerView& view,
                                                   int64_t now_ms) const {
  std::vector<std::string> out = view.built_in;
  const seg::SegmentContext ctx{.now_ms = now_ms, .rfm = view.rfm, .stage = view.stage,
                                .built_in = view.built_in};
  for (const CustomSegment& c : state.custom) {
    if (seg::Matches(c.rule, view.facts, ctx)) out.push_back(c.record.name());
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const SegmentState>> SegmentEngine::RunPass(const std::string& shop) {
  absl::MutexLock pass_lock(&pass_mu_);
  const uint64_t forgotten_before = ForgottenSoFar();
  const auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(Shop * shop_state, shops_->Get(shop));
  const std::shared_ptr<const ShopSnapshot> snap = shop_state->Snapshot();
  const int64_t now = clock_->NowMs();
  auto state = std::make_shared<SegmentState>();
  state->computed_ms = now;
  ASSIGN_OR_RETURN(state->custom, LoadCustom(shop));
  const model::AlsRecommender* als = snap->als.get();
  if (als != nullptr) {
    state->dim = als->dim();
    state->model_version = als->version();
  }

  // A refresh whose caller went away stops every 1024 customers (passes in
  // the background have no caller and run to the end).
  absl::Status stopped;
  auto keep_going = [&stopped, n = int64_t{0}]() mutable {
    if (++n % 1024 == 0) stopped = CheckCurrentCall("the segment pass");
    return stopped.ok();
  };
  // First scan: RFM inputs, and factor vectors of consenting customers.
  std::vector<seg::RfmInput> rfm;
  std::vector<float> user;
  RETURN_IF_ERROR(db_->profiles().ScanCustomerProfiles(
      shop, "", [&](std::string_view id, const rec::CustomerRecord* c,
                    const rec::SubjectAggregatesRecord* a) {
        if (!keep_going()) return false;
        ++state->customers;
        if (a == nullptr) return true;
        if (a->orders() > 0) rfm.push_back({a->last_purchase_time_ms(), a->orders(), a->monetary()});
        if (als == nullptr || !Consents(c, visitor_options_)) return true;
        if (!als->FoldInUser(InteractionsOf(*a, *snap->catalog), user)) return true;
        state->ids.emplace_back(id);
        state->factors.insert(state->factors.end(), user.begin(), user.end());
        state->email_consent.push_back(c != nullptr && c->consent_email_marketing());
        return true;
      }));
  RETURN_IF_ERROR(stopped);
  RETURN_IF_ERROR(CheckCurrentCall("clustering personas"));
  state->cuts = seg::ComputeRfmCuts(std::span<const seg::RfmInput>(rfm), now);

  // Personas over the factor vectors.
  std::vector<int32_t> assignment;
  if (settings_.personas > 0 && state->ids.size() >= 2) {
    auto km = seg::KMeans(state->factors, state->dim, {.k = settings_.personas});
    if (km.ok()) {
      state->k = km->k;
      state->centroids = std::move(km->centroids);
      assignment = std::move(km->assignment);
    }
  }

  // Second scan: every customer's segments, and the personas' descriptions.
  seg::PersonaDescriber describer(state->k);
  for (const std::string& name : seg::BuiltInSegmentNames(state->k)) state->sizes[name] = 0;
  for (const CustomSegment& c : state->custom) state->sizes[c.record.name()] = 0;
  size_t row = 0;
  // Buyers per item within the last 30 days, per stage.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, int64_t>> stage_buyers;
  RETURN_IF_ERROR(db_->profiles().ScanCustomerProfiles(
      shop, "", [&](std::string_view id, const rec::CustomerRecord* c,
                    const rec::SubjectAggregatesRecord* a) {
        if (!keep_going()) return false;
        CustomerView v;
        v.facts = BuildFacts(id, c, a, *snap->catalog, now, settings_.affinity_half_life_ms);
        while (row < state->ids.size() && state->ids[row] < id) ++row;
        if (row < state->ids.size() && state->ids[row] == id && !assignment.empty()) {
          v.facts.persona = assignment[row];
        }
        v.rfm = seg::ScoreRfm(v.facts, state->cuts, now);
        v.stage = seg::ClassifyStage(v.facts, settings_.thresholds.lifecycle, v.rfm, now);
        v.built_in = seg::BuiltInSegments(v.facts, v.rfm, v.stage, settings_.thresholds, now);
        for (const std::string& name : SegmentsOf(*state, v, now)) ++state->sizes[name];
        describer.Add(v.facts.persona, v.facts);
        if (a != nullptr && a->last_purchase_time_ms() >= now - kBestSellerWindowMs) {
          auto& buyers = stage_buyers[std::string(seg::StageName(v.stage))];
          for (const auto& [item, t] : a->bought_items()) {
            if (t >= now - kBestSellerWindowMs) ++buyers[item];
          }
        }
        return true;
      }));
  RETURN_IF_ERROR(stopped);
  state->personas = describer.Finish();
  for (auto& [stage, buyers] : stage_buyers) {
    std::vector<std::pair<int64_t, std::string>> ranked;
    for (auto& [item, n] : buyers) ranked.emplace_back(-n, item);
    const size_t keep = std::min<size_t>(ranked.size(), kBestSellersPerStage);
    std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end());
    auto& list = state->stage_best_sellers[stage];
    for (size_t j = 0; j < keep; ++j) list.push_back(ranked[j].second);
  }

  // Growth against the previous stored day; then store today's sizes.
  const int32_t today = UtcDay(now);
  rec::SegmentSizesRecord previous;
  RETURN_IF_ERROR(db_->marketing().ScanSegmentSizes(
      shop, today - 30, today - 1, [&](int32_t, const rec::SegmentSizesRecord& r) {
        previous = r;
        return true;
      }));
  for (seg::PersonaDescription& p : state->personas) {
    auto it = previous.sizes().find(absl::StrCat("persona:", p.persona));
    p.growth = static_cast<double>(p.size - (it == previous.sizes().end() ? 0 : it->second));
  }
  rec::SegmentSizesRecord sizes;
  for (const auto& [name, size] : state->sizes) (*sizes.mutable_sizes())[name] = size;
  sizes.set_computed_time_ms(now);
  RETURN_IF_ERROR(db_->marketing().PutSegmentSizes(shop, today, sizes));
  state->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Publish(shop, state, forgotten_before);
  return Current(shop);
}

void SegmentEngine::Start() {
  if (settings_.pass_interval_ms <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void SegmentEngine::Stop() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SegmentEngine::Loop() {
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!loop_cv_.wait_for(lock, std::chrono::milliseconds(settings_.pass_interval_ms),
                            [this] { return stopping_; })) {
    lock.unlock();
    auto shops = db_->ListShops();
    for (const std::string& shop : shops.ok() ? *shops : std::vector<std::string>{}) {
      if (auto pass = RunPass(shop); !pass.ok()) {
        LogError("segment pass failed", {{"shop", shop}, {"error", pass.status()}});
      }
    }
    lock.lock();
  }
}

}  // namespace persona::server
