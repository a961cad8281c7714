// The observability of one `fanout run`: the metrics registry with fanout's pipeline and
// process series, the health state, and the admin endpoint serving them (unless
// `admin.enabled: false`). Started before anything may block (the Kafka producer waits for the
// cluster), so that /healthz and /readyz answer from the first second.
#ifndef FANOUT_APP_OBSERVABILITY_SETUP_H_
#define FANOUT_APP_OBSERVABILITY_SETUP_H_

#include <cstdint>
#include <memory>

#include "config/config.h"
#include "observability/admin_server.h"
#include "observability/health.h"
#include "observability/metrics.h"
#include "observability/pipeline_metrics.h"
#include "processor/core/status.h"

namespace fanout {

class RunObservability {
 public:
  // InvalidArgument: a malformed admin.listen; Unavailable: the address cannot be bound.
  static Result<std::unique_ptr<RunObservability>> Start(const config::Config& config);
  ~RunObservability();

  PipelineMetrics* metrics() { return &metrics_; }
  HealthState* health() { return &health_; }
  // The admin endpoint's bound port (useful with `admin.listen: 127.0.0.1:0`); 0 when disabled.
  std::uint16_t admin_port() const { return server_ ? server_->port() : 0; }

 private:
  RunObservability();

  MetricsRegistry registry_;
  PipelineMetrics metrics_;
  HealthState health_;
  std::unique_ptr<AdminServer> server_;  // stopped first
};

}  // namespace fanout

#endif  // FANOUT_APP_OBSERVABILITY_SETUP_H_
