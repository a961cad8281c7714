#include "processor/delivery/reemission_filter.h"

#include <charconv>
#include <cstdio>

#include "processor/delivery/commit_metadata.h"

namespace fanout {
namespace {

constexpr std::string_view kMaxField = "source-max";
constexpr std::string_view kSeenField = "source-max-seen";

// FNV-1a: stable across processes and versions (the hashes are stored in commits).
std::uint64_t Identity(char op, std::optional<std::string_view> key, std::string_view table) {
  std::uint64_t hash = 14695981039346656037ull;
  auto mix = [&](unsigned char byte) {
    hash ^= byte;
    hash *= 1099511628211ull;
  };
  mix(static_cast<unsigned char>(op));
  mix(key ? 1 : 0);
  if (key) {
    for (char c : *key) mix(static_cast<unsigned char>(c));
  }
  mix(0);  // so that no key and table run into each other
  for (char c : table) mix(static_cast<unsigned char>(c));
  return hash;
}

// Positions whose order is the commit order within a partition.
bool Judged(const SourcePosition& position) {
  switch (position.kind) {
    case SourcePosition::Kind::kPostgres:
      return position.major != 0;  // no last commit LSN: not commit-ordered
    case SourcePosition::Kind::kBinlog:
      return true;
    case SourcePosition::Kind::kKafka:
    case SourcePosition::Kind::kNone:
      break;
  }
  return false;
}

std::string_view KindName(SourcePosition::Kind kind) {
  return kind == SourcePosition::Kind::kPostgres ? "pg" : "binlog";
}

template <typename Int>
bool ParseNumber(std::string_view text, int base, Int* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// Splits off the text up to `separator` (or all of it).
std::string_view Next(std::string_view& text, char separator) {
  const std::size_t at = text.find(separator);
  std::string_view head = text.substr(0, at);
  text.remove_prefix(at == std::string_view::npos ? text.size() : at + 1);
  return head;
}

}  // namespace

ReemissionFilter::Partition& ReemissionFilter::PartitionOf(std::string_view topic,
                                                           std::int32_t partition) {
  if (last_tp_ != nullptr && last_tp_->partition == partition && last_tp_->topic == topic) {
    return *last_partition_;
  }
  auto it = partitions_.try_emplace(TopicPartition{std::string(topic), partition}).first;
  last_tp_ = &it->first;
  last_partition_ = &it->second;
  return it->second;
}

void ReemissionFilter::Resume(const TopicPartition& tp, std::string_view metadata) {
  Partition& partition = PartitionOf(tp.topic, tp.partition);
  partition.base = Decode(metadata);
  partition.current = partition.base;
  partition.history.clear();
}

void ReemissionFilter::Forget(const std::vector<TopicPartition>& partitions) {
  last_tp_ = nullptr;
  last_partition_ = nullptr;
  for (const TopicPartition& tp : partitions) partitions_.erase(tp);
}

bool ReemissionFilter::IsReemission(std::string_view topic, std::int32_t partition_id,
                                    std::int64_t offset, const SourcePosition& position, char op,
                                    bool snapshot, std::optional<std::string_view> key,
                                    std::string_view table) {
  if (snapshot || !Judged(position)) return false;
  Partition& partition = PartitionOf(topic, partition_id);
  State& state = partition.current;
  const std::uint64_t identity = Identity(op, key, table);
  if (state.max.kind == position.kind) {
    if (position < state.max) return true;
    if (position == state.max) {
      for (std::size_t i = 0; i < state.seen_count; ++i) {
        if (state.seen[i] == identity) return true;
      }
      if (state.seen_count < kMaxSeen) {
        state.seen[state.seen_count++] = identity;
      } else {
        state.overflow = true;
      }
      partition.history.push_back(Entry{offset, state});
      return false;
    }
  }
  state = State{};
  state.max = position;
  state.seen[0] = identity;
  state.seen_count = 1;
  partition.history.push_back(Entry{offset, state});
  return false;
}

void ReemissionFilter::Describe(const TopicPartition& tp, std::int64_t offset,
                                std::string* metadata) {
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) return;
  Partition& partition = it->second;
  while (!partition.history.empty() && partition.history.front().offset < offset) {
    partition.base = partition.history.front().after;
    partition.history.pop_front();
  }
  Encode(partition.base, metadata);
}

void ReemissionFilter::Encode(const State& state, std::string* metadata) {
  if (state.max.kind == SourcePosition::Kind::kNone) return;
  std::string max(KindName(state.max.kind));
  for (std::uint64_t part : {state.max.major, state.max.minor, state.max.sub}) {
    max += ':';
    max += std::to_string(part);
  }
  commit_metadata::AddField(metadata, kMaxField, max);
  std::string seen;
  if (state.overflow) {
    seen = "*";
  } else {
    for (std::size_t i = 0; i < state.seen_count; ++i) {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(state.seen[i]));
      if (!seen.empty()) seen += ',';
      seen += hex;
    }
  }
  commit_metadata::AddField(metadata, kSeenField, seen);
}

ReemissionFilter::State ReemissionFilter::Decode(std::string_view metadata) {
  State state;
  std::string_view max = commit_metadata::Field(metadata, kMaxField);
  std::string_view seen = commit_metadata::Field(metadata, kSeenField);
  if (max.empty() || seen.empty()) return State{};  // nothing known: judge from scratch
  const std::string_view kind = Next(max, ':');
  if (kind == "pg") {
    state.max.kind = SourcePosition::Kind::kPostgres;
  } else if (kind == "binlog") {
    state.max.kind = SourcePosition::Kind::kBinlog;
  } else {
    return State{};
  }
  if (!ParseNumber(Next(max, ':'), 10, &state.max.major) ||
      !ParseNumber(Next(max, ':'), 10, &state.max.minor) ||
      !ParseNumber(Next(max, ':'), 10, &state.max.sub) || !max.empty()) {
    return State{};
  }
  if (seen == "*") {
    state.overflow = true;  // ties at `max` count as new changes
    return state;
  }
  while (!seen.empty()) {
    if (state.seen_count == kMaxSeen) return State{};
    if (!ParseNumber(Next(seen, ','), 16, &state.seen[state.seen_count++])) return State{};
  }
  return state;
}

}  // namespace fanout
