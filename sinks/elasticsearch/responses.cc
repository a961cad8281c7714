#include "sinks/elasticsearch/responses.h"

#include <simdjson.h>

#include <charconv>

namespace fanout {
namespace {

namespace dom = simdjson::dom;

// The string at `key` of `object`, or "" when it is absent or not a string.
std::string_view StringAt(dom::object object, std::string_view key) {
  std::string_view value;
  if (object[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return value;
}

Status ParseItem(dom::element element, BulkItemResult* out) {
  dom::object item;
  if (element.get_object().get(item) != simdjson::SUCCESS) {
    return DataLoss("a bulk response item is not an object");
  }
  // {"index": {...}} / {"delete": {...}} / {"create": ...} / {"update": ...}: one key, whatever
  // its name: the request says which operation each item is.
  dom::object body;
  bool found = false;
  for (dom::key_value_pair field : item) {
    if (field.value.get_object().get(body) == simdjson::SUCCESS) {
      found = true;
      break;
    }
  }
  if (!found) return DataLoss("a bulk response item holds no operation");
  std::int64_t status = 0;
  if (body["status"].get_int64().get(status) != simdjson::SUCCESS) {
    return DataLoss("a bulk response item has no status");
  }
  out->status = static_cast<int>(status);
  dom::element error;
  if (body["error"].get(error) == simdjson::SUCCESS) {
    dom::object error_object;
    std::string_view text;
    if (error.get_object().get(error_object) == simdjson::SUCCESS) {
      out->error_type = std::string(StringAt(error_object, "type"));
      out->reason = std::string(StringAt(error_object, "reason"));
      dom::object cause;
      if (error_object["caused_by"].get_object().get(cause) == simdjson::SUCCESS) {
        out->cause_type = std::string(StringAt(cause, "type"));
      }
    } else if (error.get_string().get(text) == simdjson::SUCCESS) {
      out->reason = std::string(text);  // very old servers answered the error as text
    }
  }
  return Status();
}

}  // namespace

struct ResponseParser::Impl {
  dom::parser parser;
};

ResponseParser::ResponseParser() : impl_(std::make_unique<Impl>()) {}
ResponseParser::~ResponseParser() = default;

Result<BulkResponse> ResponseParser::ParseBulk(std::string_view body) {
  dom::element root;
  if (auto error = impl_->parser.parse(body.data(), body.size()).get(root)) {
    return DataLoss(std::string("the _bulk response is not JSON (") +
                    simdjson::error_message(error) + ")");
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return DataLoss("the _bulk response is not a JSON object");
  }
  BulkResponse out;
  if (object["errors"].get_bool().get(out.errors) != simdjson::SUCCESS) {
    return DataLoss("the _bulk response has no `errors` flag");
  }
  if (!out.errors) return out;  // every item succeeded: nothing more to read
  dom::array items;
  if (object["items"].get_array().get(items) != simdjson::SUCCESS) {
    return DataLoss("the _bulk response has no `items`");
  }
  out.items.reserve(items.size());
  for (dom::element element : items) {
    BulkItemResult item;
    FANOUT_RETURN_IF_ERROR(ParseItem(element, &item));
    out.items.push_back(std::move(item));
  }
  return out;
}

Result<ServerInfo> ResponseParser::ParseServerInfo(std::string_view body) {
  dom::element root;
  dom::object version;
  if (impl_->parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root["version"].get_object().get(version) != simdjson::SUCCESS) {
    return DataLoss("GET / did not answer like Elasticsearch or OpenSearch (no version)");
  }
  ServerInfo out;
  out.distribution = std::string(StringAt(version, "distribution"));
  out.number = std::string(StringAt(version, "number"));
  if (out.number.empty()) {
    return DataLoss("GET / did not answer like Elasticsearch or OpenSearch (no version.number)");
  }
  auto [ptr, ec] =
      std::from_chars(out.number.data(), out.number.data() + out.number.size(), out.major);
  (void)ptr;
  if (ec != std::errc()) return DataLoss("GET / answered an unreadable version.number");
  return out;
}

std::string ErrorResponseReason(std::string_view body) {
  dom::parser parser;
  dom::element root;
  dom::object error;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) return {};
  if (root["error"].get_object().get(error) != simdjson::SUCCESS) {
    std::string_view text;
    if (root["error"].get_string().get(text) == simdjson::SUCCESS) return std::string(text);
    return {};
  }
  std::string out(StringAt(error, "type"));
  const std::string_view reason = StringAt(error, "reason");
  if (!reason.empty()) out += (out.empty() ? "" : ": ") + std::string(reason);
  return out;
}

}  // namespace fanout
