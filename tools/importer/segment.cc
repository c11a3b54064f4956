// Segment's track, page and identify calls (one JSON object a line, as its
// exports and S3/webhook destinations write them) to Persona's events, items
// and customers; the mapping table is in docs/IMPORT.md.
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tools/importer/formats.h"
#include "tools/importer/json_fields.h"
#include "tools/importer/segment_identify.h"
#include "tools/importer/values.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

struct SegmentEvent {
  const char* name;
  v1::EventType type;
  bool products;  // Items in properties.products[] (orders), else properties
                  // itself.
};

constexpr SegmentEvent kEvents[] = {
    {"Product Viewed", v1::PRODUCT_VIEW, false}, {"Product Clicked", v1::PRODUCT_VIEW, false},
    {"Product Added", v1::ADD_TO_CART, false},   {"Product Removed", v1::REMOVE_FROM_CART, false},
    {"Order Completed", v1::PURCHASE, true},     {"Order Refunded", v1::RETURN, true},
    {"Products Searched", v1::SEARCH, false},
};

// Reads one product (properties, or an element of properties.products) into
// the event and the catalog. `at` prefixes field names in errors.
absl::Status ReadProduct(const JsonObject& p, const std::string& at, const std::string& currency,
                         v1::Event* event, std::vector<v1::Item>* catalog) {
  ASSIGN_OR_RETURN(auto id, TextAt(p, {"product_id"}, at + "product_id"));
  if (!id) {
    ASSIGN_OR_RETURN(id, TextAt(p, {"sku"}, at + "sku"));
  }
  if (!id) return absl::InvalidArgumentError(at + "product_id: missing (and no sku)");
  ASSIGN_OR_RETURN(auto price, NumberAt(p, {"price"}, at + "price"));
  ASSIGN_OR_RETURN(auto quantity, NumberAt(p, {"quantity"}, at + "quantity"));
  if (quantity && (*quantity < 0 || *quantity > 1e6 || *quantity != static_cast<int>(*quantity))) {
    return absl::InvalidArgumentError(at + "quantity: must be a whole number in 0..1000000");
  }
  v1::EventItem* item = event->add_items();
  item->set_item_id(*id);
  if (quantity) item->set_quantity(static_cast<int32_t>(*quantity));
  if (price) item->set_price(*price);
  ASSIGN_OR_RETURN(auto name, TextAt(p, {"name"}, at + "name"));
  if (!name) return absl::OkStatus();  // An id alone says nothing worth upserting.
  v1::Item& entry = catalog->emplace_back();
  entry.set_id(*id);
  entry.set_title(*name);
  if (price) entry.set_price(*price);
  if (!currency.empty()) entry.set_currency(currency);
  ASSIGN_OR_RETURN(auto brand, TextAt(p, {"brand"}, at + "brand"));
  if (brand) entry.set_brand(*brand);
  ASSIGN_OR_RETURN(auto category, TextAt(p, {"category"}, at + "category"));
  if (category) {
    for (std::string& part : SplitCategoryPath(*category)) entry.add_category_path(std::move(part));
  }
  ASSIGN_OR_RETURN(auto url, TextAt(p, {"url"}, at + "url"));
  if (url) entry.set_url(*url);
  ASSIGN_OR_RETURN(auto image, TextAt(p, {"image_url"}, at + "image_url"));
  if (image) entry.set_image_url(*image);
  return absl::OkStatus();
}

// Sets the ids, the event id, the time and the channel shared by all calls.
absl::Status ReadCommon(const JsonObject& call, const std::string& text, v1::Event* event) {
  ASSIGN_OR_RETURN(auto user, TextAt(call, {"userId"}, "userId"));
  ASSIGN_OR_RETURN(auto anonymous, TextAt(call, {"anonymousId"}, "anonymousId"));
  if (!user && !anonymous)
    return absl::InvalidArgumentError("userId: missing (and no anonymousId)");
  if (user) event->set_customer_id(*user);
  if (anonymous) event->set_session_id(*anonymous);
  ASSIGN_OR_RETURN(auto message, TextAt(call, {"messageId"}, "messageId"));
  event->set_event_id(message ? *message : DerivedId("seg-", text));
  ASSIGN_OR_RETURN(auto time, TextAt(call, {"timestamp"}, "timestamp"));
  if (!time) {
    ASSIGN_OR_RETURN(time, TextAt(call, {"originalTimestamp"}, "originalTimestamp"));
  }
  if (!time) return absl::InvalidArgumentError("timestamp: missing");
  absl::StatusOr<int64_t> ms = ParseTimeMs(*time);
  if (!ms.ok())
    return absl::InvalidArgumentError(absl::StrCat("timestamp: ", ms.status().message()));
  event->set_timestamp_ms(*ms);
  ASSIGN_OR_RETURN(auto channel, TextAt(call, {"channel"}, "channel"));
  event->set_channel(channel && *channel == "mobile" ? v1::APP : v1::WEB);
  return absl::OkStatus();
}

absl::Status ReadTrack(const JsonObject& call, const SegmentEvent& mapping, v1::Event* event,
                       std::vector<v1::Item>* catalog) {
  static const JsonObject kEmpty;
  const JsonObject* found = FindObject(call, {"properties"});
  const JsonObject& props = found != nullptr ? *found : kEmpty;
  ASSIGN_OR_RETURN(auto currency, TextAt(props, {"currency"}, "properties.currency"));
  if (currency) (*event->mutable_properties())["currency"] = *currency;
  if (mapping.type == v1::SEARCH) {
    ASSIGN_OR_RETURN(auto query, TextAt(props, {"query"}, "properties.query"));
    if (!query) return absl::InvalidArgumentError("properties.query: missing");
    (*event->mutable_properties())["query"] = *query;
    return absl::OkStatus();
  }
  if (!mapping.products) {
    if (std::string(mapping.name) == "Product Clicked") {
      (*event->mutable_properties())["segment_event"] = mapping.name;
    }
    return ReadProduct(props, "properties.", currency.value_or(""), event, catalog);
  }
  ASSIGN_OR_RETURN(auto order, TextAt(props, {"order_id"}, "properties.order_id"));
  if (order) event->set_order_id(*order);
  ASSIGN_OR_RETURN(auto total, NumberAt(props, {"total"}, "properties.total"));
  if (!total) {
    ASSIGN_OR_RETURN(total, NumberAt(props, {"revenue"}, "properties.revenue"));
  }
  if (total) event->set_value(*total);
  const JsonValue* products = Find(props, {"products"});
  if (products == nullptr) return absl::OkStatus();
  if (!products->has_list_value()) {
    return absl::InvalidArgumentError("properties.products: must be a list");
  }
  for (int i = 0; i < products->list_value().values_size(); ++i) {
    const JsonValue& p = products->list_value().values(i);
    const std::string at = absl::StrCat("properties.products[", i, "].");
    if (!p.has_struct_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("properties.products[", i, "]: must be an object"));
    }
    RETURN_IF_ERROR(ReadProduct(p.struct_value(), at, currency.value_or(""), event, catalog));
  }
  return absl::OkStatus();
}

absl::StatusOr<Converted> ConvertTrack(const JsonObject& call, const std::string& text) {
  Converted out;
  ASSIGN_OR_RETURN(auto name, TextAt(call, {"event"}, "event"));
  if (!name) return absl::InvalidArgumentError("event: missing");
  const SegmentEvent* mapping = nullptr;
  for (const SegmentEvent& e : kEvents) {
    if (absl::EqualsIgnoreCase(*name, e.name)) mapping = &e;
  }
  if (mapping == nullptr) {
    out.skip = absl::StrCat("Segment event not imported: ", name->substr(0, 40));
    return out;
  }
  v1::Event event;
  event.set_type(mapping->type);
  RETURN_IF_ERROR(ReadCommon(call, text, &event));
  RETURN_IF_ERROR(ReadTrack(call, *mapping, &event, &out.items));
  if (mapping->products && event.items_size() == 0) {
    if (event.type() == v1::RETURN) {
      out.skip = "Segment Order Refunded without products";
      return out;
    }
    return absl::InvalidArgumentError("properties.products: the order names no product");
  }
  out.events.push_back(std::move(event));
  return out;
}

absl::StatusOr<Converted> ConvertPage(const JsonObject& call, const std::string& text) {
  Converted out;
  v1::Event event;
  event.set_type(v1::PAGE_VIEW);
  RETURN_IF_ERROR(ReadCommon(call, text, &event));
  ASSIGN_OR_RETURN(auto name, TextAt(call, {"name"}, "name"));
  if (name) (*event.mutable_properties())["page"] = *name;
  ASSIGN_OR_RETURN(auto category, TextAt(call, {"category"}, "category"));
  if (category) (*event.mutable_properties())["category"] = *category;
  out.events.push_back(std::move(event));
  return out;
}

absl::StatusOr<Converted> ConvertSegment(const std::string& text) {
  JsonObject call;
  RETURN_IF_ERROR(ParseJsonObject(text, &call));
  ASSIGN_OR_RETURN(auto type, TextAt(call, {"type"}, "type"));
  if (!type) return absl::InvalidArgumentError("type: missing");
  const std::string kind = absl::AsciiStrToLower(*type);
  if (kind == "track") return ConvertTrack(call, text);
  if (kind == "page") return ConvertPage(call, text);
  if (kind == "identify") return ConvertSegmentIdentify(call);
  Converted out;
  out.skip = absl::StrCat("Segment call not imported: ", kind.substr(0, 20));
  return out;
}

}  // namespace

bool LooksLikeSegment(absl::string_view first_line) {
  return absl::StrContains(first_line, "\"type\"") &&
         (absl::StrContains(first_line, "\"messageId\"") ||
          absl::StrContains(first_line, "\"anonymousId\"") ||
          absl::StrContains(first_line, "\"userId\""));
}

absl::Status ImportSegment(LineReader& lines, UnitContext& ctx) {
  SentRecords items, customers;
  return ForEachJsonLine(lines, ctx, [&](const std::string& text, int64_t line) {
    absl::StatusOr<Converted> converted = ConvertSegment(text);
    if (!converted.ok()) {
      ctx.out.Reject(line, std::string(converted.status().message()));
      return absl::OkStatus();
    }
    return AddConverted(ctx, items, customers, *std::move(converted), line);
  });
}

}  // namespace persona::importer
