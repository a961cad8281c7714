// The `source` block of a Debezium envelope → table identity, snapshot flag, source timestamp
// and the connector's SourcePosition. Internal to processor/debezium.
#ifndef FANOUT_PROCESSOR_DEBEZIUM_SOURCE_BLOCK_H_
#define FANOUT_PROCESSOR_DEBEZIUM_SOURCE_BLOCK_H_

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "processor/core/change_event.h"
#include "processor/core/status.h"

namespace fanout::debezium {

// Reads an optional integer member; absent or null leave `*out` untouched. Accepts integers
// written as JSON numbers or as decimal strings (Debezium's docs show both).
Status ReadInt(simdjson::dom::object object, std::string_view key, std::int64_t* out);
// Reads an optional string member into `*out` (absent or null leave it untouched).
Status ReadString(simdjson::dom::object object, std::string_view key, std::string* out);

SourcePosition KafkaPosition(std::int32_t partition, std::int64_t offset);

// Fills connector, database, schema, table, source_ts_ms, snapshot and position of `*event`.
// PostgreSQL: (sequence[0], lsn); MySQL/MariaDB: (binlog file number, pos, row); any other
// connector, or a source without a usable position: the Kafka (partition, offset) already there.
Status DecodeSource(simdjson::dom::object source, ChangeEvent* event);

}  // namespace fanout::debezium

#endif  // FANOUT_PROCESSOR_DEBEZIUM_SOURCE_BLOCK_H_
