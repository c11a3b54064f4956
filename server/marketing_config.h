// The segments, campaigns and HTTP sections of the config as the settings of
// SegmentEngine, CampaignApi and the HTTP listener, validated: start-up (and
// a config test) stops on a problem naming the field.
// Pure functions; thread-safe.
#ifndef PERSONA_SERVER_MARKETING_CONFIG_H_
#define PERSONA_SERVER_MARKETING_CONFIG_H_

#include "absl/status/statusor.h"
#include "persona/config/v1/config.pb.h"
#include "server/campaign_api.h"
#include "server/segment_engine.h"

namespace persona::server {

// INVALID_ARGUMENT "segments.<field>: ..." for bad thresholds or personas.
absl::StatusOr<SegmentSettings> ToSegmentSettings(const config::v1::Config& config);

// INVALID_ARGUMENT "campaigns.<field>" / "http.<field>: ...".
absl::StatusOr<CampaignSettings> ToCampaignSettings(const config::v1::Config& config);

}  // namespace persona::server

#endif  // PERSONA_SERVER_MARKETING_CONFIG_H_
