// The load generator's phases against a running persona-server: preparing a
// made-up shop when there is no demo data, checking that the demo customers
// are known, and measuring Recommend and unary TrackEvents with the
// closed-loop driver (the streaming phase is in event_stream.h).
//
// Thread-safety: each function blocks its caller and may run concurrently
// with others over the same channel.
#ifndef PERSONA_TESTS_BENCH_PERSONA_PHASES_H_
#define PERSONA_TESTS_BENCH_PERSONA_PHASES_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "tests/bench/closed_loop.h"
#include "tests/bench/stats.h"
#include "tests/bench/workload.h"

namespace persona::bench {

// Upserts the shop's items (with synthetic categories) and customers, then
// tracks each customer's purchases, through the API into the default shop.
// Fails on any error status or rejected record.
absl::Status LoadSyntheticShop(const std::shared_ptr<grpc::Channel>& channel,
                               const ShopData& shop);

// Returns how many of the first `sample` customers of `shop` have stored
// events on the server (their profiles are read through GetProfile).
absl::StatusOr<int> CountKnownCustomers(
    const std::shared_ptr<grpc::Channel>& channel, const ShopData& shop,
    int sample);

// Measures Recommend calls of `requests`; a call answering no item is an error.
PhaseResult RunRecommendPhase(const std::shared_ptr<grpc::Channel>& channel,
                              const LoopOptions& options,
                              const RecommendFactory& requests,
                              pid_t server_pid);

// Measures unary TrackEvents calls of `batch` events each; an event not
// accepted (rejected or duplicate) is an error.
PhaseResult RunUnaryIngestPhase(const std::shared_ptr<grpc::Channel>& channel,
                                const LoopOptions& options,
                                EventFactory& events, int batch,
                                pid_t server_pid);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_PERSONA_PHASES_H_
