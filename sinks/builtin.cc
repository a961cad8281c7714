#include "sinks/builtin.h"

namespace fanout {

Status RegisterBuiltinSinks(SinkRegistry& registry) {
  (void)registry;
  return Status();
}

}  // namespace fanout
