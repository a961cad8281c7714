// PostgresActionBuilder: turns the events of one route into PostgresActions. Pure: no I/O.
//
// Route options (see README.md):
//   table: [schema.]name     target table; default: the source's schema.table
//   mode: upsert | append    upsert (default): mirror rows by key -- c/u/r upsert, d delete;
//                            append: one new row per change (an audit trail), with the op and
//                            the source position in `op_column` / `position_column`
//   version_column: name     upsert only: the row keeps the version of the change that wrote it
//                            (numeric), and an older change never overwrites or deletes it
//   truncate: true           upsert only: a `t` event empties the target table (default: ignored)
//   op_column, position_column   append only; default fanout_op, fanout_position
//
// Column mapping is the route's own projection (include, exclude, rename). An unchanged-TOAST
// column (after image placeholder the before image cannot fill) is left out, so the row keeps
// the value it has.
//
// Thread-safety: immutable after Create; Build is const.
#ifndef FANOUT_SINKS_POSTGRES_ACTION_BUILDER_H_
#define FANOUT_SINKS_POSTGRES_ACTION_BUILDER_H_

#include <memory>
#include <string>

#include "processor/core/change_event.h"
#include "processor/core/kafka_record.h"
#include "processor/core/status.h"
#include "processor/route/router.h"
#include "sinks/postgres/action.h"
#include "sinks/sink.h"

namespace fanout {

class ProcessedOffsetsView;  // sinks/postgres/processed_offsets.h

class PostgresActionBuilder final : public ActionBuilder {
 public:
  // InvalidArgument naming the option at fault. `offsets` (may be null) is what the sink last
  // read from its processed-offsets table: a record below its route's stored next offset is
  // already in the database and gets no action.
  static Result<std::unique_ptr<PostgresActionBuilder>> Create(
      const RouteBinding& binding, std::shared_ptr<const ProcessedOffsetsView> offsets = nullptr);

  Result<std::unique_ptr<SinkAction>> Build(const ChangeEvent& event,
                                            const KafkaRecordView& record) const override;

 private:
  PostgresActionBuilder() = default;
  // Build without the final NUL check; null: nothing to do.
  Result<std::unique_ptr<PostgresAction>> BuildAction(const ChangeEvent& event,
                                                      const KafkaRecordView& record) const;
  Status AddKey(const ChangeEvent& event, PostgresAction* action) const;
  Status AddImage(const ChangeEvent& event, const Row& image, bool after,
                  PostgresAction* action) const;

  const CompiledRoute* route_ = nullptr;
  std::shared_ptr<const ProcessedOffsetsView> offsets_;
  std::string table_;  // the configured `table`, quoted (QuoteQualified); empty: the source's
  bool append_ = false;
  bool truncate_ = false;
  std::string version_column_;
  std::string op_column_ = "fanout_op";
  std::string position_column_ = "fanout_position";
};

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_ACTION_BUILDER_H_
