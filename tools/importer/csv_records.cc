#include "tools/importer/csv_records.h"

#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tools/importer/values.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

enum Field {
  kId,
  kTitle,
  kCategory,
  kBrand,
  kPrice,
  kCurrency,
  kAvailability,
  kStock,
  kTags,
  kUrl,
  kImageUrl,
  kCreatedTime,
  kAttribute,
  kFirstName,
  kLastName,
  kEmail,
  kLocale,
  kCountry,
  kCity,
  kBirthYear,
  kGender,
  kConsentPersonalization,
  kConsentEmail,
  kPreferredCategories,
  kPreferredBrands,
  kEventId,
  kCustomerId,
  kSessionId,
  kType,
  kItemId,
  kQuantity,
  kOrderId,
  kValue,
  kTimestamp,
  kChannel,
  kRecommendationId,
  kProperty,
};

using NameTable = std::vector<std::pair<const char*, Field>>;

const NameTable& Names(RecordKind kind) {
  static const NameTable kItems = {{"id", kId},
                                   {"item_id", kId},
                                   {"title", kTitle},
                                   {"category", kCategory},
                                   {"category_path", kCategory},
                                   {"brand", kBrand},
                                   {"price", kPrice},
                                   {"currency", kCurrency},
                                   {"availability", kAvailability},
                                   {"stock", kStock},
                                   {"tags", kTags},
                                   {"url", kUrl},
                                   {"image_url", kImageUrl},
                                   {"created_time", kCreatedTime},
                                   {"created_time_ms", kCreatedTime}};
  static const NameTable kCustomers = {{"id", kId},
                                       {"customer_id", kId},
                                       {"first_name", kFirstName},
                                       {"last_name", kLastName},
                                       {"email", kEmail},
                                       {"locale", kLocale},
                                       {"country", kCountry},
                                       {"city", kCity},
                                       {"birth_year", kBirthYear},
                                       {"gender", kGender},
                                       {"consent_personalization", kConsentPersonalization},
                                       {"consent_email", kConsentEmail},
                                       {"preferred_categories", kPreferredCategories},
                                       {"preferred_brands", kPreferredBrands},
                                       {"created_time", kCreatedTime},
                                       {"created_time_ms", kCreatedTime}};
  static const NameTable kEvents = {
      {"event_id", kEventId},     {"customer_id", kCustomerId},
      {"session_id", kSessionId}, {"type", kType},
      {"event_type", kType},      {"item_id", kItemId},
      {"quantity", kQuantity},    {"price", kPrice},
      {"order_id", kOrderId},     {"value", kValue},
      {"timestamp", kTimestamp},  {"timestamp_ms", kTimestamp},
      {"channel", kChannel},      {"recommendation_id", kRecommendationId}};
  switch (kind) {
    case RecordKind::kItems:
      return kItems;
    case RecordKind::kCustomers:
      return kCustomers;
    case RecordKind::kEvents:
      return kEvents;
  }
  return kEvents;
}

std::string KnownNames(RecordKind kind) {
  std::string names;
  for (const auto& [name, field] : Names(kind)) absl::StrAppend(&names, name, " ");
  absl::StrAppend(&names, kind == RecordKind::kEvents ? "prop.<name>" : "attr.<name>");
  return names;
}

// Resolves one header cell to a column.
absl::StatusOr<std::pair<Field, std::string>> Resolve(RecordKind kind, const std::string& cell) {
  const std::string name(absl::StripAsciiWhitespace(cell));
  const std::string lower = absl::AsciiStrToLower(name);
  const char* prefix = kind == RecordKind::kEvents ? "prop." : "attr.";
  if (absl::StartsWith(lower, prefix) && name.size() > 5) {
    return std::make_pair(kind == RecordKind::kEvents ? kProperty : kAttribute, name.substr(5));
  }
  for (const auto& [known, field] : Names(kind)) {
    if (lower == known) return std::make_pair(field, std::string(known));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown column '", name, "'; known columns: ", KnownNames(kind)));
}

absl::Status CellError(const std::string& column, const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrCat("column ", column, ": ", status.message()));
}

absl::StatusOr<int32_t> ParseInt32(const std::string& text) {
  ASSIGN_OR_RETURN(int64_t v, ParseInteger(text));
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is out of range"));
  }
  return static_cast<int32_t>(v);
}

absl::Status SetItemField(Field field, const std::string& key, const std::string& cell,
                          v1::Item* item) {
  switch (field) {
    case kId:
      item->set_id(cell);
      break;
    case kTitle:
      item->set_title(cell);
      break;
    case kCategory:
      for (auto& part : SplitCategoryPath(cell)) item->add_category_path(std::move(part));
      break;
    case kBrand:
      item->set_brand(cell);
      break;
    case kPrice: {
      ASSIGN_OR_RETURN(double v, ParseNumber(cell));
      item->set_price(v);
      break;
    }
    case kCurrency:
      item->set_currency(absl::AsciiStrToUpper(cell));
      break;
    case kAvailability: {
      ASSIGN_OR_RETURN(v1::Availability v, ParseAvailability(cell));
      item->set_availability(v);
      break;
    }
    case kStock: {
      ASSIGN_OR_RETURN(int64_t v, ParseInteger(cell));
      item->set_stock(v);
      break;
    }
    case kTags:
      for (auto& tag : SplitList(cell)) item->add_tags(std::move(tag));
      break;
    case kUrl:
      item->set_url(cell);
      break;
    case kImageUrl:
      item->set_image_url(cell);
      break;
    case kCreatedTime: {
      ASSIGN_OR_RETURN(int64_t v, ParseTimeMs(cell));
      item->set_created_time_ms(v);
      break;
    }
    case kAttribute:
      (*item->mutable_attributes())[key] = cell;
      break;
    default:
      return absl::InternalError("not an item column");
  }
  return absl::OkStatus();
}

absl::Status SetCustomerField(Field field, const std::string& key, const std::string& cell,
                              v1::Customer* c) {
  switch (field) {
    case kId:
      c->set_id(cell);
      break;
    case kFirstName:
      c->set_first_name(cell);
      break;
    case kLastName:
      c->set_last_name(cell);
      break;
    case kEmail:
      c->set_email(cell);
      break;
    case kLocale:
      c->set_locale(cell);
      break;
    case kCountry:
      c->set_country(cell);
      break;
    case kCity:
      c->set_city(cell);
      break;
    case kBirthYear: {
      ASSIGN_OR_RETURN(int32_t v, ParseInt32(cell));
      c->set_birth_year(v);
      break;
    }
    case kGender:
      c->set_gender(cell);
      break;
    case kConsentPersonalization: {
      ASSIGN_OR_RETURN(bool v, ParseBool(cell));
      c->mutable_consents()->set_personalization(v);
      break;
    }
    case kConsentEmail: {
      ASSIGN_OR_RETURN(bool v, ParseBool(cell));
      c->mutable_consents()->set_email_marketing(v);
      break;
    }
    case kPreferredCategories:
      for (auto& path : SplitList(cell)) c->mutable_preferences()->add_categories(std::move(path));
      break;
    case kPreferredBrands:
      for (auto& brand : SplitList(cell)) c->mutable_preferences()->add_brands(std::move(brand));
      break;
    case kCreatedTime: {
      ASSIGN_OR_RETURN(int64_t v, ParseTimeMs(cell));
      c->set_created_time_ms(v);
      break;
    }
    case kAttribute:
      (*c->mutable_attributes())[key] = cell;
      break;
    default:
      return absl::InternalError("not a customer column");
  }
  return absl::OkStatus();
}

absl::Status SetEventField(Field field, const std::string& key, const std::string& cell,
                           v1::Event* e) {
  switch (field) {
    case kEventId:
      e->set_event_id(cell);
      break;
    case kCustomerId:
      e->set_customer_id(cell);
      break;
    case kSessionId:
      e->set_session_id(cell);
      break;
    case kType: {
      ASSIGN_OR_RETURN(v1::EventType v, ParseEventType(cell));
      e->set_type(v);
      break;
    }
    case kItemId:
      e->mutable_items(0)->set_item_id(cell);
      break;
    case kQuantity: {
      ASSIGN_OR_RETURN(int32_t v, ParseInt32(cell));
      e->mutable_items(0)->set_quantity(v);
      break;
    }
    case kPrice: {
      ASSIGN_OR_RETURN(double v, ParseNumber(cell));
      e->mutable_items(0)->set_price(v);
      break;
    }
    case kOrderId:
      e->set_order_id(cell);
      break;
    case kValue: {
      ASSIGN_OR_RETURN(double v, ParseNumber(cell));
      e->set_value(v);
      break;
    }
    case kTimestamp: {
      ASSIGN_OR_RETURN(int64_t v, ParseTimeMs(cell));
      e->set_timestamp_ms(v);
      break;
    }
    case kChannel: {
      ASSIGN_OR_RETURN(v1::Channel v, ParseChannel(cell));
      e->set_channel(v);
      break;
    }
    case kRecommendationId:
      e->set_recommendation_id(cell);
      break;
    case kProperty:
      (*e->mutable_properties())[key] = cell;
      break;
    default:
      return absl::InternalError("not an event column");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CsvColumns> CsvColumns::Create(RecordKind kind,
                                              const std::vector<std::string>& header) {
  std::vector<Column> columns;
  absl::flat_hash_set<std::string> seen;
  absl::flat_hash_set<int> fields;
  for (const std::string& cell : header) {
    ASSIGN_OR_RETURN(auto resolved, Resolve(kind, cell));
    const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(cell));
    if (!seen.insert(lower).second) {
      return absl::InvalidArgumentError(absl::StrCat("column '", cell, "' appears twice"));
    }
    fields.insert(resolved.first);
    columns.push_back({resolved.first, std::move(resolved.second)});
  }
  if (kind != RecordKind::kEvents && !fields.contains(kId)) {
    return absl::InvalidArgumentError("the header has no 'id' column");
  }
  if (kind == RecordKind::kEvents) {
    if (!fields.contains(kType))
      return absl::InvalidArgumentError("the header has no 'type' column");
    if (!fields.contains(kCustomerId) && !fields.contains(kSessionId)) {
      return absl::InvalidArgumentError("the header has neither 'customer_id' nor 'session_id'");
    }
  }
  return CsvColumns(std::move(columns));
}

int CsvColumns::EventIdColumn() const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].field == kEventId) return static_cast<int>(i);
  }
  return -1;
}

absl::Status CsvColumns::CheckWidth(const std::vector<std::string>& row) const {
  if (row.size() == columns_.size()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("row has ", row.size(), " fields, the header has ", columns_.size()));
}

absl::Status CsvColumns::ToItem(const std::vector<std::string>& row, v1::Item* item) const {
  RETURN_IF_ERROR(CheckWidth(row));
  item->set_stock(-1);  // Not tracked unless a stock column says otherwise.
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i].empty()) continue;
    absl::Status s =
        SetItemField(static_cast<Field>(columns_[i].field), columns_[i].name, row[i], item);
    if (!s.ok()) return CellError(columns_[i].name, s);
  }
  return absl::OkStatus();
}

absl::Status CsvColumns::ToCustomer(const std::vector<std::string>& row,
                                    v1::Customer* customer) const {
  RETURN_IF_ERROR(CheckWidth(row));
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i].empty()) continue;
    absl::Status s =
        SetCustomerField(static_cast<Field>(columns_[i].field), columns_[i].name, row[i], customer);
    if (!s.ok()) return CellError(columns_[i].name, s);
  }
  return absl::OkStatus();
}

absl::Status CsvColumns::ToEvent(const std::vector<std::string>& row, v1::Event* event) const {
  RETURN_IF_ERROR(CheckWidth(row));
  event->add_items();
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i].empty()) continue;
    absl::Status s =
        SetEventField(static_cast<Field>(columns_[i].field), columns_[i].name, row[i], event);
    if (!s.ok()) return CellError(columns_[i].name, s);
  }
  const v1::EventItem& item = event->items(0);
  if (item.item_id().empty()) {
    if (item.quantity() != 0 || item.price() != 0) {
      return absl::InvalidArgumentError("quantity or price given without an item_id");
    }
    event->clear_items();
  }
  return absl::OkStatus();
}

}  // namespace persona::importer
