#include "sinks/postgres/batch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "sinks/postgres/errors.h"
#include "sinks/postgres/values.h"

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

// The first failed query of a pipeline, or nullptr.
const PgQueryResult* FirstError(const PgPipelineResult& result, std::size_t* index) {
  for (std::size_t i = 0; i < result.results.size(); ++i) {
    if (result.results[i].state == PgQueryResult::State::kError) {
      *index = i;
      return &result.results[i];
    }
  }
  return nullptr;
}

// A failure of the sink's own statements (migration, catalog, ALTER TABLE): a bad-record class
// there is the sink's configuration, not a record.
ActionResult SinkStatementFailure(const PgQueryResult& error, std::string_view what) {
  ActionResult result = ClassifySqlState(error.sqlstate, error.message);
  result.message = std::string(what) + ": " + result.message;
  if (result.outcome == ActionOutcome::kBadRecord) result.outcome = ActionOutcome::kFatal;
  return result;
}

}  // namespace

PgBatch::PgBatch(std::shared_ptr<PgSinkState> state, std::vector<const PostgresAction*> actions,
                 Done done)
    : state_(std::move(state)),
      actions_(std::move(actions)),
      results_(actions_.size()),
      done_(std::move(done)) {}

void PgBatch::Run(std::shared_ptr<PgConnection> connection) {
  connection_ = std::move(connection);
  if (connection_->connected()) return Step();
  connection_->Connect(state_->settings.timeout, [self = shared_from_this()](std::string error) {
    if (!error.empty()) return self->FailAll(ClassifyConnectionFailure(error));
    self->Step();
  });
}

void PgBatch::Step() {
  if (!state_->migrated) return Migrate();
  for (const PostgresAction* action : actions_) {
    if (!state_->tables.contains(action->table)) return LoadTables();
  }
  if (!HandleDrift()) return;
  Transact();
}

void PgBatch::FailConnection(const PgPipelineResult& result) {
  if (result.timed_out) {
    FailAll(ActionResult::Retry("postgres: no answer within the sink's timeout (" +
                                std::to_string(state_->settings.timeout.count()) + " ms)"));
  } else {
    FailAll(ClassifyConnectionFailure(result.connection_error));
  }
}

void PgBatch::Migrate() {
  std::vector<PgQuery> queries;
  for (std::string& sql : state_->offsets_sql.Migrate()) queries.push_back({std::move(sql), {}});
  connection_->Run(std::move(queries), state_->settings.timeout,
                   [self = shared_from_this()](PgPipelineResult result) {
                     if (!result.connection_error.empty()) return self->FailConnection(result);
                     std::size_t index = 0;
                     if (const PgQueryResult* error = FirstError(result, &index)) {
                       return self->FailAll(
                           SinkStatementFailure(*error, "creating the processed-offsets tables"));
                     }
                     self->state_->migrated = true;
                     self->Step();
                   });
}

void PgBatch::LoadTables() {
  std::vector<std::string> names;
  for (const PostgresAction* action : actions_) {
    if (!state_->tables.contains(action->table) &&
        std::find(names.begin(), names.end(), action->table) == names.end()) {
      names.push_back(action->table);
    }
  }
  std::vector<PgQuery> queries;
  for (const std::string& name : names) {
    queries.push_back({TableInfoSql(), {QuoteQualified(name)}});
  }
  connection_->Run(std::move(queries), state_->settings.timeout,
                   [self = shared_from_this(), names](PgPipelineResult result) {
                     if (!result.connection_error.empty()) return self->FailConnection(result);
                     std::size_t index = 0;
                     if (const PgQueryResult* error = FirstError(result, &index)) {
                       return self->FailAll(
                           SinkStatementFailure(*error, "reading the columns of " + names[index]));
                     }
                     for (std::size_t i = 0; i < names.size(); ++i) {
                       TableInfo info;
                       for (const auto& row : result.results[i].rows) {
                         if (row.size() == 2 && row[0] && row[1]) info.types[*row[0]] = *row[1];
                       }
                       info.exists = !info.types.empty();
                       self->state_->tables[names[i]] = std::move(info);
                     }
                     self->Step();
                   });
}

bool PgBatch::HandleDrift() {
  const PostgresSinkSettings& settings = state_->settings;
  std::vector<PgQuery> alters;
  std::set<std::string> altered_tables;
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    if (results_[i]) continue;
    const PostgresAction& action = *actions_[i];
    const TableInfo& table = state_->tables[action.table];
    if (!table.exists) {
      results_[i] = ActionResult::BadRecord("the target table " + action.table +
                                            " does not exist (fanout does not create it)");
      continue;
    }
    const std::vector<const PostgresColumn*> missing = MissingColumns(action, table);
    if (missing.empty()) continue;
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
                   [self = shared_from_this(), altered_tables](PgPipelineResult result) {
                     if (!result.connection_error.empty()) return self->FailConnection(result);
                     std::size_t index = 0;
                     if (const PgQueryResult* error = FirstError(result, &index)) {
                       return self->FailAll(SinkStatementFailure(*error, "auto_evolve"));
                     }
                     for (const std::string& table : altered_tables) {
                       self->state_->tables.erase(table);  // read its columns again
                     }
                     self->Step();
                   });
  return false;
}

void PgBatch::Transact() {
  const std::string& group = state_->settings.consumer_group;
  const ProcessedOffsetsSql& sql = state_->offsets_sql;
  std::map<OffsetsKey, Range> keys;
  for (const PostgresAction* action : actions_) {
    const OffsetsKey key(action->route, action->topic, action->partition);
    auto [it, inserted] = keys.try_emplace(key, Range{action->offset, action->offset});
    if (!inserted) {
      it->second.min = std::min(it->second.min, action->offset);
      it->second.max = std::max(it->second.max, action->offset);
    }
  }
  std::vector<PgQuery> queries;
  std::vector<int> query_action;             // per query: the action it writes, or -1
  std::vector<OffsetsKey> rejected_queries;  // per SelectRejected query, in order
  auto add = [&](std::string text, std::vector<std::optional<std::string>> params, int action) {
    queries.push_back({std::move(text), std::move(params)});
    query_action.push_back(action);
  };
  for (const auto& [key, range] : keys) {
    add(sql.EnsureRow(), KeyParams(group, key), -1);
    add(sql.LockRow(), KeyParams(group, key), -1);
  }
  for (const auto& [key, range] : keys) {
    std::vector<std::optional<std::string>> params = KeyParams(group, key);
    params.emplace_back(std::to_string(range.min));
    params.emplace_back(std::to_string(range.max));
    add(sql.SelectRejected(), std::move(params), -2);
  }
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    if (results_[i]) continue;
    Result<PostgresStatement> statement =
        BuildStatement(*actions_[i], state_->tables[actions_[i]->table], sql, group);
    if (!statement.ok()) {
      results_[i] = ActionResult::BadRecord(std::string(statement.status().message()));
      continue;
    }
    add(std::move(statement->sql), std::move(statement->params), static_cast<int>(i));
  }
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    if (!results_[i] || results_[i]->outcome != ActionOutcome::kBadRecord) continue;
    std::vector<std::optional<std::string>> params = KeyParams(
        group, OffsetsKey(actions_[i]->route, actions_[i]->topic, actions_[i]->partition));
    params.emplace_back(std::to_string(actions_[i]->offset));
    params.emplace_back(results_[i]->message);
    add(sql.Reject(), std::move(params), -1);
  }
  for (const auto& [key, range] : keys) {
    std::vector<std::optional<std::string>> params = KeyParams(group, key);
    params.emplace_back(std::to_string(range.max + 1));
    add(sql.Advance(), std::move(params), -1);
  }
  ++rounds_;
  connection_->Run(std::move(queries), state_->settings.timeout,
                   [self = shared_from_this(), query_action](PgPipelineResult result) mutable {
                     self->OnTransaction(std::move(result), std::move(query_action));
                   });
}

void PgBatch::OnTransaction(PgPipelineResult result, std::vector<int> query_action) {
  if (!result.connection_error.empty()) return FailConnection(result);
  std::size_t index = 0;
  if (const PgQueryResult* error = FirstError(result, &index)) {
    const int action = query_action[index];
    if (action >= 0 && IsBadRecordSqlState(error->sqlstate) && rounds_ <= actions_.size()) {
      // Only this action fails; everything was rolled back: run again without it.
      results_[static_cast<std::size_t>(action)] =
          ClassifySqlState(error->sqlstate, error->message);
      return Transact();
    }
    ActionResult outcome = ClassifySqlState(error->sqlstate, error->message);
    if (action < 0 && outcome.outcome == ActionOutcome::kBadRecord) {
      outcome.outcome = ActionOutcome::kFatal;  // the offsets tables themselves are wrong
      outcome.message = "processed offsets: " + outcome.message;
    }
    return FailAll(outcome);
  }
  // Committed. Records the database had rejected before come back as bad records again (their
  // statements were skipped by the guard): their dead letter may not have reached Kafka.
  std::map<std::tuple<std::string, std::string, std::int32_t, std::int64_t>, std::string> rejected;
  {
    std::size_t select = 0;
    std::vector<OffsetsKey> keys;
    for (const PostgresAction* action : actions_) {
      OffsetsKey key(action->route, action->topic, action->partition);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
    std::sort(keys.begin(), keys.end());  // the order Transact sent them in (a std::map)
    for (std::size_t q = 0; q < query_action.size(); ++q) {
      if (query_action[q] != -2) continue;
      const OffsetsKey& key = keys[select++];
      for (const auto& row : result.results[q].rows) {
        if (row.size() != 2 || !row[0] || !row[1]) continue;
        rejected[{std::get<0>(key), std::get<1>(key), std::get<2>(key), std::stoll(*row[0])}] =
            *row[1];
      }
    }
  }
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    const PostgresAction& action = *actions_[i];
    if (!results_[i]) {
      auto it = rejected.find({action.route, action.topic, action.partition, action.offset});
      results_[i] =
          it != rejected.end() ? ActionResult::BadRecord(it->second) : ActionResult::Applied();
    }
    if (results_[i]->outcome == ActionOutcome::kBadRecord) {
      state_->view->AddRejected(action.route, action.topic, action.partition, action.offset);
    }
  }
  for (const PostgresAction* action : actions_) {
    state_->view->Set(action->route, action->topic, action->partition, action->offset + 1);
  }
  Finish();
}

void PgBatch::FailAll(const ActionResult& result) {
  for (std::optional<ActionResult>& slot : results_) {
    // Bad records found so far were not committed either: they are decided again next time.
    slot = result;
  }
  Finish();
}

void PgBatch::Finish() {
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
