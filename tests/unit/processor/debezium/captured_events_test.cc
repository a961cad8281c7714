// The decoder on real Debezium 3.2 PostgreSQL output captured from the stack by
// stack/capture.sh (see tests/data/debezium/postgres/MANIFEST.md and stack/capture/*.sql).
// Every scenario is captured twice: with JsonConverter schemas (capschema.*) and without
// (capnoschema.*); both must decode to the same changes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "processor/core/json_writer.h"
#include "processor/debezium/decoder.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

using testing::CapturedRecord;
using testing::ReadCapturedRecords;

std::string DataFile(const std::string& prefix, const std::string& table) {
  return std::string(FANOUT_TEST_DATA_DIR) + "/debezium/postgres/" + prefix + ".public." + table +
         ".jsonl";
}

std::string RowJson(const std::optional<Row>& row) {
  if (!row) return "null";
  std::string out;
  AppendJsonRow(out, *row);
  return out;
}

// "c", "u", ... for changes, "T" for tombstones.
std::string OpSequence(const std::vector<ChangeEvent>& events) {
  std::string out;
  for (const ChangeEvent& e : events) {
    out += e.kind == RecordKind::kTombstone ? "T" : std::string(OpName(e.op));
  }
  return out;
}

class CapturedEventsTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::vector<ChangeEvent> DecodeAll(const std::string& table) {
    std::string error;
    records_ = ReadCapturedRecords(DataFile(GetParam(), table), &error);
    EXPECT_EQ(error, "");
    std::vector<ChangeEvent> events;
    for (const CapturedRecord& record : records_) {
      ChangeEvent event;
      Status status = decoder_.Decode(record.View(), &event);
      EXPECT_TRUE(status.ok()) << table << "@" << record.offset << ": " << status.ToString();
      events.push_back(std::move(event));
    }
    return events;
  }

  DebeziumDecoder decoder_;
  std::vector<CapturedRecord> records_;
};

TEST_P(CapturedEventsTest, CustomersSnapshotInsertsUpdatesDeletesAndKeyChange) {
  std::vector<ChangeEvent> events = DecodeAll("customers");
  ASSERT_EQ(OpSequence(events), "rrrrccuudTdTc");
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(events[i].snapshot) << i;
    EXPECT_EQ(events[i].position.kind, SourcePosition::Kind::kPostgres);
  }
  for (std::size_t i = 4; i < events.size(); ++i) EXPECT_FALSE(events[i].snapshot) << i;
  for (const ChangeEvent& e : events) {
    EXPECT_EQ(e.origin.topic, GetParam() + ".public.customers");
    if (e.kind == RecordKind::kTombstone) continue;  // no source block: no table of its own
    EXPECT_EQ(e.QualifiedTable(), "public.customers");
    EXPECT_EQ(e.database, "capture");
  }

  // Snapshot row with characters that need escaping, and one with non-ASCII text.
  EXPECT_EQ(*FindColumn(*events[2].after, "notes"),
            Value::String("quote \" backslash \\ newline\n tab\t end"));
  EXPECT_EQ(*FindColumn(*events[3].after, "notes"),
            Value::String("unicode: Z\u00fcrich \u2013 \u6771\u4eac \u2013 \U0001F680"));
  EXPECT_TRUE(FindColumn(*events[3].after, "email")->is_null());

  // Streamed insert.
  const ChangeEvent& insert = events[4];
  EXPECT_EQ(RowJson(insert.key), R"({"id":5})");
  EXPECT_FALSE(insert.before.has_value());
  EXPECT_EQ(*FindColumn(*insert.after, "email"), Value::String("barbara@example.com"));

  // Updates under REPLICA IDENTITY DEFAULT carry no before image.
  const ChangeEvent& raise = events[6];
  EXPECT_EQ(raise.op, Op::kUpdate);
  EXPECT_FALSE(raise.before.has_value());
  EXPECT_EQ(*FindColumn(*raise.after, "notes"), Value::String("balance raised"));
  EXPECT_EQ(*FindColumn(*events[7].after, "email"), Value::String("ada.lovelace@example.org"));

  // Delete, then its tombstone for the same key.
  EXPECT_EQ(events[8].op, Op::kDelete);
  EXPECT_EQ(RowJson(events[8].key), R"({"id":4})");
  EXPECT_EQ(*FindColumn(*events[8].before, "id"), Value::Int(4));
  EXPECT_FALSE(events[8].after.has_value());
  EXPECT_EQ(events[9].kind, RecordKind::kTombstone);
  EXPECT_EQ(RowJson(events[9].key), R"({"id":4})");

  // Primary-key change: d(old) + tombstone(old) + c(new), the d and c at one position.
  EXPECT_EQ(RowJson(events[10].key), R"({"id":2})");
  EXPECT_EQ(RowJson(events[11].key), R"({"id":2})");
  EXPECT_EQ(RowJson(events[12].key), R"({"id":102})");
  EXPECT_EQ(*FindColumn(*events[12].after, "first_name"), Value::String("Alan"));
  EXPECT_EQ(events[10].position, events[12].position);

  // Streamed changes arrive in commit order, so their positions never go backwards.
  for (std::size_t i = 5; i < events.size(); ++i) {
    if (events[i].kind != RecordKind::kChange) continue;
    EXPECT_LE(events[4].position, events[i].position) << i;
  }
}

TEST_P(CapturedEventsTest, UnchangedToastedColumnIsMarkedUnchanged) {
  std::vector<ChangeEvent> events = DecodeAll("big");
  ASSERT_EQ(OpSequence(events), "rcuu");
  EXPECT_EQ(FindColumn(*events[0].after, "payload")->kind(), Value::Kind::kString);
  EXPECT_EQ(FindColumn(*events[0].after, "payload")->text().size(), 500u * 32u);
  for (std::size_t i : {2u, 3u}) {
    EXPECT_EQ(FindColumn(*events[i].after, "payload")->kind(), Value::Kind::kUnchanged) << i;
    EXPECT_EQ(FindColumn(*events[i].after, "rev")->kind(), Value::Kind::kInt) << i;
  }
}

TEST_P(CapturedEventsTest, ReplicaIdentityFullAndTruncate) {
  std::vector<ChangeEvent> events = DecodeAll("tiny");
  ASSERT_EQ(OpSequence(events), "rrudTtc");
  EXPECT_EQ(RowJson(events[2].before), R"({"id":1,"label":"one"})");
  EXPECT_EQ(RowJson(events[2].after), R"({"id":1,"label":"uno"})");
  EXPECT_EQ(RowJson(events[3].before), R"({"id":2,"label":"two"})");
  EXPECT_EQ(events[5].op, Op::kTruncate);
  EXPECT_TRUE(events[5].key.empty());
  EXPECT_EQ(events[5].QualifiedTable(), "public.tiny");
  EXPECT_EQ(RowJson(events[6].after), R"({"id":999,"label":"end-of-capture"})");
}

INSTANTIATE_TEST_SUITE_P(Postgres, CapturedEventsTest,
                         ::testing::Values("capschema", "capnoschema"),
                         [](const auto& param_info) { return param_info.param; });

// With and without schemas, the same change decodes to the same key, op and images.
TEST(CapturedEventsTest, SchemaAndNoSchemaDecodeAlike) {
  for (const std::string table : {"customers", "big", "tiny"}) {
    auto with = ReadCapturedRecords(DataFile("capschema", table));
    auto without = ReadCapturedRecords(DataFile("capnoschema", table));
    ASSERT_EQ(with.size(), without.size()) << table;
    DebeziumDecoder decoder;
    for (std::size_t i = 0; i < with.size(); ++i) {
      ChangeEvent a;
      ChangeEvent b;
      ASSERT_TRUE(decoder.Decode(with[i].View(), &a).ok());
      ASSERT_TRUE(decoder.Decode(without[i].View(), &b).ok());
      EXPECT_EQ(a.kind, b.kind) << table << i;
      EXPECT_EQ(a.op, b.op) << table << i;
      EXPECT_EQ(RowJson(a.key), RowJson(b.key)) << table << i;
      EXPECT_EQ(RowJson(a.before), RowJson(b.before)) << table << i;
      EXPECT_EQ(RowJson(a.after), RowJson(b.after)) << table << i;
    }
  }
}

}  // namespace
}  // namespace fanout
