// Segments of each shop: the periodic segment pass (RFM quintile cuts,
// personas by k-means over customers' folded-in factors, the sizes of every
// segment, stored per day for charts) and the live evaluation of one
// customer (RFM scores, stage, persona, built-in and custom segments) on
// their stored profile and the last pass's cuts and centroids. A purchase
// therefore moves a customer's RFM scores and stage on the very next call;
// the cuts themselves move with the pass.
//
// Thread-safe: passes swap an immutable SegmentState under a mutex; readers
// hold a shared_ptr to it.
#ifndef PERSONA_SERVER_SEGMENT_ENGINE_H_
#define PERSONA_SERVER_SEGMENT_ENGINE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "model/segments/builtin.h"
#include "model/segments/facts.h"
#include "model/segments/lifecycle.h"
#include "model/segments/personas.h"
#include "model/segments/rfm.h"
#include "model/segments/segment_rule.h"
#include "server/shop_registry.h"
#include "server/visitor.h"
#include "storage/database.h"

namespace persona::server {

namespace seg = ::persona::model::segments;

struct SegmentSettings {
  seg::SegmentThresholds thresholds;
  // Personas (k-means clusters); 0 turns personas off.
  int personas = 8;
  // How often every shop's pass runs (default 1 hour; 0: only on demand).
  int64_t pass_interval_ms = 3'600'000;
  // The half-life category affinities decay with (storage's).
  double affinity_half_life_ms = 30 * 86'400'000.0;
  // Consent assumed when a customer has not answered.
  bool personalize_without_consent = true;
};

// A custom segment, parsed.
struct CustomSegment {
  storage::v1::SegmentDefinitionRecord record;
  seg::SegmentRule rule;
};

// One shop's segments after a pass. Immutable once published.
struct SegmentState {
  // When the pass ran; 0 before the first.
  int64_t computed_ms = 0;
  seg::RfmCuts cuts;
  // Personas: the model they were clustered from, k x dim centroids.
  std::string model_version;
  int32_t dim = 0;
  int32_t k = 0;
  std::vector<float> centroids;
  std::vector<seg::PersonaDescription> personas;
  std::vector<CustomSegment> custom;
  // Members of every segment at the pass.
  absl::flat_hash_map<std::string, int64_t> sizes;
  // Customers with personalization consent and a factor vector (for
  // targeting), in id order: ids, rows of `factors` (dim floats each), and
  // whether each has email consent.
  std::vector<std::string> ids;
  std::vector<float> factors;
  std::vector<uint8_t> email_consent;
  // Best sellers per lifecycle stage name: items bought by the most of the
  // stage's customers within the last 30 days, best first (at most 200).
  absl::flat_hash_map<std::string, std::vector<std::string>> stage_best_sellers;
  int64_t customers = 0;
  double seconds = 0;
};

// What segments say of one customer now.
struct CustomerView {
  seg::CustomerFacts facts;
  seg::RfmScore rfm;
  seg::Stage stage = seg::Stage::kProspect;
  std::vector<std::string> built_in;
};

// A set of customers to test membership of: a segment by name or a rule.
class Audience {
 public:
  // NOT_FOUND for an unknown segment name; INVALID_ARGUMENT for a bad rule.
  static absl::StatusOr<Audience> ForSegment(const SegmentState& state, const std::string& name);
  static absl::StatusOr<Audience> ForRule(const std::string& text);
  bool Contains(const CustomerView& view, int64_t now_ms) const;
  // Whether membership can depend on the persona (folding the customer in is
  // the costly part of evaluating them).
  bool NeedsPersona() const;

 private:
  std::string built_in_;                 // a built-in name, or
  std::optional<seg::SegmentRule> rule_;  // a rule
};

class SegmentEngine {
 public:
  SegmentEngine(storage::Database* db, ShopRegistry* shops, const Clock* clock,
                SegmentSettings settings);
  ~SegmentEngine();

  // The shop's last pass (running the first one when there has been none).
  absl::StatusOr<std::shared_ptr<const SegmentState>> State(const std::string& shop);
  // The shop's last pass, or null when none ran yet (never runs one).
  std::shared_ptr<const SegmentState> Current(const std::string& shop);
  // The lifecycle stage of a customer on `state`'s RFM cuts, from the
  // aggregates alone (cheap: no catalog reads).
  seg::Stage StageOf(const SegmentState& state, const storage::v1::SubjectAggregatesRecord& a,
                     int64_t now_ms) const;
  // Runs a pass now and publishes it.
  absl::StatusOr<std::shared_ptr<const SegmentState>> RunPass(const std::string& shop);
  // Re-reads the shop's custom segments into the current state (sizes of new
  // ones stay unknown until the next pass).
  absl::Status ReloadCustom(const std::string& shop);
  // Drops an erased customer's id and factor row from the shop's published
  // pass, and from the result of a pass running meanwhile (segment sizes
  // and persona descriptions are counts and stay).
  void ForgetCustomer(const std::string& shop, const std::string& id);

  // Evaluates one customer on `state` (either record may be null).
  CustomerView Evaluate(const SegmentState& state, const ShopSnapshot& snap, std::string_view id,
                        const storage::v1::CustomerRecord* customer,
                        const storage::v1::SubjectAggregatesRecord* aggregates,
                        int64_t now_ms, bool with_persona = true) const;
  // Every segment `view` belongs to: built-in, then custom.
  std::vector<std::string> SegmentsOf(const SegmentState& state, const CustomerView& view,
                                      int64_t now_ms) const;

  // Starts and stops the periodic passes over every shop.
  void Start();
  void Stop();

  const SegmentSettings& settings() const { return settings_; }

 private:
  absl::StatusOr<std::vector<CustomSegment>> LoadCustom(const std::string& shop);
  // Publishes `state` without the customers forgotten since `pass_start`
  // (the ForgetCustomer count when the pass began; kNotAPass for copies of
  // the current state), dropping those forgotten before it.
  static constexpr uint64_t kNotAPass = ~uint64_t{0};
  void Publish(const std::string& shop, std::shared_ptr<const SegmentState> state,
               uint64_t pass_start = kNotAPass);
  // The ForgetCustomer count so far.
  uint64_t ForgottenSoFar();
  void Loop();

  storage::Database* const db_;
  ShopRegistry* const shops_;
  const Clock* const clock_;
  const SegmentSettings settings_;
  // Consent as visitors get it (personalize_without_consent from settings_).
  VisitorOptions visitor_options_;
  absl::Mutex pass_mu_;  // one pass at a time
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const SegmentState>> states_
      ABSL_GUARDED_BY(mu_);
  // Erased customers a running pass may still have read: shop -> id -> the
  // ForgetCustomer count when forgotten.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, uint64_t>> forgotten_
      ABSL_GUARDED_BY(mu_);
  uint64_t forget_count_ ABSL_GUARDED_BY(mu_) = 0;
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_SEGMENT_ENGINE_H_
