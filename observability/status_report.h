// What `fanout status` prints: a compact view of a running instance from two scrapes of its
// /metrics (`interval` apart, for rates) and its /readyz body.
//
//   fanout at 127.0.0.1:9464: ready | NOT READY (reasons)
//   uptime, memory, in flight, partitions assigned/paused, lag max (s and records)
//   one row per route and sink: rate/s, applied, retried, errors, dead letters, lag, paused?
//
// Pure functions, no I/O: app/status_command.cc fetches, these parse and render.
#ifndef FANOUT_OBSERVABILITY_STATUS_REPORT_H_
#define FANOUT_OBSERVABILITY_STATUS_REPORT_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/status.h"

namespace fanout {

struct MetricSample {
  std::string name;  // with its _bucket/_sum/_count/_total suffix, as exposed
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses the Prometheus text format (comments skipped). InvalidArgument names the first bad
// line.
Result<std::vector<MetricSample>> ParseMetricsText(std::string_view text);

struct StatusInput {
  std::string address;
  std::vector<MetricSample> before;
  std::vector<MetricSample> after;
  double interval_seconds = 1;
  bool ready = false;
  std::vector<std::string> reasons;  // from /readyz
};

std::string RenderStatus(const StatusInput& input);

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_STATUS_REPORT_H_
