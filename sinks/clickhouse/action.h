// ClickHouseAction: what one (event, route) asks of ClickHouse: one row for one table, as a
// JSONEachRow line ready to be concatenated into an INSERT's body. Built once on the consume
// thread (sinks/clickhouse/action_builder.h), then only read on the sink's I/O thread.
#ifndef FANOUT_SINKS_CLICKHOUSE_ACTION_H_
#define FANOUT_SINKS_CLICKHOUSE_ACTION_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "sinks/sink.h"

namespace fanout {

class ClickHouseAction final : public SinkAction {
 public:
  // `table` is shared by the actions of a route with a fixed table: one allocation less per row.
  ClickHouseAction(std::shared_ptr<const std::string> table, std::string row)
      : table_(std::move(table)), row_(std::move(row)) {}
  ClickHouseAction(std::string table, std::string row)
      : ClickHouseAction(std::make_shared<const std::string>(std::move(table)), std::move(row)) {}

  // `database`.`table`, quoted: rows of one table share one INSERT.
  std::string_view table() const { return *table_; }
  // One JSON object and '\n'.
  std::string_view row() const { return row_; }

 private:
  std::shared_ptr<const std::string> table_;
  std::string row_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_CLICKHOUSE_ACTION_H_
