// Captured Kafka records (kcat -J output, one JSON object per line) for decoder tests, owned so
// they can be handed out as KafkaRecordViews.
#ifndef FANOUT_TESTS_SUPPORT_JSONL_RECORDS_H_
#define FANOUT_TESTS_SUPPORT_JSONL_RECORDS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "processor/core/kafka_record.h"

namespace fanout::testing {

struct CapturedRecord {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;

  KafkaRecordView View() const;
};

// Reads every record of a kcat -J file. A line that is not a JSON object is skipped and
// described in `*error` (when given). Used by tests and benchmarks, so it does not need gtest.
std::vector<CapturedRecord> ReadCapturedRecords(const std::string& path,
                                                std::string* error = nullptr);

// The non-empty lines of a text file (e.g. what `fanout run --dump-events` wrote).
std::vector<std::string> ReadLines(const std::string& path);

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_JSONL_RECORDS_H_
