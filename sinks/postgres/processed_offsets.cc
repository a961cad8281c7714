#include "sinks/postgres/processed_offsets.h"

#include <utility>

namespace fanout {
namespace {

std::string Quote(std::string_view qualified) {
  std::string out;
  auto part = [&out](std::string_view name) {
    out.push_back('"');
    out.append(name);  // plain names only (checked by the caller): nothing to escape
    out.push_back('"');
  };
  const std::size_t dot = qualified.find('.');
  if (dot == std::string_view::npos) {
    part(qualified);
  } else {
    part(qualified.substr(0, dot));
    out.push_back('.');
    part(qualified.substr(dot + 1));
  }
  return out;
}

}  // namespace

ProcessedOffsetsSql::ProcessedOffsetsSql(std::string_view offsets_table)
    : offsets_(Quote(offsets_table)),
      rejected_(Quote(std::string(offsets_table) + "_rejected")),
      name_(offsets_table) {}

std::vector<std::string> ProcessedOffsetsSql::Migrate() const {
  const std::size_t dot = name_.find('.');
  const std::string migrations = dot == std::string::npos
                                     ? "\"fanout_migrations\""
                                     : Quote(name_.substr(0, dot)) + ".\"fanout_migrations\"";
  return {
      "SELECT pg_advisory_xact_lock(hashtext('fanout_migrations'))",
      "CREATE TABLE IF NOT EXISTS " + migrations +
          " (component text PRIMARY KEY, version integer NOT NULL, "
          "applied_at timestamptz NOT NULL DEFAULT now())",
      "CREATE TABLE IF NOT EXISTS " + offsets_ +
          " (consumer_group text NOT NULL, route text NOT NULL, topic text NOT NULL, "
          "\"partition\" integer NOT NULL, next_offset bigint NOT NULL, "
          "updated_at timestamptz NOT NULL DEFAULT now(), "
          "PRIMARY KEY (consumer_group, route, topic, \"partition\"))",
      "CREATE TABLE IF NOT EXISTS " + rejected_ +
          " (consumer_group text NOT NULL, route text NOT NULL, topic text NOT NULL, "
          "\"partition\" integer NOT NULL, kafka_offset bigint NOT NULL, message text NOT NULL, "
          "rejected_at timestamptz NOT NULL DEFAULT now(), "
          "PRIMARY KEY (consumer_group, route, topic, \"partition\", kafka_offset))",
      "INSERT INTO " + migrations + " (component, version) VALUES ('processed_offsets:" + name_ +
          "', " + std::to_string(kProcessedOffsetsSchemaVersion) +
          ") ON CONFLICT (component) DO NOTHING",
  };
}

std::string ProcessedOffsetsSql::EnsureRow() const {
  return "INSERT INTO " + offsets_ +
         " (consumer_group, route, topic, \"partition\", next_offset) VALUES ($1, $2, $3, "
         "$4::integer, 0) ON CONFLICT DO NOTHING";
}

std::string ProcessedOffsetsSql::LockRow() const {
  return "SELECT next_offset FROM " + offsets_ +
         " WHERE consumer_group = $1 AND route = $2 AND topic = $3 AND \"partition\" = "
         "$4::integer FOR UPDATE";
}

std::string ProcessedOffsetsSql::Advance() const {
  return "UPDATE " + offsets_ +
         " SET next_offset = GREATEST(next_offset, $5::bigint), updated_at = now() WHERE "
         "consumer_group = $1 AND route = $2 AND topic = $3 AND \"partition\" = $4::integer";
}

std::string ProcessedOffsetsSql::Reject() const {
  return "INSERT INTO " + rejected_ +
         " (consumer_group, route, topic, \"partition\", kafka_offset, message) VALUES ($1, $2, "
         "$3, $4::integer, $5::bigint, $6) ON CONFLICT DO NOTHING";
}

std::string ProcessedOffsetsSql::SelectRejected() const {
  return "SELECT kafka_offset, message FROM " + rejected_ +
         " WHERE consumer_group = $1 AND route = $2 AND topic = $3 AND \"partition\" = "
         "$4::integer AND kafka_offset BETWEEN $5::bigint AND $6::bigint";
}

std::string ProcessedOffsetsSql::LoadOffsets() const {
  return "SELECT route, topic, \"partition\", next_offset FROM " + offsets_ +
         " WHERE consumer_group = $1";
}

std::string ProcessedOffsetsSql::LoadRejected() const {
  return "SELECT route, topic, \"partition\", kafka_offset FROM " + rejected_ +
         " WHERE consumer_group = $1";
}

std::string ProcessedOffsetsSql::Claim() const {
  // Plain SQL cannot RAISE: a division by zero is the error, and the caller knows which query it
  // sent as the claim. next_offset is a column, so the planner cannot fold it away.
  return "SELECT 1 / (CASE WHEN next_offset > $5::bigint THEN 0 ELSE 1 END) FROM " + offsets_ +
         " WHERE consumer_group = $1 AND route = $2 AND topic = $3 AND \"partition\" = "
         "$4::integer";
}

void ProcessedOffsetsView::Set(const std::string& route, const std::string& topic,
                               std::int32_t partition, std::int64_t next_offset) {
  MutexLock lock(&mutex_);
  std::int64_t& next = next_[Key(route, topic, partition)];
  if (next_offset > next) next = next_offset;
}

void ProcessedOffsetsView::AddRejected(const std::string& route, const std::string& topic,
                                       std::int32_t partition, std::int64_t offset) {
  MutexLock lock(&mutex_);
  rejected_.emplace(route, topic, partition, offset);
}

void ProcessedOffsetsView::Forget(const std::string& topic, std::int32_t partition) {
  MutexLock lock(&mutex_);
  std::erase_if(next_, [&](const auto& entry) {
    return std::get<1>(entry.first) == topic && std::get<2>(entry.first) == partition;
  });
  std::erase_if(rejected_, [&](const auto& entry) {
    return std::get<1>(entry) == topic && std::get<2>(entry) == partition;
  });
}

bool ProcessedOffsetsView::Applied(const std::string& route, std::string_view topic,
                                   std::int32_t partition, std::int64_t offset) const {
  MutexLock lock(&mutex_);
  if (next_.empty()) return false;
  auto it = next_.find(Key(route, std::string(topic), partition));
  if (it == next_.end() || offset >= it->second) return false;
  return !rejected_.contains({route, std::string(topic), partition, offset});
}

}  // namespace fanout
