// Decode throughput on one core for real captured Debezium PostgreSQL records (stack/capture.sh):
// the ~4 KB envelope with JsonConverter schemas and the ~650 B one without. Every record of the
// customers capture that has a value (snapshot reads, inserts, updates, deletes, a key change)
// is decoded in turn into one reused ChangeEvent, as the engine does.
//
// Counters: items_per_second = events/s; allocs_per_event = global operator new calls per decode
// (bench/alloc_counter.cc), after a warm-up pass so only the steady state is measured.
//
//   make bench BENCH_ARGS=--benchmark_filter=Decode
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "processor/debezium/decoder.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

std::vector<testing::CapturedRecord> LoadValues(const std::string& prefix) {
  std::string path = std::string(FANOUT_TEST_DATA_DIR) + "/debezium/postgres/" + prefix +
                     ".public.customers.jsonl";
  std::vector<testing::CapturedRecord> records;
  for (auto& record : testing::ReadCapturedRecords(path)) {
    if (record.value) records.push_back(std::move(record));  // tombstones cost next to nothing
  }
  return records;
}

void BM_Decode(benchmark::State& state, const std::string& prefix) {
  const std::vector<testing::CapturedRecord> records = LoadValues(prefix);
  if (records.empty()) {
    state.SkipWithError("no captured records");
    return;
  }
  std::vector<KafkaRecordView> views;
  std::size_t bytes = 0;
  for (const auto& record : records) {
    views.push_back(record.View());
    bytes += record.value->size() + (record.key ? record.key->size() : 0);
  }
  DebeziumDecoder decoder;
  ChangeEvent event;
  for (const auto& view : views) {  // warm-up: parser buffers, schema plans, event storage
    if (!decoder.Decode(view, &event).ok()) {
      state.SkipWithError("decode failed");
      return;
    }
  }
  std::size_t i = 0;
  const std::uint64_t allocations_before = bench::AllocationCount();
  for (auto _ : state) {
    Status status = decoder.Decode(views[i], &event);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(event);
    if (++i == views.size()) i = 0;
  }
  const auto events = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(static_cast<double>(bytes) /
                                                    static_cast<double>(views.size()) * events));
  state.counters["allocs_per_event"] =
      static_cast<double>(bench::AllocationCount() - allocations_before) / events;
  state.counters["avg_value_bytes"] =
      static_cast<double>(bytes) / static_cast<double>(views.size());
}

BENCHMARK_CAPTURE(BM_Decode, with_schema, std::string("capschema"));
BENCHMARK_CAPTURE(BM_Decode, without_schema, std::string("capnoschema"));

}  // namespace
}  // namespace fanout
