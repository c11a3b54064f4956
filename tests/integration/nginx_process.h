// Runs the real nginx (Debian's /usr/sbin/nginx) in the foreground for the
// sharding tests: its own prefix directory with the config, pid file, error
// log and temp paths, listening on a free loopback port. Renders the shipped
// deploy/k8s/nginx.conf with the test's upstreams. Not thread-safe.
#ifndef PERSONA_TESTS_INTEGRATION_NGINX_PROCESS_H_
#define PERSONA_TESTS_INTEGRATION_NGINX_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/testing/server_process.h"

namespace persona::testing {

// Returns `conf` (the shipped nginx.conf) with its upstream server lines
// replaced by `upstreams` (host:port each, same options), its listen port by
// 127.0.0.1:`port`, and pid, temp paths and worker count pointed at `prefix`.
// Empty when the file does not have the expected upstream or listen lines.
std::string RenderNginxConf(const std::string& conf, int port,
                            const std::vector<std::string>& upstreams, const std::string& prefix);

// Returns a loopback TCP port that was free a moment ago.
int FreeLoopbackPort();

class NginxProcess {
 public:
  NginxProcess();
  ~NginxProcess();  // stops a running nginx

  // Writes `conf` and starts nginx on it; waits (up to 30 s) until `port`
  // accepts connections. False (with nginx's error log on stderr) on failure.
  bool Start(const std::string& conf, int port);
  // Stops nginx (SIGTERM) and waits for the master to exit.
  void Stop();
  const std::string& prefix() const { return dir_.path(); }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
};

}  // namespace persona::testing

#endif  // PERSONA_TESTS_INTEGRATION_NGINX_PROCESS_H_
