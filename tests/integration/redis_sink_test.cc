// The Redis sink against the stack's real Redis (FANOUT_REDIS_URL, see stack/env): pipelining,
// the version guard, tombstones, replays, publish, per-item bad records, outages, Close.
// Every test works under its own key prefix and removes its keys afterwards. No test sleeps for
// a fixed time: each waits for a callback or a condition, bounded.
#include "sinks/redis/redis_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "processor/route/router.h"
#include "sinks/redis/guard.h"
#include "sinks/redis/resp.h"
#include "sinks/redis/settings.h"
#include "sinks/runtime.h"
#include "tests/support/bound_routes.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;
using Settings = std::vector<std::pair<std::string, std::string>>;
using Templates = std::vector<std::pair<std::string, std::string>>;
constexpr auto kWait = std::chrono::seconds(15);  // bound on any wait; never reached when green

// A plain synchronous client to look at (and tamper with) what the sink wrote.
class Client {
 public:
  explicit Client(const RedisUrl& url, int timeout_ms = 5000) {
    const timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    context_ = redisConnectWithTimeout(url.host.c_str(), url.port, tv);
    EXPECT_TRUE(context_ != nullptr && context_->err == 0) << "cannot reach the stack's Redis";
    if (url.db != 0) Run({"SELECT", std::to_string(url.db)});
  }
  ~Client() {
    if (context_ != nullptr) redisFree(context_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  RespReply Run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lengths.data()));
    return Take(reply);
  }
  // The next message pushed to a SUBSCRIBEd connection.
  RespReply Receive() {
    void* reply = nullptr;
    if (redisGetReply(context_, &reply) != REDIS_OK) return {};
    return Take(static_cast<redisReply*>(reply));
  }
  std::string Get(const std::string& key) { return Run({"GET", key}).text; }
  bool Exists(const std::string& key) { return Run({"EXISTS", key}).integer == 1; }
  std::map<std::string, std::string> HashOf(const std::string& key) {
    std::map<std::string, std::string> out;
    RespReply all = Run({"HGETALL", key});
    for (std::size_t i = 0; i + 1 < all.elements.size(); i += 2) {
      out[all.elements[i].text] = all.elements[i + 1].text;
    }
    return out;
  }

 private:
  static RespReply Take(redisReply* reply) {
    RespReply out;
    if (reply == nullptr) return out;
    out.type = reply->type == REDIS_REPLY_INTEGER ? RespReply::Type::kInteger
               : reply->type == REDIS_REPLY_ERROR ? RespReply::Type::kError
               : reply->type == REDIS_REPLY_ARRAY ? RespReply::Type::kArray
               : reply->type == REDIS_REPLY_NIL   ? RespReply::Type::kNil
                                                  : RespReply::Type::kString;
    out.integer = reply->integer;
    if (reply->str != nullptr) out.text.assign(reply->str, reply->len);
    for (std::size_t i = 0; i < reply->elements; ++i) {
      RespReply element;
      element.integer = reply->element[i]->integer;
      if (reply->element[i]->str != nullptr) {
        element.text.assign(reply->element[i]->str, reply->element[i]->len);
      }
      out.elements.push_back(std::move(element));
    }
    freeReplyObject(reply);
    return out;
  }

  redisContext* context_ = nullptr;
};

Row Customer(int id, const std::string& email, const std::string& name = "Ada") {
  Row row;
  row.push_back({"id", Value::Int(id)});
  row.push_back({"name", Value::String(name)});
  row.push_back({"email", email.empty() ? Value::Null() : Value::String(email)});
  return row;
}

// A PostgreSQL change of public.customers at commit-ordered position (version, version).
ChangeEvent Change(Op op, std::optional<Row> before, std::optional<Row> after,
                   std::uint64_t version) {
  ChangeEvent event;
  event.op = op;
  event.connector = "postgresql";
  event.schema = "public";
  event.table = "customers";
  const Row& image = after ? *after : *before;
  event.key.push_back(image.front());
  event.before = std::move(before);
  event.after = std::move(after);
  event.position = {SourcePosition::Kind::kPostgres, version, version, 0};
  event.origin.topic = "it.public.customers";
  return event;
}

ChangeEvent Upsert(int id, const std::string& email, std::uint64_t version,
                   const std::string& name = "Ada") {
  return Change(Op::kUpdate, std::nullopt, Customer(id, email, name), version);
}

class RedisSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_text_ = RequireEnv("FANOUT_REDIS_URL");
    Result<RedisUrl> url = ParseRedisUrl(url_text_);
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
    client_ = std::make_unique<Client>(url_);
    prefix_ = "fanout-it:" + std::to_string(::getpid()) + ":" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ":";
  }

  void TearDown() override {
    for (auto& sink : sinks_) sink->Close();
    runtime_.Stop();
    if (!client_) return;
    RespReply keys = client_->Run({"KEYS", prefix_ + "*"});
    for (const RespReply& key : keys.elements) client_->Run({"DEL", key.text});
  }

  Sink& MakeSink(Settings extra = {}, std::string url = "") {
    Settings settings = {{"url", url.empty() ? url_text_ : url}, {"timeout", "5s"}};
    for (auto& setting : extra) settings.push_back(std::move(setting));
    Result<std::unique_ptr<Sink>> sink =
        CreateRedisSink(SinkSpec{"cache", "redis", settings, {}}, runtime_);
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    sinks_.push_back(std::move(sink).value());
    return *sinks_.back();
  }

  // Binds a route whose templates are written relative to this test's prefix ("@" stands for
  // it: "@customer:{id}").
  const ActionBuilder& Bind(Sink& sink, Templates templates, Settings options = {}) {
    for (auto& [name, text] : templates) {
      if (!text.empty() && text.front() == '@') text = prefix_ + text.substr(1);
    }
    RouteSpec spec;
    spec.name = "route" + std::to_string(routes_.size());
    spec.sink = "cache";
    spec.templates = std::move(templates);
    return routes_.Bind(sink, std::move(spec), std::move(options));
  }

  std::vector<std::unique_ptr<SinkAction>> Build(const ActionBuilder& builder,
                                                 const std::vector<ChangeEvent>& events) {
    std::vector<std::unique_ptr<SinkAction>> actions;
    for (const ChangeEvent& event : events) {
      Result<std::unique_ptr<SinkAction>> action = builder.Build(event, KafkaRecordView{});
      EXPECT_TRUE(action.ok() && *action != nullptr) << action.status().ToString();
      if (action.ok()) actions.push_back(std::move(action).value());
    }
    return actions;
  }

  // Writes `actions` as one batch and waits for the callback.
  static std::vector<ActionResult> Write(Sink& sink,
                                         const std::vector<std::unique_ptr<SinkAction>>& actions) {
    std::vector<const SinkAction*> batch;
    for (const auto& action : actions) batch.push_back(action.get());
    auto promise = std::make_shared<std::promise<std::vector<ActionResult>>>();
    std::future<std::vector<ActionResult>> future = promise->get_future();
    sink.Write(batch, [promise](std::vector<ActionResult> results) {
      promise->set_value(std::move(results));
    });
    if (future.wait_for(kWait) != std::future_status::ready) {
      ADD_FAILURE() << "no callback";
      return {};
    }
    return future.get();
  }

  std::vector<ActionResult> Apply(Sink& sink, const ActionBuilder& builder,
                                  const std::vector<ChangeEvent>& events) {
    return Write(sink, Build(builder, events));
  }

  static std::vector<ActionOutcome> Outcomes(const std::vector<ActionResult>& results) {
    std::vector<ActionOutcome> out;
    for (const ActionResult& result : results) out.push_back(result.outcome);
    return out;
  }

  std::string Key(const std::string& suffix) const { return prefix_ + suffix; }

  // The ids of the server's connections, from CLIENT LIST.
  std::set<std::string> ClientIds() {
    std::set<std::string> ids;
    std::istringstream lines(client_->Run({"CLIENT", "LIST"}).text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("id=", 0) == 0) ids.insert(line.substr(3, line.find(' ') - 3));
    }
    return ids;
  }

  // Kills the connections opened since `known` was taken that ran the guard script: the sink's,
  // and not those of anyone else using the stack's Redis. Returns how many.
  int KillClientsSince(const std::set<std::string>& known) {
    int killed = 0;
    std::istringstream lines(client_->Run({"CLIENT", "LIST"}).text);
    for (std::string line; std::getline(lines, line);) {
      const std::string id = line.substr(3, line.find(' ') - 3);
      if (known.count(id) != 0 || line.find(" cmd=eval") == std::string::npos) continue;
      killed += static_cast<int>(client_->Run({"CLIENT", "KILL", "ID", id}).integer);
    }
    return killed;
  }

  // A TCP port on loopback that nothing listens on.
  static int ClosedPort() {
    boost::asio::io_context context;
    boost::asio::ip::tcp::acceptor acceptor(context,
                                            {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
  }

  SinkRuntime runtime_{2};
  std::string url_text_;
  RedisUrl url_;
  std::unique_ptr<Client> client_;
  std::string prefix_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  BoundRoutes routes_;
};

TEST_F(RedisSinkTest, ServerLoadsTheScriptUnderTheShaTheSinkComputes) {
  EXPECT_EQ(client_->Run({"SCRIPT", "LOAD", std::string(GuardScript())}).text, GuardScriptSha1());
}

TEST_F(RedisSinkTest, PipelinedInvalidateOfBothImagesAcrossABatch) {
  Sink& sink = MakeSink({{"pool_size", "1"}});
  ASSERT_TRUE(sink.Start(std::chrono::seconds(5)).ok());
  const ActionBuilder& builder =
      Bind(sink, {{"invalidate", "@customer:{id}"}, {"invalidate", "@email:{email}"}});
  std::vector<ChangeEvent> events;
  for (int id = 1; id <= 300; ++id) {
    const std::string old_email = "old" + std::to_string(id);
    const std::string new_email = "new" + std::to_string(id);
    for (const std::string& key :
         {"customer:" + std::to_string(id), "email:" + old_email, "email:" + new_email}) {
      client_->Run({"SET", Key(key), "cached"});
    }
    events.push_back(Change(Op::kUpdate, Customer(id, old_email), Customer(id, new_email), 100));
  }
  client_->Run({"SET", Key("untouched"), "cached"});
  EXPECT_THAT(Apply(sink, builder, events),
              Each(Field(&ActionResult::outcome, ActionOutcome::kApplied)));
  EXPECT_EQ(client_->Run({"KEYS", Key("*")}).elements.size(), 1u);
  EXPECT_TRUE(client_->Exists(Key("untouched")));
}

TEST_F(RedisSinkTest, GuardedUpsertJsonKeepsTheNewestVersion) {
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink, {{"upsert", "@customer:{id}"}});
  EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "a@x", 10)})),
              ElementsAre(ActionOutcome::kApplied));
  EXPECT_EQ(client_->Get(Key("customer:1")), R"({"id":1,"name":"Ada","email":"a@x"})");
  EXPECT_THAT(client_->Get(Key("customer:1:fanout:version")), HasSubstr("pg@"));
  EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "b@x", 20)})),
              ElementsAre(ActionOutcome::kApplied));
  // An older version, alone and inside a batch after the newer one: never written.
  std::vector<ActionResult> stale = Apply(sink, builder, {Upsert(1, "old@x", 15)});
  EXPECT_THAT(Outcomes(stale), ElementsAre(ActionOutcome::kAlreadyApplied));
  EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "c@x", 30), Upsert(1, "old@x", 25)})),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kAlreadyApplied));
  EXPECT_EQ(client_->Get(Key("customer:1")), R"({"id":1,"name":"Ada","email":"c@x"})");
}

TEST_F(RedisSinkTest, GuardedUpsertHashReplacesTheRowAndKeepsItsVersionInside) {
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink, {{"upsert", "@customer:{id}"}}, {{"format", "hash"}});
  ASSERT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "a@x", 10)})),
              ElementsAre(ActionOutcome::kApplied));
  std::map<std::string, std::string> row = client_->HashOf(Key("customer:1"));
  EXPECT_EQ(row["id"], "1");
  EXPECT_EQ(row["email"], "a@x");
  EXPECT_EQ(row.count("_fanout_version"), 1u);
  EXPECT_FALSE(client_->Exists(Key("customer:1:fanout:version")));
  // The e-mail becomes null: its field goes away, nothing stale stays behind.
  ASSERT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "", 20, "Grace")})),
              ElementsAre(ActionOutcome::kApplied));
  row = client_->HashOf(Key("customer:1"));
  EXPECT_EQ(row.count("email"), 0u);
  EXPECT_EQ(row["name"], "Grace");
  EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "old@x", 15, "Old")})),
              ElementsAre(ActionOutcome::kAlreadyApplied));
  EXPECT_EQ(client_->HashOf(Key("customer:1"))["name"], "Grace");
}

TEST_F(RedisSinkTest, DeleteLeavesATombstoneThatBlocksAnOlderUpsert) {
  for (const std::string format : {"json", "hash"}) {
    SCOPED_TRACE(format);
    Sink& sink = MakeSink({{"tombstone_ttl", "1h"}});
    const ActionBuilder& builder =
        Bind(sink, {{"upsert", "@" + format + ":{id}"}}, {{"format", format}});
    const std::string key = Key(format + ":7");
    ASSERT_THAT(Outcomes(Apply(sink, builder, {Upsert(7, "a@x", 10)})),
                ElementsAre(ActionOutcome::kApplied));
    ChangeEvent del = Change(Op::kDelete, Customer(7, "a@x"), std::nullopt, 20);
    ASSERT_THAT(Outcomes(Apply(sink, builder, {del})), ElementsAre(ActionOutcome::kApplied));
    EXPECT_FALSE(client_->Exists(key));
    const std::int64_t ttl = client_->Run({"PTTL", key + ":fanout:version"}).integer;
    EXPECT_GT(ttl, 3500 * 1000);
    EXPECT_LE(ttl, 3600 * 1000);
    // A replayed older upsert cannot resurrect the row; a newer insert can.
    EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(7, "a@x", 15)})),
                ElementsAre(ActionOutcome::kAlreadyApplied));
    EXPECT_FALSE(client_->Exists(key));
    EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(7, "new@x", 30)})),
                ElementsAre(ActionOutcome::kApplied));
    EXPECT_TRUE(client_->Exists(key));
    // The stored version is live again: no TTL on it (json) or no tombstone left (hash).
    EXPECT_EQ(client_->Run({"PTTL", key + ":fanout:version"}).integer, format == "json" ? -1 : -2);
  }
}

// Issue 16: a row whose key renders as another key's version key ("user:{id}" with id
// "5:fanout:version") is refused as a bad record, so it cannot overwrite the version of user:5,
// and a stale replay of user:5 still loses.
TEST_F(RedisSinkTest, ARowCannotForgeTheVersionOfAnotherKey) {
  for (const std::string format : {"json", "hash"}) {
    SCOPED_TRACE(format);
    Sink& sink = MakeSink();
    const ActionBuilder& builder =
        Bind(sink, {{"upsert", "@" + format + ":user:{id}"}}, {{"format", format}});
    const std::string key = Key(format + ":user:5");
    const std::string version_key = key + ":fanout:version";
    ASSERT_THAT(Outcomes(Apply(sink, builder, {Upsert(5, "current@x", 10)})),
                ElementsAre(ActionOutcome::kApplied));
    const std::string stored = format == "json" ? client_->Get(key) : client_->HashOf(key)["email"];
    const std::string stored_version = client_->Get(version_key);  // "" for hash: inside it

    Row forger = Customer(0, "forger@x");
    forger[0].value = Value::String("5:fanout:version");
    ChangeEvent forged = Change(Op::kCreate, std::nullopt, forger, 20);
    Result<std::unique_ptr<SinkAction>> action = builder.Build(forged, KafkaRecordView{});
    EXPECT_EQ(action.status().code(), StatusCode::kInvalidArgument)
        << "the forging row was not refused as a bad record";
    if (action.ok() && *action != nullptr) {  // what the sink would have done with it
      std::vector<std::unique_ptr<SinkAction>> actions;
      actions.push_back(std::move(action).value());
      Write(sink, actions);
    }
    EXPECT_EQ(client_->Get(version_key), stored_version);
    EXPECT_EQ(client_->Run({"EXISTS", version_key}).integer, format == "json" ? 1 : 0);

    // A stale replay of user:5 (version 5 < 10) must not win.
    EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(5, "stale@x", 5)})),
                ElementsAre(ActionOutcome::kAlreadyApplied));
    EXPECT_EQ(format == "json" ? client_->Get(key) : client_->HashOf(key)["email"], stored);
  }
}

TEST_F(RedisSinkTest, TombstoneExpiresAfterItsTtl) {
  Sink& sink = MakeSink({{"tombstone_ttl", "100ms"}});
  const ActionBuilder& builder = Bind(sink, {{"upsert", "@customer:{id}"}});
  ASSERT_THAT(
      Outcomes(Apply(sink, builder, {Change(Op::kDelete, Customer(1, "a@x"), std::nullopt, 20)})),
      ElementsAre(ActionOutcome::kApplied));
  EXPECT_TRUE(WaitFor([&] { return !client_->Exists(Key("customer:1:fanout:version")); },
                      std::chrono::seconds(5)));
  // The documented trade-off: past the TTL, a replay older than the delete is applied again.
  EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "a@x", 10)})),
              ElementsAre(ActionOutcome::kApplied));
}

TEST_F(RedisSinkTest, ReplayingABatchIsIdempotent) {
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(
      sink,
      {{"invalidate", "@email:{email}"}, {"upsert", "@customer:{id}"}, {"publish", "@changes"}});
  const std::vector<ChangeEvent> events = {
      Change(Op::kCreate, std::nullopt, Customer(1, "a@x"), 10),
      Change(Op::kCreate, std::nullopt, Customer(2, "b@x"), 11),
      Change(Op::kUpdate, Customer(1, "a@x"), Customer(1, "a2@x"), 12),
      Change(Op::kDelete, Customer(2, "b@x"), std::nullopt, 13),
  };
  ASSERT_THAT(Apply(sink, builder, events),
              Each(Field(&ActionResult::outcome, ActionOutcome::kApplied)));
  auto snapshot = [&] {
    std::map<std::string, std::string> state;
    for (const RespReply& key : client_->Run({"KEYS", Key("*")}).elements) {
      state[key.text] = client_->Get(key.text);
    }
    return state;
  };
  const std::map<std::string, std::string> before = snapshot();
  EXPECT_EQ(before.at(Key("customer:1")), R"({"id":1,"name":"Ada","email":"a2@x"})");
  EXPECT_EQ(before.count(Key("customer:2")), 0u);
  std::vector<ActionResult> replay = Apply(sink, builder, events);
  for (const ActionResult& result : replay) {
    EXPECT_TRUE(result.outcome == ActionOutcome::kApplied ||
                result.outcome == ActionOutcome::kAlreadyApplied)
        << ToString(result.outcome) << ": " << result.message;
  }
  // The older writes of the batch are skipped against the newer state the first run left.
  EXPECT_EQ(replay[0].outcome, ActionOutcome::kAlreadyApplied);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(RedisSinkTest, PublishReachesASubscriber) {
  Client subscriber(url_);
  const std::string channel = Key("changes");
  RespReply subscribed = subscriber.Run({"SUBSCRIBE", channel});
  ASSERT_EQ(subscribed.elements.size(), 3u);
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink, {{"publish", "@changes"}});
  ASSERT_THAT(Outcomes(Apply(sink, builder, {Upsert(5, "a@x", 42)})),
              ElementsAre(ActionOutcome::kApplied));
  RespReply message = subscriber.Receive();
  ASSERT_EQ(message.elements.size(), 3u);
  EXPECT_EQ(message.elements[0].text, "message");
  EXPECT_EQ(message.elements[1].text, channel);
  EXPECT_EQ(message.elements[2].text,
            R"({"table":"public.customers","op":"u","key":{"id":5},"position":"pg:42:42"})");
}

TEST_F(RedisSinkTest, WrongTypeIsABadRecordForItsItemOnly) {
  Sink& sink = MakeSink();
  const ActionBuilder& builder = Bind(sink, {{"upsert", "@customer:{id}"}});
  client_->Run({"RPUSH", Key("customer:2"), "someone else's list"});
  std::vector<ActionResult> results =
      Apply(sink, builder, {Upsert(1, "a@x", 10), Upsert(2, "b@x", 10), Upsert(3, "c@x", 10)});
  ASSERT_THAT(Outcomes(results), ElementsAre(ActionOutcome::kApplied, ActionOutcome::kBadRecord,
                                             ActionOutcome::kApplied));
  EXPECT_THAT(results[1].message, HasSubstr("WRONGTYPE"));
  EXPECT_THAT(results[1].message, Not(HasSubstr("b@x")));
  EXPECT_TRUE(client_->Exists(Key("customer:1")));
  EXPECT_TRUE(client_->Exists(Key("customer:3")));
  EXPECT_EQ(client_->Run({"LLEN", Key("customer:2")}).integer, 1);
}

TEST_F(RedisSinkTest, UnreachableServerIsUnavailable) {
  Sink& sink = MakeSink({}, "redis://127.0.0.1:" + std::to_string(ClosedPort()) + "/0");
  Status started = sink.Start(std::chrono::seconds(2));
  EXPECT_EQ(started.code(), StatusCode::kUnavailable) << started.ToString();
  const ActionBuilder& builder = Bind(sink, {{"invalidate", "@customer:{id}"}});
  std::vector<ActionResult> results =
      Apply(sink, builder, {Upsert(1, "a@x", 1), Upsert(2, "b", 1)});
  EXPECT_THAT(Outcomes(results),
              ElementsAre(ActionOutcome::kUnavailable, ActionOutcome::kUnavailable));
}

TEST_F(RedisSinkTest, AuthAndDatabaseSelection) {
  const std::string user = "fanout-it-" + std::to_string(::getpid());
  ASSERT_EQ(
      client_->Run({"ACL", "SETUSER", user, "reset", "on", ">right-pw", "~*", "&*", "+@all"}).text,
      "OK");
  {
    Sink& good = MakeSink({{"username", user}, {"password", "right-pw"}},
                          "redis://" + url_.host + ":" + std::to_string(url_.port) + "/5");
    EXPECT_TRUE(good.Start(std::chrono::seconds(5)).ok());
    const ActionBuilder& builder = Bind(good, {{"upsert", "@customer:{id}"}});
    EXPECT_THAT(Outcomes(Apply(good, builder, {Upsert(1, "a@x", 1)})),
                ElementsAre(ActionOutcome::kApplied));
    RedisUrl db5 = url_;
    db5.db = 5;
    Client in_db5(db5);
    EXPECT_TRUE(in_db5.Exists(Key("customer:1")));
    in_db5.Run({"DEL", Key("customer:1"), Key("customer:1:fanout:version")});
    EXPECT_FALSE(client_->Exists(Key("customer:1")));

    Sink& bad = MakeSink({{"username", user}, {"password", "wrong-pw"}});
    Status started = bad.Start(std::chrono::seconds(5));
    EXPECT_FALSE(started.ok());
    EXPECT_NE(started.code(), StatusCode::kUnavailable) << started.ToString();
    EXPECT_THAT(std::string(started.message()), Not(HasSubstr("wrong-pw")));
    const ActionBuilder& bad_builder = Bind(bad, {{"invalidate", "@customer:{id}"}});
    EXPECT_THAT(Outcomes(Apply(bad, bad_builder, {Upsert(1, "a@x", 1)})),
                ElementsAre(ActionOutcome::kFatal));
  }
  client_->Run({"ACL", "DELUSER", user});
}

TEST_F(RedisSinkTest, ReconnectsAndReloadsTheScriptAfterTheServerForgetsIt) {
  const std::set<std::string> known = ClientIds();
  Sink& sink = MakeSink({{"pool_size", "1"}});
  ASSERT_TRUE(sink.Start(std::chrono::seconds(5)).ok());
  const ActionBuilder& builder = Bind(sink, {{"upsert", "@customer:{id}"}});
  ASSERT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "a@x", 1)})),
              ElementsAre(ActionOutcome::kApplied));
  // The script cache is flushed under the open connection: NOSCRIPT, then EVAL.
  client_->Run({"SCRIPT", "FLUSH"});
  EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "b@x", 2), Upsert(2, "c@x", 2)})),
              ElementsAre(ActionOutcome::kApplied, ActionOutcome::kApplied));
  EXPECT_THAT(client_->Get(Key("customer:1")), HasSubstr("b@x"));
  // The server drops the connection: the next Write reconnects (and loads the script again).
  EXPECT_EQ(KillClientsSince(known), 1);
  EXPECT_THAT(Outcomes(Apply(sink, builder, {Upsert(1, "d@x", 3)})),
              ElementsAre(ActionOutcome::kApplied));
  EXPECT_THAT(client_->Get(Key("customer:1")), HasSubstr("d@x"));
}

TEST_F(RedisSinkTest, CloseWithWritesInFlightRunsEachCallbackOnce) {
  Sink& sink = MakeSink({{"pool_size", "2"}, {"timeout", "30s"}});
  ASSERT_TRUE(sink.Start(std::chrono::seconds(5)).ok());
  const ActionBuilder& builder = Bind(sink, {{"invalidate", "@customer:{id}"}});
  std::vector<std::unique_ptr<SinkAction>> actions =
      Build(builder, {Upsert(1, "a", 1), Upsert(2, "b", 1), Upsert(3, "c", 1)});
  // The server holds every write command (UNLINK too): the writes stay in flight.
  ASSERT_EQ(client_->Run({"CLIENT", "PAUSE", "5000", "WRITE"}).text, "OK");
  std::mutex mutex;
  std::vector<int> calls(4, 0);
  std::vector<ActionOutcome> outcomes;
  for (int i = 0; i < 4; ++i) {  // one more than the pool: one waits for a connection
    const SinkAction* one = actions[static_cast<std::size_t>(i % 3)].get();
    sink.Write(std::span<const SinkAction* const>(&one, 1),
               [&, i](std::vector<ActionResult> results) {
                 std::lock_guard<std::mutex> lock(mutex);
                 ++calls[static_cast<std::size_t>(i)];
                 for (const ActionResult& result : results) outcomes.push_back(result.outcome);
               });
  }
  const auto start = std::chrono::steady_clock::now();
  sink.Close();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  client_->Run({"CLIENT", "UNPAUSE"});
  sink.Close();  // idempotent
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_THAT(calls, Each(1));
  EXPECT_THAT(outcomes, Each(ActionOutcome::kUnavailable));
}

}  // namespace
}  // namespace fanout::testing
