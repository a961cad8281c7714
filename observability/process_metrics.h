// The process' own series, read at every scrape: resident memory, start time and
// uptime (the standard `process_*` names Prometheus client libraries use, plus
// fanout_uptime_seconds). Linux only (/proc/self/statm).
#ifndef FANOUT_OBSERVABILITY_PROCESS_METRICS_H_
#define FANOUT_OBSERVABILITY_PROCESS_METRICS_H_

#include "observability/metrics.h"

namespace fanout {

// Declares the series on `registry` and a collector that refreshes them. The process' start is
// taken as now.
void RegisterProcessMetrics(MetricsRegistry& registry);

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_PROCESS_METRICS_H_
