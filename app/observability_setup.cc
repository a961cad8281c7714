#include "app/observability_setup.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "observability/process_metrics.h"

namespace fanout {

RunObservability::RunObservability() : metrics_(registry_) {}

RunObservability::~RunObservability() {
  if (server_) server_->Stop();
}

Result<std::unique_ptr<RunObservability>> RunObservability::Start(const config::Config& config) {
  std::unique_ptr<RunObservability> self(new RunObservability());
  RegisterProcessMetrics(self->registry_);
  // The loop may legitimately hold still while it drains on revocation or shutdown, or rewinds
  // (both bounded by drain_timeout); only well beyond that is it stuck.
  const auto stall_limit = std::max<std::chrono::milliseconds>(std::chrono::seconds(60),
                                                               3 * config.processing.drain_timeout);
  Gauge* ready = self->metrics_.ready;
  const HealthState* health = &self->health_;
  self->registry_.AddCollector([ready, health, stall_limit] {
    ready->Set(EvaluateReadiness(health->Snapshot(), HealthSnapshot::Clock::now(), stall_limit).ok
                   ? 1
                   : 0);
  });
  if (!config.admin.enabled) {
    spdlog::info("admin endpoint disabled (admin.enabled: false)");
    return self;
  }
  AdminServerOptions options;
  options.listen = config.admin.listen;
  options.stall_limit = stall_limit;
  FANOUT_ASSIGN_OR_RETURN(self->server_,
                          AdminServer::Start(options, &self->registry_, &self->health_));
  spdlog::info("admin endpoint: http://{}/metrics, /healthz, /readyz", self->server_->address());
  return self;
}

}  // namespace fanout
