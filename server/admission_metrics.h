// Admission control's counts as Prometheus metrics: queue depths, calls in
// flight and shed calls per call class (server/admission.h).
// Thread-safe: the collector reads Admission::Snapshot.
#ifndef PERSONA_SERVER_ADMISSION_METRICS_H_
#define PERSONA_SERVER_ADMISSION_METRICS_H_

#include "server/admission.h"
#include "server/prom_metrics.h"

namespace persona::server {

// Returns a collector of `admission`'s counts (not owned; must outlive the
// metrics): persona_admission_in_flight and persona_admission_queued (queue
// depths), persona_admission_admitted_total, _shed_total, _expired_total and
// _refused_draining_total, each by call class, and persona_draining.
MetricsCollector AdmissionCollector(const Admission* admission);

}  // namespace persona::server

#endif  // PERSONA_SERVER_ADMISSION_METRICS_H_
