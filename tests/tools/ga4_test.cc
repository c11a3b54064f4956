// The GA4 BigQuery export mapping (tools/importer/ga4.cc, docs/IMPORT.md):
// every event name of the table, ids, times, channel, items and the catalog
// they feed, and malformed rows rejected with the field named.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/fake_sink.h"
#include "tools/importer/importer.h"

namespace persona::importer {
namespace {

using ::testing::ElementsAre;
using testing::FakeSink;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::WriteFile;

constexpr char kItems[] =
    R"("items":[{"item_id":"A1","item_name":"Lamp","item_brand":"Acme","item_category":"Home",)"
    R"("item_category2":"Lighting","price":19.5,"quantity":2}])";

std::string Row(const std::string& name, const std::string& extra = "") {
  return R"({"event_name":")" + name +
         R"(","event_timestamp":"1700000000123456","user_pseudo_id":"p1")" + extra + "}";
}

ImportReport Import(const std::string& text, FakeSink& sink, Format format = Format::kGa4) {
  ImportOptions options;
  options.format = format;
  auto report = ImportFile(WriteFile("ga4.jsonl", text), options, sink);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ImportReport{};
}

struct NameCase {
  const char* name;
  v1::EventType type;
  int items;  // Items named by the event.
};

TEST(Ga4Test, EveryMappedEventName) {
  const NameCase cases[] = {
      {"view_item", v1::PRODUCT_VIEW, 1},   {"select_item", v1::PRODUCT_VIEW, 1},
      {"add_to_cart", v1::ADD_TO_CART, 1},  {"remove_from_cart", v1::REMOVE_FROM_CART, 1},
      {"purchase", v1::PURCHASE, 1},        {"refund", v1::RETURN, 1},
      {"view_item_list", v1::PAGE_VIEW, 0}, {"begin_checkout", v1::PAGE_VIEW, 0},
      {"page_view", v1::PAGE_VIEW, 0},
  };
  for (const NameCase& c : cases) {
    SCOPED_TRACE(c.name);
    FakeSink sink;
    const ImportReport report = Import(Row(c.name, std::string(",") + kItems), sink);
    ASSERT_EQ(sink.events.size(), 1u);
    EXPECT_EQ(sink.events[0].type(), c.type);
    EXPECT_EQ(sink.events[0].items_size(), c.items);
    EXPECT_EQ(report.rejected, 0);
    ASSERT_EQ(sink.items.size(),
              1u);  // Every event with items feeds the catalog.
  }
}

TEST(Ga4Test, SearchUnknownNamesAndFullRefunds) {
  FakeSink sink;
  const std::string params =
      R"(,"event_params":[{"key":"search_term","value":{"string_value":"red lamp"}}])";
  const ImportReport report =
      Import(Row("search", params) + "\n" + Row("view_search_results", params) + "\n" +
                 Row("session_start") + "\n" + Row("refund") + "\n" + Row("search") + "\n",
             sink);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0].type(), v1::SEARCH);
  EXPECT_EQ(sink.events[0].properties().at("query"), "red lamp");
  EXPECT_EQ(sink.events[1].type(), v1::SEARCH);
  EXPECT_THAT(report.skipped_by_reason,
              ElementsAre(Pair("GA4 event not imported: session_start", 1),
                          Pair("GA4 refund without items (a full refund)", 1)));
  ASSERT_EQ(report.rejected_rows.size(), 1u);
  EXPECT_EQ(report.rejected_rows[0].line, 5);
  EXPECT_EQ(report.rejected_rows[0].reason, "event_params.search_term: missing");
}

TEST(Ga4Test, PurchaseFieldsIdsTimeAndChannel) {
  FakeSink sink;
  const std::string purchase =
      Row("purchase",
          std::string(R"(,"user_id":"c9","platform":"ANDROID","ecommerce":{"transaction_id":"T1",)"
                      R"("purchase_revenue":39,"value":41.5},"event_params":[{"key":"currency",)"
                      R"("value":{"string_value":"EUR"}}],)") +
              kItems);
  Import(purchase + "\n" + purchase + "\n", sink);
  ASSERT_EQ(sink.events.size(),
            1u);  // The same line twice: one event id, one duplicate.
  const v1::Event& e = sink.events[0];
  EXPECT_EQ(e.type(), v1::PURCHASE);
  EXPECT_EQ(e.customer_id(), "c9");
  EXPECT_EQ(e.session_id(),
            "p1");  // Both ids: the server merges the pseudo id's history.
  EXPECT_EQ(e.timestamp_ms(), 1700000000123);
  EXPECT_EQ(e.channel(), v1::APP);
  EXPECT_EQ(e.order_id(), "T1");
  EXPECT_DOUBLE_EQ(e.value(), 41.5);
  EXPECT_EQ(e.properties().at("currency"), "EUR");
  EXPECT_THAT(e.event_id(), ::testing::StartsWith("ga4-"));
  ASSERT_EQ(e.items_size(), 1);
  EXPECT_EQ(e.items(0).item_id(), "A1");
  EXPECT_EQ(e.items(0).quantity(), 2);
  EXPECT_DOUBLE_EQ(e.items(0).price(), 19.5);
  ASSERT_EQ(sink.items.size(),
            1u);  // Sent once: the second row says nothing new.
  const v1::Item& item = sink.items[0];
  EXPECT_EQ(item.title(), "Lamp");
  EXPECT_EQ(item.brand(), "Acme");
  EXPECT_THAT(item.category_path(), ElementsAre("Home", "Lighting"));
  EXPECT_DOUBLE_EQ(item.price(), 19.5);
  EXPECT_EQ(item.currency(), "EUR");
  EXPECT_TRUE(sink.customers.empty());  // GA4 rows describe no customer.
}

TEST(Ga4Test, CatalogIsSentAgainWhenAnItemChangesAndNotAtAllWhenTurnedOff) {
  FakeSink sink;
  std::string changed = kItems;
  changed.replace(changed.find("19.5"), 4, "17.0");
  const std::string text =
      Row("view_item", std::string(",") + kItems) + "\n" + Row("view_item", "," + changed) + "\n";
  Import(text, sink);
  ASSERT_EQ(sink.items.size(), 2u);
  EXPECT_DOUBLE_EQ(sink.items[1].price(), 17.0);

  FakeSink quiet;
  ImportOptions options;
  options.format = Format::kGa4;
  options.upsert_items = false;
  ASSERT_TRUE(ImportFile(WriteFile("b.jsonl", text), options, quiet).ok());
  EXPECT_TRUE(quiet.items.empty());
  EXPECT_EQ(quiet.events.size(), 2u);
}

TEST(Ga4Test, MalformedRowsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{not json", "not a JSON object"},
      {R"({"event_timestamp":"1","user_pseudo_id":"p"})", "event_name: missing"},
      {R"({"event_name":"view_item","user_pseudo_id":"p","items":[{"item_id":"a"}]})",
       "event_timestamp: missing"},
      {R"({"event_name":"view_item","event_timestamp":"soon","user_pseudo_id":"p"})",
       "event_timestamp: 'soon' is not an integer"},
      {R"({"event_name":"view_item","event_timestamp":"1","items":[{"item_id":"a"}]})",
       "user_pseudo_id: missing (and no user_id)"},
      {Row("view_item", R"(,"items":[{"item_id":"a"},{"item_name":"b"}])"),
       "items[1].item_id: missing"},
      {Row("view_item", R"(,"items":[{"item_id":"a","price":"cheap"}])"),
       "items[0].price: 'cheap' is not a finite number"},
      {Row("add_to_cart", R"(,"items":[{"item_id":"a","quantity":1.5}])"),
       "items[0].quantity: must be a whole number in 0..1000000"},
      {Row("view_item"), "items: view_item names no item"},
      {Row("view_item", R"(,"items":{"item_id":"a"})"), "items: must be a list"},
      {Row("view_item", R"(,"items":["a"])"), "items[0]: must be an object"},
  };
  for (const auto& [line, reason] : cases) {
    SCOPED_TRACE(line);
    FakeSink sink;
    const ImportReport report = Import(line + "\n", sink);
    EXPECT_TRUE(sink.events.empty());
    ASSERT_EQ(report.rejected_rows.size(), 1u);
    EXPECT_EQ(report.rejected_rows[0].line, 1);
    EXPECT_THAT(report.rejected_rows[0].reason, HasSubstr(reason));
  }
}

TEST(Ga4Test, DetectedAutomatically) {
  FakeSink sink;
  const ImportReport report =
      Import(Row("view_item", std::string(",") + kItems) + "\n", sink, Format::kAuto);
  EXPECT_EQ(report.events, 1);
  EXPECT_EQ(DetectFormat(WriteFile("d.jsonl", Row("page_view") + "\n")).value(), Format::kGa4);
}

}  // namespace
}  // namespace persona::importer
