#include "server/validation.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/keys.h"

namespace persona::server {
namespace {

constexpr size_t kMaxTextBytes = 1024;
constexpr size_t kMaxShortBytes = 256;
constexpr size_t kMaxUrlBytes = 2048;
constexpr int kMaxCategoryDepth = 8;
constexpr size_t kMaxCategoryPart = 128;
constexpr int kMaxTags = 64;
constexpr int kMaxAttributes = 64;
constexpr int kMaxProperties = 32;
constexpr int kMaxEventItems = 100;
constexpr int kMaxContextItems = 100;
constexpr int kMaxExcluded = 1000;
constexpr int kMaxCount = 100;

using Result = std::optional<Problem>;

Result Bad(const std::string& prefix, const std::string& field, std::string reason) {
  return Problem{prefix.empty() ? field : absl::StrCat(prefix, ".", field), std::move(reason)};
}

Result CheckText(const std::string& prefix, const std::string& field, const std::string& text,
                 size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Bad(prefix, field, absl::StrCat("must be at most ", max_bytes, " bytes"));
  }
  if (!IsCleanUtf8(text)) return Bad(prefix, field, "must be UTF-8 without control characters");
  return std::nullopt;
}

Result CheckMap(const std::string& prefix, const std::string& field,
                const google::protobuf::Map<std::string, std::string>& map, int max_entries) {
  if (static_cast<int>(map.size()) > max_entries) {
    return Bad(prefix, field, absl::StrCat("must have at most ", max_entries, " entries"));
  }
  for (const auto& [key, value] : map) {
    if (key.empty()) return Bad(prefix, field, "keys must not be empty");
    if (auto p = CheckText(prefix, absl::StrCat(field, "[", key.substr(0, 64), "]"), value,
                           kMaxTextBytes)) {
      return p;
    }
    if (auto p = CheckText(prefix, field, key, kMaxCategoryPart)) return p;
  }
  return std::nullopt;
}

bool NonNegativeFinite(double v) { return std::isfinite(v) && v >= 0; }

Result CheckTime(const std::string& prefix, const std::string& field, int64_t t,
                 const ValidationLimits& limits) {
  if (t < 0) return Bad(prefix, field, "must be >= 0 (epoch milliseconds)");
  if (t > limits.now_ms + limits.max_future_skew_ms) {
    return Bad(prefix, field,
               absl::StrCat("is in the future (more than ", limits.max_future_skew_ms / 1000,
                            " s ahead of the server's clock)"));
  }
  return std::nullopt;
}

Result CheckCategoryPath(const std::string& prefix, const std::string& field,
                         const google::protobuf::RepeatedPtrField<std::string>& path) {
  if (path.size() > kMaxCategoryDepth) {
    return Bad(prefix, field, absl::StrCat("must have at most ", kMaxCategoryDepth, " levels"));
  }
  for (int i = 0; i < path.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "]");
    if (path[i].empty()) return Bad(prefix, f, "must not be empty");
    if (path[i].find('/') != std::string::npos) return Bad(prefix, f, "must not contain '/'");
    if (auto p = CheckText(prefix, f, path[i], kMaxCategoryPart)) return p;
  }
  return std::nullopt;
}

}  // namespace

absl::Status ToStatus(const Problem& problem) {
  return absl::InvalidArgumentError(absl::StrCat(problem.field, ": ", problem.reason));
}

std::optional<Problem> CheckBatchSize(const std::string& field, int size, int max_batch) {
  if (size == 0) return Problem{field, "must not be empty"};
  if (size > max_batch) {
    return Problem{field, absl::StrCat("has ", size, " elements; at most ", max_batch,
                                       " are allowed per call")};
  }
  return std::nullopt;
}

std::optional<Problem> CheckId(const std::string& field, const std::string& id, bool required) {
  if (id.empty() && !required) return std::nullopt;
  if (auto p = IdProblem(id); !p.empty()) return Problem{field, std::string(p)};
  return std::nullopt;
}

std::optional<Problem> CheckItem(const v1::Item& item, const std::string& prefix,
                                 const ValidationLimits& limits) {
  if (auto p = CheckId(absl::StrCat(prefix, ".id"), item.id(), true)) return p;
  if (auto p = CheckText(prefix, "title", item.title(), kMaxTextBytes)) return p;
  if (auto p = CheckCategoryPath(prefix, "category_path", item.category_path())) return p;
  if (auto p = CheckText(prefix, "brand", item.brand(), kMaxShortBytes)) return p;
  if (!NonNegativeFinite(item.price())) return Bad(prefix, "price", "must be finite and >= 0");
  if (!item.currency().empty()) {
    bool ok = item.currency().size() == 3;
    for (char c : item.currency()) ok = ok && c >= 'A' && c <= 'Z';
    if (!ok) return Bad(prefix, "currency", "must be a 3-letter ISO 4217 code such as GBP");
  }
  if (!v1::Availability_IsValid(item.availability())) {
    return Bad(prefix, "availability", absl::StrCat("unknown value ", item.availability()));
  }
  if (item.stock() < -1) return Bad(prefix, "stock", "must be >= -1 (-1: not tracked)");
  if (item.tags_size() > kMaxTags) {
    return Bad(prefix, "tags", absl::StrCat("must have at most ", kMaxTags, " tags"));
  }
  for (int i = 0; i < item.tags_size(); ++i) {
    if (auto p = CheckText(prefix, absl::StrCat("tags[", i, "]"), item.tags(i), kMaxCategoryPart)) {
      return p;
    }
  }
  if (auto p = CheckText(prefix, "url", item.url(), kMaxUrlBytes)) return p;
  if (auto p = CheckText(prefix, "image_url", item.image_url(), kMaxUrlBytes)) return p;
  if (auto p = CheckTime(prefix, "created_time_ms", item.created_time_ms(), limits)) return p;
  return CheckMap(prefix, "attributes", item.attributes(), kMaxAttributes);
}

std::optional<Problem> CheckCustomer(const v1::Customer& c, const std::string& prefix,
                                     const ValidationLimits& limits) {
  if (auto p = CheckId(absl::StrCat(prefix, ".id"), c.id(), true)) return p;
  for (auto [field, value] : {std::pair{"first_name", &c.first_name()},
                              std::pair{"last_name", &c.last_name()},
                              std::pair{"locale", &c.locale()}, std::pair{"country", &c.country()},
                              std::pair{"city", &c.city()}, std::pair{"gender", &c.gender()}}) {
    if (auto p = CheckText(prefix, field, *value, kMaxShortBytes)) return p;
  }
  if (!c.email().empty() &&
      (c.email().find('@') == std::string::npos || c.email().size() > 320 ||
       !IsCleanUtf8(c.email()) || c.email().find(' ') != std::string::npos)) {
    return Bad(prefix, "email", "must be an email address (name@domain, at most 320 bytes)");
  }
  if (c.birth_year() != 0 && (c.birth_year() < 1900 || c.birth_year() > 2100)) {
    return Bad(prefix, "birth_year", "must be 0 (unknown) or between 1900 and 2100");
  }
  if (auto p = CheckTime(prefix, "consents.updated_time_ms", c.consents().updated_time_ms(), limits)) {
    return p;
  }
  if (c.preferences().categories_size() > 32 || c.preferences().brands_size() > 32) {
    return Bad(prefix, "preferences", "must list at most 32 categories and 32 brands");
  }
  for (int i = 0; i < c.preferences().categories_size(); ++i) {
    if (auto p = CheckText(prefix, absl::StrCat("preferences.categories[", i, "]"),
                           c.preferences().categories(i), kMaxTextBytes)) {
      return p;
    }
  }
  for (int i = 0; i < c.preferences().brands_size(); ++i) {
    if (auto p = CheckText(prefix, absl::StrCat("preferences.brands[", i, "]"),
                           c.preferences().brands(i), kMaxShortBytes)) {
      return p;
    }
  }
  if (auto p = CheckTime(prefix, "created_time_ms", c.created_time_ms(), limits)) return p;
  return CheckMap(prefix, "attributes", c.attributes(), kMaxAttributes);
}

std::optional<Problem> CheckEvent(const v1::Event& e, const std::string& prefix,
                                  const ValidationLimits& limits) {
  if (auto p = CheckId(absl::StrCat(prefix, ".event_id"), e.event_id(), false)) return p;
  if (e.customer_id().empty() && e.session_id().empty()) {
    return Bad(prefix, "customer_id", "customer_id or session_id is required");
  }
  if (auto p = CheckId(absl::StrCat(prefix, ".customer_id"), e.customer_id(), false)) return p;
  if (auto p = CheckId(absl::StrCat(prefix, ".session_id"), e.session_id(), false)) return p;
  if (e.type() == v1::EVENT_TYPE_UNSPECIFIED) return Bad(prefix, "type", "is required");
  if (!v1::EventType_IsValid(e.type())) {
    return Bad(prefix, "type", absl::StrCat("unknown value ", e.type()));
  }
  if (e.items_size() > kMaxEventItems) {
    return Bad(prefix, "items", absl::StrCat("must have at most ", kMaxEventItems, " items"));
  }
  switch (e.type()) {
    case v1::PRODUCT_VIEW: case v1::ADD_TO_CART: case v1::REMOVE_FROM_CART:
    case v1::PURCHASE: case v1::RETURN: case v1::RATING:
      if (e.items_size() == 0) {
        return Bad(prefix, "items", absl::StrCat("must name at least one item for ",
                                                 v1::EventType_Name(e.type())));
      }
      break;
    default:
      break;
  }
  for (int i = 0; i < e.items_size(); ++i) {
    const auto& item = e.items(i);
    const std::string f = absl::StrCat(prefix, ".items[", i, "]");
    if (auto p = CheckId(absl::StrCat(f, ".item_id"), item.item_id(), true)) return p;
    if (item.quantity() < 0) return Bad(f, "quantity", "must be >= 0");
    if (!NonNegativeFinite(item.price())) return Bad(f, "price", "must be finite and >= 0");
  }
  if (auto p = CheckId(absl::StrCat(prefix, ".order_id"), e.order_id(), false)) return p;
  if (!std::isfinite(e.value())) return Bad(prefix, "value", "must be finite");
  if (e.type() == v1::SURVEY_RESPONSE) {
    auto it = e.properties().find("survey");
    const std::string survey = it == e.properties().end() ? "" : it->second;
    if (survey == "nps" && (e.value() < 0 || e.value() > 10)) {
      return Bad(prefix, "value", "an NPS answer must be between 0 and 10");
    }
    if (survey == "csat" && (e.value() < 1 || e.value() > 5)) {
      return Bad(prefix, "value", "a CSAT answer must be between 1 and 5");
    }
  }
  if (auto p = CheckTime(prefix, "timestamp_ms", e.timestamp_ms(), limits)) return p;
  if (!v1::Channel_IsValid(e.channel())) {
    return Bad(prefix, "channel", absl::StrCat("unknown value ", e.channel()));
  }
  if (auto p = CheckId(absl::StrCat(prefix, ".recommendation_id"), e.recommendation_id(), false)) {
    return p;
  }
  return CheckMap(prefix, "properties", e.properties(), kMaxProperties);
}

std::optional<Problem> CheckCategory(const v1::Category& category, const std::string& prefix) {
  if (category.path_size() == 0) return Bad(prefix, "path", "must not be empty");
  return CheckCategoryPath(prefix, "path", category.path());
}

namespace {

constexpr int kMaxPagePlacements = 10;
constexpr int kMaxRankItems = 1000;
constexpr size_t kMaxRuleBytes = 4096;
constexpr size_t kMaxPageTokenBytes = 64 * 1024;

std::optional<Problem> CheckIds(const std::string& field,
                                const google::protobuf::RepeatedPtrField<std::string>& ids,
                                int max) {
  if (ids.size() > max) return Problem{field, absl::StrCat("must have at most ", max, " ids")};
  for (int i = 0; i < ids.size(); ++i) {
    if (auto p = CheckId(absl::StrCat(field, "[", i, "]"), ids[i], true)) return p;
  }
  return std::nullopt;
}

std::optional<Problem> CheckVisitor(const std::string& customer_id, const std::string& session_id) {
  if (auto p = CheckId("customer_id", customer_id, false)) return p;
  return CheckId("session_id", session_id, false);
}

std::optional<Problem> CheckFilter(const std::string& prefix, const v1::ItemFilter& f) {
  if (auto p = CheckCategoryPath(prefix, "category_path", f.category_path())) return p;
  if (f.has_min_price() && !NonNegativeFinite(f.min_price())) {
    return Problem{prefix + ".min_price", "must be finite and >= 0"};
  }
  if (f.has_max_price() && !NonNegativeFinite(f.max_price())) {
    return Problem{prefix + ".max_price", "must be finite and >= 0"};
  }
  if (f.has_min_price() && f.has_max_price() && f.min_price() > f.max_price()) {
    return Problem{prefix + ".max_price", absl::StrCat("must be >= ", prefix, ".min_price")};
  }
  if (f.brands_size() > 100) return Problem{prefix + ".brands", "must list at most 100 brands"};
  for (int i = 0; i < f.brands_size(); ++i) {
    if (auto p = CheckText(prefix, absl::StrCat("brands[", i, "]"), f.brands(i), kMaxShortBytes)) {
      return p;
    }
  }
  return std::nullopt;
}

// The fields a Recommend request and a page's placement share; `prefix` is
// "" or e.g. "placements[2].".
std::optional<Problem> CheckPlacementFields(const std::string& prefix, const std::string& placement,
                                            int count, const std::string& rules,
                                            const std::string& page_token,
                                            const std::string& variant) {
  if (!placement.empty()) {
    if (auto p = NameProblem(placement); !p.empty()) {
      return Problem{prefix + "placement", std::string(p)};
    }
  }
  if (count < 0 || count > kMaxCount) {
    return Problem{prefix + "count",
                   absl::StrCat("must be between 1 and ", kMaxCount, " (0 means the default)")};
  }
  if (rules.size() > kMaxRuleBytes) {
    return Problem{prefix + "rules", absl::StrCat("must be at most ", kMaxRuleBytes, " bytes")};
  }
  if (page_token.size() > kMaxPageTokenBytes) {
    return Problem{prefix + "page_token", "is not a token returned by this server"};
  }
  if (!variant.empty()) {
    if (auto p = NameProblem(variant); !p.empty()) return Problem{prefix + "variant", std::string(p)};
  }
  return std::nullopt;
}

}  // namespace

std::optional<Problem> CheckRecommend(const v1::RecommendRequest& r) {
  if (auto p = CheckVisitor(r.customer_id(), r.session_id())) return p;
  if (auto p = CheckPlacementFields("", r.placement(), r.count(), r.rules(), r.page_token(),
                                    r.variant())) {
    return p;
  }
  if (auto p = CheckIds("context_item_ids", r.context_item_ids(), kMaxContextItems)) return p;
  if (auto p = CheckIds("exclude_item_ids", r.exclude_item_ids(), kMaxExcluded)) return p;
  if (auto p = CheckText("", "locale", r.locale(), kMaxShortBytes)) return p;
  return CheckFilter("filter", r.filter());
}

std::optional<Problem> CheckRecommendPage(const v1::RecommendPageRequest& r) {
  if (auto p = CheckVisitor(r.customer_id(), r.session_id())) return p;
  if (auto p = CheckIds("context_item_ids", r.context_item_ids(), kMaxContextItems)) return p;
  if (auto p = CheckText("", "locale", r.locale(), kMaxShortBytes)) return p;
  if (r.placements().empty() || r.placements_size() > kMaxPagePlacements) {
    return Problem{"placements", absl::StrCat("must have 1 to ", kMaxPagePlacements, " placements")};
  }
  for (int i = 0; i < r.placements_size(); ++i) {
    const auto& pl = r.placements(i);
    const std::string prefix = absl::StrCat("placements[", i, "].");
    if (auto p = CheckPlacementFields(prefix, pl.placement(), pl.count(), pl.rules(),
                                      pl.page_token(), pl.variant())) {
      return p;
    }
    if (auto p = CheckIds(prefix + "exclude_item_ids", pl.exclude_item_ids(), kMaxExcluded)) return p;
    if (auto p = CheckFilter(prefix + "filter", pl.filter())) return p;
  }
  return std::nullopt;
}

std::optional<Problem> CheckRankItems(const v1::RankItemsRequest& r) {
  if (auto p = CheckVisitor(r.customer_id(), r.session_id())) return p;
  if (auto p = CheckPlacementFields("", r.placement(), 0, r.rules(), "", "")) return p;
  if (r.item_ids().empty()) return Problem{"item_ids", "must list 1 to 1000 ids"};
  if (auto p = CheckIds("item_ids", r.item_ids(), kMaxRankItems)) return p;
  if (auto p = CheckIds("context_item_ids", r.context_item_ids(), kMaxContextItems)) return p;
  return CheckText("", "locale", r.locale(), kMaxShortBytes);
}

absl::StatusOr<std::string> ResolveShopName(const std::string& requested,
                                            const std::string& default_shop) {
  if (requested.empty()) return default_shop;
  if (auto p = NameProblem(requested); !p.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("shop: ", std::string(p)));
  }
  return requested;
}

}  // namespace persona::server
