// ChangeEvents for the template and predicate fuzzers: a fixed set built by hand (every Value
// kind, absent images, unchanged TOAST with and without a before value, empty attributes), plus
// one decoded from the fuzz input when it is a Debezium record.
#ifndef FANOUT_TESTS_FUZZ_FUZZ_EVENTS_H_
#define FANOUT_TESTS_FUZZ_FUZZ_EVENTS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "processor/core/change_event.h"

namespace fanout::fuzz {

// The hand-built events (built once).
const std::vector<ChangeEvent>& FixedEvents();

// Decodes `value` (and `key`, when not empty) as a Debezium record of topic
// "inv.public.customers". False when the decoder rejects it, or it is not a change.
bool DecodeEvent(std::string_view value, std::string_view key, ChangeEvent* event);

// Splits a fuzz input at its first NUL byte: the expression before it, the record after it
// (itself split at the next NUL into value and key). No NUL: all of it is the expression.
struct Input {
  std::string_view expression;
  std::string_view value;
  std::string_view key;
};
Input SplitInput(const std::uint8_t* data, std::size_t size);

}  // namespace fanout::fuzz

#endif  // FANOUT_TESTS_FUZZ_FUZZ_EVENTS_H_
