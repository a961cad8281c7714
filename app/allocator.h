// Which malloc serves this process: jemalloc when the build linked it (cmake/Allocator.cmake),
// glibc's otherwise. Logged when fanout starts, so that a profile or an RSS figure can be read
// against the allocator that produced it.
#ifndef FANOUT_APP_ALLOCATOR_H_
#define FANOUT_APP_ALLOCATOR_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace fanout {

// "jemalloc" when jemalloc's malloc is the process's, "glibc" otherwise.
std::string_view AllocatorName();

// Bytes the calling thread has allocated so far, as jemalloc counts them ("thread.allocated");
// nullopt under any other allocator.
std::optional<std::uint64_t> ThreadAllocatedBytes();

}  // namespace fanout

#endif  // FANOUT_APP_ALLOCATOR_H_
