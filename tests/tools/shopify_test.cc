// The Shopify orders CSV mapping (tools/importer/shopify.cc, docs/IMPORT.md):
// an order's rows become one purchase, its line items the catalog, its
// buyer a customer (consent only when stated), refunds a return; skipped
// orders counted and malformed rows rejected with the column named.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/fake_sink.h"
#include "tools/importer/importer.h"

namespace persona::importer {
namespace {

using testing::FakeSink;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using testing::WriteFile;

constexpr char kHeader[] =
    "Name,Email,Financial Status,Paid at,Accepts "
    "Marketing,Currency,Total,Created at,"
    "Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing "
    "Name,Billing City,"
    "Billing Country,Shipping City,Shipping Country,Cancelled at,Refunded "
    "Amount,Vendor,Source\n";

ImportReport Import(const std::string& rows, FakeSink& sink, Format format = Format::kShopify) {
  ImportOptions options;
  options.format = format;
  auto report = ImportFile(WriteFile("orders.csv", kHeader + rows), options, sink);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ImportReport{};
}

TEST(ShopifyTest, OrderRowsBecomeOnePurchaseWithCatalogAndCustomer) {
  FakeSink sink;
  const ImportReport report = Import(
      "#1001,Ann@Example.com,paid,2024-05-01 10:00:00 "
      "+0200,yes,eur,66.90,2024-05-01 09:59:00 "
      "+0200,2,Napkins,14.00,NAP-4,Ann Lee Smith,Utrecht,NL,,,,,Linens,web\n"
      "#1001,ann@example.com,,,,,,,1,Oak board,34.00,,,,,,,,,Woodline,\n",
      sink, Format::kAuto);
  EXPECT_EQ(report.rows_read, 2);
  EXPECT_EQ(report.rejected, 0);
  ASSERT_EQ(sink.events.size(), 1u);
  const v1::Event& e = sink.events[0];
  EXPECT_EQ(e.type(), v1::PURCHASE);
  EXPECT_EQ(e.event_id(), "shopify-#1001");
  EXPECT_EQ(e.order_id(), "#1001");
  EXPECT_EQ(e.customer_id(), "ann@example.com");
  EXPECT_EQ(e.timestamp_ms(), 1714550400000);  // Paid at, +02:00.
  EXPECT_DOUBLE_EQ(e.value(), 66.90);
  EXPECT_EQ(e.channel(), v1::WEB);
  EXPECT_EQ(e.properties().at("currency"), "EUR");
  EXPECT_EQ(e.properties().at("financial_status"), "paid");
  ASSERT_EQ(e.items_size(), 2);
  EXPECT_EQ(e.items(0).item_id(), "NAP-4");
  EXPECT_EQ(e.items(0).quantity(), 2);
  EXPECT_DOUBLE_EQ(e.items(0).price(), 14.0);
  EXPECT_EQ(e.items(1).item_id(),
            "Oak board");  // No SKU: the line item's name.
  ASSERT_EQ(sink.items.size(), 2u);
  EXPECT_EQ(sink.items[0].title(), "Napkins");
  EXPECT_EQ(sink.items[0].brand(), "Linens");
  EXPECT_EQ(sink.items[0].currency(), "EUR");
  EXPECT_EQ(sink.items[1].brand(), "Woodline");
  ASSERT_EQ(sink.customers.size(), 1u);
  const v1::Customer& c = sink.customers[0];
  EXPECT_EQ(c.id(), "ann@example.com");
  EXPECT_EQ(c.email(), "ann@example.com");
  EXPECT_EQ(c.first_name(), "Ann");
  EXPECT_EQ(c.last_name(), "Lee Smith");
  EXPECT_EQ(c.city(), "Utrecht");
  EXPECT_EQ(c.country(), "NL");
  EXPECT_TRUE(c.consents().email_marketing());
  EXPECT_FALSE(c.consents().has_personalization());
}

TEST(ShopifyTest, RefundsPosShippingAddressAndUnstatedConsent) {
  FakeSink sink;
  const ImportReport report = Import(
      "#2,b@x.io,refunded,,,EUR,18,2024-05-02 16:00:00 "
      "+0000,1,Candle,18,CND,Bo,,,Hamburg,DE,,"
      "18.00,,pos\n"
      "#3,b@x.io,partially_refunded,,,EUR,48,2024-05-03 09:00:00 "
      "+0000,3,Candle,16,CND,Bo,,,"
      "Hamburg,DE,,16,,web\n",
      sink);
  ASSERT_EQ(sink.events.size(), 3u);
  EXPECT_EQ(sink.events[0].type(), v1::PURCHASE);
  EXPECT_EQ(sink.events[0].channel(), v1::STORE);
  EXPECT_EQ(sink.events[0].timestamp_ms(),
            1714665600000);  // Created at, no Paid at.
  EXPECT_EQ(sink.events[1].type(), v1::RETURN);
  EXPECT_EQ(sink.events[1].event_id(), "shopify-#2-refund");
  EXPECT_DOUBLE_EQ(sink.events[1].value(), 18.0);
  EXPECT_EQ(sink.events[1].items_size(), 1);
  EXPECT_EQ(sink.events[2].type(),
            v1::PURCHASE);  // Partial refund: only the purchase.
  EXPECT_THAT(report.skipped_by_reason,
              UnorderedElementsAre(Pair("Shopify partial refund (items not named)", 1)));
  ASSERT_EQ(sink.customers.size(),
            1u);  // The same description twice is sent once.
  EXPECT_EQ(sink.customers[0].city(), "Hamburg");
  EXPECT_EQ(sink.customers[0].country(), "DE");
  EXPECT_FALSE(sink.customers[0].has_consents());
}

TEST(ShopifyTest, SkippedOrdersCountTheirRows) {
  FakeSink sink;
  const ImportReport report = Import(
      "#4,,paid,,,EUR,9,2024-05-03 12:00:00 +0000,1,Gift card,9,,,,,,,,,,pos\n"
      "#5,c@x.io,voided,,,EUR,34,2024-05-04 08:00:00 "
      "+0000,1,Board,34,B,,,,,,,,,web\n"
      "#6,c@x.io,paid,,,EUR,34,2024-05-04 08:00:00 "
      "+0000,1,Board,34,B,,,,,,2024-05-04 09:00:00 "
      "+0000,,,web\n"
      "#6,c@x.io,,,,,,,1,Towel,12,T,,,,,,,,,\n",
      sink);
  EXPECT_TRUE(sink.events.empty());
  EXPECT_EQ(report.rows_read, 4);
  EXPECT_THAT(report.skipped_by_reason, UnorderedElementsAre(Pair("Shopify order without Email", 1),
                                                             Pair("Shopify order voided", 1),
                                                             Pair("Shopify order cancelled", 2)));
}

TEST(ShopifyTest, MalformedRowsNameTheColumn) {
  FakeSink sink;
  const ImportReport report = Import(
      "#7,d@x.io,paid,,,EUR,26,2024-05-05 14:00:00 "
      "+0000,two,Napkins,14,N,,,,,,,,,web\n"
      "#7,d@x.io,,,,,,,1,Towel,12,T,,,,,,,,,\n"
      "#8,d@x.io,paid,,,EUR,5,last tuesday,1,Pen,5,P,,,,,,,,,web\n"
      "#9,d@x.io,paid,,,EUR,lots,2024-05-05 14:00:00 "
      "+0000,1,Pen,5,P,,,,,,,,,web\n"
      "#10,d@x.io,paid,,,EUR,5,2024-05-05 14:00:00 "
      "+0000,1,Pen,free,P,,,,,,,,,web\n"
      "#11,d@x.io,paid,,maybe,EUR,5,2024-05-05 14:00:00 "
      "+0000,1,Pen,5,P,,,,,,,,,web\n"
      "#12,d@x.io,paid,,,EUR,5,2024-05-05 14:00:00 +0000,1,,5,P,,,,,,,,,web\n"
      "#13,too,few,fields\n",
      sink);
  ASSERT_EQ(sink.events.size(), 1u);  // #7 without its bad line item.
  EXPECT_EQ(sink.events[0].items_size(), 1);
  EXPECT_EQ(sink.events[0].items(0).item_id(), "T");
  ASSERT_EQ(report.rejected_rows.size(), 7u);
  const std::pair<int, const char*> expected[] = {
      {2, "Lineitem quantity: 'two' is not an integer"},
      {4, "Created at: 'last tuesday' is not"},
      {5, "Total: 'lots' is not a finite number"},
      {6, "Lineitem price: 'free' is not a finite number"},
      {7, "Accepts Marketing: 'maybe' is not a boolean"},
      {8, "Lineitem name: missing"},
      {9, "row has 4 fields, the header has 21"},
  };
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(report.rejected_rows[i].line, expected[i].first);
    EXPECT_THAT(report.rejected_rows[i].reason, HasSubstr(expected[i].second));
  }
}

TEST(ShopifyTest, HeaderWithoutLineItemsIsRefused) {
  FakeSink sink;
  ImportOptions options;
  options.format = Format::kShopify;
  auto report = ImportFile(WriteFile("o.csv", "Name,Email\n#1,a@b.c\n"), options, sink);
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.status().message(), HasSubstr("'Lineitem quantity'"));
}

}  // namespace
}  // namespace persona::importer
