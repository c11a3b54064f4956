// Property test of RunPlacement: for thousands of seeded random pages
// (several placements sharing a PageState, each with random request rules,
// filters and exclude ids, for random visitors and context items) and their
// infinite-scroll continuations, no excluded item ever appears, no item
// appears twice, and the count is met whenever enough items are allowed. The
// allowed set is computed from the catalog data (pipeline_random.h).
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/server/pipeline_random.h"

namespace persona::server::pipeline_testing {
namespace {

namespace v1 = ::persona::v1;

constexpr int kPages = 4000;
constexpr int kDefaultCount = 10;
const char* const kPlacementNames[] = {
    "plain", "grid",    "fresh",    "viewed",   "related",      "exp",
    "home",  "default", "trending", "category", "new_arrivals", "unconfigured"};

// One placement of a request; ask.filter is set from `filter` when it runs
// (an Asked is moved around).
struct Asked {
  PlacementAsk ask;
  RuleModel rules;
  FilterModel filter;
};

Asked RandomAsk(RandomPipeline& gen) {
  Asked a;
  a.ask.placement = kPlacementNames[gen.Uniform(
      static_cast<int>(std::size(kPlacementNames)))];
  a.ask.count = gen.Chance(10) ? 0 : 1 + gen.Uniform(24);
  a.rules = gen.Rules();
  a.ask.rules = a.rules.text;
  a.filter = gen.Filter();
  if (gen.Chance(40)) a.ask.exclude_ids = gen.SomeIds(nullptr);
  return a;
}

// Runs one placement and checks it against the model; `earlier` holds the
// items it must not repeat (the page's, or the scroll's so far). Returns the
// response (empty on a failed call).
v1::RecommendResponse Check(const Asked& a, const Visitor& visitor,
                            const std::vector<int32_t>& context,
                            const std::set<int32_t>& earlier, PageState* page) {
  PlacementAsk ask = a.ask;
  ask.filter = a.filter.present ? &a.filter.proto : nullptr;
  v1::RecommendResponse response;
  const absl::Status status = RunPlacement(Shop().env(), Shop().snap, visitor,
                                           context, ask, page, &response);
  EXPECT_TRUE(status.ok()) << status;
  if (!status.ok()) return {};
  RuleModel rules = ConfigRules(a.ask.placement, response.variant());
  rules.Merge(a.rules);
  const std::set<std::string> excluded_ids(a.ask.exclude_ids.begin(),
                                           a.ask.exclude_ids.end());
  std::vector<std::string> why(kItems);
  int allowed = 0;
  for (int32_t i = 0; i < kItems; ++i) {
    why[i] = Forbidden(rules, a.filter, visitor, i);
    if (why[i].empty() &&
        std::find(context.begin(), context.end(), i) != context.end()) {
      why[i] = "context item";
    }
    if (why[i].empty() && excluded_ids.contains(Shop().infos[i].id))
      why[i] = "excluded id";
    if (why[i].empty() && earlier.contains(i)) why[i] = "returned earlier";
    allowed += why[i].empty();
  }
  std::set<int32_t> seen;
  for (int32_t i : Indices(Shop(), response)) {
    EXPECT_EQ(why[i], "") << Shop().infos[i].id;
    EXPECT_TRUE(seen.insert(i).second) << Shop().infos[i].id << " twice";
  }
  const int count = a.ask.count > 0 ? a.ask.count : kDefaultCount;
  EXPECT_EQ(response.items_size(), std::min(count, allowed))
      << allowed << " allowed";
  EXPECT_EQ(response.next_page_token().empty(), response.items_size() < count);
  return response;
}

std::string Describe(const Visitor& v, const std::vector<int32_t>& context) {
  std::string s =
      absl::StrCat("visitor ", v.subject_id, " country ", v.country, " cart");
  for (int32_t i : v.cart) absl::StrAppend(&s, " ", i);
  absl::StrAppend(&s, "; bought");
  for (const auto& [i, t] : v.bought)
    absl::StrAppend(&s, " ", i, "@-", (kNow - t) / 3'600'000, "h");
  absl::StrAppend(&s, "; shown");
  for (const auto& sh : v.shown) {
    absl::StrAppend(&s, " ", sh.item, "x", sh.times_ms.size(), "@-",
                    (kNow - sh.times_ms.front()) / 3'600'000, "h");
  }
  absl::StrAppend(&s, "; context");
  for (int32_t i : context) absl::StrAppend(&s, " ", i);
  return s;
}

std::string Describe(const Asked& a) {
  return absl::StrCat(a.ask.placement, " count ", a.ask.count, " exclude ids [",
                      absl::StrJoin(a.ask.exclude_ids, ","), "] filter {",
                      a.filter.proto.ShortDebugString(), "} rules:\n",
                      a.ask.rules);
}

TEST(PipelinePropertyTest, NoExcludedItemEverAppears) {
  RandomPipeline gen(20260301);
  int placements_run = 0, items_returned = 0, scroll_pages = 0,
      short_answers = 0;
  for (int n = 0; n < kPages && !HasFailure(); ++n) {
    const Visitor visitor = gen.MakeVisitor();
    std::vector<int32_t> context;
    for (int k = gen.Uniform(3); k > 0; --k) context.push_back(gen.AnyItem());
    SCOPED_TRACE(absl::StrCat("page ", n, ": ", Describe(visitor, context)));
    // A RecommendPage call: placements share the page unless duplicates are
    // allowed.
    const bool distinct = gen.Chance(80);
    PageState page{model::ItemMask(kItems)};
    std::set<int32_t> on_page;
    std::vector<std::pair<Asked, v1::RecommendResponse>> answered;
    for (int p = 1 + gen.Uniform(3); p > 0; --p) {
      Asked a = RandomAsk(gen);
      SCOPED_TRACE(Describe(a));
      v1::RecommendResponse r =
          Check(a, visitor, context, distinct ? on_page : std::set<int32_t>{},
                distinct ? &page : nullptr);
      for (int32_t i : Indices(Shop(), r)) on_page.insert(i);
      ++placements_run;
      items_returned += r.items_size();
      short_answers += r.next_page_token().empty();
      answered.emplace_back(std::move(a), std::move(r));
    }
    // Scroll one placement further, twice, with the tokens it returned.
    for (auto& [a, r] : answered) {
      if (r.next_page_token().empty() || !gen.Chance(60)) continue;
      std::set<int32_t> scrolled;
      for (int32_t i : Indices(Shop(), r)) scrolled.insert(i);
      for (int step = 0; step < 2 && !r.next_page_token().empty(); ++step) {
        a.ask.page_token = r.next_page_token();
        SCOPED_TRACE(absl::StrCat("scroll ", step + 1, " of ", Describe(a)));
        r = Check(a, visitor, context, scrolled, nullptr);
        for (int32_t i : Indices(Shop(), r)) scrolled.insert(i);
        ++scroll_pages;
      }
      break;
    }
  }
  // The generator must exercise both full and short answers.
  EXPECT_GT(placements_run, 6000);
  EXPECT_GT(scroll_pages, 2000);
  EXPECT_GT(short_answers, 500);
  EXPECT_GT(items_returned, 10 * placements_run / 2);
  std::cout << placements_run << " placements, " << scroll_pages
            << " scroll pages, " << short_answers << " short answers, "
            << items_returned << " items\n";
}

}  // namespace
}  // namespace persona::server::pipeline_testing
