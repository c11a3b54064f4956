#include "server/demo_import.h"

#include <cstdio>

#include "common/status_macros.h"

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
class ApiSink : public importer::Sink {
 public:
  ApiSink(PersonaApi& api, std::string shop) : api_(api), shop_(std::move(shop)) {}

  absl::StatusOr<importer::BatchResult> PutItems(std::vector<v1::Item> items) override {
    v1::UpsertItemsRequest request;
    request.set_shop(shop_);
    for (auto& item : items) *request.add_items() = std::move(item);
    v1::UpsertItemsResponse response;
    RETURN_IF_ERROR(api_.UpsertItems(request, &response));
    return ToBatchResult(response);
  }
  absl::StatusOr<importer::BatchResult> PutCustomers(std::vector<v1::Customer> customers) override {
    v1::UpsertCustomersRequest request;
    request.set_shop(shop_);
    for (auto& c : customers) *request.add_customers() = std::move(c);
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
      std::fprintf(stderr, "persona-server: loading demo shop: %d%%\n", percent);
      last_percent = percent;
    }
  };
  return importer::ImportFile(path, options, sink);
}

}  // namespace persona::server
