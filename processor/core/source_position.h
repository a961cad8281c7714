// SourcePosition: where a change happened in the source database, comparable within a source.
//
// Versions, idempotency keys and dedup decisions come from this position, never from the Kafka
// offset alone, because Debezium re-emits the same change at a new offset after its own restart.
#ifndef FANOUT_PROCESSOR_CORE_SOURCE_POSITION_H_
#define FANOUT_PROCESSOR_CORE_SOURCE_POSITION_H_

#include <compare>
#include <cstdint>
#include <string>

#include "processor/core/status.h"

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

// The position as one int64 for Elasticsearch `version_type=external(_gte)`, whose versions are
// longs in [0, 2^63-1] and where a write wins only if its version is greater (or equal).
//
//  * kPostgres: the row's LSN (`minor`). LSNs grow with WAL position and Debezium streams in
//    commit order, so within one key a later change normally has a larger LSN. Caveats (see
//    docs/ARCHITECTURE.md#source-positions): LSNs of overlapping transactions interleave, so a
//    transaction that began before another but committed after it can carry a *smaller* LSN; and
//    all snapshot rows share the snapshot's LSN, while a transaction that was open at the
//    snapshot's consistent point streams afterwards with LSNs *below* it. Such a newer change would
//    be rejected as stale. The safe scalar is the transaction's commit LSN, which needs transaction
//    metadata (not done here). Use `external_gte` so that replays (same LSN) are accepted.
//  * kBinlog: file number << 32 | pos. `pos` is 32-bit in v4 binlog headers. `row` does not fit,
//    so the rows of one multi-row event share a version: use `external_gte`.
//  * kKafka: the offset (weak: Debezium re-emits a change at a new offset after a restart).
// InvalidArgument when there is no position (kNone) or the value does not fit in [0, 2^63-1]
// (an LSN >= 2^63, a file number >= 2^31, a pos >= 2^32): never a silent wrap.
Result<std::int64_t> ToExternalVersion(const SourcePosition& position);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_SOURCE_POSITION_H_
