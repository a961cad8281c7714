#include "app/dlq_replay_handler.h"

#include <spdlog/spdlog.h>

#include <charconv>

namespace fanout {
namespace {

template <typename Int>
bool ParseInt(std::string_view text, Int* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

Result<Handled> ReplayHandler::Handle(const KafkaRecordView& record, const RecordContext& context) {
  ++seen_;
  if ((filter_.started_ms > 0 && record.timestamp_ms >= filter_.started_ms) ||
      (filter_.since_ms > 0 && record.timestamp_ms >= 0 &&
       record.timestamp_ms < filter_.since_ms)) {
    ++skipped_;
    return Handled::kFinished;
  }
  KafkaRecordView original;
  original.key = record.key;
  original.value = record.value;
  original.timestamp_ms = record.timestamp_ms;
  std::string_view route;
  bool has_source = false;
  bool truncated = false;
  int attempts = 0;
  std::int64_t first_failure_ms = 0;
  for (const RecordHeaderView& header : record.headers) {
    if (header.name.substr(0, 7) != "fanout.") {
      original.headers.push_back(header);
      continue;
    }
    const std::string_view value = header.value.value_or("");
    if (header.name == "fanout.route") {
      route = value;
    } else if (header.name == "fanout.source.topic") {
      original.topic = value;
      has_source = true;
    } else if (header.name == "fanout.source.partition") {
      has_source = has_source && ParseInt(value, &original.partition);
    } else if (header.name == "fanout.source.offset") {
      has_source = has_source && ParseInt(value, &original.offset);
    } else if (header.name == "fanout.attempts") {
      (void)ParseInt(value, &attempts);
    } else if (header.name == "fanout.failure.first_ms") {
      (void)ParseInt(value, &first_failure_ms);
    } else if (header.name == "fanout.truncated") {
      truncated = true;
    }
  }
  if (truncated) {
    spdlog::warn(
        "dlq replay: {}[{}]@{} was cut to fit the dead-letter topic (fanout.truncated); its "
        "record is in {}[{}]@{}; skipped",
        record.topic, record.partition, record.offset, original.topic, original.partition,
        original.offset);
    ++skipped_;
    return Handled::kFinished;
  }
  if (!has_source) {
    spdlog::warn(
        "dlq replay: {}[{}]@{} is not a fanout dead letter (no fanout.source.* headers); "
        "skipped",
        record.topic, record.partition, record.offset);
    ++skipped_;
    return Handled::kFinished;
  }
  if (filter_.route && route != *filter_.route) {
    ++skipped_;
    return Handled::kFinished;
  }
  auto done = [&](const ReplayProgress& progress) {
    auto it = progress.find(record.partition);
    return it != progress.end() && record.offset < it->second;
  };
  auto route_progress = filter_.route_done.find(route);
  if (done(filter_.all_routes_done) ||
      (route_progress != filter_.route_done.end() && done(route_progress->second))) {
    ++skipped_;  // another replay scope did this one already
    return Handled::kFinished;
  }
  inner_->SetReplay(
      std::string(route), attempts, first_failure_ms,
      PartitionOffset{
          TopicPartition{std::string(record.topic), record.partition}, record.offset, {}});
  // The context is the dead letter's: a replay resumed below its Kafka-output mark re-runs only
  // the asynchronous routes, like the main pipeline.
  Result<Handled> handled = inner_->Handle(original, context);
  inner_->ClearReplay();
  if (handled.ok()) ++replayed_;
  return handled;
}

}  // namespace fanout
