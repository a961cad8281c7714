#include "sinks/redis/guard.h"

#include <boost/uuid/detail/sha1.hpp>
#include <charconv>
#include <string>

#include "sinks/redis/resp.h"

namespace fanout {
namespace {

// Atomic in Redis (a script runs alone), so concurrent fanout instances and connections cannot
// interleave between the version check and the write.
//
// KEYS[1] the value, KEYS[2] the sidecar version / tombstone key.
// ARGV[1] 'json' | 'hash', ARGV[2] 'set' | 'del', ARGV[3] the version, ARGV[4] the tombstone
// TTL in ms, ARGV[5] the JSON text (json) or ARGV[5..] field, value, ... (hash).
// Returns 1 when written, 0 when the stored version is newer (nothing written), or a WRONGTYPE
// error when the key holds a value of another type (never overwritten: it is not ours).
constexpr std::string_view kScript = R"lua(-- fanout guarded write v1 (sinks/redis/guard.cc)
local key, vkey = KEYS[1], KEYS[2]
local format, action, version = ARGV[1], ARGV[2], ARGV[3]
local kind = redis.call('TYPE', key).ok
local want = 'string'
if format == 'hash' then want = 'hash' end
if kind ~= 'none' and kind ~= want then
  return redis.error_reply('WRONGTYPE the key holds a ' .. kind .. ', not the ' .. want ..
                           ' fanout writes there')
end
local stored = redis.call('GET', vkey)
if not stored and kind == 'hash' then
  stored = redis.call('HGET', key, '_fanout_version')
end
if stored then
  local sd, so = string.match(stored, '^(.*)@([%d.]+)$')
  local nd, no = string.match(version, '^(.*)@([%d.]+)$')
  if sd and sd == nd and #so == #no and so > no then return 0 end
end
if action == 'del' then
  redis.call('DEL', key)
  redis.call('SET', vkey, version, 'PX', ARGV[4])
  return 1
end
if format == 'json' then
  redis.call('SET', key, ARGV[5])
  redis.call('SET', vkey, version)
  return 1
end
redis.call('DEL', key)
redis.call('HSET', key, '_fanout_version', version)
for i = 5, #ARGV, 2000 do
  redis.call('HSET', key, unpack(ARGV, i, math.min(i + 1999, #ARGV)))
end
redis.call('DEL', vkey)
return 1
)lua";

void AppendPadded(std::uint64_t value, std::string* out) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  (void)ec;  // 20 digits always hold a uint64
  const auto length = static_cast<std::size_t>(end - digits);
  out->append(20 - length, '0');
  out->append(digits, length);
}

std::string ComputeSha1(std::string_view text) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(text.data(), text.size());
  boost::uuids::detail::sha1::digest_type digest;
  sha.get_digest(digest);
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int word : digest) {
    for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kHex[(word >> shift) & 0xfu]);
  }
  return out;
}

}  // namespace

Status CheckNotVersionKey(std::string_view key) {
  if (!key.ends_with(kVersionKeySuffix)) return Status::Ok();
  return InvalidArgument("a rendered key ends with '" + std::string(kVersionKeySuffix) +
                         "', the suffix of fanout's version keys; writing or unlinking it would "
                         "change the stored version of another key, so the record is refused");
}

Result<std::string> GuardVersion(const ChangeEvent& event) {
  const SourcePosition& p = event.position;
  std::string out;
  switch (p.kind) {
    case SourcePosition::Kind::kPostgres:
      out = "pg@";
      AppendPadded(p.major, &out);
      out.push_back('.');
      AppendPadded(p.minor, &out);
      return out;
    case SourcePosition::Kind::kBinlog:
      out = "binlog@";
      AppendPadded(p.major, &out);
      out.push_back('.');
      AppendPadded(p.minor, &out);
      out.push_back('.');
      AppendPadded(p.sub, &out);
      return out;
    case SourcePosition::Kind::kKafka:
      // Kafka topic names cannot hold ':' or '@', so the domain parses back unambiguously.
      out = "kafka:" + event.origin.topic + ":" + std::to_string(p.major) + "@";
      AppendPadded(p.minor, &out);
      return out;
    case SourcePosition::Kind::kNone:
      break;
  }
  return InvalidArgument(
      "the event has no source position, so its upsert cannot be versioned; a replay could "
      "overwrite a newer value");
}

std::string_view GuardScript() { return kScript; }

const std::string& GuardScriptSha1() {
  static const std::string sha = ComputeSha1(kScript);
  return sha;
}

Result<std::size_t> AppendGuardedWrite(const GuardedWrite& write, std::string* out) {
  const std::string& sha = GuardScriptSha1();
  const std::string vkey = std::string(write.key) + std::string(kVersionKeySuffix);
  const std::string ttl = std::to_string(write.tombstone_ttl.count());
  RespCommand command;
  command.Arg("EVALSHA").Arg(sha).Arg("2").Arg(write.key).Arg(vkey);
  command.Arg(write.format == RedisValueFormat::kHash ? "hash" : "json");
  command.Arg(write.is_delete ? "del" : "set").Arg(write.version).Arg(ttl);
  if (!write.is_delete) {
    if (write.format == RedisValueFormat::kJson) {
      command.Arg(write.json);
    } else {
      for (const auto& [field, value] : write.fields) command.Arg(field).Arg(value);
    }
  }
  const std::size_t start = out->size();
  command.AppendTo(out);
  // "*<n>\r\n$7\r\nEVALSHA\r\n$40\r\n<sha>\r\n": the first occurrence of the SHA is that
  // argument, since nothing before it can hold 40 hex digits.
  const std::size_t at = out->find(sha, start);
  return at + sha.size() + 2 - start;
}

std::string GuardedWriteAsEval(std::string_view evalsha_command, std::size_t tail_offset) {
  const std::size_t header_end = evalsha_command.find("\r\n") + 2;  // "*<n>\r\n", n unchanged
  const std::string_view script = GuardScript();
  std::string out;
  out.reserve(evalsha_command.size() + script.size() + 32);
  out.append(evalsha_command.substr(0, header_end));
  out.append("$4\r\nEVAL\r\n$");
  out.append(std::to_string(script.size()));
  out.append("\r\n");
  out.append(script);
  out.append("\r\n");
  out.append(evalsha_command.substr(tail_offset));
  return out;
}

}  // namespace fanout
