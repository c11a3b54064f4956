#include "tools/importer/online_retail.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "tools/importer/csv.h"
#include "tools/importer/retail_keywords.h"
#include "tools/importer/values.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

enum Col { kInvoice, kCode, kDescription, kQuantity, kDate, kPrice, kCustomer, kCountry, kCols };
constexpr const char* kColumnNames[kCols] = {"InvoiceNo",   "StockCode", "Description", "Quantity",
                                             "InvoiceDate", "UnitPrice", "CustomerID",  "Country"};
using ColumnMap = std::array<size_t, kCols>;

// Stock codes that are fees, postage, adjustments or samples, not products.
const absl::flat_hash_set<std::string>& NonProductCodes() {
  static const auto* codes = new absl::flat_hash_set<std::string>{
      "POST", "DOT", "M", "D", "C2", "CRUK", "PADS", "S", "B", "BANK CHARGES", "AMAZONFEE"};
  return *codes;
}

constexpr char kNoCustomer[] = "no customer id";
constexpr char kNonProduct[] = "non-product stock code";
constexpr char kNoDescription[] = "no description for the stock code";
constexpr char kBadPrice[] = "non-positive price";
constexpr char kZeroQuantity[] = "zero quantity";
constexpr char kNegativePurchase[] = "negative quantity outside a cancellation";
constexpr char kPositiveReturn[] = "positive quantity in a cancellation";
constexpr char kNotSampled[] = "customer not in the sample";

// Invoice dates in years 1..9999. Time shifting adds to them, and absl
// saturates dates beyond its range to the int64 limits, where adding would
// overflow.
constexpr int64_t kMinInvoiceMs = -62'135'596'800'000;  // 0001-01-01
constexpr int64_t kMaxInvoiceMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999

// Interns strings as dense indices in order of first appearance.
class Interner {
 public:
  int32_t Id(const std::string& s) {
    auto [it, inserted] = ids_.try_emplace(s, static_cast<int32_t>(names_.size()));
    if (inserted) names_.push_back(s);
    return it->second;
  }
  const std::string& Name(int32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  absl::flat_hash_map<std::string, int32_t> ids_;
  std::vector<std::string> names_;
};

// One parsed line of the file.
struct Parsed {
  std::string invoice, code, description, customer, country;
  int64_t quantity = 0;
  int64_t time_ms = 0;
  double price = 0;
};

// A row that goes into an event.
struct Row {
  int64_t line;
  int64_t time_ms;
  double price;
  int32_t quantity;  // Positive; a cancellation's quantity is negated.
  int32_t code, customer, country, invoice;
};

// Everything kept from the file.
struct Table {
  Interner codes, customers, countries, invoices;
  std::vector<Row> rows;
  // Per code: how often each description appears on rows with a positive price.
  std::vector<absl::flat_hash_map<std::string, int64_t>> descriptions;
};

absl::StatusOr<ColumnMap> MapHeader(const std::vector<std::string>& header) {
  ColumnMap map;
  for (int c = 0; c < kCols; ++c) {
    auto it = std::find_if(header.begin(), header.end(), [&](const std::string& cell) {
      return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(cell), kColumnNames[c]);
    });
    if (it == header.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("not an Online Retail file: the header has no ", kColumnNames[c],
                       " column (expected InvoiceNo,StockCode,Description,Quantity,InvoiceDate,"
                       "UnitPrice,CustomerID,Country)"));
    }
    map[c] = static_cast<size_t>(it - header.begin());
  }
  return map;
}

// Collapses runs of spaces and trims.
std::string CleanText(absl::string_view text) {
  return absl::StrJoin(absl::StrSplit(text, ' ', absl::SkipWhitespace()), " ");
}

absl::StatusOr<int64_t> ParseInvoiceDate(absl::string_view text) {
  auto iso = ParseSqlTimeMs(text);
  if (iso.ok()) return iso;
  absl::Time t;  // The original spreadsheet's export: "12/1/2010 8:26".
  std::string err;
  if (absl::ParseTime("%m/%d/%Y %H:%M", text, absl::UTCTimeZone(), &t, &err)) {
    return absl::ToUnixMillis(t);
  }
  return iso.status();
}

absl::Status ParseRow(const std::vector<std::string>& f, const ColumnMap& cols, Parsed* p) {
  // The header may hold more columns, in any order: every mapped one must be
  // on the row (indexing past `f` read strings destroyed by earlier rows).
  const size_t needed = *std::max_element(cols.begin(), cols.end()) + 1;
  if (f.size() < needed) {
    return absl::InvalidArgumentError(
        absl::StrCat("row has ", f.size(), " fields, the header ", needed));
  }
  p->invoice = std::string(absl::StripAsciiWhitespace(f[cols[kInvoice]]));
  p->code = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(f[cols[kCode]]));
  if (p->invoice.empty()) return absl::InvalidArgumentError("InvoiceNo is empty");
  if (p->code.empty()) return absl::InvalidArgumentError("StockCode is empty");
  p->description = CleanText(f[cols[kDescription]]);
  p->customer = std::string(absl::StripAsciiWhitespace(f[cols[kCustomer]]));
  if (absl::EndsWith(p->customer, ".0")) p->customer.resize(p->customer.size() - 2);
  p->country = CleanText(f[cols[kCountry]]);
  auto quantity = ParseInteger(f[cols[kQuantity]]);
  if (!quantity.ok())
    return absl::InvalidArgumentError(absl::StrCat("Quantity: ", quantity.status().message()));
  auto time = ParseInvoiceDate(f[cols[kDate]]);
  if (!time.ok())
    return absl::InvalidArgumentError(absl::StrCat("InvoiceDate: ", time.status().message()));
  auto price = ParseNumber(f[cols[kPrice]]);
  if (!price.ok())
    return absl::InvalidArgumentError(absl::StrCat("UnitPrice: ", price.status().message()));
  if (*quantity < INT32_MIN + 1 || *quantity > INT32_MAX) {
    return absl::InvalidArgumentError("Quantity is out of range");
  }
  if (*time < kMinInvoiceMs || *time > kMaxInvoiceMs) {
    return absl::InvalidArgumentError("InvoiceDate: out of range (years 1 to 9999)");
  }
  p->quantity = *quantity;
  p->time_ms = *time;
  p->price = *price;
  return absl::OkStatus();
}

bool IsNonProduct(const std::string& code) {
  return NonProductCodes().contains(code) || absl::StartsWith(code, "GIFT_0001_");
}

// Returns why a parsed row is left out, or nullptr to keep it.
const char* SkipReason(const Parsed& p, double sample) {
  if (p.customer.empty()) return kNoCustomer;
  if (IsNonProduct(p.code)) return kNonProduct;
  if (p.price <= 0) return kBadPrice;
  const bool cancellation = p.invoice[0] == 'C' || p.invoice[0] == 'c';
  if (p.quantity == 0) return kZeroQuantity;
  if (!cancellation && p.quantity < 0) return kNegativePurchase;
  if (cancellation && p.quantity > 0) return kPositiveReturn;
  if (sample < 1.0 && CustomerShare(p.customer) >= sample) return kNotSampled;
  return nullptr;
}

// Reads every row of the file into `table`.
absl::Status ReadTable(LineReader& lines, const ImportOptions& options, Dispatcher& out,
                       ImportReport& report, Table& table) {
  CsvReader reader(lines);
  CsvRecord record;
  std::string error;
  ASSIGN_OR_RETURN(bool more, reader.Next(&record, &error));
  if (!more || !error.empty()) return absl::InvalidArgumentError("the file has no header row");
  ASSIGN_OR_RETURN(const ColumnMap cols, MapHeader(record.fields));
  Parsed p;
  while (true) {
    ASSIGN_OR_RETURN(more, reader.Next(&record, &error));
    if (!more) break;
    if (error.empty() && record.fields.size() == 1 && record.fields[0].empty()) continue;
    ++report.rows_read;
    absl::Status parsed =
        error.empty() ? ParseRow(record.fields, cols, &p) : absl::InvalidArgumentError(error);
    if (!parsed.ok()) {
      out.Reject(record.line, std::string(parsed.message()));
      continue;
    }
    const int32_t code = table.codes.Id(p.code);
    if (table.descriptions.size() <= static_cast<size_t>(code)) table.descriptions.resize(code + 1);
    if (p.price > 0 && !p.description.empty()) ++table.descriptions[code][p.description];
    if (const char* reason = SkipReason(p, options.customer_sample)) {
      out.Skip(reason);
      continue;
    }
    table.rows.push_back(Row{record.line, p.time_ms, p.price,
                             static_cast<int32_t>(std::abs(p.quantity)), code,
                             table.customers.Id(p.customer), table.countries.Id(p.country),
                             table.invoices.Id(p.invoice)});
  }
  // Codes never described are not recognisable products (e.g. "check", "damaged" lines).
  const auto undescribed = [&](const Row& row) { return table.descriptions[row.code].empty(); };
  const auto removed = std::remove_if(table.rows.begin(), table.rows.end(), undescribed);
  if (removed != table.rows.end()) out.Skip(kNoDescription, table.rows.end() - removed);
  table.rows.erase(removed, table.rows.end());
  return absl::OkStatus();
}

// Returns the most frequent description (the smallest on ties, for determinism).
std::string Title(const absl::flat_hash_map<std::string, int64_t>& counts) {
  const std::pair<const std::string, int64_t>* best = nullptr;
  for (const auto& entry : counts) {
    if (best == nullptr || entry.second > best->second ||
        (entry.second == best->second && entry.first < best->first)) {
      best = &entry;
    }
  }
  return best == nullptr ? std::string() : best->first;
}

template <typename T>
struct Numbered {
  int64_t line;
  T record;
};

std::vector<Numbered<v1::Item>> BuildItems(const Table& table) {
  struct Seen {
    const Row* first = nullptr;
    const Row* latest = nullptr;
  };
  std::vector<Seen> seen(table.codes.size());
  for (const Row& row : table.rows) {
    Seen& s = seen[row.code];
    if (s.first == nullptr || row.time_ms < s.first->time_ms) s.first = &row;
    if (s.latest == nullptr || row.time_ms >= s.latest->time_ms) s.latest = &row;
  }
  std::vector<Numbered<v1::Item>> items;
  for (size_t code = 0; code < seen.size(); ++code) {
    if (seen[code].first == nullptr) continue;
    v1::Item item;
    item.set_id(table.codes.Name(code));
    item.set_title(Title(table.descriptions[code]));
    for (auto& part : RetailCategory(item.title())) item.add_category_path(std::move(part));
    for (auto& tag : RetailTags(item.title())) item.add_tags(std::move(tag));
    item.set_price(seen[code].latest->price);
    item.set_currency("GBP");
    item.set_availability(v1::IN_STOCK);
    item.set_stock(-1);
    item.set_created_time_ms(seen[code].first->time_ms);
    items.push_back({seen[code].first->line, std::move(item)});
  }
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.record.id() < b.record.id(); });
  return items;
}

std::vector<Numbered<v1::Customer>> BuildCustomers(const Table& table) {
  struct Seen {
    const Row* first = nullptr;
    const Row* latest = nullptr;
  };
  std::vector<Seen> seen(table.customers.size());
  for (const Row& row : table.rows) {
    Seen& s = seen[row.customer];
    if (s.first == nullptr || row.time_ms < s.first->time_ms) s.first = &row;
    if (s.latest == nullptr || row.time_ms >= s.latest->time_ms) s.latest = &row;
  }
  std::vector<Numbered<v1::Customer>> customers;
  for (size_t id = 0; id < seen.size(); ++id) {
    if (seen[id].first == nullptr) continue;
    v1::Customer customer;
    customer.set_id(table.customers.Name(id));
    customer.set_country(table.countries.Name(seen[id].latest->country));
    customer.set_created_time_ms(seen[id].first->time_ms);
    customers.push_back({seen[id].first->line, std::move(customer)});
  }
  std::sort(customers.begin(), customers.end(),
            [](const auto& a, const auto& b) { return a.record.id() < b.record.id(); });
  return customers;
}

// Appends the events of one invoice: its rows merged per (stock code, unit
// price), split into parts of at most kMaxItemsPerEvent items.
void AppendInvoiceEvents(const Table& table, const std::string& invoice,
                         const std::vector<const Row*>& rows,
                         std::vector<Numbered<v1::Event>>* events) {
  std::vector<v1::EventItem> items;
  absl::flat_hash_map<std::pair<int32_t, double>, size_t> index;
  int64_t time_ms = rows[0]->time_ms;
  for (const Row* row : rows) {
    time_ms = std::min(time_ms, row->time_ms);
    auto [it, inserted] = index.try_emplace({row->code, row->price}, items.size());
    if (!inserted && items[it->second].quantity() > INT32_MAX - row->quantity) {
      it->second = items.size();  // the line's int32 quantity is full: start another
      inserted = true;
    }
    if (inserted) {
      items.emplace_back();
      items.back().set_item_id(table.codes.Name(row->code));
      items.back().set_price(row->price);
    }
    v1::EventItem& item = items[it->second];
    item.set_quantity(item.quantity() + row->quantity);
  }
  const bool is_return = invoice[0] == 'C' || invoice[0] == 'c';
  int part = 1;
  for (size_t start = 0; start < items.size(); start += kMaxItemsPerEvent, ++part) {
    v1::Event event;
    event.set_event_id(part == 1 ? absl::StrCat("or-", invoice)
                                 : absl::StrCat("or-", invoice, "-", part));
    event.set_customer_id(table.customers.Name(rows[0]->customer));
    event.set_type(is_return ? v1::RETURN : v1::PURCHASE);
    event.set_order_id(invoice);
    event.set_timestamp_ms(time_ms);
    event.set_channel(v1::WEB);
    double value = 0;
    const size_t end = std::min(items.size(), start + kMaxItemsPerEvent);
    for (size_t k = start; k < end; ++k) {
      value += items[k].quantity() * items[k].price();
      *event.add_items() = items[k];
    }
    event.set_value(std::round(value * 100) / 100);
    events->push_back({rows[0]->line, std::move(event)});
  }
}

std::vector<Numbered<v1::Event>> BuildEvents(const Table& table) {
  std::vector<std::vector<const Row*>> by_invoice(table.invoices.size());
  for (const Row& row : table.rows) by_invoice[row.invoice].push_back(&row);
  std::vector<Numbered<v1::Event>> events;
  for (size_t invoice = 0; invoice < by_invoice.size(); ++invoice) {
    if (by_invoice[invoice].empty()) continue;
    AppendInvoiceEvents(table, table.invoices.Name(invoice), by_invoice[invoice], &events);
  }
  // Invoices appear in file order, so equal times keep it.
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return a.record.timestamp_ms() < b.record.timestamp_ms();
  });
  return events;
}

template <typename T>
absl::Status SendAll(std::vector<Numbered<T>>& records, Dispatcher& out) {
  for (auto& [line, record] : records) RETURN_IF_ERROR(out.Add(std::move(record), line));
  return out.Flush();
}

}  // namespace

double CustomerShare(absl::string_view customer_id) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits.
  for (unsigned char c : customer_id) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  // FNV-1a barely stirs the high bits for the last bytes ("13000" and "13001"
  // land close together), so finish with MurmurHash3's fmix64.
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return static_cast<double>(hash >> 11) * 0x1p-53;
}

absl::Status ImportOnlineRetail(LineReader& lines, const ImportOptions& options, Dispatcher& out,
                                ImportReport& report) {
  std::vector<Numbered<v1::Item>> items;
  std::vector<Numbered<v1::Customer>> customers;
  std::vector<Numbered<v1::Event>> events;
  {
    Table table;
    RETURN_IF_ERROR(ReadTable(lines, options, out, report, table));
    items = BuildItems(table);
    customers = BuildCustomers(table);
    events = BuildEvents(table);
  }
  if (options.shift_newest_to_ms > 0 && !events.empty()) {
    const int64_t delta = options.shift_newest_to_ms - events.back().record.timestamp_ms();
    for (auto& item : items) item.record.set_created_time_ms(item.record.created_time_ms() + delta);
    for (auto& c : customers) c.record.set_created_time_ms(c.record.created_time_ms() + delta);
    for (auto& e : events) e.record.set_timestamp_ms(e.record.timestamp_ms() + delta);
  }
  const int64_t total = static_cast<int64_t>(items.size() + customers.size() + events.size());
  if (options.progress) {
    out.set_after_batch(
        [&out, total, progress = options.progress] { progress(out.sent(), total); });
  }
  absl::Status status = SendAll(items, out);
  if (status.ok()) status = SendAll(customers, out);
  if (status.ok()) status = SendAll(events, out);
  out.set_after_batch(nullptr);
  return status;
}

}  // namespace persona::importer
