// ElasticsearchVersion: the external version the Elasticsearch sink writes with every bulk item
// (`version_type: external_gte`). One signed 64-bit integer in [0, 2^63-1] per change, from the
// source position (docs/ARCHITECTURE.md#source-positions), and from the Kafka offset only when
// the record carries no position. The index applies an item only when its version is >= the
// stored one, so the version never decreases along the order in which the source made the
// changes:
//   PostgreSQL     max(sequence[0], lsn)             commit order
//   MySQL/MariaDB  file_number << 32 | (pos + row)   binlog order
//   no position    the record's Kafka offset         record order within a partition (weaker)
// Why these formulas, what they keep and where they tie: README.md here, "Versioning".
//
// InvalidArgument when the version cannot be formed (an LSN or offset of 2^63 or more, a binlog
// file number of 2^31 or more, a position of 2^32 or more, no position and no offset): the
// change is a bad record, never a silently wrapped version. Pure: no I/O.
#ifndef FANOUT_SINKS_ELASTICSEARCH_VERSION_H_
#define FANOUT_SINKS_ELASTICSEARCH_VERSION_H_

#include <cstdint>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"

namespace fanout {

Result<std::int64_t> ElasticsearchVersion(const ChangeEvent& event, const KafkaRecordView& record);

}  // namespace fanout

#endif  // FANOUT_SINKS_ELASTICSEARCH_VERSION_H_
