// Minimal JSON text building for logs, dumps and request bodies. Appends to a caller-owned
// string so hot paths can reuse one buffer.
#ifndef FANOUT_PROCESSOR_CORE_JSON_WRITER_H_
#define FANOUT_PROCESSOR_CORE_JSON_WRITER_H_

#include <string>
#include <string_view>

#include "processor/core/change_event.h"
#include "processor/core/value.h"

namespace fanout {

// Appends `s` as a quoted JSON string, escaping as RFC 8259 requires.
void AppendJsonString(std::string& out, std::string_view s);
// Appends a Value: null, true/false, number, string, nested JSON verbatim; kUnchanged is written
// as the object {"$unchanged":true} so a reader can tell it from a real value.
void AppendJsonValue(std::string& out, const Value& value);
// Appends a Row as a JSON object in column order.
void AppendJsonRow(std::string& out, const Row& row);
// One ChangeEvent as one line of JSON (no trailing newline): kind, op, table, key, before,
// after, position, source_ts_ms, snapshot and the Kafka coordinates.
void AppendChangeEventJson(std::string& out, const ChangeEvent& event);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_JSON_WRITER_H_
