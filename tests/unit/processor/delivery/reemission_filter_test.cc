#include "processor/delivery/reemission_filter.h"

#include <gtest/gtest.h>

#include <string>

#include "processor/delivery/commit_metadata.h"

namespace fanout {
namespace {

const TopicPartition kP0{"t", 0};

SourcePosition Pg(std::uint64_t commit_lsn, std::uint64_t lsn) {
  return SourcePosition{SourcePosition::Kind::kPostgres, commit_lsn, lsn, 0};
}

class ReemissionFilterTest : public ::testing::Test {
 protected:
  bool Judge(std::int64_t offset, SourcePosition position, char op = 'u', std::string key = "k1",
             bool snapshot = false) {
    return filter_.IsReemission("t", 0, offset, position, op, snapshot, key);
  }
  ReemissionFilter filter_;
};

TEST_F(ReemissionFilterTest, ChangesBelowTheHighestPositionAreReemissions) {
  EXPECT_FALSE(Judge(0, Pg(10, 11)));
  EXPECT_FALSE(Judge(1, Pg(20, 21)));
  EXPECT_FALSE(Judge(2, Pg(20, 22))) << "the next change of the same transaction";
  EXPECT_TRUE(Judge(3, Pg(10, 11))) << "Debezium re-emits from its last flushed offset";
  EXPECT_TRUE(Judge(4, Pg(20, 21)));
  EXPECT_TRUE(Judge(5, Pg(20, 22), 'u', "k1")) << "the highest position, same op and key";
  EXPECT_FALSE(Judge(6, Pg(30, 31)));
}

TEST_F(ReemissionFilterTest, AKeyChangeSharesOnePositionWithoutBeingARepeat) {
  EXPECT_FALSE(Judge(0, Pg(10, 11), 'd', "old"));
  EXPECT_FALSE(Judge(1, Pg(10, 11), 'c', "new")) << "the create of the same primary-key change";
  EXPECT_TRUE(Judge(2, Pg(10, 11), 'd', "old"));
  EXPECT_TRUE(Judge(3, Pg(10, 11), 'c', "new"));
}

TEST_F(ReemissionFilterTest, TruncatesOfSeveralTablesShareAPositionAndANullKey) {
  auto truncate = [&](std::int64_t offset, std::string_view table) {
    return filter_.IsReemission("t", 0, offset, Pg(10, 11), 't', false, std::nullopt, table);
  };
  EXPECT_FALSE(truncate(0, "orders"));
  EXPECT_FALSE(truncate(1, "order_items")) << "one TRUNCATE of two tables routed to one topic";
  EXPECT_TRUE(truncate(2, "orders"));
}

TEST_F(ReemissionFilterTest, SnapshotRowsAndUnorderedPositionsAreNeverJudged) {
  EXPECT_FALSE(Judge(0, Pg(50, 51)));
  EXPECT_FALSE(Judge(1, Pg(0, 40), 'r', "k1", /*snapshot=*/true));
  EXPECT_FALSE(Judge(2, Pg(0, 40), 'r', "k1", /*snapshot=*/true)) << "snapshot rows repeat";
  EXPECT_FALSE(Judge(3, Pg(0, 30))) << "no last commit LSN: not commit-ordered";
  EXPECT_FALSE(Judge(4, SourcePosition{SourcePosition::Kind::kKafka, 0, 1, 0}));
  EXPECT_TRUE(Judge(5, Pg(50, 51))) << "none of them moved the highest position";
}

TEST_F(ReemissionFilterTest, TheStateTravelsInTheCommitMetadataOfTheCommittedOffset) {
  filter_.Resume(kP0, "");
  EXPECT_FALSE(Judge(0, Pg(10, 11), 'd', "old"));
  EXPECT_FALSE(Judge(1, Pg(10, 11), 'c', "new"));
  EXPECT_FALSE(Judge(2, Pg(20, 21)));
  std::string metadata;
  filter_.Describe(kP0, 2, &metadata);  // committing offset 2: the state before it
  EXPECT_EQ(commit_metadata::Field(metadata, "source-max"), "pg:10:11:0");

  ReemissionFilter next_owner;
  next_owner.Resume(kP0, metadata);
  EXPECT_FALSE(next_owner.IsReemission("t", 0, 2, Pg(20, 21), 'u', false, "k1"))
      << "offset 2 is read again: not a repeat of anything before the committed offset";
  EXPECT_TRUE(next_owner.IsReemission("t", 0, 3, Pg(10, 11), 'c', false, "new"));
  EXPECT_TRUE(next_owner.IsReemission("t", 0, 4, Pg(10, 11), 'd', false, "old"));
}

TEST_F(ReemissionFilterTest, ForeignOrDamagedMetadataStartsFromScratch) {
  for (const std::string& metadata :
       {std::string(""), std::string("someone else's"),
        std::string("fanout/1 source-max=pg:1:x:0 source-max-seen=00"),
        std::string("fanout/1 source-max=zz:1:1:0 source-max-seen=00")}) {
    ReemissionFilter filter;
    filter.Resume(kP0, metadata);
    EXPECT_FALSE(filter.IsReemission("t", 0, 0, Pg(1, 1), 'u', false, "k")) << metadata;
  }
}

TEST_F(ReemissionFilterTest, TooManyChangesAtOnePositionCountAsNewRatherThanBeLost) {
  filter_.Resume(kP0, "");
  for (int i = 0; i < 12; ++i) {
    EXPECT_FALSE(Judge(i, Pg(10, 11), 't', "table" + std::to_string(i)));
  }
  std::string metadata;
  filter_.Describe(kP0, 12, &metadata);
  EXPECT_EQ(commit_metadata::Field(metadata, "source-max-seen"), "*");
  ReemissionFilter next_owner;
  next_owner.Resume(kP0, metadata);
  EXPECT_FALSE(next_owner.IsReemission("t", 0, 12, Pg(10, 11), 't', false, "table0"))
      << "unknown: delivered again rather than risk dropping a change";
  EXPECT_TRUE(next_owner.IsReemission("t", 0, 13, Pg(9, 9), 'u', false, "k"));
}

}  // namespace
}  // namespace fanout
