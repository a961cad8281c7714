// ChangeEvent: the one model the whole engine speaks, produced by the decoder from a Debezium
// record. Immutable once decoded; owns all its data (it does not borrow from the Kafka batch).
#ifndef FANOUT_PROCESSOR_CORE_CHANGE_EVENT_H_
#define FANOUT_PROCESSOR_CORE_CHANGE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "processor/core/kafka_record.h"
#include "processor/core/source_position.h"
#include "processor/core/value.h"

namespace fanout {

enum class Op : char {
  kCreate = 'c',
  kUpdate = 'u',
  kDelete = 'd',
  kRead = 'r',  // snapshot row
  kTruncate = 't',
  kMessage = 'm',  // Postgres logical-decoding message
};

// What kind of record the decoder found. Only kChange carries an Op and row images.
enum class RecordKind : std::uint8_t {
  kChange,        // a data change event (envelope or flattened)
  kTombstone,     // null value after a delete: compaction's marker, never a delete of its own
  kHeartbeat,     // __debezium-heartbeat.* : liveness only
  kTransaction,   // <prefix>.transaction BEGIN/END metadata
  kSchemaChange,  // MySQL/MariaDB schema-change topic
};

std::string_view OpName(Op op);  // "c", "u", ...
std::string_view RecordKindName(RecordKind kind);

struct ChangeEvent {
  RecordKind kind = RecordKind::kChange;
  Op op = Op::kCreate;
  std::string connector;  // "postgresql", "mysql", ... ; empty when unknown (flattened records)
  std::string database;   // source.db
  std::string schema;     // source.schema (Postgres); empty for MySQL
  std::string table;      // source.table
  Row key;                // primary-key columns from the record key; empty when the key is null
  std::optional<Row> before;
  std::optional<Row> after;
  SourcePosition position;
  // The rest of a MySQL/MariaDB source block (empty, 0 or -1 for other sources): the binlog file
  // as named ("binlog.000003"; `position` holds its number), the transaction's GTID ("0-1-36" on
  // MariaDB, "<server uuid>:<n>" on MySQL; empty without GTIDs), the originating server, the
  // session's thread id (-1 when absent: MariaDB with GTIDs has none), and the statement (only
  // with the connector's include.query and the server's annotate/rows-query events).
  struct Binlog {
    std::string file;
    std::string gtid;
    std::int64_t server_id = 0;
    std::int64_t thread = -1;
    std::string query;
  };
  Binlog binlog;
  std::int64_t source_ts_ms = 0;  // when the change happened in the source (0 when unknown)
  bool snapshot = false;          // a snapshot read (initial or incremental)
  KafkaCoordinates origin;

  // Primary-key change (Debezium emits d(old key) + tombstone + c(new key), not a u): the `d`
  // carries the new key (header __debezium.newkey), the `c` the old one (__debezium.oldkey).
  // Both absent on every other record, so a sink can tell "key moved" from a plain delete/insert.
  std::optional<Row> old_key;
  std::optional<Row> new_key;
  // op=m (Postgres logical-decoding message): columns "prefix" (kString) and "content" (kBytes).
  std::optional<Row> message;

  // "schema.table" for Postgres, "db.table" for MySQL; "" when unknown.
  std::string QualifiedTable() const;
  // The same, built into `buffer` (reused, so the hot path does not allocate per event); the
  // view is valid until `buffer` changes.
  std::string_view QualifiedTableInto(std::string* buffer) const;
};

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_CHANGE_EVENT_H_
