// The "email campaign" phase of the load generator (issue 5): for each
// catalog size, starts its own persona-server on a temporary directory,
// loads the ALS phase's synthetic shop (LoadTrainedShop: items, customers x
// events, TrainModel, the HNSW index when the catalog has one), gives every
// customer email consent, an address, a first name and a locale
// (UpsertCustomers), then measures the same customers two ways:
//   - unary: RecommendService.Recommend (placement "email_newsletter",
//     count 10) for customers drawn uniformly, with the closed-loop driver
//     at the loadgen's concurrency, for the loadgen's duration;
//   - stream: one CampaignService.RunCampaign (NEWSLETTER, 10 items per
//     customer, a fresh campaign id) over all of them, from the call to the
//     summary row: email rows per second of wall time, and the gaps between
//     rows as the latency percentiles.
// Before the stream, a dry run whose audience matches nobody runs the
// segment pass the first rule campaign would otherwise pay for (in
// production it is periodic) and warms the store's cache with one scan.
//
// Thread-safety: blocks its caller; not for concurrent use with another
// phase that starts a persona-server (the server's CPU time is found by name).
#ifndef PERSONA_TESTS_BENCH_CAMPAIGN_PHASE_H_
#define PERSONA_TESTS_BENCH_CAMPAIGN_PHASE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tests/bench/closed_loop.h"
#include "tests/bench/stats.h"

namespace persona::bench {

struct CampaignPhaseOptions {
  std::string server_binary;              // persona-server to start
  std::vector<int> catalogs = {10'000, 100'000};  // items, one server each
  int customers = 100'000;                // all of them are emailed
  int events_per_customer = 20;           // behaviour events each
  int items_per_customer = 10;            // items per email and per Recommend
  // The campaign's audience: true, the rule "orders >= 0" (a sequential scan
  // of the customer profiles); false, an explicit list of every customer
  // (a point read of each).
  bool rule_audience = true;
  LoopOptions loop;  // the unary Recommend loop
  uint64_t seed = 1;
};

// Runs the phase: per catalog, a result "campaign unary <n> items" and then
// "campaign stream <n> items" (<n> as "10k" for 10,000), both in
// customers/s. The unary one fails on an error status or an answer without
// items; the stream one on an error status, a missing summary, a skipped
// customer, a row without items, or fewer email rows than customers.
// `description` receives per catalog what was loaded, how long loading took,
// and the stream's own figures (wall seconds, rows short of the asked count).
std::vector<PhaseResult> RunCampaignPhase(const CampaignPhaseOptions& options,
                                          std::string* description);

// "10k" for 10,000, "2500" for 2,500: how phase names spell a catalog size.
std::string CatalogLabel(int items);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_CAMPAIGN_PHASE_H_
