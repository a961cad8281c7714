// Wall-clock time in milliseconds since the epoch, as Kafka timestamps and Debezium's ts_ms use.
#ifndef FANOUT_PROCESSOR_CORE_WALL_CLOCK_H_
#define FANOUT_PROCESSOR_CORE_WALL_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace fanout {

inline std::int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_WALL_CLOCK_H_
