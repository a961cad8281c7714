#include "config/suggest.h"

#include <gtest/gtest.h>

namespace fanout::config {
namespace {

TEST(SuggestTest, EditDistanceCountsInsertDeleteSubstituteAndSwap) {
  EXPECT_EQ(EditDistance("pool_size", "pool_size"), 0u);
  EXPECT_EQ(EditDistance("pool_sise", "pool_size"), 1u);  // substitute
  EXPECT_EQ(EditDistance("topcs", "topics"), 1u);         // insert
  EXPECT_EQ(EditDistance("timeoutt", "timeout"), 1u);     // delete
  EXPECT_EQ(EditDistance("rotues", "routes"), 1u);        // swap
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(SuggestTest, SuggestsOnlyACloseName) {
  const std::vector<std::string_view> keys = {"url", "timeout", "pool_size", "batch_size"};
  EXPECT_EQ(NearestName("pool_sise", keys), "pool_size");
  EXPECT_EQ(NearestName("batchsize", keys), "batch_size");
  EXPECT_EQ(NearestName("timout", keys), "timeout");
  EXPECT_EQ(NearestName("ur", keys), std::nullopt) << "1 edit of 2 letters is not close";
  EXPECT_EQ(NearestName("index", keys), std::nullopt);
  EXPECT_EQ(NearestName("pool", keys), std::nullopt);
  EXPECT_EQ(NearestName("url", keys), std::nullopt) << "a known name needs no suggestion";
}

TEST(SuggestTest, TheNearestWinsAndTiesKeepTheFirst) {
  EXPECT_EQ(NearestName("abcd", {"abxy", "abcx"}), "abcx");
  EXPECT_EQ(NearestName("abcd", {"abcx", "abcy"}), "abcx");
}

}  // namespace
}  // namespace fanout::config
