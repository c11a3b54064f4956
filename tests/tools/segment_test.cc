// The Segment mapping (tools/importer/segment.cc, segment_identify.cc,
// docs/IMPORT.md): every track event of the table, page and identify calls,
// consents only when stated, and malformed calls rejected with the field named.
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

std::string Track(const std::string& event, const std::string& properties,
                  const std::string& extra = "") {
  return R"({"type":"track","event":")" + event +
         R"(","anonymousId":"a1","timestamp":"2024-05-01T10:00:00.250Z","properties":)" +
         properties + extra + "}";
}

constexpr char kProduct[] =
    R"({"product_id":"P1","sku":"S1","name":"Teapot","price":30,"quantity":2,)"
    R"("category":"Kitchen/Tableware","brand":"Kyusu","currency":"EUR","url":"https://x/p1"})";
constexpr char kOrder[] =
    R"({"order_id":"O1","total":35.5,"revenue":30,"currency":"EUR","products":[)"
    R"({"product_id":"P1","name":"Teapot","price":30,"quantity":1},{"sku":"S2","price":5}]})";

ImportReport Import(const std::string& text, FakeSink& sink, Format format = Format::kSegment) {
  ImportOptions options;
  options.format = format;
  auto report = ImportFile(WriteFile("segment.jsonl", text), options, sink);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ImportReport{};
}

TEST(SegmentTest, EveryMappedTrackEvent) {
  const struct {
    const char* event;
    const char* properties;
    v1::EventType type;
    int items;
  } cases[] = {
      {"Product Viewed", kProduct, v1::PRODUCT_VIEW, 1},
      {"Product Clicked", kProduct, v1::PRODUCT_VIEW, 1},
      {"Product Added", kProduct, v1::ADD_TO_CART, 1},
      {"Product Removed", kProduct, v1::REMOVE_FROM_CART, 1},
      {"Order Completed", kOrder, v1::PURCHASE, 2},
      {"Order Refunded", kOrder, v1::RETURN, 2},
      {"Products Searched", R"({"query":"blue teapot"})", v1::SEARCH, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.event);
    FakeSink sink;
    const ImportReport report = Import(Track(c.event, c.properties) + "\n", sink);
    EXPECT_EQ(report.rejected, 0);
    ASSERT_EQ(sink.events.size(), 1u);
    EXPECT_EQ(sink.events[0].type(), c.type);
    EXPECT_EQ(sink.events[0].items_size(), c.items);
  }
}

TEST(SegmentTest, ProductFieldsAndCatalog) {
  FakeSink sink;
  Import(Track("Product Clicked", kProduct, R"(,"messageId":"m-1","channel":"mobile")") + "\n",
         sink);
  ASSERT_EQ(sink.events.size(), 1u);
  const v1::Event& e = sink.events[0];
  EXPECT_EQ(e.event_id(), "m-1");
  EXPECT_EQ(e.session_id(), "a1");
  EXPECT_TRUE(e.customer_id().empty());
  EXPECT_EQ(e.timestamp_ms(), 1714557600250);
  EXPECT_EQ(e.channel(), v1::APP);
  EXPECT_EQ(e.items(0).item_id(), "P1");  // product_id before sku.
  EXPECT_EQ(e.items(0).quantity(), 2);
  EXPECT_EQ(e.properties().at("segment_event"), "Product Clicked");
  EXPECT_EQ(e.properties().at("currency"), "EUR");
  ASSERT_EQ(sink.items.size(), 1u);
  EXPECT_EQ(sink.items[0].title(), "Teapot");
  EXPECT_EQ(sink.items[0].brand(), "Kyusu");
  EXPECT_THAT(sink.items[0].category_path(), ElementsAre("Kitchen", "Tableware"));
  EXPECT_EQ(sink.items[0].currency(), "EUR");
  EXPECT_EQ(sink.items[0].url(), "https://x/p1");
}

TEST(SegmentTest, OrderWithBothIdsMergesAndUsesTotal) {
  FakeSink sink;
  Import(Track("Order Completed", kOrder, R"(,"userId":"u1")") + "\n", sink);
  ASSERT_EQ(sink.events.size(), 1u);
  const v1::Event& e = sink.events[0];
  EXPECT_EQ(e.customer_id(), "u1");
  EXPECT_EQ(e.session_id(), "a1");
  EXPECT_EQ(e.order_id(), "O1");
  EXPECT_DOUBLE_EQ(e.value(), 35.5);
  EXPECT_EQ(e.items(1).item_id(), "S2");  // sku when no product_id.
  EXPECT_THAT(e.event_id(),
              ::testing::StartsWith("seg-"));  // No messageId: derived.
  EXPECT_EQ(sink.items.size(),
            1u);  // The product without a name feeds no catalog entry.
}

TEST(SegmentTest, PageIdentifyAndSkippedCalls) {
  FakeSink sink;
  const std::string identify =
      R"({"type":"identify","userId":"u1","timestamp":"2024-05-01T10:00:00Z","traits":{)"
      R"("email":"Ada@Example.com","name":"Ada King Lovelace","address":{"city":"London",)"
      R"("country":"GB"},"birthday":"1985-12-10","createdAt":"2024-01-01","plan":"gold",)"
      R"("logins":7,"unsubscribed":true},"context":{"consent":{"categoryPreferences":)"
      R"({"Personalization":false}}}})";
  const ImportReport report = Import(
      R"({"type":"page","anonymousId":"a1","timestamp":"2024-05-01T10:00:00Z","name":"Home"})"
      "\n" +
          identify + "\n" +
          R"({"type":"identify","userId":"u2","traits":{"plan":"free"}})"
          "\n"
          R"({"type":"identify","anonymousId":"a9","traits":{"plan":"free"}})"
          "\n"
          R"({"type":"group","userId":"u1","groupId":"g"})"
          "\n" +
          Track("Checkout Started", "{}") + "\n",
      sink);
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].type(), v1::PAGE_VIEW);
  EXPECT_EQ(sink.events[0].properties().at("page"), "Home");
  ASSERT_EQ(sink.customers.size(), 2u);
  const v1::Customer& c = sink.customers[0];
  EXPECT_EQ(c.id(), "u1");
  EXPECT_EQ(c.email(), "ada@example.com");
  EXPECT_EQ(c.first_name(), "Ada");
  EXPECT_EQ(c.last_name(), "King Lovelace");
  EXPECT_EQ(c.city(), "London");
  EXPECT_EQ(c.country(), "GB");
  EXPECT_EQ(c.birth_year(), 1985);
  EXPECT_EQ(c.created_time_ms(), 1704067200000);
  EXPECT_EQ(c.attributes().at("plan"), "gold");
  EXPECT_EQ(c.attributes().at("logins"), "7");
  ASSERT_TRUE(c.consents().has_email_marketing());
  EXPECT_FALSE(c.consents().email_marketing());  // unsubscribed: true
  ASSERT_TRUE(c.consents().has_personalization());
  EXPECT_FALSE(c.consents().personalization());
  EXPECT_EQ(c.consents().updated_time_ms(), 1714557600000);
  EXPECT_FALSE(sink.customers[1].has_consents());  // Nothing stated, nothing set.
  EXPECT_THAT(
      report.skipped_by_reason,
      ::testing::UnorderedElementsAre(Pair("Segment identify without userId", 1),
                                      Pair("Segment call not imported: group", 1),
                                      Pair("Segment event not imported: Checkout Started", 1)));
}

TEST(SegmentTest, OptInTraitGivesEmailConsent) {
  FakeSink sink;
  Import(R"({"type":"identify","userId":"u1","traits":{"email_opt_in":"yes"}})"
         "\n",
         sink);
  ASSERT_EQ(sink.customers.size(), 1u);
  EXPECT_TRUE(sink.customers[0].consents().email_marketing());
  EXPECT_FALSE(sink.customers[0].consents().has_personalization());
}

TEST(SegmentTest, MalformedCallsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"event":"Product Viewed","anonymousId":"a"})", "type: missing"},
      {R"({"type":"track","anonymousId":"a","timestamp":"2024-05-01"})", "event: missing"},
      {Track("Product Viewed", R"({"name":"x"})"), "properties.product_id: missing (and no sku)"},
      {Track("Product Viewed", R"({"product_id":"p","price":"free"})"),
       "properties.price: 'free' is not a finite number"},
      {Track("Products Searched", "{}"), "properties.query: missing"},
      {Track("Order Completed", R"({"order_id":"o","products":[{"product_id":"p"},{"name":"n"}]})"),
       "properties.products[1].product_id: missing"},
      {Track("Order Completed", R"({"order_id":"o"})"), "properties.products: the order names no"},
      {Track("Order Completed", R"({"products":[7]})"), "properties.products[0]: must be an object"},
      {R"({"type":"track","event":"Product Viewed","properties":{"product_id":"p"},)"
       R"("timestamp":"2024-05-01T10:00:00Z"})",
       "userId: missing (and no anonymousId)"},
      {R"({"type":"track","event":"Product Viewed","anonymousId":"a","properties":{"product_id":"p"}})",
       "timestamp: missing"},
      {R"({"type":"track","event":"Product Viewed","anonymousId":"a","timestamp":"yesterday",)"
       R"("properties":{"product_id":"p"}})",
       "timestamp: 'yesterday' is not"},
      {R"({"type":"identify","userId":"u","traits":{"birthday":"long ago"}})",
       "traits.birthday: must start with a year"},
      {R"({"type":"identify","userId":"u","traits":{"email_opt_in":"maybe"}})",
       "traits.email_opt_in: 'maybe' is not a boolean"},
  };
  for (const auto& [line, reason] : cases) {
    SCOPED_TRACE(line);
    FakeSink sink;
    const ImportReport report = Import(line + "\n", sink);
    EXPECT_TRUE(sink.events.empty());
    EXPECT_TRUE(sink.customers.empty());
    ASSERT_EQ(report.rejected_rows.size(), 1u);
    EXPECT_THAT(report.rejected_rows[0].reason, HasSubstr(reason));
  }
}

TEST(SegmentTest, DetectedAutomatically) {
  FakeSink sink;
  const ImportReport report = Import(Track("Product Viewed", kProduct) + "\n", sink, Format::kAuto);
  EXPECT_EQ(report.events, 1);
}

}  // namespace
}  // namespace persona::importer
