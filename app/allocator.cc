#include "app/allocator.h"

#include <dlfcn.h>

#include <cstddef>

namespace fanout {
namespace {

// jemalloc's control interface, looked up at run time: the build needs no jemalloc headers, and
// the same code answers for a binary without it.
using Mallctl = int (*)(const char* name, void* old_value, std::size_t* old_size, void* new_value,
                        std::size_t new_size);

Mallctl FindMallctl() {
  static const Mallctl mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  return mallctl;
}

}  // namespace

std::optional<std::uint64_t> ThreadAllocatedBytes() {
  const Mallctl mallctl = FindMallctl();
  if (mallctl == nullptr) return std::nullopt;
  std::uint64_t allocated = 0;
  std::size_t size = sizeof(allocated);
  if (mallctl("thread.allocated", &allocated, &size, nullptr, 0) != 0) return std::nullopt;
  return allocated;
}

std::string_view AllocatorName() {
  // mallctl alone could come from a jemalloc that is loaded but not the process's malloc; the
  // thread's counter moving with an allocation says it is.
  const std::optional<std::uint64_t> before = ThreadAllocatedBytes();
  if (!before) return "glibc";
  void* volatile probe = ::operator new(4096);
  const std::optional<std::uint64_t> after = ThreadAllocatedBytes();
  ::operator delete(probe);
  return after && *after >= *before + 4096 ? "jemalloc" : "glibc";
}

}  // namespace fanout
