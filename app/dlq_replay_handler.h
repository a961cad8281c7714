// ReplayHandler: turns a dead letter back into the record it was and hands it to the
// DecodeHandler again (`fanout dlq replay`).
//
// - The original key, value and headers are restored (fanout.* headers removed) and the record
//   gets its original topic, partition and offset (fanout.source.*), so routes that match on
//   topics and the dead-letter context of a new failure are right.
// - A dead letter of one route (fanout.route) is replayed through that route only: the event's
//   other routes succeeded the first time. A decode error reached no route, so all run.
// - Records written at or after `started_ms` are skipped: they are this replay's own new dead
//   letters, which would otherwise loop.
#ifndef FANOUT_APP_DLQ_REPLAY_HANDLER_H_
#define FANOUT_APP_DLQ_REPLAY_HANDLER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "processor/pipeline/decode_handler.h"

namespace fanout {

// Committed offsets on the dead-letter topic's partitions: partition → next offset.
using ReplayProgress = std::map<std::int32_t, std::int64_t>;

struct ReplayFilter {
  std::optional<std::string> route;  // only this route's dead letters
  std::int64_t since_ms = 0;         // only dead letters written at or after this time
  std::int64_t started_ms = 0;       // the replay's start: later records are skipped
  // What other replay scopes finished already: a dead letter below the full scope's progress,
  // or below its own route's scope progress, was replayed before and is skipped, so each dead
  // letter is replayed at most once whichever scopes are used.
  ReplayProgress all_routes_done;
  std::map<std::string, ReplayProgress, std::less<>> route_done;
};

class ReplayHandler final : public RecordHandler {
 public:
  ReplayHandler(DecodeHandler* inner, ReplayFilter filter)
      : inner_(inner), filter_(std::move(filter)) {}

  Result<Handled> Handle(const KafkaRecordView& record, const RecordContext& context) override;

  std::int64_t seen() const { return seen_; }
  std::int64_t replayed() const { return replayed_; }
  std::int64_t skipped() const { return skipped_; }

 private:
  DecodeHandler* inner_;
  ReplayFilter filter_;
  std::int64_t seen_ = 0;
  std::int64_t replayed_ = 0;
  std::int64_t skipped_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_APP_DLQ_REPLAY_HANDLER_H_
