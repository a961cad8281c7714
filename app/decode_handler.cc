#include "app/decode_handler.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "processor/core/json_writer.h"

namespace fanout {

DecodeHandler::DecodeHandler(EventStats* stats, const Router* router)
    : stats_(stats), router_(router) {
  for (const CompiledRoute& route : router_->routes()) {
    route_templates_.push_back(RouteTemplates{&route, route.TemplateNames()});
  }
}

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
  const bool dump = debug || dump_ != nullptr;
  if (dump) {
    line_.clear();
    AppendChangeEventJson(line_, event_);
    line_.pop_back();  // reopen the object to add the routing
    line_ += ",\"routes\":[";
  }
  router_->Match(event_, &matched_);
  if (matched_.empty() && event_.kind == RecordKind::kChange) stats_->RecordUnmatched();
  for (std::size_t i = 0; i < matched_.size(); ++i) {
    if (dump && i > 0) line_.push_back(',');
    Status built = BuildActions(*matched_[i], dump);
    if (built.ok()) {
      stats_->RecordRouted(matched_[i]->name());
    } else {
      stats_->RecordRouteError(matched_[i]->name());
      spdlog::error("route '{}': {}[{}]@{}: {}", matched_[i]->name(), record.topic,
                    record.partition, record.offset, built.message());
    }
  }
  if (dump) {
    line_ += "]}";
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

Status DecodeHandler::BuildActions(const CompiledRoute& route, bool dump) {
  if (dump) {
    line_ += "{\"route\":";
    AppendJsonString(line_, route.name());
  }
  const RouteTemplates& templates =
      route_templates_[static_cast<std::size_t>(&route - router_->routes().data())];
  Status result;
  for (std::string_view name : templates.names) {
    if (dump) {
      line_.push_back(',');
      AppendJsonString(line_, name);
      line_ += ":[";
    }
    bool first = true;
    for (const Template& t : route.Templates(name)) {
      rendered_.clear();
      Status status = t.Render(event_, &rendered_);
      if (!status.ok()) {
        if (result.ok()) result = status;
        continue;
      }
      if (dump) {
        if (!first) line_.push_back(',');
        AppendJsonString(line_, rendered_);
      }
      first = false;
    }
    if (dump) line_.push_back(']');
  }
  if (dump) {
    line_ += ",\"ok\":";
    line_ += result.ok() ? "true" : "false";
    line_.push_back('}');
  }
  return result;
}

}  // namespace fanout
