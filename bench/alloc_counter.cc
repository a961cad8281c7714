#include "bench/alloc_counter.h"

#include <cstdlib>
#include <new>

namespace {
std::uint64_t g_allocations = 0;  // the benchmarks are single-threaded
}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace fanout::bench {

std::uint64_t AllocationCount() { return g_allocations; }

}  // namespace fanout::bench
