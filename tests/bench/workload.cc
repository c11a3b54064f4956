#include "tests/bench/workload.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace persona::bench {
namespace {

// Splits one CSV line (RFC 4180 quoting, no embedded newlines) into fields.
std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r' && c != '\n') {
      fields.back() += c;
    }
  }
  return fields;
}

int Column(const std::vector<std::string>& header, std::string_view name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

// Collects an Online Retail file's rows: how often each product appears,
// and each customer's country, items and orders (purchases only).
class RawShop {
 public:
  // Finds the columns; false when one is missing.
  bool SetHeader(const std::vector<std::string>& header) {
    invoice_ = Column(header, "InvoiceNo");
    stock_ = Column(header, "StockCode");
    customer_ = Column(header, "CustomerID");
    country_ = Column(header, "Country");
    needed_ = std::max({invoice_, stock_, customer_, country_});
    return std::min({invoice_, stock_, customer_, country_}) >= 0;
  }

  // Counts one row; rows of non-products and short rows are ignored.
  void Add(const std::vector<std::string>& f, bool strip_decimal) {
    if (static_cast<int>(f.size()) <= needed_) return;
    const std::string& stock = f[stock_];
    if (stock.empty() || !std::isdigit(static_cast<unsigned char>(stock[0]))) {
      return;
    }
    ++item_rows_[stock];
    std::string id = f[customer_];
    const std::string& invoice = f[invoice_];
    if (id.empty() || invoice.empty() || invoice[0] == 'C') return;
    if (strip_decimal && id.size() > 2 && id.ends_with(".0")) {
      id.resize(id.size() - 2);
    }
    Customer& c = customers_[id];
    c.country = f[country_];
    c.items.insert(stock);
    c.orders.insert(invoice);
  }

  // Returns the items by frequency and the customers sorted by id.
  ShopData Build() const {
    ShopData shop;
    std::vector<std::pair<int64_t, std::string>> by_rows;
    for (const auto& [id, rows] : item_rows_) by_rows.emplace_back(-rows, id);
    std::sort(by_rows.begin(), by_rows.end());
    absl::flat_hash_map<std::string, int> index;
    for (const auto& [rows, id] : by_rows) {
      index[id] = static_cast<int>(shop.items.size());
      shop.items.push_back(id);
    }
    for (const auto& [id, raw] : customers_) {
      ShopCustomer c{
          id, raw.country, {}, {raw.orders.begin(), raw.orders.end()}};
      for (const auto& item : raw.items) c.items_bought.push_back(index[item]);
      std::sort(c.items_bought.begin(), c.items_bought.end());
      std::sort(c.orders.begin(), c.orders.end());
      shop.customers.push_back(std::move(c));
    }
    std::sort(shop.customers.begin(), shop.customers.end(),
              [](const ShopCustomer& a, const ShopCustomer& b) {
                return a.id < b.id;
              });
    return shop;
  }

 private:
  struct Customer {
    std::string country;
    absl::flat_hash_set<std::string> items;
    absl::flat_hash_set<std::string> orders;
  };
  int invoice_ = -1, stock_ = -1, customer_ = -1, country_ = -1, needed_ = 0;
  absl::flat_hash_map<std::string, int64_t> item_rows_;
  absl::flat_hash_map<std::string, Customer> customers_;
};

}  // namespace

absl::StatusOr<ShopData> ReadOnlineRetail(const std::string& path,
                                          bool strip_decimal) {
  std::unique_ptr<gzFile_s, GzCloser> in(gzopen(path.c_str(), "rb"));
  if (in == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  gzbuffer(in.get(), 1 << 20);
  std::vector<char> line(1 << 16);
  const auto next = [&] {
    return gzgets(in.get(), line.data(), static_cast<int>(line.size())) !=
           nullptr;
  };
  if (!next())
    return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  RawShop raw;
  if (!raw.SetHeader(SplitCsv(line.data()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": expected the Online Retail columns InvoiceNo, "
                     "StockCode, CustomerID, Country"));
  }
  while (next()) raw.Add(SplitCsv(line.data()), strip_decimal);
  int error = 0;
  gzerror(in.get(), &error);
  if (error != Z_OK && error != Z_STREAM_END) {
    return absl::DataLossError(absl::StrCat(path, ": cannot decompress"));
  }
  ShopData shop = raw.Build();
  if (shop.items.empty() || shop.customers.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " holds no items or no customers"));
  }
  return shop;
}

std::vector<std::string> SyntheticCategory(int item_index) {
  static const char* kTop[] = {"Home", "Garden", "Kitchen",
                               "Toys", "Gifts",  "Stationery"};
  return {kTop[item_index % 6], absl::StrCat("Range ", item_index / 6 % 8),
          absl::StrCat("Line ", item_index / 48 % 4)};
}

ShopData SyntheticShop(int items, int customers, uint64_t seed) {
  static const char* kCountries[] = {"United Kingdom", "Germany", "France",
                                     "EIRE", "Spain"};
  std::mt19937_64 rng(seed);
  ShopData shop;
  for (int i = 0; i < items; ++i)
    shop.items.push_back(absl::StrFormat("SKU%05d", i));
  for (int i = 0; i < customers; ++i) {
    ShopCustomer c;
    c.id = absl::StrFormat("bench-k%05d", i);
    c.country = i % 4 == 0 ? kCountries[1 + i / 4 % 4] : kCountries[0];
    absl::flat_hash_set<int> bought;
    for (int k = 0; k < 5; ++k)
      bought.insert(SkewedItem(rng, shop.items.size()));
    c.items_bought.assign(bought.begin(), bought.end());
    std::sort(c.items_bought.begin(), c.items_bought.end());
    c.orders = {absl::StrFormat("bench-ko%05d", i)};
    shop.customers.push_back(std::move(c));
  }
  return shop;
}

int SkewedItem(std::mt19937_64& rng, size_t items) {
  // u^3 puts about half the traffic on the top 12% of the items.
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  return std::min(static_cast<int>(items) - 1,
                  static_cast<int>(u * u * u * static_cast<double>(items)));
}

EventFactory::EventFactory(const ShopData& shop, int population, int sessions,
                           std::string run_id)
    : shop_(shop),
      population_(std::max(1, population)),
      sessions_(std::max(1, sessions)),
      run_id_(std::move(run_id)) {}

std::string EventFactory::CustomerId(int i) const {
  if (i < static_cast<int>(shop_.customers.size()))
    return shop_.customers[i].id;
  return absl::StrFormat("bench-c%05d", i);
}

void EventFactory::Next(std::mt19937_64& rng, v1::Event* event) {
  event->Clear();
  const uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  event->set_event_id(absl::StrCat(run_id_, "-", id));
  std::uniform_int_distribution<int> percent(0, 99);
  if (percent(rng) < 15) {
    event->set_session_id(absl::StrFormat(
        "bench-s%05d",
        std::uniform_int_distribution<int>(0, sessions_ - 1)(rng)));
  } else {
    event->set_customer_id(CustomerId(
        std::uniform_int_distribution<int>(0, population_ - 1)(rng)));
  }
  event->set_channel(v1::WEB);
  const int kind = percent(rng);
  const int lines =
      kind < 90 ? 1 : std::uniform_int_distribution<int>(1, 4)(rng);
  event->set_type(kind < 70   ? v1::PRODUCT_VIEW
                  : kind < 90 ? v1::ADD_TO_CART
                              : v1::PURCHASE);
  double value = 0;
  for (int i = 0; i < lines; ++i) {
    auto* item = event->add_items();
    item->set_item_id(shop_.items[SkewedItem(rng, shop_.items.size())]);
    item->set_quantity(
        kind < 70 ? 1 : std::uniform_int_distribution<int>(1, 3)(rng));
    item->set_price(
        std::round(std::uniform_real_distribution<double>(0.5, 20)(rng) * 100) /
        100);
    value += item->quantity() * item->price();
  }
  if (event->type() == v1::PURCHASE) {
    event->set_order_id(absl::StrCat(run_id_, "-o", id));
    event->set_value(value);
  }
}

void EventFactory::Batch(std::mt19937_64& rng, int n, const std::string& shop,
                         v1::TrackEventsRequest* request) {
  request->set_shop(shop);
  request->mutable_events()->Reserve(n);
  for (int i = 0; i < n; ++i) Next(rng, request->add_events());
}

void RecommendFactory::Next(std::mt19937_64& rng,
                            v1::RecommendRequest* request) const {
  std::uniform_int_distribution<int> percent(0, 99);
  request->set_shop(shop_name_);
  if (percent(rng) < 70) {
    const auto& c = shop_.customers[std::uniform_int_distribution<size_t>(
        0, shop_.customers.size() - 1)(rng)];
    request->set_customer_id(c.id);
  } else {
    request->set_session_id(absl::StrFormat("anon-%016x", rng()));
  }
  request->set_count(10);
  const int placement = percent(rng);
  const int context = placement < 50 ? 0
                      : placement < 85
                          ? 1
                          : std::uniform_int_distribution<int>(1, 3)(rng);
  request->set_placement(placement < 50   ? "home"
                         : placement < 85 ? "product"
                                          : "cart");
  for (int i = 0; i < context; ++i) {
    request->add_context_item_ids(
        shop_.items[SkewedItem(rng, shop_.items.size())]);
  }
}

}  // namespace persona::bench
