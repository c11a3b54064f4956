// A hand-built customer and context shared by the segment rule tests.
#ifndef PERSONA_TESTS_MODEL_SEGMENTS_SEGMENT_RULE_FIXTURE_H_
#define PERSONA_TESTS_MODEL_SEGMENTS_SEGMENT_RULE_FIXTURE_H_

#include <string>
#include <vector>

#include "model/segments/segment_rule.h"

namespace persona::model::segments::testing {

inline constexpr int64_t kNow = int64_t{1772323200} * 1000;  // 2026-03-01T00:00:00Z

inline int64_t DaysAgo(int64_t days) { return kNow - days * kMsPerDay; }

// Anna: German, 36 in 2026, bought lighting 75 days ago, at risk.
inline CustomerFacts Anna() {
  CustomerFacts f;
  f.id = "anna";
  f.country = "DE";
  f.city = "Berlin";
  f.locale = "de-DE";
  f.gender = "f";
  f.birth_year = 1990;
  f.consent_email = true;
  f.attributes = {{"tier", "gold"}, {"score", "0.30"}, {"fit type", "slim"}};
  f.first_seen_ms = DaysAgo(400);
  f.last_seen_ms = DaysAgo(1);
  f.first_purchase_ms = DaysAgo(300);
  f.last_purchase_ms = DaysAgo(75);
  f.last_view_ms = DaysAgo(2);
  f.last_cart_add_ms = DaysAgo(3);
  f.cart_items = 2;
  f.orders = 5;
  f.monetary = 500;
  f.units_bought = 12;
  f.returned_items = 3;
  f.nps = 9;
  f.csat = 2;
  f.csat_time_ms = DaysAgo(10);
  f.bought_categories = {{"Home/Lighting/Lamps", DaysAgo(75)}, {"Garden", DaysAgo(200)}};
  f.bought_brands = {{"Acme", DaysAgo(75)}, {"Bolt & Co", DaysAgo(200)}};
  f.category_affinity = {{"Home", 0.6}, {"Garden", 0.2}};
  f.event_counts = {{"PRODUCT_VIEW", 12}, {"ADD_TO_CART", 3}};
  f.persona = 3;
  return f;
}

inline const std::vector<std::string>& AnnaBuiltIn() {
  static const std::vector<std::string> names = {"stage:active", "rfm:at_risk", "nps:promoter",
                                                 "persona:3"};
  return names;
}

inline SegmentContext AnnaContext() {
  SegmentContext ctx;
  ctx.now_ms = kNow;
  ctx.rfm = {2, 4, 5};
  ctx.stage = Stage::kActive;
  ctx.built_in = AnnaBuiltIn();
  return ctx;
}

}  // namespace persona::model::segments::testing

#endif  // PERSONA_TESTS_MODEL_SEGMENTS_SEGMENT_RULE_FIXTURE_H_
