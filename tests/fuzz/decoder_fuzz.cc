// libFuzzer target for DebeziumDecoder: any bytes as a Kafka record must decode or fail with
// InvalidArgument, never crash, hang, leak or trip a sanitizer. Build and run:
// tests/fuzz/README.md.
//
// Input layout (so the seed corpus can hold real records, see make_seeds.py):
//   byte 0      flags: bit 0 null key, bit 1 null value, bit 2 heartbeat topic, bit 3 the key is
//               also sent as a __debezium.oldkey header, bit 4 ... as __debezium.newkey, bits
//               5-7 choose one of 8 topics (exercises the per-topic schema-plan memo)
//   bytes 1-2   key length, little-endian
//   then        the key bytes, then the value bytes (the rest)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "processor/core/json_writer.h"
#include "processor/debezium/decoder.h"

namespace {

// Long-lived, with a tiny schema cache: plans are evicted and rebuilt, and the per-topic memo
// sees entries that were reused for other schemas, as in a long-running process.
fanout::DebeziumDecoder& PersistentDecoder() {
  static auto* decoder =
      new fanout::DebeziumDecoder(fanout::DebeziumDecoder::Options{.max_cached_schemas = 3});
  return *decoder;
}

std::string Dump(const fanout::ChangeEvent& event) {
  std::string out;
  fanout::AppendChangeEventJson(out, event);
  for (const auto* row : {&event.old_key, &event.new_key, &event.message}) {
    out += '|';
    if (*row) fanout::AppendJsonRow(out, **row);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t flags = data[0];
  const std::size_t key_size =
      std::min<std::size_t>(data[1] | (std::size_t{data[2]} << 8), size - 3);
  std::string_view bytes(reinterpret_cast<const char*>(data + 3), size - 3);
  std::string_view key = bytes.substr(0, key_size);
  std::string_view value = bytes.substr(key_size);

  static const std::string kTopics[] = {
      "inv.public.a",    "inv.public.b", "inv.public.c", "inv.public.d",
      "inv.transaction", "inv",          "inv.message",  "x"};
  fanout::KafkaRecordView record;
  record.topic = (flags & 4) ? std::string_view("__debezium-heartbeat.inv") : kTopics[flags >> 5];
  record.partition = 1;
  record.offset = 42;
  if (!(flags & 1)) record.key = key;
  if (!(flags & 2)) record.value = value;
  if (flags & 8) record.headers.push_back({"__debezium.oldkey", key});
  if (flags & 16) record.headers.push_back({"__debezium.newkey", key});

  // A reused event and decoder must give exactly what a fresh one gives.
  static fanout::ChangeEvent reused;
  fanout::Status persistent = PersistentDecoder().Decode(record, &reused);
  fanout::DebeziumDecoder fresh_decoder(fanout::DebeziumDecoder::Options{.max_cached_schemas = 3});
  fanout::ChangeEvent fresh;
  fanout::Status status = fresh_decoder.Decode(record, &fresh);
  if (status.ok() != persistent.ok()) std::abort();
  if (!status.ok()) {
    if (status.code() != fanout::StatusCode::kInvalidArgument) std::abort();
    if (status.message() != persistent.message()) std::abort();
    return 0;
  }
  if (Dump(fresh) != Dump(reused)) std::abort();
  return 0;
}
