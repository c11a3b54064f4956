// Fuzzes the custom segment rule language (model/segments/segment_rule*,
// docs/SEGMENTS.md) with arbitrary text, as PutSegment's `rule` field:
//   - ParseSegmentRule never crashes; a refusal is INVALID_ARGUMENT with a
//     message;
//   - canonical text round-trips: parse(print(r)) == r, and printing that
//     again gives the same text;
//   - Matches runs for customers with and without history at several
//     evaluation times (no crash, no UB), and `not` inverts it.
#include <cstdint>
#include <string>
#include <vector>

#include "model/segments/segment_rule.h"
#include "tests/fuzz/fuzz_check.h"

namespace persona::model::segments {
namespace {

constexpr int64_t kDay = kMsPerDay;

std::vector<CustomerFacts> Customers() {
  CustomerFacts empty;
  empty.id = "nobody";
  CustomerFacts buyer;
  buyer.id = "c1";
  buyer.country = "DE";
  buyer.city = "Berlin";
  buyer.locale = "de-DE";
  buyer.gender = "f";
  buyer.birth_year = 1980;
  buyer.consent_email = true;
  buyer.consent_personalization = false;
  buyer.attributes = {{"tier", "gold"}, {"score", "0.30"}, {"", "odd"}};
  buyer.first_seen_ms = 19'000 * kDay;
  buyer.last_seen_ms = 20'000 * kDay;
  buyer.first_purchase_ms = 19'100 * kDay;
  buyer.last_purchase_ms = 19'990 * kDay;
  buyer.last_view_ms = 20'000 * kDay - 1;
  buyer.last_cart_add_ms = 19'999 * kDay;
  buyer.cart_items = 2;
  buyer.orders = 3;
  buyer.monetary = 120.5;
  buyer.units_bought = 7;
  buyer.returned_items = 1;
  buyer.nps = 9;
  buyer.csat = 2;
  buyer.csat_time_ms = 19'995 * kDay;
  buyer.bought_categories = {{"Home/Lighting/Lamps", 19'990 * kDay}, {"Gifts", 19'000 * kDay}};
  buyer.bought_brands = {{"Acme", 19'990 * kDay}, {"", 1}};
  buyer.category_affinity = {{"Home", 0.75}, {"Gifts", 0.25}};
  buyer.event_counts = {{"PRODUCT_VIEW", 12}, {"PURCHASE", 3}};
  buyer.persona = 2;
  CustomerFacts refunded = buyer;
  refunded.id = "c2";
  refunded.orders = 0;  // refunds only: no orders, negative spend
  refunded.monetary = -40;
  refunded.units_bought = 0;
  refunded.returned_items = 5;
  refunded.birth_year = 2100;
  return {empty, buyer, refunded};
}

void CheckMatches(const SegmentRule& rule) {
  static const std::vector<CustomerFacts> customers = Customers();
  static const std::vector<std::string> built_in = {"stage:loyal", "rfm:champions",
                                                    "nps:promoter", "persona:2"};
  SegmentRule negated;
  negated.expr.kind = SegmentExpr::Kind::kNot;
  negated.expr.children.push_back(rule.expr);
  for (const CustomerFacts& facts : customers) {
    for (int64_t now_ms : {int64_t{0}, 20'000 * kDay, int64_t{1} << 50}) {
      SegmentContext ctx;
      ctx.now_ms = now_ms;
      ctx.rfm = facts.orders > 0 ? RfmScore{5, 3, 1} : RfmScore{};
      ctx.stage = facts.orders > 0 ? Stage::kLoyal : Stage::kProspect;
      ctx.built_in = built_in;
      const bool in = Matches(rule, facts, ctx);
      FUZZ_CHECK(Matches(negated, facts, ctx) == !in, "'not' does not invert the match");
    }
  }
}

}  // namespace
}  // namespace persona::model::segments

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace persona::model::segments;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<SegmentRule> rule = ParseSegmentRule(text);
  if (!rule.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(rule.status()), "refusal with code %s",
               rule.status().ToString().c_str());
    FUZZ_CHECK(!rule.status().message().empty(), "refusal without a message");
    return 0;
  }
  const std::string printed = PrintSegmentRule(*rule);
  absl::StatusOr<SegmentRule> again = ParseSegmentRule(printed);
  FUZZ_CHECK(again.ok(), "canonical text does not parse: %s\n--- text:\n%s",
             again.status().ToString().c_str(), printed.c_str());
  FUZZ_CHECK(*again == *rule, "canonical text parses to another rule:\n%s", printed.c_str());
  FUZZ_CHECK(PrintSegmentRule(*again) == printed, "canonical text is not a fixed point:\n%s",
             printed.c_str());
  (void)UsesBuiltInSegments(*rule);
  CheckMatches(*rule);
  return 0;
}
