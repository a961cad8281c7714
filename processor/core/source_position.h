// SourcePosition: where a change happened in the source database, comparable within a source.
//
// Versions, idempotency keys and dedup decisions come from this position, never from the Kafka
// offset alone, because Debezium re-emits the same change at a new offset after its own restart.
#ifndef FANOUT_PROCESSOR_CORE_SOURCE_POSITION_H_
#define FANOUT_PROCESSOR_CORE_SOURCE_POSITION_H_

#include <compare>
#include <cstdint>
#include <string>

namespace fanout {

struct SourcePosition {
  enum class Kind : std::uint8_t {
    kNone = 0,  // unknown
    kKafka,     // fallback: (partition, offset); weaker, a re-emitted change gets a new one
    kPostgres,  // commit-ordered (sequence[0] = last commit LSN, lsn); 0 stands for null
    kBinlog,    // MySQL/MariaDB (binlog file number, pos, row)
  };

  Kind kind = Kind::kNone;
  // Meaning by kind: kPostgres (last_commit_lsn, lsn, 0); kBinlog (file_number, pos, row);
  // kKafka (partition, offset, 0). Compared lexicographically; only positions of the same kind
  // (and the same source) are comparable.
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t sub = 0;

  friend auto operator<=>(const SourcePosition&, const SourcePosition&) = default;
  friend bool operator==(const SourcePosition&, const SourcePosition&) = default;

  // Stable text form for idempotency keys and logs: "pg:<commit_lsn>:<lsn>",
  // "binlog:<file>:<pos>:<row>", "kafka:<partition>:<offset>", or "none".
  std::string ToString() const;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_SOURCE_POSITION_H_
