// Reading a real topic in integration tests: kcat with isolation.level=read_committed, parsed by
// ReadCapturedRecords (the same kcat -J format as the captured test data).
#ifndef FANOUT_TESTS_SUPPORT_KAFKA_TOPIC_H_
#define FANOUT_TESTS_SUPPORT_KAFKA_TOPIC_H_

#include <string>
#include <string_view>
#include <vector>

#include "tests/support/jsonl_records.h"

namespace fanout::testing {

// Every committed record of `topic` from the beginning (FANOUT_KAFKA_BOOTSTRAP).
std::vector<CapturedRecord> ReadTopic(const std::string& topic);

// The value of the record's header `name`, or "" when it has none.
std::string Header(const CapturedRecord& record, std::string_view name);

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_KAFKA_TOPIC_H_
