#include "tests/fuzz/fuzz_events.h"

#include <limits>
#include <string>
#include <utility>

#include "processor/debezium/decoder.h"

namespace fanout::fuzz {
namespace {

Column Col(std::string name, Value value) {
  return Column{.name = std::move(name), .value = std::move(value)};
}

ChangeEvent Base(Op op, std::string connector, std::string database, std::string schema,
                 std::string table) {
  ChangeEvent event;
  event.kind = RecordKind::kChange;
  event.op = op;
  event.connector = std::move(connector);
  event.database = std::move(database);
  event.schema = std::move(schema);
  event.table = std::move(table);
  event.origin.topic =
      "inv." + (event.schema.empty() ? event.database : event.schema) + "." + event.table;
  return event;
}

std::vector<ChangeEvent> Build() {
  std::vector<ChangeEvent> events;
  // A Postgres update with both images and every value kind; `big` is unchanged TOAST whose
  // before value is known (REPLICA IDENTITY FULL), `note` is null.
  ChangeEvent update = Base(Op::kUpdate, "postgresql", "inventory", "public", "customers");
  update.key = {Col("id", Value::Int(7))};
  update.before = Row{Col("id", Value::Int(7)),
                      Col("email", Value::String("old@x.io")),
                      Col("status", Value::String("pending")),
                      Col("price", Value::Decimal("12.50")),
                      Col("score", Value::Double(1.5)),
                      Col("active", Value::Bool(false)),
                      Col("big", Value::String("toasted")),
                      Col("note", Value::Null())};
  update.after = Row{Col("id", Value::Int(7)),
                     Col("email", Value::String("new@x.io")),
                     Col("status", Value::String("paid")),
                     Col("price", Value::Decimal("99999999999999999999.01")),
                     Col("score", Value::Double(-0.0)),
                     Col("active", Value::Bool(true)),
                     Col("big", Value::Unchanged()),
                     Col("note", Value::Null()),
                     Col("doc", Value::Json(R"({"a":[1,2],"b":"{x}"})")),
                     Col("blob", Value::Bytes(std::string_view("\0\xff{}", 4))),
                     Col("and", Value::String("keyword column")),
                     Col("a b", Value::String("spaced")),
                     Col("$x", Value::Int(std::numeric_limits<std::int64_t>::min()))};
  events.push_back(std::move(update));

  // A MySQL delete: before image only, no schema.
  ChangeEvent del = Base(Op::kDelete, "mysql", "shop", "", "orders");
  del.key = {Col("id", Value::Int(42)), Col("region", Value::String("eu"))};
  del.before = Row{Col("id", Value::Int(42)), Col("region", Value::String("eu")),
                   Col("total", Value::Double(1e300)), Col("status", Value::String("shipped")),
                   Col("paid", Value::Bool(true))};
  events.push_back(std::move(del));

  // An insert whose unchanged TOAST value cannot be resolved (no before image), odd doubles.
  ChangeEvent insert = Base(Op::kCreate, "postgresql", "inventory", "public", "products");
  insert.key = {Col("sku", Value::String("A-1"))};
  insert.after = Row{Col("sku", Value::String("A-1")),
                     Col("big", Value::Unchanged()),
                     Col("nan", Value::Double(std::numeric_limits<double>::quiet_NaN())),
                     Col("inf", Value::Double(-std::numeric_limits<double>::infinity())),
                     Col("tiny", Value::Double(5e-324)),
                     Col("qty", Value::Int(std::numeric_limits<std::int64_t>::max())),
                     Col("price", Value::Decimal("-0.000")),
                     Col("empty", Value::String(""))};
  events.push_back(std::move(insert));

  // A truncate with no images and every attribute empty, and a logical-decoding message.
  ChangeEvent truncate;
  truncate.op = Op::kTruncate;
  events.push_back(std::move(truncate));
  ChangeEvent message = Base(Op::kMessage, "postgresql", "inventory", "", "");
  message.message =
      Row{Col("prefix", Value::String("audit")), Col("content", Value::Bytes("payload"))};
  events.push_back(std::move(message));

  // An update without a before image (REPLICA IDENTITY DEFAULT), with a duplicate column name.
  ChangeEvent no_before = Base(Op::kUpdate, "postgresql", "inventory", "public", "customers");
  no_before.key = {Col("id", Value::Int(8))};
  no_before.after = Row{Col("id", Value::Int(8)), Col("email", Value::String("a@b")),
                        Col("email", Value::String("dup@b")), Col("big", Value::Unchanged())};
  events.push_back(std::move(no_before));
  return events;
}

}  // namespace

const std::vector<ChangeEvent>& FixedEvents() {
  static const auto* events = new std::vector<ChangeEvent>(Build());
  return *events;
}

bool DecodeEvent(std::string_view value, std::string_view key, ChangeEvent* event) {
  if (value.empty()) return false;
  static auto* decoder = new DebeziumDecoder(DebeziumDecoder::Options{.max_cached_schemas = 8});
  KafkaRecordView record;
  record.topic = "inv.public.customers";
  record.partition = 0;
  record.offset = 1;
  record.value = value;
  if (!key.empty()) record.key = key;
  return decoder->Decode(record, event).ok() && event->kind == RecordKind::kChange;
}

Input SplitInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  Input input;
  const std::size_t nul = all.find('\0');
  input.expression = all.substr(0, nul);
  if (nul == std::string_view::npos) return input;
  const std::string_view record = all.substr(nul + 1);
  const std::size_t second = record.find('\0');
  input.value = record.substr(0, second);
  if (second != std::string_view::npos) input.key = record.substr(second + 1);
  return input;
}

}  // namespace fanout::fuzz
