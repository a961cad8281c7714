#include "processor/delivery/dead_letter.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include "processor/core/redaction.h"

namespace fanout {
namespace {

// Kafka's per-header and per-record framing (varint lengths, attributes, timestamps deltas):
// a generous allowance, so that a dead letter cut to `max_bytes` still fits a broker limit set
// a little above it.
constexpr std::size_t kHeaderFraming = 8;
constexpr std::size_t kRecordFraming = 96;

// Cuts `part` to `keep` bytes, and says so in `cuts` and two headers.
void Cut(std::string_view name, std::string& part, std::size_t keep, OutgoingRecord* out,
         std::string* cuts) {
  out->headers.emplace_back("fanout.original." + std::string(name) + ".bytes",
                            std::to_string(part.size()));
  out->headers.emplace_back("fanout.original." + std::string(name) + ".sha256", Sha256Hex(part));
  part.resize(std::min(part.size(), keep));
  if (!cuts->empty()) cuts->push_back(',');
  cuts->append(name);
}

// The space the headers of a cut part take (name, 64 hex digits, up to 20 digits of size).
std::size_t CutHeadersBytes(std::string_view name) {
  return 2 * (sizeof("fanout.original.") + name.size() + sizeof(".sha256") + kHeaderFraming) + 64 +
         20;
}

// `original_headers`: how many of out->headers, first, are the source record's.
void Bound(std::size_t max_bytes, std::size_t original_headers, OutgoingRecord* out) {
  if (max_bytes == 0 || DeadLetterBytes(*out) <= max_bytes) return;
  std::string cuts;
  // The marker header goes in first, so the sizes below count it.
  out->headers.emplace_back("fanout.truncated", "key,value,headers");
  auto over = [&] {
    const std::size_t size = DeadLetterBytes(*out);
    return size > max_bytes ? size - max_bytes : std::size_t{0};
  };
  auto cut_part = [&](std::string_view name, std::optional<std::string>& part) {
    if (!part) return;
    const std::size_t now_over = over();
    if (now_over == 0) return;  // fits already
    const std::size_t excess = now_over + CutHeadersBytes(name);
    Cut(name, *part, part->size() > excess ? part->size() - excess : 0, out, &cuts);
  };
  cut_part("value", out->value);
  cut_part("key", out->key);
  if (over() > 0) {  // the original headers themselves are too large: drop them
    out->headers.erase(out->headers.begin(),
                       out->headers.begin() + static_cast<std::ptrdiff_t>(original_headers));
    out->headers.emplace_back("fanout.original.headers.dropped", std::to_string(original_headers));
    if (!cuts.empty()) cuts.push_back(',');
    cuts.append("headers");
  }
  for (auto& [name, value] : out->headers) {
    if (name == "fanout.truncated") value = cuts;
  }
}

}  // namespace

std::size_t DeadLetterBytes(const OutgoingRecord& record) {
  std::size_t size = kRecordFraming;
  if (record.key) size += record.key->size();
  if (record.value) size += record.value->size();
  for (const auto& [name, value] : record.headers) {
    size += name.size() + value.size() + kHeaderFraming;
  }
  return size;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  std::string hex;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return hex;  // empty: no digest (never seen; the header then says so by being empty)
  }
  constexpr char kHex[] = "0123456789abcdef";
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

OutgoingRecord BuildDeadLetter(std::string_view topic, const KafkaRecordView& source,
                               const DeadLetterContext& context, std::size_t max_bytes) {
  OutgoingRecord out;
  out.origin = RecordOrigin{source.topic, source.partition, source.offset};
  out.topic = std::string(topic);
  if (source.key) out.key = std::string(*source.key);
  if (source.value) out.value = std::string(*source.value);
  for (const RecordHeaderView& header : source.headers) {
    out.headers.emplace_back(std::string(header.name), std::string(header.value.value_or("")));
  }
  const std::size_t original_headers = out.headers.size();
  out.headers.emplace_back("fanout.error.class", std::string(context.error_class));
  // Client libraries and servers quote what they were given: a secret must not travel on.
  out.headers.emplace_back("fanout.error.message",
                           SecretRedactor::Global().Redacted(context.message));
  out.headers.emplace_back("fanout.route", std::string(context.route));
  out.headers.emplace_back("fanout.sink", std::string(context.sink));
  out.headers.emplace_back("fanout.source.topic", std::string(source.topic));
  out.headers.emplace_back("fanout.source.partition", std::to_string(source.partition));
  out.headers.emplace_back("fanout.source.offset", std::to_string(source.offset));
  out.headers.emplace_back("fanout.attempts", std::to_string(context.attempts));
  out.headers.emplace_back("fanout.failure.first_ms", std::to_string(context.first_failure_ms));
  out.headers.emplace_back("fanout.failure.last_ms", std::to_string(context.last_failure_ms));
  Bound(max_bytes, original_headers, &out);
  return out;
}

}  // namespace fanout
