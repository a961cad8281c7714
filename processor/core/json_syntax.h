// A strict check of JSON text (RFC 8259) that, unlike a parser into doubles and 64-bit integers,
// takes numbers of any size and precision: PostgreSQL's json/jsonb and MySQL's JSON hold such
// numbers, and they must pass through exactly.
//
// Thread-safety: a pure function.
#ifndef FANOUT_PROCESSOR_CORE_JSON_SYNTAX_H_
#define FANOUT_PROCESSOR_CORE_JSON_SYNTAX_H_

#include <string_view>

namespace fanout {

// Whether `text` is one JSON value (whitespace around it allowed), nested at most 1024 deep.
// Strings are checked for escapes and control characters, not for UTF-8 (the caller checks
// that, e.g. with simdjson::validate_utf8).
bool IsJsonText(std::string_view text);

// Whether `text` is one JSON number literal (RFC 8259 §6), nothing around it: the exact decimal
// text a sink may write unquoted.
bool IsJsonNumber(std::string_view text);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_CORE_JSON_SYNTAX_H_
