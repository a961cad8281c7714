// `fanout dlq replay` into a PostgreSQL sink: a row the replica refused (a value too long for
// its column) is dead-lettered; once the column is widened, a replay lands it exactly once, and
// a second replay changes nothing. Before, the sink judged a replayed record by the main
// group's processed offsets, which cover the failed record: it was dead-lettered again with the
// old message (its `_rejected` row) or, if that row was gone, answered "already applied" and
// dropped without a word. A replay now keeps its own processed offsets, under its own consumer
// group and keyed by the dead letters' coordinates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>

#include "tests/support/debezium_fixture.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;

class PostgresDlqReplayTest : public DebeziumFixture {
 protected:
  void TearDown() override {
    if (replica_ && replica_->connected() && !schema_.empty()) {
      (void)replica_->Exec("drop schema if exists " + schema_ + " cascade", false);
    }
    DebeziumFixture::TearDown();
  }

  std::unique_ptr<Postgres> replica_;
  std::string schema_;
};

TEST_F(PostgresDlqReplayTest, AFixedTargetTakesTheReplayedRowExactlyOnce) {
  CreateDatabase("create table public.items (id int primary key, label text not null);");
  schema_ = name_;
  for (char& c : schema_) c = c == '-' ? '_' : c;
  replica_ = std::make_unique<Postgres>(RequireEnv("FANOUT_REPLICA_PG_URL"));
  ASSERT_TRUE(replica_->connected());
  ASSERT_TRUE(replica_->Exec("create schema " + schema_ + "; create table " + schema_ +
                             ".items (id int primary key, label varchar(3) not null);"));
  RegisterConnector("public.items");
  const std::string dlq = name_ + ".dlq";
  const std::string config =
      WriteFanoutConfig(name_ + "-replay",
                        "sinks:\n  replica: { type: postgres, dsn: \"${FANOUT_REPLICA_PG_URL}\", "
                        "offsets_table: " +
                            schema_ +
                            ".offsets }\nroutes:\n  - { name: mirror, from: "
                            "public.items, to: replica, table: " +
                            schema_ + ".items }\ndead_letter: { topic: " + dlq + " }\n");
  ASSERT_TRUE(db_->Exec("insert into public.items values (1, 'ok'), (2, 'too long'), (3, 'ab')"));
  const std::string count = "select count(*) from " + schema_ + ".items";
  {
    ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, TempPath("run.log"));
    ASSERT_TRUE(
        WaitFor([&] { return replica_->Scalar(count) == "2" && ReadTopic(dlq).size() == 1; },
                std::chrono::seconds(60)))
        << ReadFile(TempPath("run.log"));
    fanout.Signal(SIGTERM);
    ASSERT_EQ(fanout.Wait(std::chrono::seconds(30)), std::optional<int>(0));
  }
  // The cause is fixed.
  ASSERT_TRUE(replica_->Exec("alter table " + schema_ + ".items alter column label type text"));
  auto replay = [&](const std::string& log) {
    ChildProcess process({FANOUT_BINARY, "dlq", "replay", "-c", config, "--idle", "2s"},
                         TempPath(log));
    EXPECT_EQ(process.Wait(std::chrono::seconds(60)), std::optional<int>(0))
        << ReadFile(TempPath(log));
    return ReadFile(TempPath(log));
  };
  EXPECT_THAT(replay("replay-1.log"), HasSubstr("1 replayed"));
  EXPECT_EQ(replica_->Scalar("select label from " + schema_ + ".items where id = 2"), "too long");
  EXPECT_EQ(replica_->Scalar(count), "3");
  EXPECT_EQ(ReadTopic(dlq).size(), 1u) << "the replayed row was not dead-lettered again";
  // A second replay changes nothing: the row, changed by hand, stays as it is.
  ASSERT_TRUE(replica_->Exec("update " + schema_ + ".items set label = 'by hand' where id = 2"));
  EXPECT_THAT(replay("replay-2.log"), HasSubstr("0 replayed"));
  EXPECT_EQ(replica_->Scalar("select label from " + schema_ + ".items where id = 2"), "by hand");
  EXPECT_EQ(ReadTopic(dlq).size(), 1u);
}

}  // namespace
}  // namespace fanout::testing
