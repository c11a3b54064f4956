#include "server/admission_metrics.h"

#include <string>

namespace persona::server {

MetricsCollector AdmissionCollector(const Admission* admission) {
  return [admission](MetricsSink& sink) {
    const AdmissionSnapshot snapshot = admission->Snapshot();
    sink.Gauge("persona_draining", "1 once shutdown began: new calls are refused.", {},
               snapshot.draining ? 1 : 0);
    for (int c = 0; c < kCallClasses; ++c) {
      const AdmissionClassStats& s = snapshot.classes[c];
      const MetricLabels labels = {{"class", std::string(CallClassName(static_cast<CallClass>(c)))}};
      sink.Gauge("persona_admission_in_flight", "Admitted calls not finished yet, by call class.",
                 labels, static_cast<double>(s.in_flight));
      sink.Gauge("persona_admission_queued", "Calls waiting for a slot now, by call class.",
                 labels, static_cast<double>(s.queued));
      sink.Counter("persona_admission_admitted_total", "Calls admitted, by call class.", labels,
                   static_cast<double>(s.admitted));
      sink.Counter("persona_admission_shed_total",
                   "Calls refused with RESOURCE_EXHAUSTED at the class's limit, by call class.",
                   labels, static_cast<double>(s.shed));
      sink.Counter("persona_admission_expired_total",
                   "Calls refused with DEADLINE_EXCEEDED before any work, by call class.", labels,
                   static_cast<double>(s.expired));
      sink.Counter("persona_admission_refused_draining_total",
                   "Calls refused with UNAVAILABLE during shutdown, by call class.", labels,
                   static_cast<double>(s.refused_draining));
    }
  };
}

}  // namespace persona::server
