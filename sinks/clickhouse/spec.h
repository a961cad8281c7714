// The ClickHouse sink's part of the configuration: its settings and its route keys, with their
// ranges and defaults. Validation, ParseClickHouseSinkSettings and docs/CONFIG.md all read it.
#ifndef FANOUT_SINKS_CLICKHOUSE_SPEC_H_
#define FANOUT_SINKS_CLICKHOUSE_SPEC_H_

#include <cstddef>

#include "config/spec.h"

namespace fanout {

// Most rows one INSERT may carry. ClickHouse prefers few large inserts (each makes a part that
// merges later), and inserts a block of up to max_insert_block_size (1 048 576) rows at once, so
// a batch is never half inserted; the bound keeps a batch's memory and a bisection's rounds small.
inline constexpr std::size_t kMaxClickHouseBatch = 100000;

const config::SinkTypeSpec& ClickHouseSinkType();

}  // namespace fanout

#endif  // FANOUT_SINKS_CLICKHOUSE_SPEC_H_
