#include "app/decode_handler.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "processor/core/json_writer.h"

namespace fanout {

DecodeHandler::~DecodeHandler() {
  if (dump_ != nullptr) std::fclose(dump_);
}

Status DecodeHandler::OpenDump(const std::string& path) {
  dump_ = std::fopen(path.c_str(), "a");
  if (dump_ == nullptr) {
    return InvalidArgument("cannot open dump file " + path + ": " + std::strerror(errno));
  }
  std::setvbuf(dump_, nullptr, _IOLBF, 1 << 16);  // whole lines, so readers never see half a one
  return Status();
}

Status DecodeHandler::Handle(const KafkaRecordView& record) {
  Status status = decoder_.Decode(record, &event_);
  if (!status.ok()) {
    stats_->RecordDecodeError();
    spdlog::error("decode {}[{}]@{}: {}", record.topic, record.partition, record.offset,
                  status.message());
    return Status();
  }
  stats_->RecordEvent(event_);
  const bool debug = spdlog::should_log(spdlog::level::debug);
  if (debug || dump_ != nullptr) {
    line_.clear();
    AppendChangeEventJson(line_, event_);
    if (debug) spdlog::debug("event {}", line_);
    if (dump_ != nullptr) {
      line_.push_back('\n');
      if (std::fwrite(line_.data(), 1, line_.size(), dump_) != line_.size()) {
        return Internal(std::string("writing the event dump failed: ") + std::strerror(errno));
      }
    }
  }
  return Status();
}

}  // namespace fanout
