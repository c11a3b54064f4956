// The overload section of persona-server's config (OverloadConfig) turned
// into what main() sets up: the bounds of gRPC itself (threads of the
// synchronous services, streams per connection), the admission hook on the
// call gate, and the graceful shutdown on SIGTERM:
//   1. health reports NOT_SERVING (calls are still served);
//   2. after drain_delay_ms, new calls are refused with UNAVAILABLE;
//   3. calls in flight get grace_period_ms to finish;
//   4. gRPC shuts down, cancelling the calls still running (their handlers
//      see the cancellation at their next check, server/call_context.h).
// main() then stops the background work and flushes the store.
//
// Thread-safety: the functions are called from main's thread; see
// admission.h for the hook.
#ifndef PERSONA_SERVER_OVERLOAD_H_
#define PERSONA_SERVER_OVERLOAD_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "persona/config/v1/config.pb.h"
#include "server/admission.h"
#include "server/call_gate.h"

namespace persona::server {

// Fills unset overload fields with their documented defaults.
void ApplyOverloadDefaults(persona::config::v1::Config& config);
// Checks the overload section's ranges; INVALID_ARGUMENT naming the field.
absl::Status ValidateOverloadConfig(const persona::config::v1::Config& config);

// The admission limits of a defaulted config.
AdmissionOptions AdmissionOptionsOf(
    const persona::config::v1::OverloadConfig& config);

// Bounds what gRPC may spawn and accept: the threads of the synchronous
// services (a grpc::ResourceQuota) and the streams per connection.
void LimitServer(const persona::config::v1::OverloadConfig& config,
                 grpc::ServerBuilder& builder);

// Creates the admission hook, adds it to `gate` (after the hooks that say
// who may call: authentication and rate limits) and returns it; the gate
// owns it. `clock` must outlive the gate.
Admission* AddAdmission(const persona::config::v1::OverloadConfig& config,
                        const Clock* clock, CallGate& gate);

struct DrainReport {
  // Calls still in flight when the grace period ended (then cancelled).
  int64_t cancelled = 0;
  absl::Duration took;
};

// Steps 1-4 above. Blocks for at most drain_delay_ms + grace_period_ms plus
// what gRPC takes to cancel; `server` is shut down afterwards.
DrainReport DrainServer(const persona::config::v1::OverloadConfig& config,
                        grpc::Server& server, Admission& admission);

}  // namespace persona::server

#endif  // PERSONA_SERVER_OVERLOAD_H_
