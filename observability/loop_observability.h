// LoopObservability: the consume loop's reports (processor/delivery/loop_observer.h) turned into
// fanout's pipeline metrics (lag, in flight, paused partitions, commits, rebalances) and into the
// health state /healthz and /readyz serve. Either may be null.
//
// Thread-safety: as ConsumeLoopObserver (the consume loop's thread); `metrics` and `health`
// must outlive it.
#ifndef FANOUT_OBSERVABILITY_LOOP_OBSERVABILITY_H_
#define FANOUT_OBSERVABILITY_LOOP_OBSERVABILITY_H_

#include <map>
#include <vector>

#include "observability/health.h"
#include "observability/pipeline_metrics.h"
#include "processor/delivery/loop_observer.h"

namespace fanout {

class LoopObservability final : public ConsumeLoopObserver {
 public:
  LoopObservability(PipelineMetrics* metrics, HealthState* health)
      : metrics_(metrics), health_(health) {}

  void OnStarted() override;
  void OnStopping() override;
  void OnTurn(std::chrono::steady_clock::time_point now) override {
    if (health_ != nullptr) health_->Turn(now);
  }
  void OnConsumed() override {
    if (metrics_ != nullptr) metrics_->consumed->Inc();
  }
  void OnAborted() override;
  void OnCommit(const Status& status) override;
  void OnRebalance(const std::vector<TopicPartition>& partitions, bool assigned, bool lost,
                   std::size_t remaining) override;
  void OnProgress(const LoopProgress& progress) override;

 private:
  PipelineMetrics* metrics_;
  HealthState* health_;
  std::map<TopicPartition, PartitionMetrics> partitions_;  // the assigned ones
};

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_LOOP_OBSERVABILITY_H_
