#include "server/demo_import.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/log.h"

namespace persona::server {
namespace {

template <typename Response>
importer::BatchResult ToBatchResult(const Response& response) {
  importer::BatchResult result;
  result.accepted = response.accepted();
  result.rejected.assign(response.rejected().begin(), response.rejected().end());
  return result;
}

// Sends batches straight to PersonaApi, as the gRPC services would.
// The demo shop's site: the reserved .invalid domain never resolves.
constexpr char kDemoSite[] = "https://demo-shop.invalid";

// The Online Retail data has no contact details. So that email campaigns can
// be tried on the demo shop, each customer gets a synthetic address under
// the reserved .invalid domain, a locale from the country, and email consent
// for 4 customers in 5 (by a hash of the id, so reloads agree).
void AddDemoContact(v1::Customer& c) {
  if (!c.email().empty()) return;
  c.set_email(absl::StrCat("customer-", c.id(), "@demo-shop.invalid"));
  c.set_first_name(absl::StrCat("Customer ", c.id()));
  c.set_locale(c.country() == "Germany" ? "de-DE" : "en-GB");
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char ch : c.id()) h = (h ^ ch) * 16777619u;
  c.mutable_consents()->set_email_marketing(h % 5 != 0);
}

class ApiSink : public importer::Sink {
 public:
  ApiSink(PersonaApi& api, std::string shop) : api_(api), shop_(std::move(shop)) {}

  absl::StatusOr<importer::BatchResult> PutItems(std::vector<v1::Item> items) override {
    v1::UpsertItemsRequest request;
    request.set_shop(shop_);
    for (auto& item : items) {
      // Page and image links so email rows and open-time links have targets.
      if (item.url().empty()) item.set_url(absl::StrCat(kDemoSite, "/products/", item.id()));
      if (item.image_url().empty()) {
        item.set_image_url(absl::StrCat(kDemoSite, "/images/", item.id(), ".jpg"));
      }
      *request.add_items() = std::move(item);
    }
    v1::UpsertItemsResponse response;
    RETURN_IF_ERROR(api_.UpsertItems(request, &response));
    return ToBatchResult(response);
  }
  absl::StatusOr<importer::BatchResult> PutCustomers(std::vector<v1::Customer> customers) override {
    v1::UpsertCustomersRequest request;
    request.set_shop(shop_);
    for (auto& c : customers) {
      AddDemoContact(c);
      *request.add_customers() = std::move(c);
    }
    v1::UpsertCustomersResponse response;
    RETURN_IF_ERROR(api_.UpsertCustomers(request, &response));
    return ToBatchResult(response);
  }
  absl::StatusOr<importer::BatchResult> PutEvents(std::vector<v1::Event> events) override {
    v1::TrackEventsRequest request;
    request.set_shop(shop_);
    for (auto& e : events) *request.add_events() = std::move(e);
    v1::TrackEventsResponse response;
    RETURN_IF_ERROR(api_.TrackEvents(request, &response));
    auto result = ToBatchResult(response);
    result.duplicates = response.duplicates();
    return result;
  }

 private:
  PersonaApi& api_;
  const std::string shop_;
};

}  // namespace

absl::StatusOr<importer::ImportReport> ImportDemoShop(PersonaApi& api, const std::string& shop,
                                                      const std::string& path,
                                                      int64_t shift_to_now_ms) {
  ApiSink sink(api, shop);
  importer::ImportOptions options;
  options.format = importer::Format::kOnlineRetail;
  options.shift_newest_to_ms = shift_to_now_ms;
  int last_percent = -1;
  options.progress = [&](int64_t done, int64_t total) {
    const int percent = total > 0 ? static_cast<int>(100 * done / total) : 0;
    if (percent / 10 != last_percent / 10) {
      LogInfo("loading the demo shop", {{"percent", percent}});
      last_percent = percent;
    }
  };
  return importer::ImportFile(path, options, sink);
}

}  // namespace persona::server
