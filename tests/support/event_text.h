// Decoded changes as short text, for tests that compare them with what a capture holds.
#ifndef FANOUT_TESTS_SUPPORT_EVENT_TEXT_H_
#define FANOUT_TESTS_SUPPORT_EVENT_TEXT_H_

#include <optional>
#include <string>
#include <vector>

#include "processor/core/change_event.h"
#include "processor/core/json_writer.h"

namespace fanout::testing {

// The row as one JSON object, "null" without one.
inline std::string RowJson(const std::optional<Row>& row) {
  if (!row) return "null";
  std::string out;
  AppendJsonRow(out, *row);
  return out;
}

// "c", "u", ... for changes, "T" for tombstones.
inline std::string OpSequence(const std::vector<ChangeEvent>& events) {
  std::string out;
  for (const ChangeEvent& e : events) {
    out += e.kind == RecordKind::kTombstone ? "T" : std::string(OpName(e.op));
  }
  return out;
}

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_EVENT_TEXT_H_
