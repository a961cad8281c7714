// ElasticsearchVersion: the int64 external version from the source position. Monotonic along
// the source's commit order, checked on real Debezium output and on the interleavings the
// order key (sequence[0], lsn) exists for.
#include "sinks/elasticsearch/version.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "processor/debezium/decoder.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

using ::testing::HasSubstr;
using Kind = SourcePosition::Kind;

std::int64_t Version(SourcePosition position, std::int64_t offset = -1) {
  ChangeEvent event;
  event.position = position;
  KafkaRecordView record;
  record.offset = offset;
  Result<std::int64_t> version = ElasticsearchVersion(event, record);
  EXPECT_TRUE(version.ok()) << version.status().ToString();
  return version.ok() ? *version : -1;
}

std::string Error(SourcePosition position, std::int64_t offset = -1) {
  ChangeEvent event;
  event.position = position;
  KafkaRecordView record;
  record.offset = offset;
  Result<std::int64_t> version = ElasticsearchVersion(event, record);
  EXPECT_FALSE(version.ok());
  return version.ok() ? "" : std::string(version.status().message());
}

TEST(ElasticsearchVersionTest, RealPostgresCaptureNeverGoesBackwards) {
  DebeziumDecoder decoder;
  for (const char* table : {"customers", "tiny", "big"}) {
    const std::string path = std::string(FANOUT_TEST_DATA_DIR) +
                             "/debezium/postgres/capschema.public." + table + ".jsonl";
    std::vector<testing::CapturedRecord> records = testing::ReadCapturedRecords(path);
    ASSERT_FALSE(records.empty()) << path;
    std::int64_t previous = -1;
    std::map<std::string, std::int64_t> per_document;
    for (const testing::CapturedRecord& record : records) {
      ChangeEvent event;
      ASSERT_TRUE(decoder.Decode(record.View(), &event).ok());
      if (event.kind != RecordKind::kChange) continue;
      Result<std::int64_t> version = ElasticsearchVersion(event, record.View());
      ASSERT_TRUE(version.ok()) << version.status().ToString();
      // One partition holds the changes in commit order: versions never decrease.
      EXPECT_GE(*version, previous) << table << " offset " << record.offset;
      previous = *version;
      if (event.key.empty()) continue;  // truncate
      // Each later change of one row carries a strictly newer version.
      const std::string id = record.key.value_or("");
      auto [it, inserted] = per_document.emplace(id, *version);
      if (!inserted) {
        EXPECT_GT(*version, it->second) << table << " offset " << record.offset;
        it->second = *version;
      }
    }
  }
}

TEST(ElasticsearchVersionTest, PostgresFollowsCommitOrderNotRowLsnOrder) {
  // T1 writes at 100 and 300, T2 at 200 and commits first (its commit ends at 400); T1's commit
  // ends at 500. Debezium streams T2 (sequence[0] = the commit before, 50), then T1
  // (sequence[0] = 400), then T3 (sequence[0] = 500). The row LSNs alone would order T1's first
  // change (100) before T2's (200), although T1 committed later.
  const std::int64_t t2 = Version({Kind::kPostgres, 50, 200, 0});
  const std::int64_t t1_first = Version({Kind::kPostgres, 400, 100, 0});
  const std::int64_t t1_second = Version({Kind::kPostgres, 400, 300, 0});
  const std::int64_t t3 = Version({Kind::kPostgres, 500, 520, 0});
  const std::int64_t t3_later = Version({Kind::kPostgres, 500, 640, 0});
  EXPECT_LT(t2, t1_first);
  EXPECT_LE(t1_first, t1_second);  // both written before T2's commit: a tie (documented)
  EXPECT_EQ(t1_first, 400);
  EXPECT_LT(t1_second, t3);
  EXPECT_LT(t3, t3_later);  // written after the previous commit: the row LSN breaks the tie
  EXPECT_EQ(t3_later, 640);
}

TEST(ElasticsearchVersionTest, PostgresIsMonotonicOverEveryOrderedPair) {
  // All (sequence[0], lsn) pairs a stream can produce in commit order: the rows of each
  // transaction lie below the end of its own commit, which is the next one's sequence[0].
  struct Tx {
    std::uint64_t previous_commit_end;
    std::vector<std::uint64_t> rows;
  };
  const std::vector<Tx> stream = {
      {0, {90, 95}},           // the first transaction after a fresh start: no commit LSN
      {100, {100, 140, 180}},  // rows right after the previous commit
      {200, {120, 150, 260}},  // overlapped: two rows written before the previous commit
      {300, {10, 20}},         // a long transaction, all rows far back
      {310, {315}},           {1ull << 62, {(1ull << 62) + 5}},  // a far LSN still fits
  };
  std::vector<std::int64_t> versions;
  for (const Tx& tx : stream) {
    for (std::uint64_t row : tx.rows) {
      versions.push_back(Version({Kind::kPostgres, tx.previous_commit_end, row, 0}));
    }
  }
  EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end()));
  // Different transactions never share a version.
  EXPECT_LT(Version({Kind::kPostgres, 0, 95, 0}), Version({Kind::kPostgres, 100, 100, 0}));
  EXPECT_LT(Version({Kind::kPostgres, 100, 180, 0}), Version({Kind::kPostgres, 200, 120, 0}));
  EXPECT_LT(Version({Kind::kPostgres, 200, 260, 0}), Version({Kind::kPostgres, 300, 10, 0}));
}

TEST(ElasticsearchVersionTest, PostgresOverTheVersionRangeIsAnError) {
  EXPECT_EQ(Version({Kind::kPostgres, 0, (1ull << 63) - 1, 0}), INT64_MAX);
  EXPECT_THAT(Error({Kind::kPostgres, 1ull << 63, 5, 0}), HasSubstr("over 2^63-1"));
  EXPECT_THAT(Error({Kind::kPostgres, 5, ~0ull, 0}), HasSubstr("over 2^63-1"));
}

TEST(ElasticsearchVersionTest, BinlogKeepsRowOrderWithinAnEvent) {
  std::vector<std::int64_t> versions = {
      Version({Kind::kBinlog, 7, 4000, 0}), Version({Kind::kBinlog, 7, 4000, 1}),
      Version({Kind::kBinlog, 7, 4000, 2}), Version({Kind::kBinlog, 7, 4120, 0}),
      Version({Kind::kBinlog, 8, 4, 0}),
  };
  EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end()));
  EXPECT_EQ(std::adjacent_find(versions.begin(), versions.end()), versions.end());  // strictly
  EXPECT_EQ(Version({Kind::kBinlog, 7, 4000, 2}), (std::int64_t{7} << 32) | 4002);
  // Saturates at the top of a 4 GiB file rather than spilling into the file number.
  EXPECT_EQ(Version({Kind::kBinlog, 7, 0xFFFFFFFFu, 3}), (std::int64_t{7} << 32) | 0xFFFFFFFF);
  EXPECT_THAT(Error({Kind::kBinlog, 1ull << 31, 4, 0}), HasSubstr("file number"));
  EXPECT_THAT(Error({Kind::kBinlog, 1, 1ull << 32, 0}), HasSubstr("position over"));
}

TEST(ElasticsearchVersionTest, WithoutASourcePositionTheKafkaOffsetIsTheFallback) {
  EXPECT_EQ(Version({Kind::kKafka, 3, 12345, 0}), 12345);
  EXPECT_EQ(Version({}, 42), 42);
  EXPECT_THAT(Error({}), HasSubstr("no source position"));
}

}  // namespace
}  // namespace fanout
