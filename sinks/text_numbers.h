// Numbers the sinks read from text they do not control -- a url's port or database number, and
// what a server answers (an offset in a row) -- the one way: decimal, the whole text, never an
// exception (std::stoi and friends throw, and an exception on an I/O thread ends the process).
//
// Pure: no I/O.
#ifndef FANOUT_SINKS_TEXT_NUMBERS_H_
#define FANOUT_SINKS_TEXT_NUMBERS_H_

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

#include "processor/core/status.h"

namespace fanout {

// `text` as a decimal integer of type T, all of it (a '-' only for a signed T, no '+', no
// spaces); nullopt when it is not one or does not fit T.
template <class T>
std::optional<T> ParseDecimal(std::string_view text) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// `text` as a non-negative integer; InvalidArgument("not a non-negative integer") for anything
// else, an empty text and one beyond 2^64 - 1 included.
Result<std::uint64_t> ParseUnsigned(std::string_view text);

}  // namespace fanout

#endif  // FANOUT_SINKS_TEXT_NUMBERS_H_
