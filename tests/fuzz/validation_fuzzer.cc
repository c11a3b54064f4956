// Fuzzes request validation (server/validation.h) the way the API calls it:
// the first byte picks a request type, the rest is parsed as that protobuf
// message (bytes that do not parse never reach the server). For every
// request that parses:
//   - the shop resolves to the requested or the default shop, or is refused
//     with INVALID_ARGUMENT naming "shop";
//   - every element of a batch gets a verdict; a problem names a field under
//     the element's prefix ("events[3].items[0].price") and a reason;
//   - an accepted element converts to its storage record (server/convert.h)
//     and back without losing its id, and accepted items index into a
//     catalog (what UpsertItems does next);
//   - the rule texts a valid request carries go through the rule parsers
//     (Recommend, RankItems, RunCampaign's rules; PutSegment's and
//     RunCampaign's segment rule), which return a status for everything.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "model/catalog_index.h"
#include "model/rules/parser.h"
#include "model/segments/segment_rule.h"
#include "persona/v1/campaigns.pb.h"
#include "persona/v1/catalog.pb.h"
#include "persona/v1/customers.pb.h"
#include "persona/v1/events.pb.h"
#include "persona/v1/recommend.pb.h"
#include "persona/v1/segments.pb.h"
#include "server/convert.h"
#include "server/validation.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/quiet_protobuf.h"

namespace persona::server {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr size_t kMaxRuleBytes = 4096;  // as the API refuses longer rules

const ValidationLimits kLimits{.now_ms = kNow, .max_future_skew_ms = 300'000, .max_batch = 1000};

void CheckProblem(const std::optional<Problem>& p, const std::string& prefix) {
  if (!p) return;
  FUZZ_CHECK(absl::StartsWith(p->field, prefix), "problem field '%s' outside '%s'",
             p->field.c_str(), prefix.c_str());
  FUZZ_CHECK(!p->reason.empty(), "problem of '%s' without a reason", p->field.c_str());
  const absl::Status status = ToStatus(*p);
  FUZZ_CHECK(absl::IsInvalidArgument(status) && absl::StartsWith(status.message(), p->field),
             "ToStatus gives %s", status.ToString().c_str());
}

void CheckShop(const std::string& requested) {
  const absl::StatusOr<std::string> shop = ResolveShopName(requested, "default");
  if (shop.ok()) {
    FUZZ_CHECK(*shop == (requested.empty() ? "default" : requested), "shop '%s' resolves to '%s'",
               requested.c_str(), shop->c_str());
    FUZZ_CHECK(NameProblem(*shop).empty(), "accepted shop name '%s' has a problem", shop->c_str());
  } else {
    FUZZ_CHECK(absl::IsInvalidArgument(shop.status()) &&
                   absl::StartsWith(shop.status().message(), "shop: "),
               "shop refusal %s", shop.status().ToString().c_str());
  }
}

// A batch as the API takes it: refuses the whole call or gives each element
// a verdict; `accept` sees the elements without a problem.
template <typename T, typename CheckFn, typename AcceptFn>
void CheckBatch(const std::string& field, const google::protobuf::RepeatedPtrField<T>& elements,
                CheckFn check, AcceptFn accept) {
  if (auto p = CheckBatchSize(field, elements.size(), kLimits.max_batch)) {
    CheckProblem(p, field);
    return;
  }
  for (int i = 0; i < elements.size(); ++i) {
    const std::string prefix = absl::StrCat(field, "[", i, "]");
    const std::optional<Problem> p = check(elements[i], prefix);
    CheckProblem(p, prefix);
    if (!p) accept(elements[i]);
  }
}

void CheckRules(const std::string& text) {
  if (text.size() > kMaxRuleBytes) return;
  const absl::StatusOr<model::rules::RuleSet> rules = model::rules::ParseRules(text);
  FUZZ_CHECK(rules.ok() || absl::IsInvalidArgument(rules.status()), "rules refused with %s",
             rules.status().ToString().c_str());
}

void CheckSegmentRule(const std::string& text) {
  if (text.size() > kMaxRuleBytes) return;
  const auto rule = model::segments::ParseSegmentRule(text);
  FUZZ_CHECK(rule.ok() || absl::IsInvalidArgument(rule.status()), "segment rule refused with %s",
             rule.status().ToString().c_str());
}

void Items(const v1::UpsertItemsRequest& r) {
  std::vector<model::ItemInfo> infos;
  CheckBatch("items", r.items(),
             [](const v1::Item& item, const std::string& prefix) {
               return CheckItem(item, prefix, kLimits);
             },
             [&](const v1::Item& item) {
               const storage::v1::ItemRecord record = ToRecord(item, kNow);
               FUZZ_CHECK(FromRecord(record).id() == item.id(), "item id lost in conversion");
               infos.push_back(ToItemInfo(record));
             });
  const auto catalog = model::CatalogIndex::Build(std::move(infos), {});
  for (int32_t i = 0; i < catalog->size(); ++i) {
    FUZZ_CHECK(catalog->Find(catalog->item(i).id) >= 0, "accepted item %d is not found", i);
  }
}

void Customers(const v1::UpsertCustomersRequest& r) {
  CheckBatch("customers", r.customers(),
             [](const v1::Customer& c, const std::string& prefix) {
               return CheckCustomer(c, prefix, kLimits);
             },
             [](const v1::Customer& c) {
               FUZZ_CHECK(FromRecord(ToRecord(c, kNow)).id() == c.id(),
                          "customer id lost in conversion");
             });
}

void Events(const v1::TrackEventsRequest& r) {
  CheckBatch("events", r.events(),
             [](const v1::Event& e, const std::string& prefix) {
               return CheckEvent(e, prefix, kLimits);
             },
             [](const v1::Event& e) {
               const storage::v1::EventRecord record = ToRecord(e, kNow);
               FUZZ_CHECK(record.items_size() == e.items_size(), "event items lost in conversion");
               FUZZ_CHECK(FromRecord(record).customer_id() == e.customer_id(),
                          "event customer lost in conversion");
             });
}

void Categories(const v1::UpsertCategoriesRequest& r) {
  CheckBatch("categories", r.categories(),
             [](const v1::Category& c, const std::string& prefix) {
               return CheckCategory(c, prefix);
             },
             [](const v1::Category&) {});
}

void Campaign(const v1::RunCampaignRequest& r) {
  (void)NameProblem(r.campaign_id());
  for (const std::string& id : r.customers().customer_ids()) (void)IdProblem(id);
  CheckRules(r.rules());
  if (r.has_rule()) CheckSegmentRule(r.rule());
}

template <typename Request>
bool Parse(std::string_view bytes, Request* request) {
  return request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

void Run(uint8_t type, std::string_view bytes) {
  switch (type % 9) {
    case 0: {
      v1::TrackEventsRequest r;
      if (!Parse(bytes, &r)) return;
      CheckShop(r.shop());
      return Events(r);
    }
    case 1: {
      v1::UpsertItemsRequest r;
      if (!Parse(bytes, &r)) return;
      CheckShop(r.shop());
      return Items(r);
    }
    case 2: {
      v1::UpsertCustomersRequest r;
      if (!Parse(bytes, &r)) return;
      CheckShop(r.shop());
      return Customers(r);
    }
    case 3: {
      v1::UpsertCategoriesRequest r;
      if (!Parse(bytes, &r)) return;
      CheckShop(r.shop());
      return Categories(r);
    }
    case 4: {
      v1::RecommendRequest r;
      if (!Parse(bytes, &r)) return;
      CheckShop(r.shop());
      const std::optional<Problem> p = CheckRecommend(r);
      CheckProblem(p, "");
      if (!p) CheckRules(r.rules());
      return;
    }
    case 5: {
      v1::RecommendPageRequest r;
      if (!Parse(bytes, &r)) return;
      CheckShop(r.shop());
      const std::optional<Problem> p = CheckRecommendPage(r);
      CheckProblem(p, "");
      if (!p) {
        for (const auto& placement : r.placements()) CheckRules(placement.rules());
      }
      return;
    }
    case 6: {
      v1::RankItemsRequest r;
      if (!Parse(bytes, &r)) return;
      CheckShop(r.shop());
      const std::optional<Problem> p = CheckRankItems(r);
      CheckProblem(p, "");
      if (!p) CheckRules(r.rules());
      return;
    }
    case 7: {
      v1::RunCampaignRequest r;
      if (!Parse(bytes, &r)) return;
      CheckShop(r.shop());
      return Campaign(r);
    }
    case 8: {
      v1::PutSegmentRequest r;
      if (!Parse(bytes, &r)) return;
      CheckShop(r.shop());
      return CheckSegmentRule(r.rule());
    }
  }
}

}  // namespace
}  // namespace persona::server

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = persona::fuzz::QuietProtobufLogs();
  (void)quiet;
  persona::fuzz::FuzzInput in(data, size);
  const uint8_t type = in.Byte();
  persona::server::Run(type, in.Rest());
  return 0;
}
