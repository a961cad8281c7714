// EventStats: what the instance has consumed, by table and op, for progress lines and the final
// summary. Single-threaded (the consume loop's thread).
#ifndef FANOUT_OBSERVABILITY_EVENT_STATS_H_
#define FANOUT_OBSERVABILITY_EVENT_STATS_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "processor/core/change_event.h"

namespace fanout {

class EventStats {
 public:
  EventStats();

  void RecordEvent(const ChangeEvent& event);
  void RecordDecodeError() { ++decode_errors_; }

  std::int64_t total() const { return total_; }
  std::int64_t decode_errors() const { return decode_errors_; }
  // Change events of `table` ("schema.table") with `op`.
  std::int64_t count(const std::string& table, Op op) const;

  // "events=N rate=R/s lag=L records (S s) tables: public.customers c=1 u=2 ..." — the rate is
  // over the time since the previous call; resets that window.
  std::string ProgressLine(std::int64_t lag_records);
  // The totals per table and op, for the final log line.
  std::string Summary() const;

 private:
  static constexpr std::array<Op, 6> kOps = {Op::kCreate, Op::kUpdate,   Op::kDelete,
                                             Op::kRead,   Op::kTruncate, Op::kMessage};
  static std::size_t OpIndex(Op op);
  std::string TableCounts() const;

  std::map<std::string, std::array<std::int64_t, 6>> per_table_;
  std::int64_t total_ = 0;
  std::int64_t tombstones_ = 0;
  std::int64_t other_ = 0;  // heartbeats, transaction metadata, schema changes
  std::int64_t decode_errors_ = 0;
  std::int64_t last_source_ts_ms_ = 0;
  std::int64_t window_start_total_ = 0;
  std::chrono::steady_clock::time_point window_start_;
};

}  // namespace fanout

#endif  // FANOUT_OBSERVABILITY_EVENT_STATS_H_
