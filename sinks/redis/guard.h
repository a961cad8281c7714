// The version guard of the Redis sink's `upsert` (docs/ARCHITECTURE.md#guarantees: "cache writes go
// through a Lua script that applies only a newer-or-equal version"): how a source position becomes
// a stored version, the Lua script that compares and writes atomically, and the EVALSHA command
// that runs it. Pure: no I/O.
//
// Versions are text, "<domain>@<ordinal>", compared by the script only within one domain:
//
//   PostgreSQL  pg@<commit_lsn>.<lsn>            commit-ordered (sequence[0], lsn); null = 0
//   MySQL       binlog@<file>.<pos>.<row>
//   fallback    kafka:<topic>:<partition>@<offset>   (no source position in the record)
//
// Every number is 20 zero-padded digits, so comparing equal-length ordinals as strings is
// comparing the tuples; the script never turns them into numbers (Lua numbers are doubles, exact
// only to 2^53). Why the whole commit-ordered tuple: README.md here, "The version guard".
// A stored version of another domain (or an unparsable one) does not block a write: positions
// of different sources, or of two Kafka partitions, say nothing about order.
//
// Where the version lives (see README.md): a `hash` value carries it in the field
// `_fanout_version`; a `json` value in the sidecar string key `<key>:fanout:version`. A delete
// removes the value and leaves the version in the sidecar key with a TTL (a tombstone).
// Row data must not reach either (issue 16): a rendered key ending with `:fanout:version` would
// overwrite or unlink the version of the key before the suffix, and a column `_fanout_version`
// would overwrite a hash's own; both are refused as bad records (CheckNotVersionKey, and
// RedisActionBuilder for the column).
#ifndef FANOUT_SINKS_REDIS_GUARD_H_
#define FANOUT_SINKS_REDIS_GUARD_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "processor/core/change_event.h"
#include "processor/core/status.h"

namespace fanout {

inline constexpr std::string_view kVersionField = "_fanout_version";
inline constexpr std::string_view kVersionKeySuffix = ":fanout:version";

// How `upsert` stores a row.
enum class RedisValueFormat : std::uint8_t {
  kJson,  // a string holding the projected row as a JSON object
  kHash,  // a hash, one field per non-null column (natural text), plus _fanout_version
};

// InvalidArgument when `key` (rendered from an event) ends with kVersionKeySuffix: writing or
// unlinking it would forge or erase the version of the key it extends, and let a stale replay
// win. The message does not quote the key (row data).
Status CheckNotVersionKey(std::string_view key);

// The guarded version of `event`. InvalidArgument when it has no source position at all
// (kNone: the decoder always gives at least the Kafka fallback, so only hand-made events).
Result<std::string> GuardVersion(const ChangeEvent& event);

// The Lua script, and its SHA1 in lowercase hex (what SCRIPT LOAD answers).
std::string_view GuardScript();
const std::string& GuardScriptSha1();

// One guarded write: set the row at `key`, or delete it leaving a tombstone.
struct GuardedWrite {
  bool is_delete = false;
  RedisValueFormat format = RedisValueFormat::kJson;
  std::string_view key;
  std::string_view version;
  std::chrono::milliseconds tombstone_ttl{0};
  std::string_view json;                                        // a kJson set
  std::span<const std::pair<std::string, std::string>> fields;  // a kHash set
};

// Appends `EVALSHA <sha> 2 <key> <key>:fanout:version <format> <set|del> <version> <ttl ms>
// [<json> | <field> <value> ...]` to *out and returns where, counted from the command's first
// byte, the arguments after the SHA begin (for GuardedWriteAsEval).
Result<std::size_t> AppendGuardedWrite(const GuardedWrite& write, std::string* out);

// The same command as `EVAL <script> ...`, for a server that answered NOSCRIPT (its script cache
// was flushed, or a failover replaced it since the connection loaded the script).
std::string GuardedWriteAsEval(std::string_view evalsha_command, std::size_t tail_offset);

}  // namespace fanout

#endif  // FANOUT_SINKS_REDIS_GUARD_H_
