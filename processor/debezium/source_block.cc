#include "processor/debezium/source_block.h"

#include <charconv>

namespace fanout::debezium {
namespace {

namespace dom = simdjson::dom;

// Postgres `sequence`: a JSON string holding ["<last commit lsn>|null","<lsn>|null"].
bool ParsePostgresSequence(std::string_view text, std::uint64_t* commit_lsn, std::uint64_t* lsn) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '"' || s.front() == '['))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == ']'))
      s.remove_suffix(1);
    return s;
  };
  std::size_t comma = text.find(',');
  if (comma == std::string_view::npos) return false;
  auto parse = [](std::string_view s, std::uint64_t* out) {
    if (s == "null" || s.empty()) {
      *out = 0;
      return true;
    }
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && ptr == s.data() + s.size();
  };
  return parse(trim(text.substr(0, comma)), commit_lsn) && parse(trim(text.substr(comma + 1)), lsn);
}

// "mysql-bin.000003" → 3.
bool ParseBinlogFileNumber(std::string_view file, std::uint64_t* number) {
  std::size_t dot = file.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= file.size()) return false;
  std::string_view digits = file.substr(dot + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *number);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

Status FieldTypeError(std::string_view key, std::string_view type) {
  return InvalidArgument("field '" + std::string(key) + "' is not " + std::string(type));
}

}  // namespace

Status ReadInt(dom::object object, std::string_view key, std::int64_t* out) {
  dom::element element;
  if (object.at_key(key).get(element) != simdjson::SUCCESS || element.is_null()) return Status();
  std::int64_t value = 0;
  if (element.get_int64().get(value) == simdjson::SUCCESS) {
    *out = value;
    return Status();
  }
  std::string_view text;
  if (element.get_string().get(text) == simdjson::SUCCESS) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && ptr == text.data() + text.size()) {
      *out = value;
      return Status();
    }
  }
  return FieldTypeError(key, "an integer");
}

Status ReadString(dom::object object, std::string_view key, std::string* out) {
  dom::element element;
  if (object.at_key(key).get(element) != simdjson::SUCCESS || element.is_null()) return Status();
  std::string_view text;
  if (element.get_string().get(text) != simdjson::SUCCESS) return FieldTypeError(key, "a string");
  out->assign(text);
  return Status();
}

SourcePosition KafkaPosition(std::int32_t partition, std::int64_t offset) {
  SourcePosition position;
  position.kind = SourcePosition::Kind::kKafka;
  position.major = static_cast<std::uint64_t>(partition);
  position.minor = static_cast<std::uint64_t>(offset);
  return position;
}

Status DecodeSource(dom::object source, ChangeEvent* event) {
  FANOUT_RETURN_IF_ERROR(ReadString(source, "connector", &event->connector));
  FANOUT_RETURN_IF_ERROR(ReadString(source, "db", &event->database));
  FANOUT_RETURN_IF_ERROR(ReadString(source, "schema", &event->schema));
  FANOUT_RETURN_IF_ERROR(ReadString(source, "table", &event->table));
  FANOUT_RETURN_IF_ERROR(ReadInt(source, "ts_ms", &event->source_ts_ms));

  // `snapshot` is a string enum ("true", "first", "last", "incremental", "false", ...); null or
  // missing means "false". Some older producers wrote a boolean.
  dom::element snapshot;
  if (source.at_key("snapshot").get(snapshot) == simdjson::SUCCESS) {
    std::string_view text;
    bool flag = false;
    if (snapshot.get_string().get(text) == simdjson::SUCCESS) {
      event->snapshot = text != "false";
    } else if (snapshot.get_bool().get(flag) == simdjson::SUCCESS) {
      event->snapshot = flag;
    }
  }

  if (event->connector == "postgresql") {
    std::int64_t lsn = -1;
    FANOUT_RETURN_IF_ERROR(ReadInt(source, "lsn", &lsn));
    dom::element sequence_element;
    std::string_view sequence;
    if (source.at_key("sequence").get(sequence_element) == simdjson::SUCCESS &&
        !sequence_element.is_null() &&
        sequence_element.get_string().get(sequence) != simdjson::SUCCESS) {
      return FieldTypeError("sequence", "a string");
    }
    std::uint64_t commit_lsn = 0;
    std::uint64_t row_lsn = 0;
    if (!sequence.empty() && ParsePostgresSequence(sequence, &commit_lsn, &row_lsn) &&
        row_lsn != 0) {
      event->position = {SourcePosition::Kind::kPostgres, commit_lsn, row_lsn, 0};
    } else if (lsn > 0) {
      event->position = {SourcePosition::Kind::kPostgres, 0, static_cast<std::uint64_t>(lsn), 0};
    }
  } else if (event->connector == "mysql" || event->connector == "mariadb") {
    dom::element file_element;
    std::string_view file;
    if (source.at_key("file").get(file_element) == simdjson::SUCCESS && !file_element.is_null() &&
        file_element.get_string().get(file) != simdjson::SUCCESS) {
      return FieldTypeError("file", "a string");
    }
    std::int64_t pos = -1;
    std::int64_t row = 0;
    FANOUT_RETURN_IF_ERROR(ReadInt(source, "pos", &pos));
    FANOUT_RETURN_IF_ERROR(ReadInt(source, "row", &row));
    std::uint64_t file_number = 0;
    if (ParseBinlogFileNumber(file, &file_number) && pos >= 0 && row >= 0) {
      event->position = {SourcePosition::Kind::kBinlog, file_number,
                         static_cast<std::uint64_t>(pos), static_cast<std::uint64_t>(row)};
    }
  }
  return Status();
}

}  // namespace fanout::debezium
