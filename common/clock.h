// The time source, injected so tests control time. Implementations are thread-safe.
#ifndef PERSONA_COMMON_CLOCK_H_
#define PERSONA_COMMON_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace persona {

// Returns the UTC day of an epoch-ms time: days since 1970-01-01, rounded
// down (also before 1970).
inline int32_t UtcDay(int64_t time_ms) {
  constexpr int64_t kDayMs = 86'400'000;
  const int64_t day = time_ms >= 0 ? time_ms / kDayMs : -((-time_ms + kDayMs - 1) / kDayMs);
  return static_cast<int32_t>(day);
}

class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current time as Unix epoch milliseconds.
  virtual int64_t NowMs() const = 0;
  // Returns the process-wide real clock; never null, never destroyed.
  static const Clock* Real();
};

// A clock that only moves when told to; for tests.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(std::memory_order_relaxed); }
  void AdvanceMs(int64_t ms) { now_ms_.fetch_add(ms, std::memory_order_relaxed); }
  void SetMs(int64_t ms) { now_ms_.store(ms, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace persona

#endif  // PERSONA_COMMON_CLOCK_H_
