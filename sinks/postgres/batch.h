// PgBatch: one Write of the PostgreSQL sink on one connection, as a small state machine on the
// sink's strand:
//
//   connect (if needed) → migrate the offsets tables (once per sink) → read the target tables'
//   columns (cached) → schema drift (ALTER TABLE ADD COLUMN when auto_evolve, else the action is
//   a bad record or fatal) → the transaction → outcomes.
//
// The transaction is one pipeline, one implicit transaction:
//   for each (route, topic, partition): ensure + lock its processed-offsets row;
//   read the rejected records in the batch's offset range;
//   one guarded statement per action;
//   record the actions found bad in this batch as rejected;
//   advance each next_offset to the batch's last offset + 1.
// A statement failing with a bad-record SQLSTATE (23xxx, 22xxx, 42xxx) rolls everything back;
// that action is set aside as a bad record and the transaction runs again without it (at most
// once per action), so the rest of the batch commits. Any other failure gives every undecided
// action the same outcome (retry, unavailable, fatal): nothing of the batch was committed, or,
// when the connection broke during the commit, maybe all of it -- either way the guard makes
// the retry safe.
//
// Thread-safety: strand only.
#ifndef FANOUT_SINKS_POSTGRES_BATCH_H_
#define FANOUT_SINKS_POSTGRES_BATCH_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dedup/processed_offsets.h"
#include "sinks/postgres/action.h"
#include "sinks/postgres/connection.h"
#include "sinks/postgres/settings.h"
#include "sinks/postgres/statements.h"
#include "sinks/sink.h"

namespace fanout {

// What the batches of one sink share (strand only, except `view`, which is thread-safe).
struct PgSinkState {
  PgSinkState(PostgresSinkSettings s)  // NOLINT: implicit for make_shared
      : settings(std::move(s)),
        offsets_sql(settings.offsets_table),
        view(std::make_shared<ProcessedOffsetsView>()) {}
  PostgresSinkSettings settings;
  ProcessedOffsetsSql offsets_sql;
  std::shared_ptr<ProcessedOffsetsView> view;
  bool migrated = false;
  std::map<std::string, TableInfo, std::less<>> tables;  // target table → columns
};

class PgBatch : public std::enable_shared_from_this<PgBatch> {
 public:
  using Done = std::function<void(std::vector<ActionResult>)>;
  PgBatch(std::shared_ptr<PgSinkState> state, std::vector<const PostgresAction*> actions,
          Done done);

  // Runs the batch on `connection` (connecting it first if needed); `done` runs once.
  void Run(std::shared_ptr<PgConnection> connection);
  // Finishes a batch that never ran: every action gets `result`.
  void Cancel(const ActionResult& result) { FailAll(result); }

 private:
  void Step();
  void Migrate();
  void LoadTables();
  bool HandleDrift();  // false: waiting for ALTER TABLE
  void Transact();
  void OnTransaction(PgPipelineResult result, std::vector<int> query_action);
  // Every undecided action gets `result`; then finishes.
  void FailAll(const ActionResult& result);
  void FailConnection(const PgPipelineResult& result);
  void Finish();

  std::shared_ptr<PgSinkState> state_;
  std::vector<const PostgresAction*> actions_;
  std::vector<std::optional<ActionResult>> results_;
  Done done_;
  std::shared_ptr<PgConnection> connection_;
  bool evolved_ = false;  // ALTER TABLE ran for this batch (once)
  std::size_t rounds_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_BATCH_H_
