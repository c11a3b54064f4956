// The shown-items history kept in the aggregates (RecordShown, the
// RECOMMENDATION_IMPRESSION path of ApplyEvent, MergeShownItems): what the
// "already shown N times in the last D days" rules read.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "storage/aggregates.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using testing_util::MakeEvent;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 86'400'000;
constexpr int kImpression = 11;

// Returns item → times shown, for comparing without caring about order.
std::map<std::string, std::vector<int64_t>> Shown(const rec::SubjectAggregatesRecord& agg) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& s : agg.shown_items()) {
    EXPECT_EQ(out.count(s.item_id()), 0u) << "listed twice: " << s.item_id();
    out[s.item_id()].assign(s.times_ms().begin(), s.times_ms().end());
  }
  return out;
}

void Record(std::vector<std::string_view> ids, int64_t t, const AggregationOptions& options,
            rec::SubjectAggregatesRecord* agg) {
  RecordShown(ids, t, options, agg);
}

using Times = std::vector<int64_t>;
using ShownMap = std::map<std::string, Times>;

TEST(ShownItemsTest, ImpressionEventsRecordEveryListedItem) {
  rec::SubjectAggregatesRecord agg;
  const AggregationOptions options;
  auto impression = MakeEvent("1", "c", "", kImpression, {{"a"}, {"b"}}, kT0);
  impression.set_recommendation_id("not even a valid id");  // shown all the same
  ApplyEvent(impression, std::vector<std::string_view>(2), options, &agg);
  ApplyEvent(MakeEvent("2", "c", "", kImpression, {{"b"}}, kT0 + 5), std::vector<std::string_view>(1),
             options, &agg);
  // Other events show nothing.
  ApplyEvent(MakeEvent("3", "c", "", testing_util::kView, {{"c"}}, kT0 + 6),
             std::vector<std::string_view>(1), options, &agg);
  EXPECT_EQ(Shown(agg), (ShownMap{{"a", {kT0}}, {"b", {kT0, kT0 + 5}}}));
}

TEST(ShownItemsTest, TimesStaySortedAndKeepTheNewest) {
  AggregationOptions options;
  options.max_shown_times = 3;
  rec::SubjectAggregatesRecord agg;
  for (int64_t t : {kT0 + 30, kT0 + 10, kT0 + 20, kT0 + 40, kT0 + 5}) Record({"a"}, t, options, &agg);
  EXPECT_EQ(Shown(agg), (ShownMap{{"a", {kT0 + 20, kT0 + 30, kT0 + 40}}}));
  // An item listed twice in one event counts twice.
  Record({"b", "b"}, kT0 + 50, options, &agg);
  EXPECT_EQ(Shown(agg).at("b"), (Times{kT0 + 50, kT0 + 50}));
}

TEST(ShownItemsTest, ShowingsOlderThanTheHistoryAreDropped) {
  AggregationOptions options;
  options.shown_history_ms = 7 * kDay;
  rec::SubjectAggregatesRecord agg;
  Record({"old", "both"}, kT0, options, &agg);
  Record({"both"}, kT0 + 6 * kDay, options, &agg);
  Record({"new"}, kT0 + 7 * kDay, options, &agg);  // kT0 is exactly 7 days before: kept
  EXPECT_EQ(Shown(agg).at("old"), (Times{kT0}));
  Record({"new"}, kT0 + 7 * kDay + 1, options, &agg);
  EXPECT_EQ(Shown(agg), (ShownMap{{"both", {kT0 + 6 * kDay}},
                                  {"new", {kT0 + 7 * kDay, kT0 + 7 * kDay + 1}}}));
}

TEST(ShownItemsTest, ItemsShownLeastRecentlyAreDroppedFirst) {
  AggregationOptions options;
  options.max_shown_items = 3;
  rec::SubjectAggregatesRecord agg;
  Record({"a", "b", "c"}, kT0, options, &agg);
  Record({"a"}, kT0 + 1, options, &agg);  // a is now the most recent
  Record({"d"}, kT0 + 2, options, &agg);  // b or c must go: both last shown at kT0
  auto shown = Shown(agg);
  EXPECT_EQ(shown.size(), 3u);
  EXPECT_EQ(shown.count("a"), 1u);
  EXPECT_EQ(shown.count("d"), 1u);
  Record({"e", "f"}, kT0 + 3, options, &agg);
  EXPECT_EQ(Shown(agg), (ShownMap{{"d", {kT0 + 2}}, {"e", {kT0 + 3}}, {"f", {kT0 + 3}}}));
  // Zero items: nothing is kept.
  options.max_shown_items = 0;
  rec::SubjectAggregatesRecord none;
  Record({"a"}, kT0, options, &none);
  EXPECT_EQ(none.shown_items_size(), 0);
}

TEST(ShownItemsTest, MergeUnitesTheSessionIntoTheCustomer) {
  AggregationOptions options;
  options.max_shown_times = 3;
  rec::SubjectAggregatesRecord session, customer;
  Record({"a", "b"}, kT0 + 10, options, &session);
  Record({"a"}, kT0 + 30, options, &session);
  Record({"a"}, kT0 + 20, options, &customer);
  Record({"a"}, kT0 + 5, options, &customer);
  Record({"c"}, kT0, options, &customer);
  MergeAggregates(session, options, &customer);
  EXPECT_EQ(Shown(customer), (ShownMap{{"a", {kT0 + 10, kT0 + 20, kT0 + 30}},
                                       {"b", {kT0 + 10}},
                                       {"c", {kT0}}}));
}

}  // namespace
}  // namespace persona::storage
