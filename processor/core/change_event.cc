#include "processor/core/change_event.h"

#include <string>

namespace fanout {

std::string ToString(const TopicPartition& tp) {
  return tp.topic + "[" + std::to_string(tp.partition) + "]";
}

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kCreate:
      return "c";
    case Op::kUpdate:
      return "u";
    case Op::kDelete:
      return "d";
    case Op::kRead:
      return "r";
    case Op::kTruncate:
      return "t";
    case Op::kMessage:
      return "m";
  }
  return "?";
}

std::string_view RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kChange:
      return "change";
    case RecordKind::kTombstone:
      return "tombstone";
    case RecordKind::kHeartbeat:
      return "heartbeat";
    case RecordKind::kTransaction:
      return "transaction";
    case RecordKind::kSchemaChange:
      return "schema_change";
  }
  return "?";
}

std::string ChangeEvent::QualifiedTable() const {
  const std::string& qualifier = schema.empty() ? database : schema;
  if (table.empty()) return "";
  if (qualifier.empty()) return table;
  return qualifier + "." + table;
}

std::string SourcePosition::ToString() const {
  switch (kind) {
    case Kind::kNone:
      return "none";
    case Kind::kKafka:
      return "kafka:" + std::to_string(major) + ":" + std::to_string(minor);
    case Kind::kPostgres:
      return "pg:" + std::to_string(major) + ":" + std::to_string(minor);
    case Kind::kBinlog:
      return "binlog:" + std::to_string(major) + ":" + std::to_string(minor) + ":" +
             std::to_string(sub);
  }
  return "none";
}

}  // namespace fanout
