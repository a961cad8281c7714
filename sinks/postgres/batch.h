// PostgresBatch: one Write of the PostgreSQL sink on one connection, as a small state machine on
// the sink's strand:
//
//   connect (if needed) → migrate the offsets tables (once per sink) → read the target tables'
//   columns (cached) → schema drift (ALTER TABLE ADD COLUMN when auto_evolve, else the action is
//   a bad record or fatal) → the transaction → outcomes.
//
// The transaction is one pipeline, one implicit transaction:
//   for each (route, topic, partition): ensure + lock its processed-offsets row, and read the
//   rejected records in the batch's offset range;
//   for each of them: claim the batch's offsets (ProcessedOffsetsSql::Claim);
//   the writes: one statement per run of same-shape actions (statements.h);
//   record the actions found bad in this batch as rejected;
//   advance each next_offset to the batch's last offset + 1.
// A write failing with a bad-record SQLSTATE (23xxx, 22xxx, 42xxx) rolls everything back. A run
// of several actions is then written again one statement per action, to find the culprit; a
// single action is set aside as a bad record and the transaction runs again without it (so the
// rest of the batch commits). A failed claim means part of the batch is in the database already
// (a retry after an unacknowledged commit, or another instance): what lies below the stored
// next_offset is settled (already applied, or the bad record it was) and the rest runs again.
// Any other failure gives every unsettled action the same outcome (retry, unavailable, fatal):
// nothing of the batch was committed, or, when the connection broke during the commit, maybe
// all of it -- either way the claim makes the retry safe.
//
// Thread-safety: strand only.
#ifndef FANOUT_SINKS_POSTGRES_BATCH_H_
#define FANOUT_SINKS_POSTGRES_BATCH_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sinks/postgres/action.h"
#include "sinks/postgres/connection.h"
#include "sinks/postgres/processed_offsets.h"
#include "sinks/postgres/settings.h"
#include "sinks/postgres/statements.h"
#include "sinks/sink.h"

namespace fanout {

// What the batches of one sink share (strand only, except `view`, which is thread-safe).
struct PostgresSinkState {
  PostgresSinkState(PostgresSinkSettings s)  // NOLINT: implicit for make_shared
      : settings(std::move(s)),
        offsets_sql(settings.offsets_table),
        view(std::make_shared<ProcessedOffsetsView>()) {}
  PostgresSinkSettings settings;
  ProcessedOffsetsSql offsets_sql;
  std::shared_ptr<ProcessedOffsetsView> view;
  bool migrated = false;
  std::map<std::string, TableInfo, std::less<>> tables;  // target table → columns
};

class PostgresBatch : public std::enable_shared_from_this<PostgresBatch> {
 public:
  using Done = std::function<void(std::vector<ActionResult>)>;
  PostgresBatch(std::shared_ptr<PostgresSinkState> state,
                std::vector<const PostgresAction*> actions, Done done);

  // Runs the batch on `connection` (connecting it first if needed); `done` runs once.
  void Run(std::shared_ptr<PostgresConnection> connection);
  // Finishes a batch that never ran: every action gets `result`.
  void Cancel(const ActionResult& result) { FailAll(result); }

 private:
  // What each query of the transaction's pipeline is, for OnTransaction.
  enum class Role : std::uint8_t { kBookkeeping, kLock, kRejected, kClaim, kWrite };
  struct Plan {
    std::vector<std::tuple<std::string, std::string, std::int32_t>> keys;  // offsets rows
    std::vector<std::vector<std::size_t>> writes;       // per write statement: its actions
    std::vector<std::pair<Role, std::size_t>> queries;  // role, index into keys or writes
  };

  void Step();
  void Migrate();
  void LoadTables();
  bool HandleDrift();  // false: waiting for ALTER TABLE
  void Transact();
  // Appends the write statement(s) of `run` (actions of one shape) to `queries`.
  void AddWrite(const std::vector<std::size_t>& run, bool single,
                std::vector<PostgresQuery>* queries);
  void OnTransaction(PostgresPipelineResult result);
  // The claim failed: settles the actions below the stored next_offsets, then runs the rest.
  void SettleClaimed(const PostgresPipelineResult& result);
  // Every unsettled action gets `result`; then finishes.
  void FailAll(const ActionResult& result);
  void FailConnection(const PostgresPipelineResult& result);
  void Finish();

  std::shared_ptr<PostgresSinkState> state_;
  std::vector<const PostgresAction*> actions_;
  std::vector<std::optional<ActionResult>> results_;
  std::vector<bool> alone_;    // written by a statement of its own (its run failed)
  std::vector<bool> settled_;  // outcome final and already in the database: not written again
  Done done_;
  std::shared_ptr<PostgresConnection> connection_;
  Plan plan_;
  bool evolved_ = false;  // ALTER TABLE ran for this batch (once)
  std::size_t rounds_ = 0;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_POSTGRES_BATCH_H_
