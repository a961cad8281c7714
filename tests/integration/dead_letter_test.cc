// Poison messages: undecodable bytes and an event a route cannot build go to the dead-letter
// topic with their original bytes and fanout.* context; the partition moves on and the other
// routes keep working.
#include "processor/delivery/dead_letter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/support/kafka_topic.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Envelope(int id, const std::string& note_json) {
  return R"({"before":null,"after":{"id":)" + std::to_string(id) + R"(,"note":)" + note_json +
         R"(},"source":{"connector":"postgresql","db":"d","schema":"public","table":"things","lsn":)" +
         std::to_string(100 + id) + R"(},"op":"c"})";
}

TEST(DeadLetterTest, PoisonMessagesGoToTheDeadLetterTopicAndThePartitionMovesOn) {
  const std::string name = "dlq" + std::to_string(::getpid());
  const std::string topic = name + ".public.things";
  const std::string dir = std::filesystem::temp_directory_path() / ("fanout-" + name);
  std::filesystem::create_directories(dir);

  // key|value lines for kcat; record 2 is garbage, record 3's note is null.
  {
    std::ofstream input(dir + "/input.txt");
    input << R"({"id":1}|)" << Envelope(1, R"("first")") << "\n";
    input << R"({"id":9}|not json {{{ at all)"
          << "\n";
    input << R"({"id":2}|)" << Envelope(2, "null") << "\n";
    input << R"({"id":3}|)" << Envelope(3, R"("third")") << "\n";
  }
  const std::string produce = "kcat -P -b " + RequireEnv("FANOUT_KAFKA_BOOTSTRAP") + " -t " +
                              topic + " -K '|' -H origin=test -l " + dir + "/input.txt";
  ASSERT_EQ(std::system(produce.c_str()), 0);

  const std::string config = dir + "/fanout.yaml";
  std::ofstream(config) << "version: 1\n"
                        << "kafka: { bootstrap.servers: \"${FANOUT_KAFKA_BOOTSTRAP}\", group.id: "
                        << name << " }\n"
                        << "source: { topics: [" << topic << "] }\n"
                        << "processing: { commit_interval: 200ms }\n"
                        << "sinks: { events: { type: kafka } }\n"
                        << "routes:\n"
                        << "  - { name: mirror, from: public.things, to: events, topic: " << topic
                        << ".out, key: \"{id}\" }\n"
                        << "  - { name: notes, from: public.things, to: events, topic: " << topic
                        << ".notes, key: \"{after.note}\" }\n"
                        << "dead_letter: { topic: " << topic << ".dlq }\n";
  const std::string log = dir + "/fanout.log";
  ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, log);
  std::vector<CapturedRecord> out;
  std::vector<CapturedRecord> dlq;
  EXPECT_TRUE(WaitFor(
      [&] {
        out = ReadTopic(topic + ".out");
        dlq = ReadTopic(topic + ".dlq");
        return out.size() >= 3 && dlq.size() >= 2;
      },
      std::chrono::seconds(60)))
      << ReadFile(log);
  fanout.Signal(SIGTERM);
  EXPECT_EQ(fanout.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log);

  // The mirror route saw every decodable event, the garbage in between did not stop it.
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].key.value_or(""), "1");
  EXPECT_EQ(out[1].key.value_or(""), "2");
  EXPECT_EQ(out[2].key.value_or(""), "3");
  EXPECT_EQ(out[2].value.value_or(""), R"({"id":3,"note":"third"})");
  EXPECT_EQ(Header(out[2], "fanout.route"), "mirror");
  EXPECT_EQ(Header(out[2], "fanout.position"), "pg:0:103");
  std::vector<CapturedRecord> notes = ReadTopic(topic + ".notes");
  ASSERT_EQ(notes.size(), 2u) << "the notes route for id 2 is a bad record, not the others";
  EXPECT_EQ(notes[0].key.value_or(""), "first");
  EXPECT_EQ(notes[1].key.value_or(""), "third");

  ASSERT_EQ(dlq.size(), 2u);
  CapturedRecord& garbage = dlq[0];
  EXPECT_EQ(garbage.key.value_or(""), R"({"id":9})");
  EXPECT_EQ(garbage.value.value_or(""), "not json {{{ at all") << "the original bytes, untouched";
  EXPECT_EQ(Header(garbage, "origin"), "test") << "the original headers are kept";
  EXPECT_EQ(Header(garbage, "fanout.error.class"), "decode_error");
  EXPECT_THAT(Header(garbage, "fanout.error.message"), HasSubstr("not valid JSON"));
  EXPECT_EQ(Header(garbage, "fanout.source.topic"), topic);
  EXPECT_EQ(Header(garbage, "fanout.source.partition"), "0");
  EXPECT_EQ(Header(garbage, "fanout.source.offset"), "1");
  EXPECT_EQ(Header(garbage, "fanout.attempts"), "1");
  EXPECT_FALSE(Header(garbage, "fanout.failure.first_ms").empty());

  CapturedRecord& bad = dlq[1];
  EXPECT_EQ(bad.key.value_or(""), R"({"id":2})");
  EXPECT_EQ(Header(bad, "fanout.error.class"), "bad_record");
  EXPECT_EQ(Header(bad, "fanout.route"), "notes");
  EXPECT_EQ(Header(bad, "fanout.sink"), "events");
  EXPECT_THAT(Header(bad, "fanout.error.message"), HasSubstr("after.note"));
  EXPECT_EQ(Header(bad, "fanout.source.offset"), "2");

  // The cause is fixed (the notes route keys by id now); replaying the notes route's dead
  // letters delivers id 2 through that route only, and a second replay does nothing more.
  std::string fixed = ReadFile(config);
  fixed.replace(fixed.find("key: \"{after.note}\""), 19, "key: \"{id}\"");
  const std::string fixed_config = dir + "/fixed.yaml";
  std::ofstream(fixed_config) << fixed;
  for (int run = 0; run < 2; ++run) {
    ChildProcess replay(
        {FANOUT_BINARY, "dlq", "replay", "-c", fixed_config, "--route", "notes", "--idle", "2s"},
        dir + "/replay.log");
    EXPECT_EQ(replay.Wait(std::chrono::seconds(60)), std::optional<int>(0))
        << ReadFile(dir + "/replay.log");
  }
  EXPECT_THAT(ReadFile(dir + "/replay.log"), HasSubstr("1 replayed"));
  EXPECT_THAT(ReadFile(dir + "/replay.log"), HasSubstr("0 replayed"));
  notes = ReadTopic(topic + ".notes");
  ASSERT_EQ(notes.size(), 3u) << "id 2 delivered once by the replays";
  EXPECT_EQ(notes[2].key.value_or(""), "2");
  EXPECT_EQ(Header(notes[2], "fanout.source.offset"), "2") << "the original coordinates";
  EXPECT_EQ(ReadTopic(topic + ".out").size(), 3u) << "the mirror route is not re-driven";

  // Replaying everything: the garbage is still garbage, so it comes back as attempt 2, with
  // its original source and first failure time.
  ChildProcess replay_all({FANOUT_BINARY, "dlq", "replay", "-c", fixed_config, "--idle", "2s"},
                          dir + "/replay-all.log");
  EXPECT_EQ(replay_all.Wait(std::chrono::seconds(60)), std::optional<int>(0))
      << ReadFile(dir + "/replay-all.log");
  dlq = ReadTopic(topic + ".dlq");
  ASSERT_EQ(dlq.size(), 3u);
  EXPECT_EQ(dlq[2].value.value_or(""), "not json {{{ at all");
  EXPECT_EQ(Header(dlq[2], "fanout.attempts"), "2");
  EXPECT_EQ(Header(dlq[2], "fanout.source.offset"), "1");
  EXPECT_EQ(Header(dlq[2], "fanout.failure.first_ms"), Header(dlq[0], "fanout.failure.first_ms"));
  EXPECT_EQ(Header(dlq[2], "origin"), "test");
  EXPECT_EQ(ReadTopic(topic + ".notes").size(), 3u);
  std::filesystem::remove_all(dir);
}

// A 2 MB record fails (here: it is not JSON) on a source topic that takes it; the dead-letter
// topic keeps the broker's default limit (1 MB). The dead letter is cut to
// dead_letter.max_record_bytes with its original size and digest, and fanout moves on; without
// the bound it could not be written and fanout stopped on it, at every restart.
TEST(DeadLetterTest, ARecordLargerThanTheDeadLetterTopicTakesIsCutWithItsSizeAndDigest) {
  const std::string name = "dlqbig" + std::to_string(::getpid());
  const std::string topic = name + ".public.things";
  const std::string dir = std::filesystem::temp_directory_path() / ("fanout-" + name);
  std::filesystem::create_directories(dir);
  const std::string create =
      std::string(FANOUT_REPO_DIR) + "/stack/kafka.sh topics --create " + "--topic " + topic +
      " --partitions 1 --config max.message.bytes=4000000 >" + dir + "/create.log 2>&1";
  ASSERT_EQ(std::system(create.c_str()), 0) << ReadFile(dir + "/create.log");
  const std::string big = "not json " + std::string(2 * 1024 * 1024, 'x');
  {
    std::ofstream input(dir + "/input.txt");
    input << R"({"id":1}|)" << Envelope(1, R"("first")") << "\n";
    input << R"({"id":9}|)" << big << "\n";
    input << R"({"id":3}|)" << Envelope(3, R"("third")") << "\n";
  }
  const std::string produce = "kcat -P -b " + RequireEnv("FANOUT_KAFKA_BOOTSTRAP") +
                              " -X message.max.bytes=4000000 -t " + topic + " -K '|' -l " + dir +
                              "/input.txt";
  ASSERT_EQ(std::system(produce.c_str()), 0);

  const std::string config = dir + "/fanout.yaml";
  std::ofstream(config) << "version: 1\n"
                        << "kafka: { bootstrap.servers: \"${FANOUT_KAFKA_BOOTSTRAP}\", group.id: "
                        << name << " }\n"
                        << "source: { topics: [" << topic << "] }\n"
                        << "processing: { commit_interval: 200ms }\n"
                        << "sinks: { events: { type: kafka } }\n"
                        << "routes:\n"
                        << "  - { name: mirror, from: public.things, to: events, topic: " << topic
                        << ".out, key: \"{id}\" }\n"
                        << "dead_letter: { topic: " << topic << ".dlq }\n";
  const std::string log = dir + "/fanout.log";
  ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, log);
  std::vector<CapturedRecord> out;
  std::vector<CapturedRecord> dlq;
  EXPECT_TRUE(WaitFor(
      [&] {
        out = ReadTopic(topic + ".out");
        dlq = ReadTopic(topic + ".dlq");
        return out.size() >= 2 && !dlq.empty();
      },
      std::chrono::seconds(60)))
      << ReadFile(log);
  fanout.Signal(SIGTERM);
  EXPECT_EQ(fanout.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log);

  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].key.value_or(""), "3") << "the record after the large one is delivered";
  ASSERT_EQ(dlq.size(), 1u);
  const CapturedRecord& cut = dlq[0];
  EXPECT_EQ(Header(cut, "fanout.error.class"), "decode_error");
  EXPECT_EQ(Header(cut, "fanout.truncated"), "value");
  EXPECT_EQ(Header(cut, "fanout.original.value.bytes"), std::to_string(big.size()));
  EXPECT_EQ(Header(cut, "fanout.original.value.sha256"), Sha256Hex(big));
  EXPECT_EQ(Header(cut, "fanout.source.offset"), "1");
  ASSERT_TRUE(cut.value.has_value());
  EXPECT_LE(cut.value->size(), 900000u);
  EXPECT_GT(cut.value->size(), 800000u);
  EXPECT_EQ(*cut.value, big.substr(0, cut.value->size()));
}

}  // namespace
}  // namespace fanout::testing
