// Counts heap allocations (global operator new) in the benchmark binary, so benchmarks can report
// allocations per event. Single-threaded benchmarks only.
#ifndef FANOUT_BENCH_ALLOC_COUNTER_H_
#define FANOUT_BENCH_ALLOC_COUNTER_H_

#include <cstdint>

namespace fanout::bench {

// operator new / new[] calls since the program started.
std::uint64_t AllocationCount();

}  // namespace fanout::bench

#endif  // FANOUT_BENCH_ALLOC_COUNTER_H_
