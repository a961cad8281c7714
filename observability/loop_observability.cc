#include "observability/loop_observability.h"

namespace fanout {

void LoopObservability::OnStarted() {
  if (health_ != nullptr) health_->Started();
}

void LoopObservability::OnStopping() {
  if (health_ != nullptr) health_->Stopping();
}

void LoopObservability::OnAborted() {
  if (metrics_ != nullptr) metrics_->aborts->Inc();
}

void LoopObservability::OnCommit(const Status& status) {
  if (metrics_ != nullptr) (status.ok() ? metrics_->commits : metrics_->commit_failures)->Inc();
  if (health_ == nullptr) return;
  if (status.ok()) {
    health_->CommitSucceeded();
  } else {
    health_->CommitFailed(status.ToString());
  }
}

void LoopObservability::OnRebalance(const std::vector<TopicPartition>& partitions, bool assigned,
                                    bool lost, std::size_t remaining) {
  if (health_ != nullptr) health_->SetAssigned(remaining);
  if (metrics_ == nullptr) return;
  (assigned ? metrics_->rebalances_assigned
            : (lost ? metrics_->rebalances_lost : metrics_->rebalances_revoked))
      ->Inc();
  metrics_->partitions_assigned->Set(static_cast<double>(remaining));
  for (const TopicPartition& tp : partitions) {
    if (assigned) {
      partitions_.emplace(tp, metrics_->ForPartition(tp.topic, tp.partition));
    } else if (partitions_.erase(tp) > 0) {
      metrics_->RemovePartition(tp.topic, tp.partition);
    }
  }
}

void LoopObservability::OnProgress(const LoopProgress& progress) {
  if (health_ != nullptr) {
    health_->SetAssigned(progress.assigned);
    health_->SetPaused(progress.paused);
    health_->SetInFlight(progress.in_flight);
  }
  if (metrics_ == nullptr) return;
  metrics_->in_flight->Set(static_cast<double>(progress.in_flight));
  metrics_->partitions_assigned->Set(static_cast<double>(progress.assigned));
  metrics_->partitions_paused->Set(static_cast<double>(progress.paused));
  for (const PartitionProgress& p : progress.partitions) {
    auto it = partitions_.find(p.tp);
    if (it == partitions_.end()) continue;  // its assignment was not reported
    const PartitionMetrics& m = it->second;
    m.lag_records->Set(static_cast<double>(p.lag_records));
    m.lag_seconds->Set(p.lag_seconds);
    m.in_flight->Set(static_cast<double>(p.in_flight));
    m.paused->Set(p.paused ? 1 : 0);
  }
}

}  // namespace fanout
