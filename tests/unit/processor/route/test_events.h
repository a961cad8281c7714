// Hand-built ChangeEvents for the route tests.
#ifndef FANOUT_TESTS_UNIT_PROCESSOR_ROUTE_TEST_EVENTS_H_
#define FANOUT_TESTS_UNIT_PROCESSOR_ROUTE_TEST_EVENTS_H_

#include <string>
#include <utility>

#include "processor/core/change_event.h"

namespace fanout::route_test {

inline Column Col(std::string name, Value value) {
  return Column{.name = std::move(name), .value = std::move(value)};
}

// A Postgres-style update of public.customers read from inventory.public.customers.
inline ChangeEvent Event(Op op = Op::kUpdate, std::string schema = "public",
                         std::string table = "customers") {
  ChangeEvent event;
  event.kind = RecordKind::kChange;
  event.op = op;
  event.connector = "postgresql";
  event.database = "inventory";
  event.schema = std::move(schema);
  event.table = std::move(table);
  event.origin.topic = "inventory." + event.schema + "." + event.table;
  event.key = {Col("id", Value::Int(7))};
  return event;
}

}  // namespace fanout::route_test

#endif  // FANOUT_TESTS_UNIT_PROCESSOR_ROUTE_TEST_EVENTS_H_
