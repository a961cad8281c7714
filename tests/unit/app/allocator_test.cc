#include "app/allocator.h"

#include <gtest/gtest.h>

#include <memory>

namespace fanout {
namespace {

// The test binary links the allocator as fanout does (cmake/Allocator.cmake), and CMake says which
// it chose: a build that meant to link jemalloc but left glibc's malloc in place fails here.
TEST(AllocatorTest, IsTheOneTheBuildChose) {
  EXPECT_EQ(AllocatorName(), FANOUT_EXPECTED_ALLOCATOR);
}

TEST(AllocatorTest, JemallocCountsTheAllocationsOfThisThread) {
  if (AllocatorName() != "jemalloc") {
    EXPECT_FALSE(ThreadAllocatedBytes().has_value());
    return;
  }
  const std::optional<std::uint64_t> before = ThreadAllocatedBytes();
  ASSERT_TRUE(before.has_value());
  auto block = std::make_unique<char[]>(1 << 20);
  block[0] = 1;
  const std::optional<std::uint64_t> after = ThreadAllocatedBytes();
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after - *before, std::uint64_t{1} << 20);
}

}  // namespace
}  // namespace fanout
