#include "processor/core/change_event.h"

#include <cstdint>
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

std::string_view ChangeEvent::QualifiedTableInto(std::string* buffer) const {
  const std::string& qualifier = schema.empty() ? database : schema;
  buffer->clear();
  if (table.empty()) return *buffer;
  if (!qualifier.empty()) {
    buffer->append(qualifier);
    buffer->push_back('.');
  }
  buffer->append(table);
  return *buffer;
}

std::string ChangeEvent::QualifiedTable() const {
  std::string out;
  QualifiedTableInto(&out);
  return out;
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

Result<std::int64_t> ToExternalVersion(const SourcePosition& position) {
  constexpr std::uint64_t kMaxVersion = static_cast<std::uint64_t>(INT64_MAX);
  switch (position.kind) {
    case SourcePosition::Kind::kNone:
      return InvalidArgument("no source position to derive an external version from");
    case SourcePosition::Kind::kPostgres:
    case SourcePosition::Kind::kKafka:
      if (position.minor > kMaxVersion) {
        return InvalidArgument("position " + position.ToString() +
                               " does not fit an external version (over 2^63-1)");
      }
      return static_cast<std::int64_t>(position.minor);
    case SourcePosition::Kind::kBinlog:
      if (position.major > (kMaxVersion >> 32) || position.minor > 0xFFFFFFFFu) {
        return InvalidArgument("position " + position.ToString() +
                               " does not fit an external version (file number over 2^31-1 or "
                               "pos over 2^32-1)");
      }
      return static_cast<std::int64_t>((position.major << 32) | position.minor);
  }
  return InvalidArgument("unknown source position kind");
}

}  // namespace fanout
