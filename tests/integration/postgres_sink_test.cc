// The PostgreSQL sink alone against the stack's real replica cluster (FANOUT_REPLICA_PG_URL):
// upserts, deletes, truncate, the version guard, logical types, processed offsets (replays are
// skipped by the database, a rejected record stays rejected), a constraint violation dead-
// lettered with its SQLSTATE while the rest of the batch commits, schema drift with and without
// auto_evolve, and a server restart (unavailable, then success). Each test works in its own
// schema, dropped afterwards.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/postgres_sink_fixture.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(PostgresSinkTest, UpsertDeleteAndVersionGuard) {
  ASSERT_TRUE(
      db_->Exec("create table " + schema_ + ".people (id int primary key, email text, v numeric)"));
  Sink& sink = MakeSink();
  ASSERT_TRUE(sink.Start(std::chrono::seconds(5)).ok());
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".people"}, {"version_column", "v"}});
  EXPECT_THAT(
      Outcomes(
          Apply(sink, b,
                {Event(Op::kCreate, Person(1, "a@x"), 10), Event(Op::kCreate, Person(2, "b@x"), 11),
                 Event(Op::kUpdate, Person(1, "a2@x"), 12)},
                0)),
      ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_EQ(Rows("people", "id, email"), "(1,a2@x) (2,b@x)");
  // Older changes (another partition's replay, say): neither overwrite nor delete a newer row.
  EXPECT_THAT(Outcomes(Apply(sink, b,
                             {Event(Op::kUpdate, Person(1, "old@x"), 5),
                              Event(Op::kDelete, Person(2, std::nullopt), 6)},
                             3)),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_EQ(Rows("people", "id, email"), "(1,a2@x) (2,b@x)");
  EXPECT_THAT(Outcomes(Apply(sink, b, {Event(Op::kDelete, Person(2, std::nullopt), 20)}, 5)),
              ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(Rows("people", "id, email"), "(1,a2@x)");
  EXPECT_EQ(db_->Scalar("select next_offset from " + schema_ + ".offsets"), "6");
}

TEST_F(PostgresSinkTest, ReplaysAreSkippedByTheProcessedOffsets) {
  ASSERT_TRUE(db_->Exec("create table " + schema_ +
                        ".audit (id int, email text, fanout_op text, fanout_position text)"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".audit"}, {"mode", "append"}});
  const std::vector<ChangeEvent> events = {Event(Op::kCreate, Person(1, "a"), 1),
                                           Event(Op::kUpdate, Person(1, "b"), 2),
                                           Event(Op::kDelete, Person(1, "b"), 3)};
  ASSERT_THAT(
      Outcomes(Apply(sink, b, events, 100)),
      ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied, ActionOutcome::kApplied));
  // This sink knows what it committed: the builder does not even build them again.
  auto known = b.Build(events[0], KafkaRecordView{"it.public.src", 0, 100});
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(known.value(), nullptr);
  // A new instance (after a crash before the Kafka commit, no assignment read yet) sends the
  // same records again: the database skips them, although the audit table has no unique key.
  Sink& restarted = MakeSink();
  const ActionBuilder& b2 = Bind(restarted, {{"table", schema_ + ".audit"}, {"mode", "append"}});
  ASSERT_THAT(Outcomes(Apply(restarted, b2, events, 100)),
              ElementsAre(ActionOutcome::kAlreadyApplied, ActionOutcome::kAlreadyApplied,
                          ActionOutcome::kAlreadyApplied));
  EXPECT_EQ(db_->Scalar("select count(*) from " + schema_ + ".audit"), "3");
  EXPECT_EQ(Rows("audit", "fanout_op, fanout_position"), "(c,pg:1:1) (d,pg:3:3) (u,pg:2:2)");
  EXPECT_EQ(db_->Scalar("select consumer_group || ' ' || route || ' ' || topic || ' ' || "
                        "partition || ' ' || next_offset from " +
                        schema_ + ".offsets"),
            "it-group r it.public.src 0 103");
  // On assignment a new instance reads the offsets: its builder then skips those records.
  Sink& third = MakeSink();
  const ActionBuilder& b3 = Bind(third, {{"table", schema_ + ".audit"}, {"mode", "append"}});
  PartitionAssignmentListener* listener = third.capabilities().assignment_listener;
  ASSERT_NE(listener, nullptr);
  ASSERT_TRUE(
      listener->OnPartitionsAssigned(std::vector<TopicPartition>{{"it.public.src", 0}}).ok());
  KafkaRecordView record;
  record.topic = "it.public.src";
  record.offset = 102;
  auto skipped = b3.Build(events[2], record);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped.value(), nullptr);
  record.offset = 103;
  auto next = b3.Build(events[2], record);
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next.value(), nullptr);
}

TEST_F(PostgresSinkTest, ABatchPartlyAppliedSettlesThatPartAndWritesTheRest) {
  ASSERT_TRUE(db_->Exec("create table " + schema_ + ".people (id int primary key, email text)"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".people"}});
  const std::vector<ChangeEvent> events = {
      Event(Op::kCreate, Person(1, "a"), 1), Event(Op::kCreate, Person(2, "b"), 2),
      Event(Op::kUpdate, Person(1, "a2"), 3), Event(Op::kDelete, Person(2, "b"), 4)};
  ASSERT_THAT(Outcomes(Apply(sink, b, {events[0], events[1]}, 10)),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
  // Another instance that has not read the offsets sends offsets 10..13 (a retry whose commit was
  // not acknowledged, then new records): the claim fails, 10 and 11 are settled as applied, and
  // only 12 and 13 are written.
  ASSERT_TRUE(db_->Exec("update " + schema_ + ".people set email = 'changed' where id = 2"));
  Sink& other = MakeSink();
  const ActionBuilder& b2 = Bind(other, {{"table", schema_ + ".people"}});
  EXPECT_THAT(Outcomes(Apply(other, b2, events, 10)),
              ElementsAre(ActionOutcome::kAlreadyApplied, ActionOutcome::kAlreadyApplied,
                          ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_EQ(Rows("people", "id, email"), "(1,a2)");
  EXPECT_EQ(db_->Scalar("select next_offset from " + schema_ + ".offsets"), "14");
}

TEST_F(PostgresSinkTest, OneKeyChangedManyTimesInOneBatchEndsAtItsLastChange) {
  // No version guard: only the order of the statements decides, and one statement of a run
  // must never meet a key twice ("cannot affect row a second time").
  ASSERT_TRUE(db_->Exec("create table " + schema_ + ".people (id int primary key, email text)"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".people"}});
  std::vector<ChangeEvent> events = {
      Event(Op::kCreate, Person(1, "a"), 1), Event(Op::kUpdate, Person(1, "b"), 2),
      Event(Op::kCreate, Person(2, "x"), 3), Event(Op::kDelete, Person(1, "b"), 4),
      Event(Op::kCreate, Person(1, "c"), 5), Event(Op::kUpdate, Person(2, "y"), 6),
      Event(Op::kDelete, Person(2, "y"), 7), Event(Op::kCreate, Person(3, "z"), 8),
      Event(Op::kUpdate, Person(1, "d"), 9), Event(Op::kUpdate, Person(3, "z2"), 10)};
  std::vector<ActionResult> results = Apply(sink, b, events, 0);
  ASSERT_EQ(results.size(), events.size());
  for (const ActionResult& r : results) {
    EXPECT_EQ(r.outcome, ActionOutcome::kApplied) << r.message;
  }
  EXPECT_EQ(Rows("people", "id, email"), "(1,d) (3,z2)");
}

TEST_F(PostgresSinkTest, ARowItsOwnStatementAffectsTwiceIsABadRecord) {
  // SQLSTATE 21000 from a trigger, for id 2 only: in a run it splits the run; alone it is that
  // record's fault, and it must be dead-lettered, not lost.
  ASSERT_TRUE(
      db_->Exec("create table " + schema_ +
                ".people (id int primary key, email text); create function " + schema_ +
                ".twice() returns trigger language plpgsql as $$ begin if new.id = 2 then "
                "perform (select x from (values (1), (2)) v(x)); end if; return new; end $$; "
                "create trigger twice before insert on " +
                schema_ +
                ".people for each row execute "
                "function " +
                schema_ + ".twice()"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".people"}});
  const std::vector<ChangeEvent> events = {Event(Op::kCreate, Person(1, "a"), 1),
                                           Event(Op::kCreate, Person(2, "b"), 2),
                                           Event(Op::kCreate, Person(3, "c"), 3)};
  std::vector<ActionResult> results = Apply(sink, b, events, 0);
  ASSERT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kBadRecord,
                                             ActionOutcome::kApplied));
  EXPECT_THAT(results[1].message, HasSubstr("21000"));
  EXPECT_EQ(Rows("people", "id"), "(1) (3)");
  EXPECT_EQ(db_->Scalar("select kafka_offset from " + schema_ + ".offsets_rejected"), "1");
}

// Two Writes of one partition at once, as the delivery core sends a full second batch while the
// first is in flight (SinkCapabilities::max_batches_per_lane): outcomes of both, the second
// written after the first.
std::pair<std::vector<ActionResult>, std::vector<ActionResult>> WriteTwo(
    Sink& sink, const ActionBuilder& builder, const std::vector<ChangeEvent>& first,
    const std::vector<ChangeEvent>& second) {
  std::vector<std::unique_ptr<SinkAction>> actions;
  std::vector<const SinkAction*> batches[2];
  std::int64_t offset = 0;
  for (int b = 0; b < 2; ++b) {
    for (const ChangeEvent& event : b == 0 ? first : second) {
      KafkaRecordView record;
      record.topic = "it.public.src";
      record.offset = offset++;
      Result<std::unique_ptr<SinkAction>> action = builder.Build(event, record);
      EXPECT_TRUE(action.ok() && *action != nullptr);
      if (!action.ok() || *action == nullptr) return {};
      actions.push_back(std::move(action).value());
      batches[b].push_back(actions.back().get());
    }
  }
  std::promise<std::vector<ActionResult>> done[2];
  sink.Write(batches[0], [&done](std::vector<ActionResult> r) { done[0].set_value(r); });
  sink.capabilities().chained_writer->WriteBehind(
      batches[1], [&done](std::vector<ActionResult> r) { done[1].set_value(r); });
  auto one = done[0].get_future();
  auto two = done[1].get_future();
  if (one.wait_for(kPostgresSinkWait) != std::future_status::ready ||
      two.wait_for(kPostgresSinkWait) != std::future_status::ready) {
    ADD_FAILURE() << "no callback";
    return {};
  }
  return {one.get(), two.get()};
}

TEST_F(PostgresSinkTest, ASecondBatchOfAPartitionIsWrittenAfterTheFirst) {
  ASSERT_TRUE(db_->Exec("create table " + schema_ + ".people (id int primary key, email text)"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".people"}});
  auto [first, second] =
      WriteTwo(sink, b,
               {Event(Op::kCreate, Person(1, "a"), 1), Event(Op::kCreate, Person(2, "b"), 2),
                Event(Op::kUpdate, Person(1, "a2"), 3)},
               {Event(Op::kDelete, Person(1, "a2"), 4), Event(Op::kUpdate, Person(2, "b2"), 5)});
  EXPECT_THAT(Outcomes(first), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied,
                                           ActionOutcome::kApplied));
  EXPECT_THAT(Outcomes(second), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_EQ(Rows("people", "id, email"), "(2,b2)");
  EXPECT_EQ(db_->Scalar("select next_offset from " + schema_ + ".offsets"), "5");
}

TEST_F(PostgresSinkTest, ABatchBehindOneThatFailsFailsAlikeUnwritten) {
  ASSERT_TRUE(db_->Exec("create table " + schema_ + ".people (id int primary key, email text)"));
  Sink& sink = MakeSink({{"timeout", "1s"}});
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".people"}});
  const std::vector<ChangeEvent> first = {Event(Op::kCreate, Person(1, "a"), 1)};
  const std::vector<ChangeEvent> second = {Event(Op::kCreate, Person(2, "b"), 2)};
  // The first batch waits on a lock past the sink's timeout: retried; the second must not be
  // written ahead of it.
  ASSERT_TRUE(db_->Exec("begin; lock table " + schema_ + ".people in access exclusive mode"));
  auto [one, two] = WriteTwo(sink, b, first, second);
  ASSERT_TRUE(db_->Exec("rollback"));
  EXPECT_THAT(Outcomes(one), ElementsAre(ActionOutcome::kRetry));
  EXPECT_THAT(Outcomes(two), ElementsAre(ActionOutcome::kRetry));
  ASSERT_FALSE(two.empty());
  EXPECT_THAT(two[0].message, HasSubstr("the batch before it failed"));
  EXPECT_FALSE(two[0].attempted) << "not an attempt of its own: the core must not count it";
  // The second was never sent. (The first may still commit: its pipeline reached the server
  // whole, and the server runs it once the lock is gone although fanout stopped waiting.)
  EXPECT_EQ(db_->Scalar("select count(*) from " + schema_ + ".people where id = 2"), "0");
  // Sent again, in their order: both in, the first possibly settled by its claim.
  auto [again_one, again_two] = WriteTwo(sink, b, first, second);
  EXPECT_THAT(Outcomes(again_one), ElementsAre(::testing::AnyOf(ActionOutcome::kApplied,
                                                                ActionOutcome::kAlreadyApplied)));
  EXPECT_THAT(Outcomes(again_two), ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(Rows("people", "id"), "(1) (2)");
}

TEST_F(PostgresSinkTest, ABatchSentBehindOneThatHasAlreadyFailedIsNotWritten) {
  // The first batch failed and finished before the one sent behind it arrived (the delivery
  // core had not seen the failure yet): written alone, it would commit past the first's records.
  ASSERT_TRUE(db_->Exec("create table " + schema_ + ".people (id int primary key, email text)"));
  Sink& sink = MakeSink({{"timeout", "1s"}});
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".people"}});
  std::vector<std::unique_ptr<SinkAction>> actions;
  for (int i = 0; i < 2; ++i) {
    KafkaRecordView record;
    record.topic = "it.public.src";
    record.offset = i;
    auto action =
        b.Build(Event(Op::kCreate, Person(i + 1, "x"), 1u + static_cast<unsigned>(i)), record);
    ASSERT_TRUE(action.ok() && *action != nullptr);
    actions.push_back(std::move(action).value());
  }
  ASSERT_TRUE(db_->Exec("begin; lock table " + schema_ + ".people in access exclusive mode"));
  const std::vector<const SinkAction*> second = {actions[1].get()};
  std::vector<std::unique_ptr<SinkAction>> first;
  first.push_back(std::move(actions[0]));
  EXPECT_THAT(Outcomes(Write(sink, first)), ElementsAre(ActionOutcome::kRetry));
  auto promise = std::make_shared<std::promise<std::vector<ActionResult>>>();
  auto future = promise->get_future();
  sink.capabilities().chained_writer->WriteBehind(
      second, [promise](std::vector<ActionResult> r) { promise->set_value(r); });
  ASSERT_EQ(future.wait_for(kPostgresSinkWait), std::future_status::ready);
  const std::vector<ActionResult> behind = future.get();
  ASSERT_TRUE(db_->Exec("rollback"));
  ASSERT_THAT(Outcomes(behind), ElementsAre(ActionOutcome::kRetry));
  EXPECT_FALSE(behind[0].attempted);
  EXPECT_EQ(db_->Scalar("select count(*) from " + schema_ + ".people where id = 2"), "0");
}

TEST_F(PostgresSinkTest, ConstraintViolationIsABadRecordAndTheRestCommits) {
  ASSERT_TRUE(
      db_->Exec("create table " + schema_ + ".people (id int primary key, email text not null)"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".people"}});
  const std::vector<ChangeEvent> events = {Event(Op::kCreate, Person(1, "a@x"), 1),
                                           Event(Op::kCreate, Person(2, std::nullopt), 2),
                                           Event(Op::kCreate, Person(3, "c@x"), 3)};
  std::vector<ActionResult> results = Apply(sink, b, events, 0);
  ASSERT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kBadRecord,
                                             ActionOutcome::kApplied));
  EXPECT_THAT(results[1].message, HasSubstr("SQLSTATE 23502"));
  EXPECT_THAT(results[1].message, HasSubstr("not-null"));
  EXPECT_EQ(Rows("people", "id, email"), "(1,a@x) (3,c@x)");
  // Sent again by a new instance (the dead letter did not commit before a crash): still a bad
  // record, from the rejected table, while the others are skipped by the database.
  Sink& restarted = MakeSink();
  const ActionBuilder& b2 = Bind(restarted, {{"table", schema_ + ".people"}});
  results = Apply(restarted, b2, events, 0);
  ASSERT_THAT(Outcomes(results),
              ElementsAre(ActionOutcome::kAlreadyApplied, ActionOutcome::kBadRecord,
                          ActionOutcome::kAlreadyApplied));
  EXPECT_THAT(results[1].message, HasSubstr("SQLSTATE 23502"));
  EXPECT_EQ(db_->Scalar("select kafka_offset from " + schema_ + ".offsets_rejected"), "1");
}

TEST_F(PostgresSinkTest, LogicalTypesAndTruncate) {
  ASSERT_TRUE(db_->Exec("create table " + schema_ +
                        ".typed (id int primary key, amount numeric(14,2), at timestamptz, "
                        "day date, doc jsonb, uid uuid, raw bytea, ok boolean, f float8)"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".typed"}, {"truncate", "true"}});
  Row row = {{"id", Value::Int(1)},
             {"amount", Value::Decimal("12345678901.25")},
             {"at", Value::String("2024-02-29T12:34:56.123456Z")},
             {"day", Value::String("2024-02-29")},
             {"doc", Value::Json("{\"a\":[1,2]}")},
             {"uid", Value::String("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
             {"raw", Value::Bytes(std::string("\x00\x01\xff", 3))},
             {"ok", Value::Bool(true)},
             {"f", Value::Double(0.5)}};
  std::vector<ActionResult> results = Apply(sink, b, {Event(Op::kCreate, row, 1)}, 0);
  ASSERT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kApplied))
      << (results.empty() ? "" : results[0].message);
  EXPECT_EQ(db_->Scalar("select amount || '|' || (at at time zone 'UTC') || '|' || day || '|' || "
                        "doc::text || '|' || uid || '|' || encode(raw, 'hex') || '|' || ok || "
                        "'|' || f from " +
                        schema_ + ".typed"),
            "12345678901.25|2024-02-29 12:34:56.123456|2024-02-29|{\"a\": [1, 2]}|"
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|0001ff|true|0.5");
  ChangeEvent truncate;
  truncate.op = Op::kTruncate;
  truncate.schema = "public";
  truncate.table = "src";
  ASSERT_THAT(Outcomes(Apply(sink, b, {truncate}, 1)), ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(db_->Scalar("select count(*) from " + schema_ + ".typed"), "0");
}

TEST_F(PostgresSinkTest, SchemaDrift) {
  ASSERT_TRUE(db_->Exec("create table " + schema_ + ".people (id int primary key, email text)"));
  Row wider = Person(1, "a@x");
  wider.push_back({"nickname", Value::String("bo")});
  {
    Sink& strict = MakeSink();
    const ActionBuilder& b = Bind(strict, {{"table", schema_ + ".people"}});
    std::vector<ActionResult> results =
        Apply(strict, b, {Event(Op::kCreate, wider, 1), Event(Op::kCreate, Person(2, "b"), 2)}, 0);
    ASSERT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kBadRecord, ActionOutcome::kApplied));
    EXPECT_THAT(results[0].message, HasSubstr("schema drift"));
    EXPECT_THAT(results[0].message, HasSubstr("nickname"));
  }
  {
    Sink& fail = MakeSink({{"on_schema_drift", "fail"}, {"offsets_table", schema_ + ".o2"}});
    const ActionBuilder& b = Bind(fail, {{"table", schema_ + ".people"}});
    EXPECT_THAT(Outcomes(Apply(fail, b, {Event(Op::kCreate, wider, 1)}, 0)),
                ElementsAre(ActionOutcome::kFatal));
  }
  Sink& evolving = MakeSink({{"auto_evolve", "true"}, {"offsets_table", schema_ + ".o3"}});
  const ActionBuilder& b = Bind(evolving, {{"table", schema_ + ".people"}});
  ASSERT_THAT(Outcomes(Apply(evolving, b, {Event(Op::kCreate, wider, 1)}, 0)),
              ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(Rows("people", "id, email, nickname"), "(1,a@x,bo) (2,b,)");
}

TEST_F(PostgresSinkTest, UnreachableThenBack) {
  Sink& down = MakeSink({{"dsn", "postgresql://postgres@127.0.0.1:1/replica"}});
  EXPECT_EQ(down.Start(std::chrono::seconds(2)).code(), StatusCode::kUnavailable);
  const ActionBuilder& bd = Bind(down, {{"table", schema_ + ".people"}});
  EXPECT_THAT(Outcomes(Apply(down, bd, {Event(Op::kCreate, Person(1, "a"), 1)}, 0)),
              ElementsAre(ActionOutcome::kUnavailable));
}

// The replica cluster itself is restarted (it is only used by this sink's tests): the batch in
// the outage is unavailable, the next one after it succeeds on a new connection.
TEST_F(PostgresSinkTest, ServerRestartIsUnavailableThenSucceeds) {
  const char* run_dir = std::getenv("FANOUT_RUN_DIR");
  ASSERT_NE(run_dir, nullptr) << "source stack/env";
  ASSERT_TRUE(db_->Exec("create table " + schema_ + ".people (id int primary key, email text)"));
  Sink& sink = MakeSink();
  const ActionBuilder& b = Bind(sink, {{"table", schema_ + ".people"}});
  ASSERT_THAT(Outcomes(Apply(sink, b, {Event(Op::kCreate, Person(1, "a"), 1)}, 0)),
              ElementsAre(ActionOutcome::kApplied));
  const std::string pg_ctl =
      std::string("runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D ") + run_dir +
      "/replica/data -m fast -w ";
  ASSERT_EQ(std::system((pg_ctl + "stop >/dev/null").c_str()), 0);
  std::vector<ActionResult> during = Apply(sink, b, {Event(Op::kCreate, Person(2, "b"), 2)}, 1);
  const int started =
      std::system((pg_ctl + "-l " + run_dir + "/logs/replica.log start >/dev/null").c_str());
  ASSERT_EQ(started, 0);
  ASSERT_THAT(Outcomes(during), ElementsAre(ActionOutcome::kUnavailable));
  std::vector<ActionResult> after;
  ASSERT_TRUE(WaitFor(
      [&] {
        after = Apply(sink, b, {Event(Op::kCreate, Person(2, "b"), 2)}, 1);
        return !after.empty() && after[0].outcome == ActionOutcome::kApplied;
      },
      std::chrono::seconds(20)))
      << (after.empty() ? "" : after[0].message);
  db_ = std::make_unique<Postgres>(url_);
  EXPECT_EQ(Rows("people", "id, email"), "(1,a) (2,b)");
}

// `fanout init-sink` creates the processed-offsets tables ahead of the first start, idempotently;
// an unknown sink is a config error (1), an unreachable database a runtime error (2).
TEST_F(PostgresSinkTest, InitSinkCommandCreatesTheOffsetsTablesAheadOfTime) {
  const std::string dir = ::testing::TempDir();
  const std::string config = dir + "/init-sink-" + schema_ + ".yaml";
  const std::string log = dir + "/init-sink-" + schema_ + ".log";
  auto write_config = [&](const std::string& dsn) {
    std::ofstream(config) << "version: 1\n"
                          << "kafka: { bootstrap.servers: \"127.0.0.1:1\", group.id: g1 }\n"
                          << "source: { topics: [t] }\n"
                          << "sinks:\n"
                          << "  replica: { type: postgres, dsn: \"" << dsn
                          << "\", timeout: 2s, offsets_table: " << schema_ << ".offsets }\n"
                          << "  hooks: { type: http, url: \"http://127.0.0.1:1/\" }\n"
                          << "routes:\n"
                          << "  - { name: r, from: public.t, to: replica }\n";
  };
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {FANOUT_BINARY, "init-sink", "-c", config};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildProcess init(argv, log);
    return init.Wait(std::chrono::seconds(30));
  };
  write_config(url_);
  const std::string exists =
      "select count(*) from information_schema.tables where table_schema = '" + schema_ +
      "' and table_name in ('offsets', 'offsets_rejected')";
  EXPECT_EQ(db_->Scalar(exists), "0");
  EXPECT_EQ(run({}), std::optional<int>(0)) << ReadFile(log);
  EXPECT_EQ(db_->Scalar(exists), "2") << ReadFile(log);
  EXPECT_THAT(ReadFile(log), HasSubstr("sink 'replica': " + schema_ + ".offsets and"));
  EXPECT_EQ(run({"--sink", "replica"}), std::optional<int>(0)) << "again: " << ReadFile(log);
  EXPECT_EQ(run({"--sink", "nosuch"}), std::optional<int>(1)) << ReadFile(log);
  EXPECT_THAT(ReadFile(log), HasSubstr("no sink named 'nosuch'"));
  write_config("postgresql://postgres@127.0.0.1:1/replica");
  EXPECT_EQ(run({}), std::optional<int>(2)) << ReadFile(log);
}

}  // namespace
}  // namespace fanout::testing
