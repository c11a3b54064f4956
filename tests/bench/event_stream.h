// Drives Persona's StreamEvents bidi stream: writes batches back to back
// while at most `window` of them are unacknowledged, checks that each ack
// answers the next sequence number and accepted the whole batch, and counts
// the events acknowledged inside the measurement window. Several streams may
// run side by side.
//
// Thread-safety: RunStreamIngest blocks its caller; the reactors it creates
// are driven by gRPC's threads and guard their state with a mutex.
#ifndef PERSONA_TESTS_BENCH_EVENT_STREAM_H_
#define PERSONA_TESTS_BENCH_EVENT_STREAM_H_

#include <sys/types.h>

#include <functional>
#include <random>

#include "persona/v1/events.grpc.pb.h"
#include "tests/bench/closed_loop.h"
#include "tests/bench/stats.h"

namespace persona::bench {

struct StreamOptions {
  int streams = 1;  // concurrent streams
  int window = 8;   // unacknowledged batches per stream
  double warmup_s = 1.0;
  double duration_s = 5.0;
  int64_t max_batches = 10'000'000;  // per stream
  double stream_timeout_s = 300;     // deadline of each stream
  uint64_t seed = 3;
};

// Fills the next batch to send (the request is cleared before).
using BatchMaker =
    std::function<void(std::mt19937_64& rng, v1::TrackEventsRequest* request)>;

// Runs the streams and returns events/s acknowledged in the window and the
// write-to-ack latency of each batch. Sets PhaseResult::error on a failed
// stream or a wrong acknowledgement.
PhaseResult RunStreamIngest(v1::EventService::Stub* stub,
                            const StreamOptions& options,
                            const BatchMaker& make_batch, pid_t server_pid);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_EVENT_STREAM_H_
