#include "common/clock.h"

#include "absl/time/clock.h"

namespace persona {
namespace {

class RealClock : public Clock {
 public:
  int64_t NowMs() const override { return absl::GetCurrentTimeNanos() / 1'000'000; }
};

}  // namespace

const Clock* Clock::Real() {
  static const RealClock* clock = new RealClock();
  return clock;
}

}  // namespace persona
