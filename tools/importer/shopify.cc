// Shopify's orders CSV export (one row per line item, the order's fields on
// its first row) to Persona's events, items and customers; the mapping table
// is in docs/IMPORT.md.
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tools/importer/csv.h"
#include "tools/importer/formats.h"
#include "tools/importer/values.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

enum Column {
  kName,
  kEmail,
  kFinancialStatus,
  kPaidAt,
  kCreatedAt,
  kCurrency,
  kTotal,
  kRefundedAmount,
  kCancelledAt,
  kAcceptsMarketing,
  kSource,
  kQuantity,
  kItemName,
  kItemPrice,
  kSku,
  kVendor,
  kBillingName,
  kBillingCity,
  kBillingCountry,
  kShippingCity,
  kShippingCountry,
  kColumnCount
};

// Header names (compared case-insensitively); the first four are required.
constexpr const char* kNames[kColumnCount] = {"Name",
                                              "Email",
                                              "Financial Status",
                                              "Paid at",
                                              "Created at",
                                              "Currency",
                                              "Total",
                                              "Refunded Amount",
                                              "Cancelled at",
                                              "Accepts Marketing",
                                              "Source",
                                              "Lineitem quantity",
                                              "Lineitem name",
                                              "Lineitem price",
                                              "Lineitem sku",
                                              "Vendor",
                                              "Billing Name",
                                              "Billing City",
                                              "Billing Country",
                                              "Shipping City",
                                              "Shipping Country"};
constexpr Column kRequired[] = {kName, kQuantity, kItemName, kItemPrice};

struct Header {
  int index[kColumnCount];
  size_t width = 0;
};

absl::StatusOr<Header> ReadHeader(const std::vector<std::string>& cells) {
  Header header;
  header.width = cells.size();
  for (int c = 0; c < kColumnCount; ++c) {
    header.index[c] = -1;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(cells[i]), kNames[c])) {
        header.index[c] = static_cast<int>(i);
      }
    }
  }
  for (Column c : kRequired) {
    if (header.index[c] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a Shopify orders export: no '", kNames[c], "' column"));
    }
  }
  return header;
}

// A row's cell, trimmed ("" when the column is absent).
std::string Cell(const Header& h, const CsvRow& row, Column c) {
  if (h.index[c] < 0) return "";
  return std::string(absl::StripAsciiWhitespace(row.fields[h.index[c]]));
}

absl::Status CellError(Column c, const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrCat(kNames[c], ": ", status.message()));
}

// The order-level fields, from the order's first row.
struct Order {
  std::string name, email, status, currency;
  int64_t time_ms = 0;
  std::optional<double> total, refunded;
  bool cancelled = false;
};

absl::StatusOr<Order> ReadOrder(const Header& h, const CsvRow& row) {
  Order order;
  order.name = Cell(h, row, kName);
  order.email = absl::AsciiStrToLower(Cell(h, row, kEmail));
  order.status = absl::AsciiStrToLower(Cell(h, row, kFinancialStatus));
  order.currency = absl::AsciiStrToUpper(Cell(h, row, kCurrency));
  order.cancelled = !Cell(h, row, kCancelledAt).empty();
  const Column time_column = Cell(h, row, kPaidAt).empty() ? kCreatedAt : kPaidAt;
  const std::string time = Cell(h, row, time_column);
  if (time.empty()) return absl::InvalidArgumentError("Created at: missing (and no Paid at)");
  absl::StatusOr<int64_t> ms = ParseTimeMs(time);
  if (!ms.ok()) return CellError(time_column, ms.status());
  order.time_ms = *ms;
  for (auto [column, out] :
       {std::pair{kTotal, &order.total}, std::pair{kRefundedAmount, &order.refunded}}) {
    if (Cell(h, row, column).empty()) continue;
    absl::StatusOr<double> v = ParseNumber(Cell(h, row, column));
    if (!v.ok() || *v < 0)
      return CellError(column, v.ok() ? absl::InvalidArgumentError("must be >= 0") : v.status());
    *out = *v;
  }
  return order;
}

// Reads one line item into the event and the catalog.
absl::Status ReadLineItem(const Header& h, const CsvRow& row, const Order& order, v1::Event* event,
                          std::vector<v1::Item>* catalog) {
  const std::string name = Cell(h, row, kItemName);
  if (name.empty()) return absl::InvalidArgumentError("Lineitem name: missing");
  absl::StatusOr<int64_t> quantity = ParseInteger(Cell(h, row, kQuantity));
  if (!quantity.ok()) return CellError(kQuantity, quantity.status());
  if (*quantity < 0 || *quantity > 1'000'000) {
    return CellError(kQuantity, absl::InvalidArgumentError("must be in 0..1000000"));
  }
  absl::StatusOr<double> price = ParseNumber(Cell(h, row, kItemPrice));
  if (!price.ok()) return CellError(kItemPrice, price.status());
  const std::string sku = Cell(h, row, kSku);
  v1::EventItem* item = event->add_items();
  item->set_item_id(sku.empty() ? name : sku);
  item->set_quantity(static_cast<int32_t>(*quantity));
  item->set_price(*price);
  v1::Item& entry = catalog->emplace_back();
  entry.set_id(item->item_id());
  entry.set_title(name);
  entry.set_price(*price);
  entry.set_currency(order.currency);
  entry.set_brand(Cell(h, row, kVendor));
  return absl::OkStatus();
}

absl::Status ReadCustomer(const Header& h, const CsvRow& row, const Order& order,
                          v1::Customer* customer) {
  customer->set_id(order.email);
  customer->set_email(order.email);
  const std::string billing = Cell(h, row, kBillingName);
  const size_t space = billing.find(' ');
  customer->set_first_name(billing.substr(0, space));
  if (space != std::string::npos) customer->set_last_name(billing.substr(space + 1));
  const std::string city = Cell(h, row, kBillingCity);
  customer->set_city(city.empty() ? Cell(h, row, kShippingCity) : city);
  const std::string country = Cell(h, row, kBillingCountry);
  customer->set_country(country.empty() ? Cell(h, row, kShippingCountry) : country);
  const std::string accepts = Cell(h, row, kAcceptsMarketing);
  if (accepts.empty()) return absl::OkStatus();  // Consent only when stated.
  absl::StatusOr<bool> given = ParseBool(accepts);
  if (!given.ok()) return CellError(kAcceptsMarketing, given.status());
  customer->mutable_consents()->set_email_marketing(*given);
  customer->mutable_consents()->set_updated_time_ms(order.time_ms);
  return absl::OkStatus();
}

v1::Event OrderEvent(const Header& h, const CsvRow& first, const Order& order) {
  v1::Event event;
  event.set_event_id(absl::StrCat("shopify-", order.name));
  event.set_customer_id(order.email);
  event.set_type(v1::PURCHASE);
  event.set_order_id(order.name);
  event.set_timestamp_ms(order.time_ms);
  event.set_channel(absl::EqualsIgnoreCase(Cell(h, first, kSource), "pos") ? v1::STORE : v1::WEB);
  if (order.total) event.set_value(*order.total);
  if (!order.currency.empty()) (*event.mutable_properties())["currency"] = order.currency;
  if (!order.status.empty()) (*event.mutable_properties())["financial_status"] = order.status;
  return event;
}

// Converts one order's rows; bad line items are rejected one by one, a bad
// first row rejects the order.
absl::Status ConvertOrder(const Header& h, std::vector<CsvRow>& rows, UnitContext& ctx,
                          Converted* out) {
  for (const CsvRow& row : rows) {
    if (!row.error.empty() || row.fields.size() != h.width) {
      for (const CsvRow& r : rows) {
        ctx.out.Reject(r.line, !row.error.empty()
                                   ? row.error
                                   : absl::StrCat("row has ", row.fields.size(),
                                                  " fields, the header has ", h.width));
      }
      return absl::OkStatus();
    }
  }
  absl::StatusOr<Order> order = ReadOrder(h, rows[0]);
  v1::Customer customer;
  absl::Status status = order.ok() ? ReadCustomer(h, rows[0], *order, &customer) : order.status();
  if (!status.ok()) {
    for (const CsvRow& r : rows) ctx.out.Reject(r.line, std::string(status.message()));
    return absl::OkStatus();
  }
  const char* skip = order->email.empty()        ? "Shopify order without Email"
                     : order->cancelled          ? "Shopify order cancelled"
                     : order->status == "voided" ? "Shopify order voided"
                                                 : nullptr;
  if (skip != nullptr) {
    ctx.out.Skip(skip, static_cast<int64_t>(rows.size()));
    return absl::OkStatus();
  }
  v1::Event event = OrderEvent(h, rows[0], *order);
  for (const CsvRow& row : rows) {
    absl::Status item = ReadLineItem(h, row, *order, &event, &out->items);
    if (!item.ok()) ctx.out.Reject(row.line, std::string(item.message()));
  }
  if (event.items_size() == 0) return absl::OkStatus();
  out->customers.push_back(std::move(customer));
  if (order->status == "refunded" ||
      (order->refunded.value_or(0) > 0 && order->status != "partially_refunded")) {
    v1::Event refund = event;
    refund.set_event_id(absl::StrCat(event.event_id(), "-refund"));
    refund.set_type(v1::RETURN);
    if (order->refunded) refund.set_value(*order->refunded);
    out->events.push_back(std::move(event));
    out->events.push_back(std::move(refund));
  } else {
    if (order->status == "partially_refunded")
      out->skip = "Shopify partial refund (items not named)";
    out->events.push_back(std::move(event));
  }
  return absl::OkStatus();
}

}  // namespace

bool LooksLikeShopify(absl::string_view header_line) {
  const std::string lower = absl::AsciiStrToLower(header_line);
  return absl::StartsWith(lower, "name,") && absl::StrContains(lower, "lineitem quantity");
}

absl::Status ImportShopify(LineReader& lines, UnitContext& ctx) {
  CsvReader reader(lines);
  CsvRecord record;
  std::string error;
  ASSIGN_OR_RETURN(bool more, reader.Next(&record, &error));
  if (!more) return absl::OkStatus();
  if (!error.empty()) return absl::InvalidArgumentError(absl::StrCat("header row: ", error));
  ASSIGN_OR_RETURN(const Header header, ReadHeader(record.fields));
  SentRecords items, customers;
  return ForEachCsvUnit(reader, lines, header.index[kName], ctx, [&](std::vector<CsvRow>& rows) {
    Converted converted;
    RETURN_IF_ERROR(ConvertOrder(header, rows, ctx, &converted));
    return AddConverted(ctx, items, customers, std::move(converted), rows.front().line);
  });
}

}  // namespace persona::importer
