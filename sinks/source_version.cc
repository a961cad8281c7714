#include "sinks/source_version.h"

#include <algorithm>
#include <limits>
#include <string>

namespace fanout {
namespace {

constexpr std::uint64_t kMaxVersion = std::numeric_limits<std::int64_t>::max();

Result<std::int64_t> Checked(std::uint64_t value, const SourcePosition& position) {
  if (value > kMaxVersion) {
    return InvalidArgument("source position " + position.ToString() +
                           " does not fit a sink version (over 2^63-1)");
  }
  return static_cast<std::int64_t>(value);
}

}  // namespace

Result<std::int64_t> SourceVersion(const ChangeEvent& event, const KafkaRecordView& record) {
  const SourcePosition& p = event.position;
  switch (p.kind) {
    case SourcePosition::Kind::kPostgres:
      return Checked(std::max(p.major, p.minor), p);
    case SourcePosition::Kind::kBinlog: {
      constexpr std::uint64_t kMaxPos = 0xFFFFFFFFu;
      if (p.major > (kMaxVersion >> 32) || p.minor > kMaxPos) {
        return InvalidArgument("source position " + p.ToString() +
                               " does not fit a sink version (binlog file number over "
                               "2^31-1 or position over 2^32-1)");
      }
      const std::uint64_t low = std::min(p.minor + std::min(p.sub, kMaxPos), kMaxPos);
      return static_cast<std::int64_t>((p.major << 32) | low);
    }
    case SourcePosition::Kind::kKafka:
      return Checked(p.minor, p);
    case SourcePosition::Kind::kNone:
      break;
  }
  if (record.offset >= 0) return record.offset;
  return InvalidArgument(
      "the change has no source position and no Kafka offset to version it with; a replay "
      "could overwrite a newer document");
}

}  // namespace fanout
