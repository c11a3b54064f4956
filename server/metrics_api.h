// The placement metrics call (persona.v1.MetricsService): reads the figures
// that Append attributed to recommendations (storage/README.md,
// "Attribution") over a range of UTC days, and reports per placement,
// variant and day the rates with 95% intervals and each variant against the
// control (model/ab_stats.h). Independent of the transport: the gRPC service
// calls it.
//
// Thread-safe: holds no mutable state; the database is thread-safe.
#ifndef PERSONA_SERVER_METRICS_API_H_
#define PERSONA_SERVER_METRICS_API_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "persona/v1/metrics.pb.h"
#include "storage/database.h"

namespace persona::server {

struct MetricsApiOptions {
  // The shop used when a request names none (default "default"; main.cc
  // passes config server.default_shop).
  std::string default_shop = "default";
  // Longest range of days one request may cover (default 366).
  int max_days = 366;
  // The control variant when a request names none and the placement has
  // figures for it (default "default").
  std::string default_control = "default";
};

// Returns the UTC day ("YYYY-MM-DD") `day` days after 1970-01-01.
std::string FormatUtcDate(int32_t day);

// Returns the days since 1970-01-01 of a UTC date "YYYY-MM-DD" (1970-01-01
// to 9999-12-31), or INVALID_ARGUMENT starting with `field`.
absl::StatusOr<int32_t> ParseUtcDate(std::string_view field, std::string_view text);

class MetricsApi {
 public:
  // `db` and `clock` are not owned and must outlive the object.
  MetricsApi(storage::Database* db, const Clock* clock, MetricsApiOptions options = {});

  // Fills `response` with the figures of the requested placements over the
  // requested days (defaults in metrics.proto). Returns INVALID_ARGUMENT whose
  // message starts with the field at fault ("shop: ...", "to_date: ..."),
  // or the storage error (DATA_LOSS for an unreadable record). `response` is
  // cleared first.
  absl::Status GetPlacementMetrics(const persona::v1::GetPlacementMetricsRequest& request,
                                   persona::v1::GetPlacementMetricsResponse* response) const;

 private:
  storage::Database* const db_;
  const Clock* const clock_;
  const MetricsApiOptions options_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_METRICS_API_H_
