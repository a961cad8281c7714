#include "sinks/http/action_builder.h"

#include <cstdint>

#include "processor/core/idempotency_key.h"
#include "processor/core/json_writer.h"
#include "processor/route/router.h"

namespace fanout {
namespace {

bool IsUnreserved(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c == '-' || c == '.' || c == '_' || c == '~';
}

bool IsPathChar(char c) {
  return IsUnreserved(c) || std::string_view("!$&'()*+,;=:@/?").find(c) != std::string_view::npos;
}

void AppendPercentEncoded(char c, std::string* out) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  const auto u = static_cast<unsigned char>(c);
  out->push_back('%');
  out->push_back(kHex[u >> 4]);
  out->push_back(kHex[u & 0xf]);
}

void AppendProjectedImage(const CompiledRoute& route, const std::optional<Row>& image,
                          std::string* out) {
  if (!image) {
    out->append("null");
    return;
  }
  out->push_back('{');
  bool first = true;
  route.projection().ForEach(*image, [&](std::string_view name, const Value& value) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(*out, name);
    out->push_back(':');
    AppendJsonValue(*out, value);
  });
  out->push_back('}');
}

}  // namespace

std::string BatchBody(std::span<const HttpAction* const> actions) {
  std::size_t size = 2;
  for (const HttpAction* action : actions) size += action->body().size() + 1;
  std::string body;
  body.reserve(size);
  body.push_back('[');
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (i > 0) body.push_back(',');
    body.append(actions[i]->body());
  }
  body.push_back(']');
  return body;
}

void AppendEncodedPath(std::string_view text, std::string* out) {
  for (char c : text) {
    if (IsPathChar(c)) {
      out->push_back(c);
    } else {
      AppendPercentEncoded(c, out);
    }
  }
}

Status AppendEncodedPathSegment(std::string_view value, std::string* out) {
  if (value == "." || value == "..") {
    return InvalidArgument("the value '" + std::string(value) +
                           "' would be a dot segment of the path (moving up or staying put), "
                           "not data");
  }
  for (char c : value) {
    if (IsUnreserved(c)) {
      out->push_back(c);
    } else {
      AppendPercentEncoded(c, out);
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<HttpActionBuilder>> HttpActionBuilder::Create(const RouteBinding& binding,
                                                                     std::string base_path,
                                                                     bool batch) {
  if (binding.route == nullptr) return InvalidArgument("route binding without a route");
  const CompiledRoute& route = *binding.route;
  HttpValueMode mode = HttpValueMode::kAfter;
  if (binding.options != nullptr) {
    for (const auto& [key, value] : *binding.options) {
      if (key != "value") return InvalidArgument(key + ": not an option of http routes");
      if (value == "after") {
        mode = HttpValueMode::kAfter;
      } else if (value == "envelope") {
        mode = HttpValueMode::kEnvelope;
      } else {
        return InvalidArgument("value: must be 'after' or 'envelope'");
      }
    }
  }
  for (std::string_view name : route.TemplateNames()) {
    if (name != "path")
      return InvalidArgument(std::string(name) + ": not an option of http routes");
  }
  const std::size_t paths = route.Templates("path").size();
  if (paths > 1) return InvalidArgument("path: only one path per route");
  if (paths == 1 && batch) {
    return InvalidArgument(
        "path: not supported when the sink's batch_size is over 1 (one request carries the "
        "actions of many routes, and goes to the sink's url)");
  }
  return std::unique_ptr<HttpActionBuilder>(
      new HttpActionBuilder(route, mode, std::move(base_path), batch));
}

Result<std::unique_ptr<SinkAction>> HttpActionBuilder::Build(const ChangeEvent& event,
                                                             const KafkaRecordView& record) const {
  if (mode_ == HttpValueMode::kEnvelope && !record.value) {
    return std::unique_ptr<SinkAction>();  // nothing to forward
  }

  std::string target = base_path_;
  std::span<const Template> path = route_.Templates("path");
  if (!path.empty()) {
    std::string rendered;
    // Row values are data: one segment each, never a '/', '?', '#' or dot segment of their own.
    constexpr Template::Escaper kPathEscaper{.literal = AppendEncodedPath,
                                             .value = AppendEncodedPathSegment};
    FANOUT_RETURN_IF_ERROR(
        path.front()
            .RenderEscaped(event, Template::Image::kDefault, kPathEscaper, &rendered)
            .WithContext("path"));
    if (!rendered.empty()) {
      const bool base_slash = !target.empty() && target.back() == '/';
      const bool path_slash = rendered.front() == '/';
      if (base_slash && path_slash) target.pop_back();
      if (!base_slash && !path_slash) target.push_back('/');
      target.append(rendered);
    }
  }
  if (target.empty()) target = "/";

  std::string key = IdempotencyKey(route_.name(), event, record);

  std::string body;
  if (mode_ == HttpValueMode::kEnvelope) {
    if (!batch_) {
      body.assign(*record.value);
    } else {
      body.reserve(record.value->size() + key.size() + 40);
      body.append("{\"idempotency_key\":");
      AppendJsonString(body, key);
      body.append(",\"envelope\":");
      body.append(*record.value);
      body.push_back('}');
    }
  } else {
    body.append("{\"op\":");
    AppendJsonString(body, OpName(event.op));
    body.append(",\"table\":");
    std::string table;
    AppendJsonString(body, event.QualifiedTableInto(&table));
    body.append(",\"key\":");
    AppendJsonRow(body, event.key);
    body.append(",\"after\":");
    AppendProjectedImage(route_, event.after, &body);
    body.append(",\"before\":");
    AppendProjectedImage(route_, event.before, &body);
    if (event.message) {  // op=m: the logical-decoding message (prefix, content)
      body.append(",\"message\":");
      AppendJsonRow(body, *event.message);
    }
    body.append(",\"position\":");
    AppendJsonString(body, event.position.ToString());
    body.append(",\"idempotency_key\":");
    AppendJsonString(body, key);
    body.push_back('}');
  }
  return std::unique_ptr<SinkAction>(
      std::make_unique<HttpAction>(std::move(target), std::move(key), std::move(body)));
}

}  // namespace fanout
