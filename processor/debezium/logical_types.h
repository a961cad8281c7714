// Conversions of Debezium/Kafka Connect logical types to their natural text forms: exact
// decimals, ISO-8601 dates, times and timestamps, and base64. Pure functions, no allocation
// beyond the output string (and, for decimals wider than 64 bits, a scratch vector).
#ifndef FANOUT_PROCESSOR_DEBEZIUM_LOGICAL_TYPES_H_
#define FANOUT_PROCESSOR_DEBEZIUM_LOGICAL_TYPES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "processor/core/status.h"

namespace fanout::debezium {

// Bounds that keep hostile input cheap: a PG numeric(1000) needs ~420 bytes, and PG's largest
// display scale is 16383.
inline constexpr std::size_t kMaxDecimalBytes = 4096;
inline constexpr std::int32_t kMaxDecimalScale = 16383;

// Standard base64 (RFC 4648, '+' '/', '=' padding as Jackson writes it) into `*out` (replaced).
// Also accepts unpadded input. False on any other character or an impossible length.
bool DecodeBase64(std::string_view text, std::string* out);

// Appends unscaled × 10^-scale as plain decimal text (BigDecimal.toPlainString): "-20.00",
// "0.01", "500" for unscaled 5 and scale -2. `unscaled` is big-endian two's complement
// (BigInteger.toByteArray); empty means 0. Arbitrary precision, never through double.
Status AppendDecimal(std::string_view unscaled, std::int32_t scale, std::string* out);

// Appends the decimal text `number` (a JSON number as written, e.g. "1234.5", "-3", "1e2")
// rescaled to `scale` fraction digits when it has fewer ("1234.50"). For decimal.format=NUMERIC.
Status AppendDecimalNumber(std::string_view number, std::int32_t scale, std::string* out);

// Days since 1970-01-01 → "YYYY-MM-DD". Years outside 0000..9999 are written as java.time does:
// "+12345-01-01", "-0044-03-15". The day counts Debezium 3.2 sends for a PostgreSQL date
// ±infinity (-622191234 / -625821272 in snapshots and array items, -2147472692 / -2147472691
// when streamed) become "infinity" and "-infinity".
void AppendDate(std::int64_t days, std::string* out);

// Time past midnight in units of 1/`units_per_second` s → "HH:MM:SS" plus, when not zero, a
// fraction with as many digits as the unit has (3, 6 or 9). 24:00:00 (PG allows it) is accepted,
// and so is MySQL's TIME, a duration: "-838:59:59", "100:00:00". Beyond ±838:59:59.999999 is
// InvalidArgument.
Status AppendTimeOfDay(std::int64_t value, std::int64_t units_per_second, std::string* out);

// Time since the epoch in units of 1/`units_per_second` s → "YYYY-MM-DDTHH:MM:SS[.f]Z" (UTC).
// Debezium's no-timezone Timestamp types encode the wall clock as if it were UTC, so this is the
// original wall clock with a Z. Negative values are before 1970. The PostgreSQL ±infinity
// sentinels (Long.MAX/MIN and 9223372036825200000 / -9223372036832400000 µs, the same in ms for
// millisecond units) become "infinity" and "-infinity", PostgreSQL's own spelling.
void AppendTimestamp(std::int64_t value, std::int64_t units_per_second, std::string* out);

}  // namespace fanout::debezium

#endif  // FANOUT_PROCESSOR_DEBEZIUM_LOGICAL_TYPES_H_
