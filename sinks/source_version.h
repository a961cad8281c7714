// The version a sink's guard compares, one signed 64-bit integer in [0, 2^63-1] per change,
// derived from the source position (DESIGN.md §3), never from the Kafka offset when there is a
// position: the Elasticsearch sink's external version (`version_type: external_gte`) and the
// ClickHouse sink's `_version` column (ReplacingMergeTree keeps the row of the highest one). The
// target keeps a change only when its version is >= the stored one, so the version must not
// decrease along the order in which the source made the changes. Pure: no I/O.
//
//   PostgreSQL  max(sequence[0], lsn)
//     sequence[0] (`major`) is the END LSN of the last transaction Debezium had seen committed
//     before this change's transaction; `lsn` (`minor`) is the change's own WAL position.
//     Order it keeps: the commit order of (sequence[0], lsn), the key DESIGN.md §3 names.
//       * Across transactions, strictly: every change of transaction T lies before T's commit
//         record, whose end is the sequence[0] of every later transaction, so each of T's
//         versions is below every later transaction's.
//       * Within a transaction, strictly for the changes written at or after the previous
//         commit's end (the row LSN breaks the tie; the usual case for short transactions).
//         Changes written before it (the transaction overlapped the previous committer) all get
//         sequence[0]: equal versions. external_gte applies equal versions, so the later of two
//         such changes to one document is not protected against a replay of the earlier one.
//       * No commit LSN (null sequence[0]: snapshot rows, the first transaction after a fresh
//         start, flattened records carrying __lsn only): the row LSN, as if committed there.
//     Why not ToExternalVersion (the row LSN alone): overlapping transactions interleave their
//     row LSNs, so a later commit can carry a smaller LSN and would be rejected as stale. Why not
//     (sequence[0] << k | tie-break): k bits taken from a 64-bit LSN limit the WAL the version can
//     describe, for a tie-break that still saturates within long transactions; max() keeps the
//     whole LSN range and costs nothing when transactions do not overlap.
//   MySQL/MariaDB  file_number << 32 | (pos + row)
//     `pos` is the start of the row event, `row` the row's index in it. A row event is longer
//     than its number of rows (a header, and at least one byte per row), so pos + row stays below
//     the next event's pos: strictly increasing in binlog order (file, pos, row), as long as
//     pos + row < 2^32 (v4 headers have 32-bit positions; above, it saturates: equal versions).
//   Kafka fallback (no source position in the record: flattened records without __lsn,
//   incremental-snapshot rows)  the record's offset. Ordered within one partition, where
//   Debezium keeps a key; weaker (a change Debezium re-emits after its own restart gets a new,
//   larger offset), and not comparable with the versions above.
//
// InvalidArgument when the version cannot be formed (an LSN or offset of 2^63 or more, a binlog
// file number of 2^31 or more, a position of 2^32 or more, no position and no offset): the
// change is a bad record, never a silently wrapped version.
#ifndef FANOUT_SINKS_SOURCE_VERSION_H_
#define FANOUT_SINKS_SOURCE_VERSION_H_

#include <cstdint>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"

namespace fanout {

Result<std::int64_t> SourceVersion(const ChangeEvent& event, const KafkaRecordView& record);

}  // namespace fanout

#endif  // FANOUT_SINKS_SOURCE_VERSION_H_
