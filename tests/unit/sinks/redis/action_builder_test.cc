// RedisActionBuilder on real Debezium 3.2 PostgreSQL output (tests/data/debezium/postgres):
// `customers` has the default REPLICA IDENTITY (no before image on updates, only the key
// columns on deletes, a primary-key change), `tiny` has REPLICA IDENTITY FULL and a truncate,
// `big` has unchanged-TOAST columns.
#include "sinks/redis/action_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "processor/debezium/decoder.h"
#include "sinks/redis/resp.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Options = std::vector<std::pair<std::string, std::string>>;
using Command = std::vector<std::string>;

constexpr std::chrono::milliseconds kTtl = std::chrono::hours(24);

class RedisActionBuilderTest : public ::testing::Test {
 protected:
  // The decoded events of a captured table, in offset order.
  const std::vector<ChangeEvent>& Events(const std::string& table) {
    std::vector<ChangeEvent>& events = events_[table];
    if (!events.empty()) return events;
    const std::string path = std::string(FANOUT_TEST_DATA_DIR) +
                             "/debezium/postgres/capschema.public." + table + ".jsonl";
    records_[table] = testing::ReadCapturedRecords(path);
    for (const testing::CapturedRecord& record : records_[table]) {
      ChangeEvent event;
      Status status = decoder_.Decode(record.View(), &event);
      EXPECT_TRUE(status.ok()) << status.ToString();
      events.push_back(std::move(event));
    }
    return events;
  }

  // Binds a one-route router with `templates` and `options`.
  Result<std::unique_ptr<RedisActionBuilder>> Bind(
      std::vector<std::pair<std::string, std::string>> templates, Options options = {},
      ColumnProjection projection = {}) {
    RouteSpec spec;
    spec.name = "r";
    spec.sink = "cache";
    spec.templates = std::move(templates);
    spec.projection = std::move(projection);
    Result<Router> router = Router::Create({spec});
    EXPECT_TRUE(router.ok()) << router.status().ToString();
    router_ = std::move(router).value();
    options_ = std::move(options);
    return RedisActionBuilder::Create({&router_.routes().front(), &options_}, kTtl);
  }

  // The commands of the action `builder` makes for `event`, each as its arguments.
  std::vector<Command> Commands(const RedisActionBuilder& builder, const ChangeEvent& event) {
    Result<std::unique_ptr<SinkAction>> action = builder.Build(event, KafkaRecordView{});
    EXPECT_TRUE(action.ok()) << action.status().ToString();
    std::vector<Command> out;
    if (!action.ok() || *action == nullptr) return out;
    const auto& redis = dynamic_cast<const RedisAction&>(**action);
    std::size_t bytes = 0;
    for (const RedisCommand& command : redis.commands()) {
      bytes += command.length;
      RespReader reader;
      EXPECT_TRUE(reader.Feed(redis.bytes(command)).ok());
      Result<std::optional<RespReply>> parsed = reader.Next();
      EXPECT_TRUE(parsed.ok() && parsed->has_value());
      Command args;
      if (parsed.ok() && parsed->has_value()) {
        for (const RespReply& arg : (*parsed)->elements) args.push_back(arg.text);
      }
      out.push_back(std::move(args));
    }
    EXPECT_EQ(bytes, redis.resp().size());  // the commands cover the bytes exactly
    return out;
  }

  std::string BuildError(const RedisActionBuilder& builder, const ChangeEvent& event) {
    Result<std::unique_ptr<SinkAction>> action = builder.Build(event, KafkaRecordView{});
    EXPECT_FALSE(action.ok());
    if (action.ok()) return "";
    EXPECT_EQ(action.status().code(), StatusCode::kInvalidArgument);
    return std::string(action.status().message());
  }

  static std::string Pg(std::uint64_t commit_lsn, std::uint64_t lsn) {
    std::string a = std::to_string(commit_lsn);
    std::string b = std::to_string(lsn);
    return "pg@" + std::string(20 - a.size(), '0') + a + "." + std::string(20 - b.size(), '0') + b;
  }

  DebeziumDecoder decoder_;
  std::map<std::string, std::vector<testing::CapturedRecord>> records_;
  std::map<std::string, std::vector<ChangeEvent>> events_;
  Router router_;
  Options options_;
};

TEST_F(RedisActionBuilderTest, InvalidateRendersTheBeforeAndTheAfterImageOnce) {
  auto builder = Bind({{"invalidate", "tiny:{id}"}, {"invalidate", "tiny:label:{label}"}});
  ASSERT_TRUE(builder.ok()) << builder.status().ToString();
  const ChangeEvent& update = Events("tiny")[2];  // label one → uno, REPLICA IDENTITY FULL
  ASSERT_EQ(update.op, Op::kUpdate);
  EXPECT_THAT(Commands(**builder, update),
              ElementsAre(ElementsAre("UNLINK", "tiny:1", "tiny:label:one", "tiny:label:uno")));
}

TEST_F(RedisActionBuilderTest, InvalidateSkipsAnImageTheEventDoesNotHave) {
  auto builder = Bind({{"invalidate", "customer:email:{email}"}});
  ASSERT_TRUE(builder.ok());
  const std::vector<ChangeEvent>& events = Events("customers");
  EXPECT_THAT(Commands(**builder, events[4]),  // insert: no before image
              ElementsAre(ElementsAre("UNLINK", "customer:email:barbara@example.com")));
  EXPECT_THAT(Commands(**builder, events[6]),  // update, default replica identity: no before
              ElementsAre(ElementsAre("UNLINK", "customer:email:ada@example.com")));
  ASSERT_EQ(Events("tiny")[3].op, Op::kDelete);  // delete: no after image
}

TEST_F(RedisActionBuilderTest, KeysThatRenderAreInvalidatedEvenWhenAnotherTemplateCannot) {
  auto builder = Bind({{"invalidate", "customer:{id}"}, {"invalidate", "customer:email:{email}"}});
  ASSERT_TRUE(builder.ok());
  const ChangeEvent& del = Events("customers")[8];  // row 4, whose e-mail is null
  ASSERT_EQ(del.op, Op::kDelete);
  EXPECT_THAT(Commands(**builder, del), ElementsAre(ElementsAre("UNLINK", "customer:4")));
}

TEST_F(RedisActionBuilderTest, EventWithNoKeyToInvalidateIsABadRecord) {
  auto builder = Bind({{"invalidate", "customer:email:{email}"}});
  ASSERT_TRUE(builder.ok());
  const ChangeEvent& del = Events("customers")[8];  // row 4, whose e-mail is null
  const std::string error = BuildError(**builder, del);
  EXPECT_THAT(error, HasSubstr("no key could be rendered"));
  EXPECT_THAT(error, HasSubstr("[0] \"customer:email:{email}\" renders against neither image"));
  EXPECT_THAT(error, HasSubstr("column 'email' is null"));

  auto explicit_before = Bind({{"invalidate", "customer:{before.email}"}});
  ASSERT_TRUE(explicit_before.ok());
  EXPECT_THAT(BuildError(**explicit_before, Events("customers")[4]),
              HasSubstr("the event has no before image"));
}

TEST_F(RedisActionBuilderTest, TruncateHasNothingToInvalidateButIsPublished) {
  const ChangeEvent& truncate = Events("tiny")[5];
  ASSERT_EQ(truncate.op, Op::kTruncate);
  auto invalidate = Bind({{"invalidate", "tiny:{id}"}, {"upsert", "tiny:{id}"}});
  ASSERT_TRUE(invalidate.ok());
  Result<std::unique_ptr<SinkAction>> none = (*invalidate)->Build(truncate, KafkaRecordView{});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);

  auto publish = Bind({{"publish", "changes:{table}"}});
  ASSERT_TRUE(publish.ok());
  EXPECT_THAT(
      Commands(**publish, truncate),
      ElementsAre(ElementsAre(
          "PUBLISH", "changes:tiny",
          R"({"table":"public.tiny","op":"t","key":{},"position":"pg:26757656:26760560"})")));
}

TEST_F(RedisActionBuilderTest, PublishesACompactMessage) {
  auto builder = Bind({{"publish", "cache:{schema}.{table}"}});
  ASSERT_TRUE(builder.ok());
  EXPECT_THAT(
      Commands(**builder, Events("customers")[6]),
      ElementsAre(ElementsAre(
          "PUBLISH", "cache:public.customers",
          R"({"table":"public.customers","op":"u","key":{"id":1},"position":"pg:26738456:26738456"})")));
}

TEST_F(RedisActionBuilderTest, UpsertJsonWritesTheProjectedAfterImageGuarded) {
  ColumnProjection projection;
  projection.exclude = {"notes", "profile", "born", "updated_at"};
  projection.rename = {{"email", "mail"}};
  auto builder = Bind({{"upsert", "customer:{id}"}}, {{"format", "json"}}, projection);
  ASSERT_TRUE(builder.ok()) << builder.status().ToString();
  const ChangeEvent& update = Events("customers")[6];
  std::vector<Command> commands = Commands(**builder, update);
  ASSERT_EQ(commands.size(), 1u);
  const Command& c = commands[0];
  ASSERT_EQ(c.size(), 10u);
  EXPECT_THAT(
      std::vector<std::string>(c.begin(), c.begin() + 9),
      ElementsAre("EVALSHA", GuardScriptSha1(), "2", "customer:1", "customer:1:fanout:version",
                  "json", "set", Pg(26738456, 26738456), "86400000"));
  EXPECT_THAT(c[9], HasSubstr(R"({"id":1,"first_name":"Ada","last_name":"Lovelace",)"
                              R"("mail":"ada@example.com","balance":)"));
  EXPECT_THAT(c[9], Not(HasSubstr("notes")));
  EXPECT_THAT(c[9], Not(HasSubstr("profile")));
}

TEST_F(RedisActionBuilderTest, UpsertHashWritesNonNullColumnsAsText) {
  ColumnProjection projection;
  projection.include = {"id", "first_name", "last_name", "email"};
  auto builder = Bind({{"upsert", "customer:{id}"}}, {{"format", "hash"}}, projection);
  ASSERT_TRUE(builder.ok());
  const ChangeEvent& read = Events("customers")[3];  // Edsger: last_name and email are null
  ASSERT_EQ(read.op, Op::kRead);
  EXPECT_THAT(Commands(**builder, read),
              ElementsAre(ElementsAre("EVALSHA", GuardScriptSha1(), "2", "customer:4",
                                      "customer:4:fanout:version", "hash", "set", Pg(0, 26734104),
                                      "86400000", "id", "4", "first_name", "Edsger")));
}

TEST_F(RedisActionBuilderTest, UpsertDeletesThroughTheGuardAtTheBeforeImagesKey) {
  auto builder = Bind({{"upsert", "customer:{id}"}});
  ASSERT_TRUE(builder.ok());
  const ChangeEvent& del = Events("customers")[8];
  EXPECT_THAT(Commands(**builder, del),
              ElementsAre(ElementsAre("EVALSHA", GuardScriptSha1(), "2", "customer:4",
                                      "customer:4:fanout:version", "json", "del",
                                      Pg(26739120, 26739120), "86400000")));
}

TEST_F(RedisActionBuilderTest, PrimaryKeyChangeDeletesTheOldKeyAndWritesTheNewOne) {
  auto builder = Bind({{"upsert", "customer:{id}"}});
  ASSERT_TRUE(builder.ok());
  const std::vector<ChangeEvent>& events = Events("customers");
  ASSERT_EQ(events[10].op, Op::kDelete);
  ASSERT_TRUE(events[10].new_key.has_value());
  std::vector<Command> del = Commands(**builder, events[10]);
  std::vector<Command> create = Commands(**builder, events[12]);
  ASSERT_EQ(del.size(), 1u);
  ASSERT_EQ(create.size(), 1u);
  EXPECT_EQ(del[0][3], "customer:2");
  EXPECT_EQ(del[0][6], "del");
  EXPECT_EQ(create[0][3], "customer:102");
  EXPECT_EQ(create[0][6], "set");
  EXPECT_EQ(del[0][7], create[0][7]);  // one transaction, one position: the guard allows both
}

TEST_F(RedisActionBuilderTest, UpdateOfAKeyColumnMovesTheRow) {
  auto builder = Bind({{"upsert", "tiny:label:{label}"}}, {{"format", "hash"}});
  ASSERT_TRUE(builder.ok());
  std::vector<Command> commands = Commands(**builder, Events("tiny")[2]);
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_THAT(std::vector<std::string>(commands[0].begin() + 3, commands[0].begin() + 7),
              ElementsAre("tiny:label:one", "tiny:label:one:fanout:version", "hash", "del"));
  EXPECT_THAT(std::vector<std::string>(commands[1].begin() + 3, commands[1].end()),
              ElementsAre("tiny:label:uno", "tiny:label:uno:fanout:version", "hash", "set",
                          Pg(26757400, 26757400), "86400000", "id", "1", "label", "uno"));
}

TEST_F(RedisActionBuilderTest, UnchangedToastColumnIsABadRecordUnlessExcluded) {
  const ChangeEvent& update = Events("big")[2];
  ASSERT_EQ(update.op, Op::kUpdate);
  auto builder = Bind({{"upsert", "big:{id}"}});
  ASSERT_TRUE(builder.ok());
  const std::string error = BuildError(**builder, update);
  EXPECT_THAT(error, HasSubstr("upsert: column 'payload' is an unchanged TOAST value"));

  ColumnProjection projection;
  projection.exclude = {"payload"};
  auto excluded = Bind({{"upsert", "big:{id}"}}, {}, projection);
  ASSERT_TRUE(excluded.ok());
  std::vector<Command> commands = Commands(**excluded, update);
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].back(), R"({"id":1,"rev":1})");
}

TEST_F(RedisActionBuilderTest, OneActionHoldsEveryCommandOfTheRoute) {
  auto builder = Bind({{"invalidate", "customer:email:{email}"},
                       {"upsert", "customer:{id}"},
                       {"publish", "customers"}});
  ASSERT_TRUE(builder.ok());
  std::vector<Command> commands = Commands(**builder, Events("customers")[4]);
  ASSERT_EQ(commands.size(), 3u);
  EXPECT_EQ(commands[0][0], "UNLINK");
  EXPECT_EQ(commands[1][0], "EVALSHA");
  EXPECT_EQ(commands[2][0], "PUBLISH");
}

TEST_F(RedisActionBuilderTest, KafkaFallbackVersionAndNoPosition) {
  auto builder = Bind({{"upsert", "t:{id}"}, {"invalidate", "t:{id}"}});
  ASSERT_TRUE(builder.ok());
  ChangeEvent event;
  event.op = Op::kCreate;
  event.after = Row{{"id", Value::Int(7)}};
  event.origin.topic = "flat.things";
  event.position = {SourcePosition::Kind::kKafka, 3, 120, 0};
  std::vector<Command> commands = Commands(**builder, event);
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[1][7], "kafka:flat.things:3@00000000000000000120");

  event.position = {};
  EXPECT_THAT(BuildError(**builder, event), HasSubstr("upsert: the event has no source position"));
  auto invalidate_only = Bind({{"invalidate", "t:{id}"}});
  ASSERT_TRUE(invalidate_only.ok());
  EXPECT_THAT(Commands(**invalidate_only, event), ElementsAre(ElementsAre("UNLINK", "t:7")));
}

// Issue 16: row data cannot reach the version guard's own keys. A key rendering to
// "<another key>:fanout:version" would overwrite (upsert) or unlink (invalidate, delete) that
// key's version, so a stale replay of it would win: the record is refused, a bad record.
TEST_F(RedisActionBuilderTest, KeysInTheVersionNamespaceAreBadRecords) {
  ChangeEvent event;
  event.op = Op::kCreate;
  event.after = Row{{"id", Value::String("5:fanout:version")}, {"email", Value::String("e@x")}};
  event.key = Row{{"id", Value::String("5:fanout:version")}};
  event.position = {SourcePosition::Kind::kPostgres, 20, 20, 0};
  for (const std::string format : {"json", "hash"}) {
    auto upsert = Bind({{"upsert", "user:{id}"}}, {{"format", format}});
    ASSERT_TRUE(upsert.ok());
    const std::string error = BuildError(**upsert, event);
    EXPECT_THAT(error, HasSubstr("upsert: a rendered key ends with ':fanout:version'")) << format;
    EXPECT_THAT(error, Not(HasSubstr("user:5"))) << "row data in the message";
  }
  auto upsert = Bind({{"upsert", "user:{id}"}});
  ASSERT_TRUE(upsert.ok());
  ChangeEvent del = event;
  del.op = Op::kDelete;
  del.before = del.after;
  del.after.reset();
  EXPECT_THAT(BuildError(**upsert, del), HasSubstr("suffix of fanout's version keys"));
  // An update that moves the row from a hostile key deletes that key: refused too.
  ChangeEvent moved = event;
  moved.op = Op::kUpdate;
  moved.before = moved.after;
  moved.after = Row{{"id", Value::String("5")}, {"email", Value::String("e@x")}};
  EXPECT_THAT(BuildError(**upsert, moved), HasSubstr("suffix of fanout's version keys"));

  // Invalidation would unlink the version (a tombstone): refused even beside a key that renders.
  auto invalidate = Bind({{"invalidate", "user:{id}"}, {"invalidate", "user:email:{email}"}});
  ASSERT_TRUE(invalidate.ok());
  EXPECT_THAT(BuildError(**invalidate, event),
              HasSubstr("invalidate: a rendered key ends with ':fanout:version'"));
  // A key that merely holds the words elsewhere is a key like any other.
  event.after = Row{{"id", Value::String("5:fanout:version:x")}};
  EXPECT_THAT(Commands(**invalidate, event),
              ElementsAre(ElementsAre("UNLINK", "user:5:fanout:version:x")));
}

// The hash format keeps the version in the field _fanout_version: no column may write it, under
// its own name or renamed to it.
TEST_F(RedisActionBuilderTest, AColumnNamedLikeTheVersionFieldIsABadRecord) {
  ChangeEvent event;
  event.op = Op::kCreate;
  event.after = Row{{"id", Value::Int(5)}, {"_fanout_version", Value::String("pg@99999")}};
  event.position = {SourcePosition::Kind::kPostgres, 20, 20, 0};
  auto hash = Bind({{"upsert", "user:{id}"}}, {{"format", "hash"}});
  ASSERT_TRUE(hash.ok());
  EXPECT_THAT(BuildError(**hash, event),
              HasSubstr("column '_fanout_version' collides with the field fanout keeps"));
  ColumnProjection rename;
  rename.rename = {{"v", "_fanout_version"}};
  auto renamed = Bind({{"upsert", "user:{id}"}}, {{"format", "hash"}}, rename);
  ASSERT_TRUE(renamed.ok());
  event.after = Row{{"id", Value::Int(5)}, {"v", Value::String("pg@99999")}};
  EXPECT_THAT(BuildError(**renamed, event), HasSubstr("collides with the field"));
}

TEST_F(RedisActionBuilderTest, BindRejectsWhatARedisRouteCannotDo) {
  auto error = [this](std::vector<std::pair<std::string, std::string>> templates,
                      Options options = {}) {
    auto builder = Bind(std::move(templates), std::move(options));
    EXPECT_FALSE(builder.ok());
    return builder.ok() ? std::string() : std::string(builder.status().message());
  };
  EXPECT_THAT(error({}), HasSubstr("needs `invalidate`, `upsert` or `publish`"));
  EXPECT_THAT(error({{"index", "x"}}), HasSubstr("index: not an option of a redis route"));
  EXPECT_THAT(error({{"upsert", "a"}, {"upsert", "b"}}), HasSubstr("upsert: one key template"));
  EXPECT_THAT(error({{"publish", "a"}, {"publish", "b"}}), HasSubstr("publish: one channel"));
  EXPECT_THAT(error({{"upsert", "a"}}, {{"format", "xml"}}), HasSubstr("format: must be json or"));
  EXPECT_THAT(error({{"invalidate", "a"}}, {{"format", "hash"}}),
              HasSubstr("format: applies to `upsert` only"));
  EXPECT_THAT(error({{"upsert", "a"}}, {{"delete_mode", "soft"}}),
              HasSubstr("delete_mode: not an option"));
  EXPECT_THAT(error({{"upsert", "user:{id}:fanout:version"}}),
              HasSubstr("upsert: keys ending with ':fanout:version' are fanout's version keys"));
  EXPECT_THAT(error({{"invalidate", "a"}, {"invalidate", "{id}:fanout:version"}}),
              HasSubstr("invalidate: keys ending with ':fanout:version'"));
}

}  // namespace
}  // namespace fanout
