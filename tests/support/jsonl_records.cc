#include "tests/support/jsonl_records.h"

#include <simdjson.h>

#include <fstream>

namespace fanout::testing {

KafkaRecordView CapturedRecord::View() const {
  KafkaRecordView view;
  view.topic = topic;
  view.partition = partition;
  view.offset = offset;
  if (key) view.key = *key;
  if (value) view.value = *value;
  for (const auto& [name, v] : headers) view.headers.push_back(RecordHeaderView{name, v});
  return view;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::vector<CapturedRecord> ReadCapturedRecords(const std::string& path, std::string* error) {
  std::vector<CapturedRecord> out;
  simdjson::dom::parser parser;
  int line_number = 0;
  for (const std::string& line : ReadLines(path)) {
    ++line_number;
    simdjson::dom::object object;
    if (parser.parse(line).get_object().get(object) != simdjson::SUCCESS) {
      if (error != nullptr)
        *error += path + ":" + std::to_string(line_number) + ": not a JSON object\n";
      continue;
    }
    CapturedRecord record;
    std::string_view text;
    int64_t number = 0;
    if (object["topic"].get_string().get(text) == simdjson::SUCCESS) record.topic = text;
    if (object["partition"].get_int64().get(number) == simdjson::SUCCESS) {
      record.partition = static_cast<std::int32_t>(number);
    }
    if (object["offset"].get_int64().get(number) == simdjson::SUCCESS) record.offset = number;
    if (object["key"].get_string().get(text) == simdjson::SUCCESS) record.key = std::string(text);
    if (object["payload"].get_string().get(text) == simdjson::SUCCESS) {
      record.value = std::string(text);
    }
    simdjson::dom::array headers;
    if (object["headers"].get_array().get(headers) == simdjson::SUCCESS) {
      std::string name;
      bool is_name = true;
      for (simdjson::dom::element element : headers) {
        std::string_view item;
        if (element.get_string().get(item) != simdjson::SUCCESS) item = "";
        if (is_name) {
          name = item;
        } else {
          record.headers.emplace_back(name, std::string(item));
        }
        is_name = !is_name;
      }
    }
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace fanout::testing
