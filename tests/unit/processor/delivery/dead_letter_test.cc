#include "processor/delivery/dead_letter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace fanout {
namespace {

std::optional<std::string> Header(const OutgoingRecord& record, std::string_view name) {
  for (const auto& [n, v] : record.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

DeadLetterContext Context() {
  DeadLetterContext context;
  context.error_class = "bad_record";
  context.message = "HTTP 413";
  context.route = "search";
  context.sink = "os";
  return context;
}

TEST(DeadLetterTest, ASmallRecordIsKeptWhole) {
  const std::string key = "k", value = "v";
  KafkaRecordView source;
  source.topic = "db.public.t";
  source.key = key;
  source.value = value;
  OutgoingRecord out = BuildDeadLetter("dlq", source, Context(), 4096);
  EXPECT_EQ(out.value, "v");
  EXPECT_EQ(Header(out, "fanout.truncated"), std::nullopt);
  EXPECT_EQ(Header(out, "fanout.error.class"), "bad_record");
}

TEST(DeadLetterTest, ALargeValueIsCutToTheBoundWithItsSizeAndDigest) {
  const std::string key = "k";
  const std::string value(2 * 1024 * 1024, 'x');
  KafkaRecordView source;
  source.topic = "db.public.t";
  source.key = key;
  source.value = value;
  const RecordHeaderView original{"__debezium.newkey", "{}"};
  source.headers.push_back(original);
  constexpr std::size_t kMax = 100000;
  OutgoingRecord out = BuildDeadLetter("dlq", source, Context(), kMax);
  EXPECT_LE(DeadLetterBytes(out), kMax);
  ASSERT_TRUE(out.value.has_value());
  EXPECT_GT(out.value->size(), kMax - 2000);  // cut no more than needed
  EXPECT_EQ(*out.value, value.substr(0, out.value->size()));
  EXPECT_EQ(out.key, "k");
  EXPECT_EQ(Header(out, "fanout.truncated"), "value");
  EXPECT_EQ(Header(out, "fanout.original.value.bytes"), std::to_string(value.size()));
  EXPECT_EQ(Header(out, "fanout.original.value.sha256"), Sha256Hex(value));
  EXPECT_EQ(Header(out, "__debezium.newkey"), "{}");  // the original headers stay
  EXPECT_EQ(Header(out, "fanout.source.topic"), "db.public.t");
}

TEST(DeadLetterTest, KeyAndHeadersGoWhenTheValueAloneIsNotEnough) {
  const std::string key(50000, 'k');
  const std::string value(50000, 'v');
  const std::string big_header(50000, 'h');
  KafkaRecordView source;
  source.topic = "t";
  source.key = key;
  source.value = value;
  source.headers.push_back(RecordHeaderView{"big", big_header});
  constexpr std::size_t kMax = 8192;
  OutgoingRecord out = BuildDeadLetter("dlq", source, Context(), kMax);
  EXPECT_LE(DeadLetterBytes(out), kMax);
  EXPECT_EQ(Header(out, "fanout.truncated"), "value,key,headers");
  EXPECT_EQ(Header(out, "fanout.original.key.bytes"), "50000");
  EXPECT_EQ(Header(out, "fanout.original.headers.dropped"), "1");
  EXPECT_EQ(Header(out, "big"), std::nullopt);
  EXPECT_EQ(Header(out, "fanout.error.message"), "HTTP 413");
}

TEST(DeadLetterTest, Sha256OfAKnownInput) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace fanout
