// Google Analytics 4's BigQuery export (one event a line) to Persona's
// events and items; the mapping table is in docs/IMPORT.md.
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tools/importer/formats.h"
#include "tools/importer/json_fields.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

struct Ga4Event {
  const char* name;
  v1::EventType type;
  bool with_items;  // Whether the event names the items (else they only feed
                    // the catalog).
};

constexpr Ga4Event kEvents[] = {
    {"view_item", v1::PRODUCT_VIEW, true},      {"select_item", v1::PRODUCT_VIEW, true},
    {"add_to_cart", v1::ADD_TO_CART, true},     {"remove_from_cart", v1::REMOVE_FROM_CART, true},
    {"purchase", v1::PURCHASE, true},           {"refund", v1::RETURN, true},
    {"view_item_list", v1::PAGE_VIEW, false},   {"begin_checkout", v1::PAGE_VIEW, false},
    {"page_view", v1::PAGE_VIEW, false},        {"search", v1::SEARCH, false},
    {"view_search_results", v1::SEARCH, false},
};

// Returns event_params[key] as text (string, int, float or double value).
absl::StatusOr<std::optional<std::string>> Param(const JsonObject& row, absl::string_view key) {
  const JsonValue* params = Find(row, {"event_params"});
  if (params == nullptr || !params->has_list_value()) return std::nullopt;
  for (const JsonValue& param : params->list_value().values()) {
    if (!param.has_struct_value()) continue;
    const JsonValue* name = Find(param.struct_value(), {"key"});
    if (name == nullptr || !name->has_string_value() || name->string_value() != key) continue;
    const std::string field = absl::StrCat("event_params.", key);
    for (const char* kind : {"string_value", "int_value", "double_value", "float_value"}) {
      ASSIGN_OR_RETURN(auto text, TextAt(param.struct_value(), {"value", kind}, field));
      if (text) return text;
    }
  }
  return std::nullopt;
}

// Reads items[] into the event (when it names items) and the catalog.
absl::Status ReadItems(const JsonObject& row, bool with_items, const std::string& currency,
                       v1::Event* event, std::vector<v1::Item>* catalog) {
  const JsonValue* items = Find(row, {"items"});
  if (items == nullptr) return absl::OkStatus();
  if (!items->has_list_value()) return absl::InvalidArgumentError("items: must be a list");
  for (int i = 0; i < items->list_value().values_size(); ++i) {
    const JsonValue& value = items->list_value().values(i);
    const std::string at = absl::StrCat("items[", i, "].");
    if (!value.has_struct_value()) {
      return absl::InvalidArgumentError(absl::StrCat("items[", i, "]: must be an object"));
    }
    const JsonObject& item = value.struct_value();
    ASSIGN_OR_RETURN(auto id, TextAt(item, {"item_id"}, at + "item_id"));
    if (!id) return absl::InvalidArgumentError(at + "item_id: missing");
    ASSIGN_OR_RETURN(auto name, TextAt(item, {"item_name"}, at + "item_name"));
    ASSIGN_OR_RETURN(auto brand, TextAt(item, {"item_brand"}, at + "item_brand"));
    ASSIGN_OR_RETURN(auto price, NumberAt(item, {"price"}, at + "price"));
    ASSIGN_OR_RETURN(auto quantity, NumberAt(item, {"quantity"}, at + "quantity"));
    if (quantity &&
        (*quantity < 0 || *quantity > 1e6 || *quantity != static_cast<int>(*quantity))) {
      return absl::InvalidArgumentError(at + "quantity: must be a whole number in 0..1000000");
    }
    if (with_items) {
      v1::EventItem* out = event->add_items();
      out->set_item_id(*id);
      if (quantity) out->set_quantity(static_cast<int32_t>(*quantity));
      if (price) out->set_price(*price);
    }
    if (!name) continue;  // An id alone says nothing worth upserting.
    v1::Item& entry = catalog->emplace_back();
    entry.set_id(*id);
    entry.set_title(*name);
    if (brand) entry.set_brand(*brand);
    if (price) entry.set_price(*price);
    if (!currency.empty()) entry.set_currency(currency);
    for (const char* level : {"item_category", "item_category2", "item_category3", "item_category4",
                              "item_category5"}) {
      ASSIGN_OR_RETURN(auto part, TextAt(item, {level}, at + level));
      if (part) entry.add_category_path(*part);
    }
  }
  return absl::OkStatus();
}

// Sets who did it, when and where.
absl::Status ReadContext(const JsonObject& row, v1::Event* event) {
  ASSIGN_OR_RETURN(auto user, TextAt(row, {"user_id"}, "user_id"));
  ASSIGN_OR_RETURN(auto pseudo, TextAt(row, {"user_pseudo_id"}, "user_pseudo_id"));
  if (!user && !pseudo)
    return absl::InvalidArgumentError("user_pseudo_id: missing (and no user_id)");
  if (user) event->set_customer_id(*user);
  if (pseudo) event->set_session_id(*pseudo);
  const JsonValue* micros = Find(row, {"event_timestamp"});
  if (micros == nullptr) return absl::InvalidArgumentError("event_timestamp: missing");
  ASSIGN_OR_RETURN(const int64_t us, AsInteger(*micros, "event_timestamp"));
  if (us < 0) return absl::InvalidArgumentError("event_timestamp: must be >= 0 (microseconds)");
  event->set_timestamp_ms(us / 1000);
  ASSIGN_OR_RETURN(auto platform, TextAt(row, {"platform"}, "platform"));
  event->set_channel(platform && (*platform == "IOS" || *platform == "ANDROID") ? v1::APP
                                                                                : v1::WEB);
  return absl::OkStatus();
}

// Sets order id, value, currency and the properties that matter per type.
absl::Status ReadDetails(const JsonObject& row, const std::string& name,
                         const std::string& currency, v1::Event* event) {
  auto& props = *event->mutable_properties();
  if (!currency.empty()) props["currency"] = currency;
  if (name == "select_item" || name == "begin_checkout" || name == "view_item_list") {
    props["ga4_event"] = name;
  }
  ASSIGN_OR_RETURN(auto list, Param(row, "item_list_name"));
  if (list) props["list"] = *list;
  ASSIGN_OR_RETURN(auto query, Param(row, "search_term"));
  if (event->type() == v1::SEARCH) {
    if (!query) return absl::InvalidArgumentError("event_params.search_term: missing");
    props["query"] = *query;
  }
  if (event->type() != v1::PURCHASE && event->type() != v1::RETURN) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto order,
                   TextAt(row, {"ecommerce", "transaction_id"}, "ecommerce.transaction_id"));
  if (!order) {
    ASSIGN_OR_RETURN(order, Param(row, "transaction_id"));
  }
  if (order) event->set_order_id(*order);
  const char* revenue = event->type() == v1::PURCHASE ? "purchase_revenue" : "refund_value";
  ASSIGN_OR_RETURN(auto value, NumberAt(row, {"ecommerce", "value"}, "ecommerce.value"));
  if (!value) {
    ASSIGN_OR_RETURN(value,
                     NumberAt(row, {"ecommerce", revenue}, absl::StrCat("ecommerce.", revenue)));
  }
  if (value) event->set_value(*value);
  return absl::OkStatus();
}

absl::StatusOr<Converted> ConvertGa4(const std::string& text) {
  JsonObject row;
  RETURN_IF_ERROR(ParseJsonObject(text, &row));
  Converted out;
  ASSIGN_OR_RETURN(auto name, TextAt(row, {"event_name"}, "event_name"));
  if (!name) return absl::InvalidArgumentError("event_name: missing");
  const Ga4Event* mapping = nullptr;
  for (const Ga4Event& e : kEvents) {
    if (*name == e.name) mapping = &e;
  }
  ASSIGN_OR_RETURN(auto currency, TextAt(row, {"ecommerce", "currency"}, "ecommerce.currency"));
  if (!currency) {
    ASSIGN_OR_RETURN(currency, Param(row, "currency"));
  }
  v1::Event event;
  RETURN_IF_ERROR(ReadItems(row, mapping != nullptr && mapping->with_items, currency.value_or(""),
                            &event, &out.items));
  if (mapping == nullptr) {
    out.skip = absl::StrCat("GA4 event not imported: ", name->substr(0, 40));
    return out;
  }
  event.set_type(mapping->type);
  RETURN_IF_ERROR(ReadContext(row, &event));
  RETURN_IF_ERROR(ReadDetails(row, *name, currency.value_or(""), &event));
  if (mapping->with_items && event.items_size() == 0) {
    if (event.type() == v1::RETURN) {
      out.skip = "GA4 refund without items (a full refund)";
      return out;
    }
    return absl::InvalidArgumentError(absl::StrCat("items: ", *name, " names no item"));
  }
  event.set_event_id(DerivedId("ga4-", text));
  out.events.push_back(std::move(event));
  return out;
}

}  // namespace

bool LooksLikeGa4(absl::string_view first_line) {
  return absl::StrContains(first_line, "\"event_name\"") &&
         absl::StrContains(first_line, "\"event_timestamp\"");
}

absl::Status ImportGa4(LineReader& lines, UnitContext& ctx) {
  SentRecords items, customers;
  return ForEachJsonLine(lines, ctx, [&](const std::string& text, int64_t line) {
    absl::StatusOr<Converted> converted = ConvertGa4(text);
    if (!converted.ok()) {
      ctx.out.Reject(line, std::string(converted.status().message()));
      return absl::OkStatus();
    }
    return AddConverted(ctx, items, customers, *std::move(converted), line);
  });
}

}  // namespace persona::importer
