// The "ALS at 100k items" phase of the load generator (issue 3): starts its
// own persona-server on a temporary directory, loads a synthetic shop of
// `items` items (power-law popularity, three-level categories) and
// `customers` customers with `events_per_customer` events each through the
// API, trains the collaborative-filtering model (AdminService.TrainModel),
// then measures Recommend on the "home" placement for customers with a
// history, i.e. the ALS fold-in + top-k path, with the closed-loop driver.
//
// Thread-safety: blocks its caller; not for concurrent use with another
// phase that starts a persona-server (the server's CPU time is found by name).
#ifndef PERSONA_TESTS_BENCH_ALS_PHASE_H_
#define PERSONA_TESTS_BENCH_ALS_PHASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "tests/bench/closed_loop.h"
#include "tests/bench/stats.h"

namespace persona::bench {

struct AlsPhaseOptions {
  std::string server_binary;    // persona-server to start
  int items = 100'000;          // catalog size
  int customers = 20'000;       // customers with a history
  int events_per_customer = 20; // behaviour events each (views, carts, purchases)
  LoopOptions loop;             // the measured Recommend loop
  uint64_t seed = 1;
  // Then a whole page (issue 4): RecommendPage with three placements, rules
  // with filters, diversity and a promotion, for `page_customers` customers
  // with `page_events` events each (0 skips it). Measured twice: at
  // loop.concurrency for throughput, and one call at a time for the latency
  // one call sees at the server.
  int page_customers = 500;
  int page_events = 100;
};

// Runs the phase. Its first result is named "ALS Recommend 100k items" (for
// 100,000); it fails on any error status, a response without items, or a
// response whose model_version does not start with "als-". The page results
// follow ("ALS page ..."); they fail on an error, a placement short of its
// count or an item twice on the page. `description` receives what was
// loaded and how long loading and training took.
std::vector<PhaseResult> RunAlsPhase(const AlsPhaseOptions& options, std::string* description);

// The phase's shop on a started server, for other phases (the campaign
// phase): loads options.items items and options.customers customers x
// options.events_per_customer events through the API, trains the model and
// waits for its HNSW index when the catalog has one. Returns what was loaded
// and how long each step took. Uses items, customers, events_per_customer
// and seed only.
absl::StatusOr<std::string> LoadTrainedShop(const std::shared_ptr<grpc::Channel>& channel,
                                            const AlsPhaseOptions& options);
// The id of the shop's i-th customer (0 <= i < options.customers).
std::string AlsCustomerId(int i);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_ALS_PHASE_H_
