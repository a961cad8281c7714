#include "processor/delivery/commit_metadata.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout::commit_metadata {
namespace {

TEST(CommitMetadataTest, FieldsAreAddedAndFoundByName) {
  std::string metadata;
  AddField(&metadata, "a", "1");
  AddField(&metadata, "ab", "2");
  EXPECT_EQ(metadata, "fanout/1 a=1 ab=2");
  EXPECT_EQ(Field(metadata, "a"), "1");
  EXPECT_EQ(Field(metadata, "ab"), "2");
  EXPECT_EQ(Field(metadata, "b"), "");
  EXPECT_EQ(Field("a=1", "a"), "") << "not fanout's";
  EXPECT_EQ(Field("fanout/1", "a"), "");
}

}  // namespace
}  // namespace fanout::commit_metadata
