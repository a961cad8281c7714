// A record the broker refuses after Produce() accepted it (here: larger than the output topic's
// max.message.bytes, far below the client's own limit) goes to the dead-letter topic, and
// fanout moves on instead of aborting the same transaction forever. The refused record's
// neighbours, which the broker refused with it because they shared its batch, are delivered
// (exactly once in a transaction).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/support/kafka_topic.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kEvents = 40;
constexpr int kPoison = 17;  // the id whose projected row is too large for the output topic

std::string Envelope(int id, const std::string& note) {
  return R"({"before":null,"after":{"id":)" + std::to_string(id) + R"(,"note":")" + note +
         R"("},"source":{"connector":"postgresql","db":"d","schema":"public","table":"things","lsn":)" +
         std::to_string(100 + id) + R"(},"op":"c"})";
}

class BrokerRejectionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BrokerRejectionTest, ARecordTheBrokerRefusesIsDeadLetteredAndItsBatchDelivered) {
  const std::string guarantee = GetParam();
  const std::string name = "rej" + std::to_string(::getpid()) + guarantee.substr(0, 5);
  const std::string topic = name + ".public.things";
  const std::string output = topic + ".out";
  const std::string dir = std::filesystem::temp_directory_path() / ("fanout-" + name);
  std::filesystem::create_directories(dir);

  // The output topic takes batches of at most 1500 bytes; the client would send up to 1 MB.
  const std::string create =
      std::string(FANOUT_REPO_DIR) + "/stack/kafka.sh topics --create " + "--topic " + output +
      " --partitions 1 --config max.message.bytes=1500 >" + dir + "/create.log 2>&1";
  ASSERT_EQ(std::system(create.c_str()), 0) << ReadFile(dir + "/create.log");
  {
    std::ofstream input(dir + "/input.txt");
    for (int id = 1; id <= kEvents; ++id) {
      const std::string note = id == kPoison ? std::string(4000, 'x') : "n" + std::to_string(id);
      input << R"({"id":)" << id << "}|" << Envelope(id, note) << "\n";
    }
  }
  const std::string produce = "kcat -P -b " + RequireEnv("FANOUT_KAFKA_BOOTSTRAP") + " -t " +
                              topic + " -K '|' -l " + dir + "/input.txt";
  ASSERT_EQ(std::system(produce.c_str()), 0);

  const std::string config = dir + "/fanout.yaml";
  // linger.ms makes the producer pack records into shared batches, as under load.
  std::ofstream(config) << "version: 1\n"
                        << "kafka: { bootstrap.servers: \"${FANOUT_KAFKA_BOOTSTRAP}\", group.id: "
                        << name << " }\n"
                        << "source: { topics: [" << topic << "] }\n"
                        << "processing: { guarantee: " << guarantee
                        << ", commit_interval: 500ms }\n"
                        << "sinks: { events: { type: kafka, properties: { linger.ms: 200 } } }\n"
                        << "routes:\n"
                        << "  - { name: mirror, from: public.things, to: events, topic: " << output
                        << ", key: \"{id}\" }\n"
                        << "dead_letter: { topic: " << topic << ".dlq }\n";
  const std::string log = dir + "/fanout.log";
  ChildProcess fanout({FANOUT_BINARY, "run", "-c", config}, log);
  std::vector<CapturedRecord> out;
  std::vector<CapturedRecord> dlq;
  std::set<std::string> keys;
  const bool done = WaitFor(
      [&] {
        out = ReadTopic(output);
        dlq = ReadTopic(topic + ".dlq");
        keys.clear();
        for (const CapturedRecord& record : out) keys.insert(record.key.value_or(""));
        return keys.size() >= kEvents - 1 && !dlq.empty();
      },
      std::chrono::seconds(90));
  fanout.Signal(SIGTERM);
  EXPECT_EQ(fanout.Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log);
  ASSERT_TRUE(done) << out.size() << " records out, " << dlq.size() << " dead letters\n"
                    << ReadFile(log);

  std::set<std::string> expected;
  for (int id = 1; id <= kEvents; ++id) {
    if (id != kPoison) expected.insert(std::to_string(id));
  }
  EXPECT_EQ(keys, expected) << "every record but the poison, the poison's batch mates included";
  if (guarantee == "exactly_once") {
    EXPECT_EQ(out.size(), expected.size()) << "the aborted attempts left nothing visible";
  }
  std::string dead_letters;
  for (const CapturedRecord& record : dlq) {
    dead_letters += Header(record, "fanout.source.offset") + " " +
                    Header(record, "fanout.error.class") + ": " +
                    Header(record, "fanout.error.message") + "\n";
  }
  ASSERT_EQ(dlq.size(), 1u) << dead_letters << ReadFile(log);
  EXPECT_EQ(dlq[0].key.value_or(""), R"({"id":)" + std::to_string(kPoison) + "}");
  EXPECT_EQ(Header(dlq[0], "fanout.error.class"), "bad_record");
  EXPECT_EQ(Header(dlq[0], "fanout.route"), "mirror");
  EXPECT_THAT(Header(dlq[0], "fanout.error.message"), HasSubstr("the broker refused it"));
  EXPECT_THAT(Header(dlq[0], "fanout.error.message"), HasSubstr("too large"));
  EXPECT_EQ(Header(dlq[0], "fanout.source.offset"), std::to_string(kPoison - 1));
  // The poison's batch mates were refused with it and accepted alone: the operator is told.
  EXPECT_THAT(ReadFile(log), HasSubstr("refused a record batch and then accepted its records"));
}

INSTANTIATE_TEST_SUITE_P(Guarantees, BrokerRejectionTest,
                         ::testing::Values("exactly_once", "at_least_once"));

}  // namespace
}  // namespace fanout::testing
