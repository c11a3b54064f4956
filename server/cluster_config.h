// The cluster section of persona-server's config (docs/SCALE_OUT.md):
// defaults and checks, called from ApplyDefaults and ValidateConfig.
// Pure functions apart from reading the host name; thread-safe.
#ifndef PERSONA_SERVER_CLUSTER_CONFIG_H_
#define PERSONA_SERVER_CLUSTER_CONFIG_H_

#include "absl/status/status.h"
#include "persona/config/v1/config.pb.h"

namespace persona::server {

// Fills cluster.replica_name with the host name (the pod name in a
// StatefulSet) when unset.
void ApplyClusterDefaults(persona::config::v1::Config& config);

// Checks the cluster section; INVALID_ARGUMENT naming the field.
absl::Status ValidateClusterConfig(const persona::config::v1::Config& config);

}  // namespace persona::server

#endif  // PERSONA_SERVER_CLUSTER_CONFIG_H_
