#include "processor/core/idempotency_key.h"

#include <cstdint>

#include "processor/core/json_writer.h"

namespace fanout {
namespace {

// FNV-1a, 64 bit: stable across builds and platforms, unlike std::hash. It only has to tell
// apart the rows that share one source position, so a cryptographic hash would buy nothing.
std::uint64_t Fnv1a(std::string_view bytes, std::uint64_t hash = 14695981039346656037ull) {
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

void AppendHex64(std::uint64_t value, std::string* out) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out->push_back(kDigits[(value >> shift) & 0xf]);
}

}  // namespace

std::string IdempotencyKey(std::string_view route, const ChangeEvent& event,
                           const KafkaRecordView& record) {
  std::string key(route);
  key.push_back(':');
  if (event.position.kind == SourcePosition::Kind::kNone ||
      event.position.kind == SourcePosition::Kind::kKafka) {
    key.append("kafka:");
    key.append(record.topic);
    key.push_back(':');
    key.append(std::to_string(record.partition));
    key.push_back(':');
    key.append(std::to_string(record.offset));
    return key;
  }
  key.append(event.position.ToString());
  key.push_back(':');
  key.append(OpName(event.op));
  key.push_back(':');
  // What identifies the row: its key, or for a table without one, its image.
  std::string identity;
  event.QualifiedTableInto(&identity);
  identity.push_back('\n');
  if (!event.key.empty()) {
    AppendJsonRow(identity, event.key);
  } else if (event.after) {
    AppendJsonRow(identity, *event.after);
  } else if (event.before) {
    AppendJsonRow(identity, *event.before);
  }
  AppendHex64(Fnv1a(identity), &key);
  return key;
}

}  // namespace fanout
