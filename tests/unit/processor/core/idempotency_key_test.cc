#include "processor/core/idempotency_key.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout {
namespace {

ChangeEvent Customer(std::int64_t id, Op op = Op::kUpdate) {
  ChangeEvent event;
  event.op = op;
  event.schema = "public";
  event.table = "customers";
  event.key = {Column{"id", Value::Int(id)}};
  event.after = Row{Column{"id", Value::Int(id)}, Column{"name", Value::String("Ann")}};
  event.position = SourcePosition{SourcePosition::Kind::kPostgres, 24023119, 24023312, 0};
  return event;
}

KafkaRecordView At(std::int64_t offset) {
  KafkaRecordView record;
  record.topic = "inv.public.customers";
  record.partition = 2;
  record.offset = offset;
  return record;
}

TEST(IdempotencyKeyTest, TheSameChangeHasTheSameKeyAtAnyKafkaOffset) {
  const std::string key = IdempotencyKey("billing", Customer(42), At(7));
  EXPECT_EQ(IdempotencyKey("billing", Customer(42), At(9000)), key);  // Debezium re-emitted it
  EXPECT_EQ(key.rfind("billing:" + Customer(42).position.ToString() + ":u:", 0), 0u) << key;
}

TEST(IdempotencyKeyTest, RowsRoutesAndOpsSharingAPositionDiffer) {
  const std::string key = IdempotencyKey("billing", Customer(42), At(7));
  EXPECT_NE(IdempotencyKey("billing", Customer(43), At(7)), key);
  EXPECT_NE(IdempotencyKey("audit", Customer(42), At(7)), key);
  EXPECT_NE(IdempotencyKey("billing", Customer(42, Op::kDelete), At(7)), key);
}

TEST(IdempotencyKeyTest, WithoutASourcePositionTheKafkaCoordinatesAreTheKey) {
  ChangeEvent event = Customer(42);
  event.position = SourcePosition{};
  EXPECT_EQ(IdempotencyKey("billing", event, At(7)), "billing:kafka:inv.public.customers:2:7");
}

}  // namespace
}  // namespace fanout
