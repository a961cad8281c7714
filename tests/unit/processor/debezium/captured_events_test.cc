// The decoder on real Debezium 3.2 PostgreSQL output captured from the stack by
// stack/capture.sh (see tests/data/debezium/postgres/MANIFEST.md and stack/capture/*.sql).
// Every scenario is captured twice: with JsonConverter schemas (capschema.*) and without
// (capnoschema.*); both must decode to the same changes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "processor/debezium/decoder.h"
#include "tests/support/event_text.h"
#include "tests/support/jsonl_records.h"

namespace fanout {
namespace {

using testing::CapturedRecord;
using testing::OpSequence;
using testing::ReadCapturedRecords;
using testing::RowJson;

std::string DataFile(const std::string& prefix, const std::string& table) {
  return std::string(FANOUT_TEST_DATA_DIR) + "/debezium/postgres/" + prefix + ".public." + table +
         ".jsonl";
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

// With and without schemas, the same change decodes to the same key, op and images, except for
// the logically typed columns, which only the schema can type (checked below).
TEST(CapturedEventsTest, SchemaAndNoSchemaDecodeAlike) {
  auto untyped = [](const std::optional<Row>& row) {
    if (!row) return std::string("null");
    Row copy;
    for (const Column& column : *row) {
      if (column.name != "balance" && column.name != "born" && column.name != "profile") {
        copy.push_back(column);
      }
    }
    return RowJson(copy);
  };
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
      EXPECT_EQ(untyped(a.before), untyped(b.before)) << table << i;
      EXPECT_EQ(untyped(a.after), untyped(b.after)) << table << i;
    }
  }
}

// With schemas, numeric/date/jsonb columns decode to the values stack/capture/setup.sql and
// scenario.sql wrote; without, they stay as Debezium encoded them.
TEST(CapturedEventsTest, LogicalTypesDecodeToTheSourceValues) {
  DebeziumDecoder decoder;
  auto decode_all = [&](const std::string& prefix) {
    std::vector<ChangeEvent> events;
    for (const CapturedRecord& record : ReadCapturedRecords(DataFile(prefix, "customers"))) {
      ChangeEvent& event = events.emplace_back();
      EXPECT_TRUE(decoder.Decode(record.View(), &event).ok());
    }
    return events;
  };
  std::vector<ChangeEvent> typed = decode_all("capschema");
  ASSERT_EQ(OpSequence(typed), "rrrrccuudTdTc");
  auto after = [&](std::size_t i, const char* column) {
    return *FindColumn(*typed[i].after, column);
  };
  EXPECT_EQ(after(0, "balance"), Value::Decimal("1234.50"));
  EXPECT_EQ(after(1, "balance"), Value::Decimal("-20.00"));
  EXPECT_EQ(after(2, "balance"), Value::Decimal("0.01"));
  EXPECT_TRUE(after(3, "balance").is_null());
  EXPECT_EQ(after(4, "balance"), Value::Decimal("99999999.99"));
  EXPECT_EQ(after(6, "balance"), Value::Decimal("1334.50"));  // raised by 100
  EXPECT_EQ(after(0, "born"), Value::String("1815-12-10"));
  EXPECT_EQ(after(1, "born"), Value::String("1912-06-23"));
  EXPECT_EQ(after(2, "born"), Value::String("1906-12-09"));
  EXPECT_TRUE(after(3, "born").is_null());
  EXPECT_EQ(after(4, "born"), Value::String("1939-11-07"));
  EXPECT_EQ(after(0, "updated_at"), Value::String("2024-01-02T03:04:05.123456Z"));
  EXPECT_EQ(after(1, "updated_at"),
            Value::String("2024-01-02T01:04:05.000000Z"));  // passed through as written
  // json/jsonb: the text as the source has it (a json column keeps its whitespace).
  EXPECT_EQ(after(0, "profile"), Value::Json(R"({"tags": ["math", "poetry"], "tier": "gold"})"));
  EXPECT_EQ(after(2, "profile"),
            Value::Json(R"({"nested": {"a": [1, 2.5, {"b": null}], "t": true}})"));
  EXPECT_EQ(after(4, "profile"), Value::Json(R"([1, "two", {"three": 3}])"));
  EXPECT_TRUE(after(3, "profile").is_null());

  // Primary-key change: the d names the new key, the c the old one; nothing else has them.
  ASSERT_TRUE(typed[10].new_key.has_value());
  EXPECT_EQ(RowJson(typed[10].new_key), R"({"id":102})");
  ASSERT_TRUE(typed[12].old_key.has_value());
  EXPECT_EQ(RowJson(typed[12].old_key), R"({"id":2})");
  EXPECT_FALSE(typed[12].new_key.has_value());
  EXPECT_FALSE(typed[8].old_key || typed[8].new_key) << "a plain delete";

  std::vector<ChangeEvent> raw = decode_all("capnoschema");
  ASSERT_EQ(OpSequence(raw), "rrrrccuudTdTc");
  EXPECT_EQ(*FindColumn(*raw[0].after, "balance"), Value::String("AeI6"));
  EXPECT_EQ(*FindColumn(*raw[0].after, "born"), Value::Int(-56270));
  EXPECT_EQ(FindColumn(*raw[0].after, "profile")->kind(), Value::Kind::kString);
  EXPECT_EQ(RowJson(raw[10].new_key), R"({"id":102})");
  EXPECT_EQ(RowJson(raw[12].old_key), R"({"id":2})");
}

// One decoder and one reused ChangeEvent across the whole capture decode the same as fresh ones.
TEST(CapturedEventsTest, ReusedEventDecodesLikeAFreshOne) {
  for (const std::string prefix : {"capschema", "capnoschema"}) {
    for (const std::string table : {"customers", "big", "tiny"}) {
      DebeziumDecoder reused_decoder;
      ChangeEvent reused;
      for (const CapturedRecord& record : ReadCapturedRecords(DataFile(prefix, table))) {
        DebeziumDecoder fresh_decoder;
        ChangeEvent fresh;
        ASSERT_TRUE(fresh_decoder.Decode(record.View(), &fresh).ok());
        ASSERT_TRUE(reused_decoder.Decode(record.View(), &reused).ok());
        std::string a;
        std::string b;
        AppendChangeEventJson(a, fresh);
        AppendChangeEventJson(b, reused);
        EXPECT_EQ(a, b) << prefix << "." << table << "@" << record.offset;
        EXPECT_EQ(RowJson(fresh.old_key), RowJson(reused.old_key));
        EXPECT_EQ(RowJson(fresh.new_key), RowJson(reused.new_key));
      }
    }
  }
}

}  // namespace
}  // namespace fanout
