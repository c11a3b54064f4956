// A bounded parallel-for used inside a training call: splits [0, n) into
// contiguous chunks over at most `threads` std::threads (the caller's thread
// is one of them) and joins before returning. No thread outlives the call.
// Results are deterministic as long as fn(begin, end) writes only to its rows.
#ifndef PERSONA_MODEL_PARALLEL_H_
#define PERSONA_MODEL_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace persona::model {

// Calls fn(begin, end) over [0, n). Runs on the calling thread alone when
// threads <= 1 or n < min_parallel.
template <typename Fn>
void ParallelFor(int64_t n, int threads, int64_t min_parallel, Fn&& fn) {
  if (n <= 0) return;
  if (threads <= 1 || n < min_parallel) {
    fn(int64_t{0}, n);
    return;
  }
  const int64_t workers = std::min<int64_t>(threads, n);
  // Several chunks per worker balance rows of very different cost.
  const int64_t chunks = workers * 8;
  const int64_t chunk = (n + chunks - 1) / chunks;
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t c; (c = next.fetch_add(1)) * chunk < n;) {
      fn(c * chunk, std::min(n, (c + 1) * chunk));
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (int64_t t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace persona::model

#endif  // PERSONA_MODEL_PARALLEL_H_
