// ClickHouseActionBuilder: turns the events of one route into rows of a ReplacingMergeTree
// table. Pure: no I/O.
//
// Route options (sinks/clickhouse/README.md has the user's view):
//   table      the target table in the sink's database; default: the source table's name
//   decimals   number (default): exact decimals as JSON numbers with the source's digits;
//              string: as JSON strings
//   include/exclude/rename (the route's projection) shape the row.
//
//   op        row
//   c, u, r   the projected after image, `_version`, `_deleted: 0`
//   d         the projected before image (or, without one, the key columns), the key columns
//             the before image lacks, `_version`, `_deleted: 1`: the columns ClickHouse does not
//             get keep their defaults
//   t, m      nothing (a null action)
//
// `_version` is SourceVersion (sinks/source_version.h), the position every version guard uses:
// ReplacingMergeTree(_version) keeps the row with the highest, so a replayed older change never
// wins, and a replay of the same change collapses with it. A primary-key change arrives from
// Debezium as d (old key) and c (new key) with one position and needs nothing special.
//
// Values: booleans as true/false, exact decimals as numbers (or strings), json columns as a
// JSON string of their text (a String column), bytes as base64 text, dates and times as the
// decoder's text (ISO 8601; the sink inserts with date_time_input_format=best_effort).
//
// InvalidArgument (the event is a bad record for the route): a column the projection writes as
// `_version` or `_deleted`, an unchanged-TOAST column the before image cannot fill (a row without
// it would reset the column), no version, a delete without key and before image.
//
// Thread-safety: immutable after Create; Build is const.
#ifndef FANOUT_SINKS_CLICKHOUSE_ACTION_BUILDER_H_
#define FANOUT_SINKS_CLICKHOUSE_ACTION_BUILDER_H_

#include <memory>
#include <string>
#include <string_view>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/route/router.h"
#include "sinks/clickhouse/action.h"
#include "sinks/sink.h"

namespace fanout {

// The columns every target table has besides the row's own.
inline constexpr std::string_view kVersionColumn = "_version";
inline constexpr std::string_view kDeletedColumn = "_deleted";

class ClickHouseActionBuilder final : public ActionBuilder {
 public:
  // InvalidArgument naming the option at fault: a template (this sink has none), an option this
  // sink does not know, an empty `table`, `decimals` other than number/string.
  static Result<std::unique_ptr<ClickHouseActionBuilder>> Create(const RouteBinding& binding,
                                                                 std::string database);

  Result<std::unique_ptr<SinkAction>> Build(const ChangeEvent& event,
                                            const KafkaRecordView& record) const override;

 private:
  ClickHouseActionBuilder() = default;

  Status AppendColumn(std::string_view name, const Value& value, bool* first,
                      std::string* out) const;
  void AppendValue(const Value& value, std::string* out) const;

  const CompiledRoute* route_ = nullptr;
  std::string database_;  // quoted
  // `database`.`table` when the route names one; null: the event's table
  std::shared_ptr<const std::string> fixed_table_;
  bool decimals_as_numbers_ = true;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_CLICKHOUSE_ACTION_BUILDER_H_
