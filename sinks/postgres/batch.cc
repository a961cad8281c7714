#include "sinks/postgres/batch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "sinks/postgres/column_text.h"
#include "sinks/postgres/errors.h"
#include "sinks/postgres/values.h"
#include "sinks/text_numbers.h"

namespace fanout {
namespace {

using OffsetsKey = std::tuple<std::string, std::string, std::int32_t>;  // route, topic, partition

struct Range {
  std::int64_t min = 0;
  std::int64_t max = 0;
};

std::vector<std::optional<std::string>> KeyParams(const std::string& group, const OffsetsKey& key) {
  return {group, std::get<0>(key), std::get<1>(key), std::to_string(std::get<2>(key))};
}

// A catalog modifier (pg_attribute.atttypmod), -1 when there is none.
std::int32_t ParseTypmod(const std::optional<std::string>& text) {
  std::int32_t typmod = -1;
  if (text) (void)std::from_chars(text->data(), text->data() + text->size(), typmod);
  return typmod;
}

// The first failed query of a pipeline, or nullptr.
const PostgresQueryResult* FirstError(const PostgresPipelineResult& result, std::size_t* index) {
  for (std::size_t i = 0; i < result.results.size(); ++i) {
    if (result.results[i].state == PostgresQueryResult::State::kError) {
      *index = i;
      return &result.results[i];
    }
  }
  return nullptr;
}

// A failure of the sink's own statements (migration, catalog, ALTER TABLE): a bad-record class
// there is the sink's configuration, not a record.
ActionResult SinkStatementFailure(const PostgresQueryResult& error, std::string_view what) {
  ActionResult result = ClassifySqlState(error.sqlstate, error.message);
  result.message = std::string(what) + ": " + result.message;
  if (result.outcome == ActionOutcome::kBadRecord) result.outcome = ActionOutcome::kFatal;
  return result;
}

// insufficient_privilege: fatal, unless the table is the record's (PostgresAction).
constexpr std::string_view kInsufficientPrivilege = "42501";

// The claim's own failure (ProcessedOffsetsSql::Claim): division by zero.
constexpr std::string_view kClaimLost = "22012";

// A write failing for its own row: the bad-record classes, and 21000 (a row its statement
// affects twice: in a run, two actions on rows equal by value but not as text; alone, a trigger).
bool IsRowFault(std::string_view sqlstate) {
  return IsBadRecordSqlState(sqlstate) || sqlstate == "21000";
}

// Failures of a run of several actions that one of them, or their number, may cause: the run is
// then written one statement per action. Row faults; 54000 and 53200 (too large, out of memory).
bool SplitRunOn(std::string_view sqlstate) {
  return IsRowFault(sqlstate) || sqlstate == "54000" || sqlstate == "53200";
}

// A run's parameters travel in one message: past this many bytes the run ends (the server's
// limit is 1 GB; a smaller message also bounds the memory of both sides).
constexpr std::size_t kMaxRunBytes = std::size_t{32} << 20;

}  // namespace

PostgresBatch::PostgresBatch(std::shared_ptr<PostgresSinkState> state,
                             std::vector<const PostgresAction*> actions, Done done)
    : state_(std::move(state)),
      actions_(std::move(actions)),
      results_(actions_.size()),
      alone_(actions_.size(), false),
      settled_(actions_.size(), false),
      done_(std::move(done)) {}

void PostgresBatch::Run(std::shared_ptr<PostgresConnection> connection) {
  connection_ = std::move(connection);
  if (connection_->connected()) return Step();
  connection_->Connect(state_->settings.timeout, [self = shared_from_this()](std::string error) {
    if (!error.empty()) return self->FailAll(ClassifyConnectionFailure(error));
    self->Step();
  });
}

void PostgresBatch::Step() {
  if (!state_->migrated) return Migrate();
  for (const PostgresAction* action : actions_) {
    if (!state_->tables.contains(action->table)) return LoadTables();
  }
  if (!HandleDrift()) return;
  Transact();
}

void PostgresBatch::FailConnection(const PostgresPipelineResult& result) {
  if (result.timed_out) {
    FailAll(ActionResult::Retry("postgres: no answer within the sink's timeout (" +
                                std::to_string(state_->settings.timeout.count()) + " ms)"));
  } else {
    FailAll(ClassifyConnectionFailure(result.connection_error));
  }
}

void PostgresBatch::Migrate() {
  std::vector<PostgresQuery> queries;
  for (std::string& sql : state_->offsets_sql.Migrate()) queries.push_back({std::move(sql), {}});
  connection_->Run(std::move(queries), state_->settings.timeout,
                   [self = shared_from_this()](PostgresPipelineResult result) {
                     if (!result.connection_error.empty()) return self->FailConnection(result);
                     std::size_t index = 0;
                     if (const PostgresQueryResult* error = FirstError(result, &index)) {
                       return self->FailAll(
                           SinkStatementFailure(*error, "creating the processed-offsets tables"));
                     }
                     self->state_->migrated = true;
                     self->Step();
                   });
}

void PostgresBatch::LoadTables() {
  std::vector<std::string> names;
  for (const PostgresAction* action : actions_) {
    if (!state_->tables.contains(action->table) &&
        std::find(names.begin(), names.end(), action->table) == names.end()) {
      names.push_back(action->table);
    }
  }
  std::vector<PostgresQuery> queries;
  for (const std::string& name : names) {
    queries.push_back({TableInfoSql(), {name}});
  }
  connection_->Run(std::move(queries), state_->settings.timeout,
                   [self = shared_from_this(), names](PostgresPipelineResult result) {
                     if (!result.connection_error.empty()) return self->FailConnection(result);
                     std::size_t index = 0;
                     if (const PostgresQueryResult* error = FirstError(result, &index)) {
                       return self->FailAll(
                           SinkStatementFailure(*error, "reading the columns of " + names[index]));
                     }
                     for (std::size_t i = 0; i < names.size(); ++i) {
                       TableInfo info;
                       for (const auto& row : result.results[i].rows) {
                         if (row.size() != 7 || !row[0] || !row[1]) continue;
                         info.types[*row[0]] = *row[1];
                         if (row[2] != "t") info.unrunnable.insert(*row[0]);
                         if (row[3]) info.rounded[*row[0]] = *row[3];
                         const PostgresColumnType type = ColumnTypeOf(
                             row[4].value_or(""), row[5].value_or(""), ParseTypmod(row[6]));
                         if (type.form != PostgresColumnForm::kAsIs) info.forms[*row[0]] = type;
                       }
                       info.exists = !info.types.empty();
                       self->state_->tables[names[i]] = std::move(info);
                     }
                     self->Step();
                   });
}

bool PostgresBatch::HandleDrift() {
  const PostgresSinkSettings& settings = state_->settings;
  std::vector<PostgresQuery> alters;
  std::set<std::string> altered_tables;
  const PostgresAction* complete = nullptr;  // the last action whose columns all exist
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    if (results_[i]) continue;
    const PostgresAction& action = *actions_[i];
    // A batch is mostly one shape: its columns were found for the last complete action.
    if (complete != nullptr && SameShape(*complete, action)) continue;
    const TableInfo& table = state_->tables[action.table];
    if (!table.exists) {
      results_[i] = ActionResult::BadRecord("the target table " + action.table +
                                            " does not exist (fanout does not create it)");
      continue;
    }
    const std::vector<const PostgresColumn*> missing = MissingColumns(action, table);
    if (missing.empty()) {
      complete = &action;
      continue;
    }
    std::string names;
    for (const PostgresColumn* column : missing) {
      names += (names.empty() ? "" : ", ") + column->name;
    }
    if (settings.auto_evolve && !evolved_) {
      for (const PostgresColumn* column : missing) {
        alters.push_back({AddColumnSql(action.table, *column), {}});
      }
      altered_tables.insert(action.table);
      spdlog::warn("postgres: adding column(s) {} to {} (auto_evolve)", names, action.table);
      continue;
    }
    const std::string why =
        "schema drift: the target table " + action.table + " has no column(s) " + names +
        (settings.auto_evolve ? " (adding them failed)" : " (auto_evolve is off)");
    if (settings.on_schema_drift == SchemaDriftAction::kFail) {
      FailAll(ActionResult::Fatal(why + "; on_schema_drift: fail"));
      return false;
    }
    results_[i] = ActionResult::BadRecord(why);
  }
  if (alters.empty()) return true;
  evolved_ = true;
  connection_->Run(std::move(alters), settings.timeout,
                   [self = shared_from_this(), altered_tables](PostgresPipelineResult result) {
                     if (!result.connection_error.empty()) return self->FailConnection(result);
                     std::size_t index = 0;
                     if (const PostgresQueryResult* error = FirstError(result, &index)) {
                       return self->FailAll(SinkStatementFailure(*error, "auto_evolve"));
                     }
                     for (const std::string& table : altered_tables) {
                       self->state_->tables.erase(table);  // read its columns again
                     }
                     self->Step();
                   });
  return false;
}

void PostgresBatch::Transact() {
  if (rounds_++ > 2 * actions_.size() + 2) {
    // Every round settles or isolates something; a claim lost again and again means another
    // writer keeps advancing these partitions.
    return FailAll(ActionResult::Retry("postgres: the batch kept changing under its claim"));
  }
  const std::string& group = state_->settings.consumer_group;
  const ProcessedOffsetsSql& sql = state_->offsets_sql;
  std::map<OffsetsKey, Range> ranges;
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    if (settled_[i]) continue;
    const PostgresAction& action = *actions_[i];
    const OffsetsKey key(action.route, action.topic, action.partition);
    auto [it, inserted] = ranges.try_emplace(key, Range{action.offset, action.offset});
    if (!inserted) {
      it->second.min = std::min(it->second.min, action.offset);
      it->second.max = std::max(it->second.max, action.offset);
    }
  }
  if (ranges.empty()) return Finish();  // everything was settled by an earlier claim
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    // Another batch's auto_evolve may have dropped a table's columns to read them again.
    if (!settled_[i] && !results_[i] && !state_->tables.contains(actions_[i]->table)) {
      return Step();
    }
  }
  plan_ = Plan();
  std::vector<PostgresQuery> queries;
  auto add = [&](std::string text, std::vector<std::optional<std::string>> params, Role role,
                 std::size_t index) {
    queries.push_back({std::move(text), std::move(params)});
    plan_.queries.emplace_back(role, index);
  };
  for (const auto& [key, range] : ranges) {
    const std::size_t k = plan_.keys.size();
    plan_.keys.push_back(key);
    add(sql.EnsureRow(), KeyParams(group, key), Role::kBookkeeping, 0);
    add(sql.LockRow(), KeyParams(group, key), Role::kLock, k);
    std::vector<std::optional<std::string>> params = KeyParams(group, key);
    params.emplace_back(std::to_string(range.min));
    params.emplace_back(std::to_string(range.max));
    add(sql.SelectRejected(), std::move(params), Role::kRejected, k);
  }
  for (std::size_t k = 0; k < plan_.keys.size(); ++k) {
    std::vector<std::optional<std::string>> params = KeyParams(group, plan_.keys[k]);
    params.emplace_back(std::to_string(ranges[plan_.keys[k]].min));
    add(sql.Claim(), std::move(params), Role::kClaim, k);
  }
  // The writes, in runs of consecutive actions of one shape that touch distinct rows.
  std::vector<std::size_t> run;
  std::unordered_set<std::string> run_rows;
  std::size_t run_bytes = 0;
  bool run_can = true;
  auto flush = [&] {
    // A run of one is written with scalar parameters: no array casts to go wrong for it.
    if (!run.empty()) AddWrite(run, run.size() == 1, &queries);
    run.clear();
    run_rows.clear();
    run_bytes = 0;
  };
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    if (settled_[i] || results_[i]) continue;
    const PostgresAction& action = *actions_[i];
    if (action.kind == PostgresActionKind::kTruncate || alone_[i]) {
      flush();
      AddWrite({i}, true, &queries);
      continue;
    }
    std::string row = RowOf(action);
    const std::size_t bytes = RunParamBytes(action);
    if (!run.empty() && (!SameShape(*actions_[run.front()], action) || run_rows.contains(row) ||
                         run_bytes + bytes > kMaxRunBytes)) {
      flush();
    }
    if (run.empty()) run_can = CanRun(action, state_->tables.find(action.table)->second);
    run_bytes += bytes;
    if (!run_can) {  // an array, composite or box column: one statement per action
      AddWrite({i}, true, &queries);
      continue;
    }
    run.push_back(i);
    if (!row.empty()) run_rows.insert(std::move(row));
  }
  flush();
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    if (settled_[i] || !results_[i] || results_[i]->outcome != ActionOutcome::kBadRecord) continue;
    std::vector<std::optional<std::string>> params = KeyParams(
        group, OffsetsKey(actions_[i]->route, actions_[i]->topic, actions_[i]->partition));
    params.emplace_back(std::to_string(actions_[i]->offset));
    params.emplace_back(results_[i]->message);
    add(sql.Reject(), std::move(params), Role::kBookkeeping, 0);
  }
  for (const auto& [key, range] : ranges) {
    std::vector<std::optional<std::string>> params = KeyParams(group, key);
    params.emplace_back(std::to_string(range.max + 1));
    add(sql.Advance(), std::move(params), Role::kBookkeeping, 0);
  }
  connection_->Run(std::move(queries), state_->settings.timeout,
                   [self = shared_from_this()](PostgresPipelineResult result) {
                     self->OnTransaction(std::move(result));
                   });
}

void PostgresBatch::AddWrite(const std::vector<std::size_t>& run, bool single,
                             std::vector<PostgresQuery>* queries) {
  std::vector<const PostgresAction*> actions;
  actions.reserve(run.size());
  for (std::size_t i : run) actions.push_back(actions_[i]);
  TableInfo& table = state_->tables.find(actions.front()->table)->second;  // Transact checked
  Result<PostgresStatement> statement =
      single ? SingleStatement(*actions.front(), table) : RunStatement(actions, table);
  if (!statement.ok()) {
    for (std::size_t i : run) {
      results_[i] = ActionResult::BadRecord(std::string(statement.status().message()));
    }
    return;
  }
  queries->push_back({std::move(statement->sql), std::move(statement->params)});
  plan_.queries.emplace_back(Role::kWrite, plan_.writes.size());
  plan_.writes.push_back(run);
}

void PostgresBatch::OnTransaction(PostgresPipelineResult result) {
  if (!result.connection_error.empty()) return FailConnection(result);
  std::size_t index = 0;
  if (const PostgresQueryResult* error = FirstError(result, &index)) {
    const auto [role, which] = plan_.queries[index];
    if (role == Role::kClaim && error->sqlstate == kClaimLost) return SettleClaimed(result);
    if (role == Role::kWrite) {
      const std::vector<std::size_t>& run = plan_.writes[which];
      // A table the record names that the sink may not write: the record's refusal, not the
      // sink's -- the same transaction's claims and offsets (no record in them) went through.
      const bool refused_table =
          error->sqlstate == kInsufficientPrivilege && actions_[run.front()]->table_from_record;
      if (run.size() > 1 && (SplitRunOn(error->sqlstate) || refused_table)) {
        for (std::size_t i : run) alone_[i] = true;  // written one by one: find the culprit
        return Transact();
      }
      if (run.size() == 1 && (IsRowFault(error->sqlstate) || refused_table)) {
        // Only this action fails; everything was rolled back: run again without it.
        std::string why = ClassifySqlState(error->sqlstate, error->message).message;
        if (refused_table) why = "refused: " + why;
        results_[run.front()] = ActionResult::BadRecord(std::move(why));
        return Transact();
      }
    }
    ActionResult outcome = ClassifySqlState(error->sqlstate, error->message);
    if (role != Role::kWrite && outcome.outcome == ActionOutcome::kBadRecord) {
      outcome.outcome = ActionOutcome::kFatal;  // the offsets tables themselves are wrong
      outcome.message = "processed offsets: " + outcome.message;
    }
    return FailAll(outcome);
  }
  // Committed: the claim held, so nothing of the batch was in the database before.
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    const PostgresAction& action = *actions_[i];
    if (!results_[i]) results_[i] = ActionResult::Applied();
    if (!settled_[i] && results_[i]->outcome == ActionOutcome::kBadRecord) {
      state_->view->AddRejected(action.route, action.topic, action.partition, action.offset);
    }
    state_->view->Set(action.route, action.topic, action.partition, action.offset + 1);
  }
  Finish();
}

void PostgresBatch::SettleClaimed(const PostgresPipelineResult& result) {
  // LockRow and SelectRejected ran before the failed claim, under the row lock: their answers
  // are what the database held then.
  std::map<OffsetsKey, std::int64_t> stored;
  std::map<std::pair<OffsetsKey, std::int64_t>, std::string> rejected;
  for (std::size_t q = 0; q < plan_.queries.size() && q < result.results.size(); ++q) {
    const auto [role, k] = plan_.queries[q];
    const PostgresQueryResult& answer = result.results[q];
    if (answer.state != PostgresQueryResult::State::kOk) continue;
    if (role == Role::kLock && !answer.rows.empty() && !answer.rows[0].empty() &&
        answer.rows[0][0]) {
      // Not a number (never, from a bigint column): left out, so the claim is retried.
      if (std::optional<std::int64_t> next = ParseDecimal<std::int64_t>(*answer.rows[0][0])) {
        stored[plan_.keys[k]] = *next;
      }
    } else if (role == Role::kRejected) {
      for (const auto& row : answer.rows) {
        if (row.size() != 2 || !row[0] || !row[1]) continue;
        std::optional<std::int64_t> offset = ParseDecimal<std::int64_t>(*row[0]);
        if (offset) rejected[{plan_.keys[k], *offset}] = *row[1];
      }
    }
  }
  std::size_t settled = 0;
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    if (settled_[i]) continue;
    const PostgresAction& action = *actions_[i];
    const OffsetsKey key(action.route, action.topic, action.partition);
    auto next = stored.find(key);
    if (next == stored.end() || action.offset >= next->second) continue;
    auto bad = rejected.find({key, action.offset});
    if (bad != rejected.end()) {
      results_[i] = ActionResult::BadRecord(bad->second);
      state_->view->AddRejected(action.route, action.topic, action.partition, action.offset);
    } else {
      results_[i] = ActionResult::AlreadyApplied("postgres: applied already (processed offsets)");
    }
    settled_[i] = true;
    ++settled;
  }
  for (const auto& [key, next] : stored) {
    state_->view->Set(std::get<0>(key), std::get<1>(key), std::get<2>(key), next);
  }
  if (settled == 0) {
    return FailAll(ActionResult::Retry("postgres: the processed-offsets claim failed"));
  }
  Transact();
}

void PostgresBatch::FailAll(const ActionResult& result) {
  for (std::size_t i = 0; i < results_.size(); ++i) {
    // Bad records found so far were not committed either: they are decided again next time.
    if (!settled_[i]) results_[i] = result;
  }
  Finish();
}

void PostgresBatch::Finish() {
  std::vector<ActionResult> results;
  results.reserve(results_.size());
  for (std::optional<ActionResult>& slot : results_) {
    results.push_back(slot ? std::move(*slot) : ActionResult::Retry("postgres: not decided"));
  }
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(results));
}

}  // namespace fanout
