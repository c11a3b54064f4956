#include "server/cluster_config.h"

#include <unistd.h>

#include <string>

namespace persona::server {

namespace cfg = ::persona::config::v1;

void ApplyClusterDefaults(cfg::Config& config) {
  cfg::ClusterConfig* cluster = config.mutable_cluster();
  if (!cluster->replica_name().empty()) return;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    cluster->set_replica_name("persona");
  } else {
    cluster->set_replica_name(std::string(host).substr(0, 64));
  }
}

absl::Status ValidateClusterConfig(const cfg::Config& config) {
  const std::string& name = config.cluster().replica_name();
  bool printable = !name.empty() && name.size() <= 64;
  for (char c : name) printable = printable && c > ' ' && c < 0x7f;
  if (!printable) {
    return absl::InvalidArgumentError(
        "config cluster.replica_name: must be 1..64 printable bytes without spaces");
  }
  return absl::OkStatus();
}

}  // namespace persona::server
