#include "tests/support/sink_contract.h"

namespace fanout::testing {

Row ItemRow(int id, const std::string& name, std::int64_t qty) {
  Row row;
  row.push_back({"id", Value::Int(id)});
  row.push_back({"name", Value::String(name)});
  row.push_back({"qty", Value::Int(qty)});
  return row;
}

ChangeEvent ItemChange(Op op, std::optional<Row> before, std::optional<Row> after,
                       std::uint64_t version) {
  ChangeEvent event;
  event.op = op;
  event.connector = "postgresql";
  event.schema = "public";
  event.table = "items";
  const Row& image = after ? *after : *before;
  event.key.push_back(image.front());
  event.before = std::move(before);
  event.after = std::move(after);
  event.position = {SourcePosition::Kind::kPostgres, version, version, 0};
  event.origin.topic = "contract.public.items";
  return event;
}

ChangeEvent ItemUpsert(int id, const std::string& name, std::uint64_t version) {
  return ItemChange(Op::kUpdate, std::nullopt, ItemRow(id, name), version);
}

ChangeEvent ItemDelete(int id, std::uint64_t version) {
  Row key;
  key.push_back({"id", Value::Int(id)});
  return ItemChange(Op::kDelete, std::move(key), std::nullopt, version);
}

}  // namespace fanout::testing
