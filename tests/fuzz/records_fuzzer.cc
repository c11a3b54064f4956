// Fuzzes the decoding of what Persona reads back from RocksDB and what the
// storage layer does with it. The first byte picks the part:
//   0 keys: storage/keys.h ParseKey / ParseEventKey on arbitrary bytes; a
//     key that parses is rebuilt byte for byte from its parts, and PrefixEnd
//     bounds every key starting with the prefix;
//   1 recommendation ids (common/recommendation_id.h), which attribution
//     decodes from stored events: an id that decodes re-encodes to itself;
//   2 aggregates: an EventRecord (stored bytes, or an API event that passed
//     validation and conversion, as TrackEvents writes it), a subject's
//     SubjectAggregatesRecord, a session's to merge at login and an item's
//     ItemStatsRecord go through ApplyEvent, ApplyEventToItem,
//     AttributeEvent and MergeAggregates (storage/aggregates.h); the bounded
//     lists stay within their bounds and the results serialise;
//   3 catalog: stored ItemRecords become the CatalogIndex a shop loads
//     (server/convert.h ToItemInfo), then answer lookups, filters and rules
//     (no crash or UB; stored values are not re-validated, e.g. a NaN price).
// Parts are length-prefixed chunks (tests/fuzz/fuzz_input.h).
#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/recommendation_id.h"
#include "model/catalog_index.h"
#include "model/rules/compile.h"
#include "model/rules/parser.h"
#include "persona/storage/v1/records.pb.h"
#include "persona/v1/common.pb.h"
#include "server/convert.h"
#include "server/validation.h"
#include "storage/aggregates.h"
#include "storage/keys.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/quiet_protobuf.h"

namespace persona {
namespace {

namespace rec = ::persona::storage::v1;
namespace keys = ::persona::storage::keys;
using fuzz::FuzzInput;

constexpr int64_t kNow = 1'700'000'000'000;

void Keys(std::string_view key) {
  keys::ParsedKey parts;
  if (keys::ParseKey(key, &parts)) {
    FUZZ_CHECK(keys::Key(parts.shop, parts.kind, parts.payload) == key, "key does not rebuild");
  }
  keys::ParsedEventKey event;
  if (keys::ParseEventKey(key, &event)) {
    FUZZ_CHECK(keys::EventKey(event.shop, event.kind, event.id, event.seq) == key,
               "event key does not rebuild");
    FUZZ_CHECK(key.starts_with(keys::EventPrefix(event.shop, event.kind, event.id)),
               "event key outside its subject's prefix");
  }
  const std::string end = keys::PrefixEnd(key);
  FUZZ_CHECK(end.empty() || std::string(key) + std::string("\xff\xff", 2) < end,
             "PrefixEnd does not bound the keys under the prefix");
}

void RecommendationIds(std::string_view id) {
  const absl::StatusOr<RecommendationIdParts> parts = DecodeRecommendationId(id);
  if (!parts.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(parts.status()), "decode failed with %s",
               parts.status().ToString().c_str());
    return;
  }
  FUZZ_CHECK(RecommendationIdPartsProblem(*parts).empty(), "decoded parts are invalid");
  FUZZ_CHECK(EncodeRecommendationId(*parts) == id, "decoded id re-encodes differently");
}

template <typename Record>
bool Parse(std::string_view bytes, Record* record) {
  return record->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

// The event from stored bytes, or (flag set) from an API event as
// TrackEvents validates and converts it.
bool ReadEvent(bool from_api, std::string_view bytes, rec::EventRecord* event) {
  if (!from_api) return Parse(bytes, event);
  v1::Event api;
  if (!Parse(bytes, &api)) return false;
  const server::ValidationLimits limits{.now_ms = kNow};
  if (server::CheckEvent(api, "event", limits)) return false;
  *event = server::ToRecord(api, kNow);
  return true;
}

// The bounds the storage functions promise, for lists they touched.
void CheckBounded(const rec::SubjectAggregatesRecord& agg, const storage::AggregationOptions& o,
                  const rec::SubjectAggregatesRecord& before) {
  auto within = [](int size, int bound, int before_size) {
    return size <= std::max(bound, before_size);
  };
  FUZZ_CHECK(within(agg.recent_interactions_size(), o.max_recent_interactions,
                    before.recent_interactions_size()),
             "%d recent interactions", agg.recent_interactions_size());
  FUZZ_CHECK(within(agg.email_sends_size(), o.max_email_sends, before.email_sends_size()),
             "%d email sends", agg.email_sends_size());
  FUZZ_CHECK(within(agg.recommendation_touches_size(), o.max_recommendation_touches,
                    before.recommendation_touches_size()),
             "%d touches", agg.recommendation_touches_size());
  FUZZ_CHECK(within(agg.shown_items_size(), o.max_shown_items, before.shown_items_size()),
             "%d shown items", agg.shown_items_size());
}

void Aggregates(FuzzInput& in) {
  const uint8_t flags = in.Byte();
  rec::EventRecord event;
  rec::SubjectAggregatesRecord agg, session;
  rec::ItemStatsRecord stats;
  if (!ReadEvent(flags & 1, in.Chunk(), &event) || !Parse(in.Chunk(), &agg) ||
      !Parse(in.Chunk(), &session) || !Parse(in.Chunk(), &stats)) {
    return;
  }
  storage::AggregationOptions options;
  if (flags & 2) {  // small bounds, so that every bound is reached
    options.max_bought_items = 2;
    options.max_recent_order_ids = 2;
    options.max_recent_interactions = 2;
    options.max_recommendation_touches = 2;
    options.max_shown_items = 2;
    options.max_shown_times = 2;
    options.max_email_sends = 2;
  }
  const rec::SubjectAggregatesRecord before = agg;
  std::vector<std::string_view> tops;
  for (const auto& item : event.items()) tops.push_back(std::string_view(item.item_id()).substr(0, 2));
  storage::ApplyEvent(event, tops, options, &agg);
  std::vector<storage::PlacementMetricsDelta> deltas;
  storage::AttributeEvent(event, options, &agg, &deltas);
  for (const auto& item : event.items()) {
    storage::ApplyEventToItem(event, item, agg.last_country(), options, &stats);
  }
  storage::MergeAggregates(session, options, &agg);
  CheckBounded(agg, options, before);
  rec::SubjectAggregatesRecord reread;
  FUZZ_CHECK(reread.ParseFromString(agg.SerializeAsString()), "aggregates do not reparse");
  rec::ItemStatsRecord stats_reread;
  FUZZ_CHECK(stats_reread.ParseFromString(stats.SerializeAsString()), "stats do not reparse");
}

void Catalog(FuzzInput& in) {
  static const auto* const rules = [] {
    auto parsed = model::rules::ParseRules(
        "filter available and price between 1 and 100 or attr.size > 3\n"
        "exclude category under \"a\"\nboost 2 if tag in [\"x\", \"y\"]\n"
        "boost by price weight 0.5\nboost by attr.size weight -0.5\nmax per category2 1");
    FUZZ_CHECK(parsed.ok(), "fixed rules: %s", parsed.status().ToString().c_str());
    return new model::rules::RuleSet(*parsed);
  }();
  std::vector<model::ItemInfo> items;
  while (!in.empty() && items.size() < 64) {
    rec::ItemRecord record;
    if (!Parse(in.Chunk(), &record)) return;  // the shop would not load: DATA_LOSS
    items.push_back(server::ToItemInfo(record));
  }
  const std::vector<std::string> repeat = {"a", "a/b"};
  const auto catalog = model::CatalogIndex::Build(items, repeat);
  FUZZ_CHECK(catalog->size() == static_cast<int32_t>(items.size()), "catalog lost items");
  for (int32_t i = 0; i < catalog->size(); ++i) {
    const int32_t found = catalog->Find(catalog->item(i).id);
    FUZZ_CHECK(found >= 0 && catalog->item(found).id == catalog->item(i).id, "item %d not found",
               i);
    for (int32_t c : catalog->ItemCategories(i)) {
      FUZZ_CHECK(catalog->InCategory(i, c), "item %d not in its category %d", i, c);
    }
    (void)catalog->CategoryAtDepth(i, 2);
  }
  model::FilterSpec filter;
  filter.category_path = {"a"};
  filter.min_price = 1;
  filter.brands = {"b", ""};
  (void)catalog->Allowed(filter);
  const model::rules::CompiledRules compiled = model::rules::Compile(*rules, *catalog, kNow);
  for (int32_t i = 0; i < catalog->size(); ++i) {
    bool boosted = false;
    (void)model::rules::ScoreMultiplier(compiled, *catalog, i, &boosted);
  }
}

}  // namespace
}  // namespace persona

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = persona::fuzz::QuietProtobufLogs();
  (void)quiet;
  persona::fuzz::FuzzInput in(data, size);
  switch (in.Byte() % 4) {
    case 0: persona::Keys(in.Rest()); break;
    case 1: persona::RecommendationIds(in.Rest()); break;
    case 2: persona::Aggregates(in); break;
    case 3: persona::Catalog(in); break;
  }
  return 0;
}
