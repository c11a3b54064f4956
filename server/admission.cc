#include "server/admission.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/server_context.h"
#include "server/call_context.h"

namespace persona::server {
namespace {

constexpr CallClass kF = CallClass::kFrontend;
constexpr CallClass kS = CallClass::kStream;
constexpr CallClass kH = CallClass::kHeavy;

// Methods not of class kOther.
constexpr std::pair<std::string_view, CallClass> kClasses[] = {
    {"/persona.v1.RecommendService/Recommend", kF},
    {"/persona.v1.RecommendService/RecommendPage", kF},
    {"/persona.v1.RecommendService/RankItems", kF},
    {"/persona.v1.EventService/TrackEvents", kF},
    {"/persona.v1.EventService/StreamEvents", kS},
    {"/persona.v1.CatalogService/StreamUpsertItems", kS},
    {"/persona.v1.CampaignService/RunCampaign", kH},
    {"/persona.v1.SegmentService/StreamSegmentMembers", kH},
    {"/persona.v1.SegmentService/RefreshSegments", kH},
    {"/persona.v1.SegmentService/TargetCustomers", kH},
    {"/persona.v1.AdminService/TrainModel", kH},
    {"/persona.v1.CustomerService/ExportCustomer", kH},
};

// The callback services whose unary handlers run to their end on the thread
// that started them (grpc_services.cc), and their rpcs that do not (a
// reactor living on, or work handed to the training worker). Other callback
// rpcs get no thread CallContext; synchronous-service handlers always finish
// where they started.
constexpr std::string_view kInlineServices[] = {
    "/persona.v1.CatalogService/", "/persona.v1.CustomerService/",
    "/persona.v1.EventService/",   "/persona.v1.RecommendService/",
    "/persona.v1.AdminService/",   "/persona.v1.MetricsService/",
};
constexpr std::string_view kNotInline[] = {
    "/persona.v1.EventService/StreamEvents",
    "/persona.v1.CatalogService/StreamUpsertItems",
    "/persona.v1.AdminService/TrainModel",
};

const char* const kLimitNames[kCallClasses] = {
    "overload.max_frontend_calls", "overload.max_streams",
    "overload.max_heavy_calls", "overload.max_other_calls"};

bool IsCallback(const grpc::ServerContextBase* context) {
  return dynamic_cast<const grpc::CallbackServerContext*>(context) != nullptr;
}

// Whether the call's handler runs to its end on the thread of OnStart.
bool RunsInline(const CallState& call) {
  if (!IsCallback(call.context)) return true;
  if (call.rpc == nullptr) return false;
  const std::string_view method = call.rpc->method;
  return std::any_of(
             std::begin(kInlineServices), std::end(kInlineServices),
             [&](std::string_view s) { return method.starts_with(s); }) &&
         std::find(std::begin(kNotInline), std::end(kNotInline), method) ==
             std::end(kNotInline);
}

}  // namespace

std::string_view CallClassName(CallClass c) {
  switch (c) {
    case CallClass::kFrontend:
      return "frontend";
    case CallClass::kStream:
      return "stream";
    case CallClass::kHeavy:
      return "heavy";
    case CallClass::kOther:
      return "other";
  }
  return "other";
}

CallClass ClassOf(std::string_view method) {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string_view, CallClass>();
    for (const auto& [name, c] : kClasses) m->emplace(name, c);
    return m;
  }();
  if (auto it = index->find(method); it != index->end()) return it->second;
  if (method.starts_with("/persona.v1.ClusterService/") ||
      method.starts_with("/persona.v1.OperationsService/")) {
    return CallClass::kHeavy;
  }
  return CallClass::kOther;
}

Admission::Admission(AdmissionOptions options, const Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

absl::Status Admission::OnStart(CallState& call) {
  const CallClass c =
      call.rpc != nullptr ? ClassOf(call.rpc->method) : CallClass::kOther;
  const CallContext context = CallContext::Of(call.context, clock_);
  // Time left before the deadline; far more than any limit when none.
  absl::Duration left = absl::InfiniteDuration();
  if (context.deadline_ms() != CallContext::kNoDeadline) {
    left = absl::Milliseconds(context.deadline_ms() - clock_->NowMs());
    if (left < options_.min_deadline || left <= absl::ZeroDuration()) {
      absl::MutexLock lock(&mu_);
      ++stats_[static_cast<int>(c)].expired;
      return absl::DeadlineExceededError(absl::StrCat(
          "deadline exceeded before the call started (",
          absl::ToInt64Milliseconds(std::max(left, absl::ZeroDuration())),
          " ms left; calls need at least ",
          absl::ToInt64Milliseconds(options_.min_deadline),
          " ms, overload.min_deadline_ms)"));
    }
  }
  // Waiting blocks the thread: only for synchronous-service handlers.
  const absl::Duration wait =
      IsCallback(call.context)
          ? absl::ZeroDuration()
          : std::min(options_.max_queue_wait, left - options_.min_deadline);
  {
    absl::MutexLock lock(&mu_);
    AdmissionClassStats& s = stats_[static_cast<int>(c)];
    const int64_t limit = options_.max_in_flight[static_cast<int>(c)];
    auto free_or_draining = [this, &s, limit]()
                                ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                                  return draining_ || s.in_flight < limit;
                                };
    if (!draining_ && s.in_flight >= limit && wait > absl::ZeroDuration() &&
        s.queued < options_.max_queued) {
      ++s.queued;
      mu_.AwaitWithTimeout(absl::Condition(&free_or_draining), wait);
      --s.queued;
    }
    if (draining_) {
      ++s.refused_draining;
      return absl::UnavailableError(
          "the server is shutting down; retry on another replica");
    }
    if (s.in_flight >= limit) {
      ++s.shed;
      return absl::ResourceExhaustedError(absl::StrCat(
          "overloaded: ", limit, " ", std::string(CallClassName(c)),
          " calls in flight already (", kLimitNames[static_cast<int>(c)],
          "); retry later"));
    }
    ++s.in_flight;
    ++s.admitted;
    ++in_flight_total_;
  }
  call.holds_slot = true;
  if (RunsInline(call)) SetCurrentCall(context);
  return absl::OkStatus();
}

void Admission::OnFinish(const CallState& call, const absl::Status& status) {
  ClearCurrentCall(call.context);
  if (!call.holds_slot) return;
  const CallClass c =
      call.rpc != nullptr ? ClassOf(call.rpc->method) : CallClass::kOther;
  absl::MutexLock lock(&mu_);
  --stats_[static_cast<int>(c)].in_flight;
  --in_flight_total_;
}

void Admission::BeginDrain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
}

int64_t Admission::AwaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_total_ == 0;
  };
  mu_.AwaitWithDeadline(absl::Condition(&idle), deadline);
  return in_flight_total_;
}

AdmissionSnapshot Admission::Snapshot() const {
  absl::MutexLock lock(&mu_);
  AdmissionSnapshot snapshot;
  snapshot.draining = draining_;
  snapshot.classes = stats_;
  return snapshot;
}

}  // namespace persona::server
