#include "processor/debezium/decoder.h"

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace fanout {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kUnavailablePlaceholder = "__debezium_unavailable_value";
constexpr std::string_view kHeartbeatTopicPrefix = "__debezium-heartbeat";

Status DecodeError(std::string message) { return InvalidArgument(std::move(message)); }

std::string JsonError(std::string_view what, simdjson::error_code code) {
  return std::string(what) + " is not valid JSON (" + simdjson::error_message(code) + ")";
}

Value ToValue(dom::element element) {
  switch (element.type()) {
    case dom::element_type::NULL_VALUE:
      return Value::Null();
    case dom::element_type::BOOL:
      return Value::Bool(element.get_bool().value_unsafe());
    case dom::element_type::INT64:
      return Value::Int(element.get_int64().value_unsafe());
    case dom::element_type::UINT64:
      // Above int64's range (MySQL BIGINT UNSIGNED): keep it exact as text.
      return Value::String(std::to_string(element.get_uint64().value_unsafe()));
    case dom::element_type::DOUBLE:
      return Value::Double(element.get_double().value_unsafe());
    case dom::element_type::STRING: {
      std::string_view text = element.get_string().value_unsafe();
      if (text == kUnavailablePlaceholder) return Value::Unchanged();
      return Value::String(text);
    }
    case dom::element_type::ARRAY:
    case dom::element_type::OBJECT:
      return Value::Json(simdjson::minify(element));
  }
  return Value::Null();
}

// JSON object → Row. Columns whose name starts with `skip_prefix` (if non-empty) are left out.
Row ToRow(dom::object object, std::string_view skip_prefix = {}) {
  Row row;
  row.reserve(object.size());
  for (dom::key_value_pair field : object) {
    if (!skip_prefix.empty() && field.key.substr(0, skip_prefix.size()) == skip_prefix) continue;
    row.push_back(Column{std::string(field.key), ToValue(field.value)});
  }
  return row;
}

bool Has(dom::object object, std::string_view key) {
  return object.at_key(key).error() == simdjson::SUCCESS;
}

// The payload of a JsonConverter value: with schemas enabled it is {"schema":..,"payload":..}.
dom::element Unwrap(dom::element root) {
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return root;
  if (object.size() != 2) return root;
  dom::element payload;
  if (object.at_key("payload").get(payload) != simdjson::SUCCESS) return root;
  if (!Has(object, "schema")) return root;
  return payload;
}

// Reads an optional integer member; absent or null leave `*out` untouched. Accepts integers
// written as JSON numbers or as decimal strings (Debezium's docs show both).
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
  return DecodeError("field '" + std::string(key) + "' is not an integer");
}

Status ReadString(dom::object object, std::string_view key, std::string* out) {
  dom::element element;
  if (object.at_key(key).get(element) != simdjson::SUCCESS || element.is_null()) return Status();
  std::string_view text;
  if (element.get_string().get(text) != simdjson::SUCCESS) {
    return DecodeError("field '" + std::string(key) + "' is not a string");
  }
  out->assign(text);
  return Status();
}

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

SourcePosition KafkaPosition(const KafkaRecordView& record) {
  SourcePosition position;
  position.kind = SourcePosition::Kind::kKafka;
  position.major = static_cast<std::uint64_t>(record.partition);
  position.minor = static_cast<std::uint64_t>(record.offset);
  return position;
}

Status DecodeSource(dom::object source, const KafkaRecordView& record, ChangeEvent* event) {
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

  event->position = KafkaPosition(record);
  if (event->connector == "postgresql") {
    std::int64_t lsn = -1;
    FANOUT_RETURN_IF_ERROR(ReadInt(source, "lsn", &lsn));
    std::string sequence;
    FANOUT_RETURN_IF_ERROR(ReadString(source, "sequence", &sequence));
    std::uint64_t commit_lsn = 0;
    std::uint64_t row_lsn = 0;
    if (!sequence.empty() && ParsePostgresSequence(sequence, &commit_lsn, &row_lsn) &&
        row_lsn != 0) {
      event->position = {SourcePosition::Kind::kPostgres, commit_lsn, row_lsn, 0};
    } else if (lsn > 0) {
      event->position = {SourcePosition::Kind::kPostgres, 0, static_cast<std::uint64_t>(lsn), 0};
    }
  } else if (event->connector == "mysql" || event->connector == "mariadb") {
    std::string file;
    std::int64_t pos = -1;
    std::int64_t row = 0;
    FANOUT_RETURN_IF_ERROR(ReadString(source, "file", &file));
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

Status ParseOp(std::string_view text, Op* op) {
  if (text.size() == 1) {
    switch (text[0]) {
      case 'c':
        *op = Op::kCreate;
        return Status();
      case 'u':
        *op = Op::kUpdate;
        return Status();
      case 'd':
        *op = Op::kDelete;
        return Status();
      case 'r':
        *op = Op::kRead;
        return Status();
      case 't':
        *op = Op::kTruncate;
        return Status();
      case 'm':
        *op = Op::kMessage;
        return Status();
      default:
        break;
    }
  }
  return DecodeError("unknown op '" + std::string(text.substr(0, 16)) + "'");
}

// Reads `before`/`after`: absent or null → nullopt; an object → Row; anything else is an error.
Status ReadImage(dom::object payload, std::string_view key, std::optional<Row>* image) {
  dom::element element;
  if (payload.at_key(key).get(element) != simdjson::SUCCESS || element.is_null()) {
    image->reset();
    return Status();
  }
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) {
    return DecodeError("'" + std::string(key) + "' is not an object");
  }
  *image = ToRow(object);
  return Status();
}

Status DecodeEnvelope(dom::object payload, const KafkaRecordView& record, ChangeEvent* event) {
  std::string_view op_text;
  if (payload.at_key("op").get_string().get(op_text) != simdjson::SUCCESS) {
    return DecodeError("envelope has no string 'op'");
  }
  FANOUT_RETURN_IF_ERROR(ParseOp(op_text, &event->op));
  dom::object source;
  if (payload.at_key("source").get_object().get(source) != simdjson::SUCCESS) {
    return DecodeError("envelope has no object 'source'");
  }
  FANOUT_RETURN_IF_ERROR(DecodeSource(source, record, event));
  FANOUT_RETURN_IF_ERROR(ReadImage(payload, "before", &event->before));
  FANOUT_RETURN_IF_ERROR(ReadImage(payload, "after", &event->after));
  switch (event->op) {
    case Op::kCreate:
    case Op::kRead:
    case Op::kUpdate:
      if (!event->after)
        return DecodeError(std::string("op '") + op_text.data()[0] + "' without 'after'");
      break;
    case Op::kDelete:
      if (!event->before && event->key.empty())
        return DecodeError("delete without 'before' or key");
      break;
    case Op::kTruncate:
    case Op::kMessage:
      break;
  }
  event->kind = RecordKind::kChange;
  return Status();
}

// A record flattened by ExtractNewRecordState: the row itself plus `__`-prefixed metadata.
Status DecodeFlattened(dom::object row, const KafkaRecordView& record, ChangeEvent* event) {
  std::string op_text;
  FANOUT_RETURN_IF_ERROR(ReadString(row, "__op", &op_text));
  std::string deleted;
  FANOUT_RETURN_IF_ERROR(ReadString(row, "__deleted", &deleted));
  if (op_text.empty() && deleted.empty()) {
    return DecodeError(
        "record is neither a Debezium envelope (op, source, before/after) nor a "
        "flattened record with __op or __deleted");
  }
  if (!op_text.empty()) {
    FANOUT_RETURN_IF_ERROR(ParseOp(op_text, &event->op));
  } else {
    event->op = Op::kUpdate;  // rewrite mode without __op: an upsert of the current row
  }
  if (deleted == "true") event->op = Op::kDelete;
  FANOUT_RETURN_IF_ERROR(ReadString(row, "__table", &event->table));
  FANOUT_RETURN_IF_ERROR(ReadString(row, "__schema", &event->schema));
  FANOUT_RETURN_IF_ERROR(ReadString(row, "__db", &event->database));
  FANOUT_RETURN_IF_ERROR(ReadInt(row, "__source_ts_ms", &event->source_ts_ms));
  event->position = KafkaPosition(record);
  std::int64_t lsn = -1;
  FANOUT_RETURN_IF_ERROR(ReadInt(row, "__lsn", &lsn));
  if (lsn > 0) {
    event->connector = "postgresql";
    event->position = {SourcePosition::Kind::kPostgres, 0, static_cast<std::uint64_t>(lsn), 0};
  }
  Row image = ToRow(row, "__");
  if (event->op == Op::kDelete) {
    event->before = std::move(image);
  } else {
    event->after = std::move(image);
  }
  event->kind = RecordKind::kChange;
  return Status();
}

}  // namespace

class DebeziumDecoder::Impl {
 public:
  explicit Impl(Options options) : options_(options) {}

  Status Decode(const KafkaRecordView& record, ChangeEvent* event) {
    *event = ChangeEvent{};
    event->origin = {std::string(record.topic), record.partition, record.offset};
    event->position = KafkaPosition(record);

    if (record.key && record.key->size() > options_.max_record_bytes) {
      return DecodeError("key of " + std::to_string(record.key->size()) + " bytes is over the " +
                         std::to_string(options_.max_record_bytes) + "-byte limit");
    }
    if (record.value && record.value->size() > options_.max_record_bytes) {
      return DecodeError("value of " + std::to_string(record.value->size()) +
                         " bytes is over the " + std::to_string(options_.max_record_bytes) +
                         "-byte limit");
    }
    if (record.topic.substr(0, kHeartbeatTopicPrefix.size()) == kHeartbeatTopicPrefix) {
      event->kind = RecordKind::kHeartbeat;
      return Status();
    }
    FANOUT_RETURN_IF_ERROR(DecodeKey(record, event));
    if (!record.value) {
      event->kind = RecordKind::kTombstone;
      return Status();
    }
    return DecodeValue(record, event);
  }

 private:
  Status DecodeKey(const KafkaRecordView& record, ChangeEvent* event) {
    if (!record.key || record.key->empty()) return Status();
    dom::element root;
    auto error = parser_.parse(record.key->data(), record.key->size()).get(root);
    if (error != simdjson::SUCCESS) return DecodeError(JsonError("key", error));
    dom::element payload = Unwrap(root);
    if (payload.is_null()) return Status();
    dom::object object;
    if (payload.get_object().get(object) != simdjson::SUCCESS) {
      return DecodeError("key is not a JSON object");
    }
    event->key = ToRow(object);
    return Status();
  }

  Status DecodeValue(const KafkaRecordView& record, ChangeEvent* event) {
    dom::element root;
    auto error = parser_.parse(record.value->data(), record.value->size()).get(root);
    if (error != simdjson::SUCCESS) return DecodeError(JsonError("value", error));
    dom::element payload = Unwrap(root);
    if (payload.is_null()) {
      // ExtractNewRecordState's default `tombstone` mode: a delete with only the key.
      if (event->key.empty()) return DecodeError("null payload without a key");
      event->kind = RecordKind::kChange;
      event->op = Op::kDelete;
      return Status();
    }
    dom::object object;
    if (payload.get_object().get(object) != simdjson::SUCCESS) {
      return DecodeError("value payload is not a JSON object");
    }
    if (Has(object, "op") && Has(object, "source") &&
        (Has(object, "after") || Has(object, "before"))) {
      return DecodeEnvelope(object, record, event);
    }
    if (Has(object, "status") && Has(object, "id") && Has(object, "event_count")) {
      event->kind = RecordKind::kTransaction;
      return Status();
    }
    if (Has(object, "databaseName") && Has(object, "ddl")) {
      event->kind = RecordKind::kSchemaChange;
      return Status();
    }
    return DecodeFlattened(object, record, event);
  }

  Options options_;
  dom::parser parser_;
};

DebeziumDecoder::DebeziumDecoder() : DebeziumDecoder(Options{}) {}
DebeziumDecoder::DebeziumDecoder(Options options) : impl_(std::make_unique<Impl>(options)) {}
DebeziumDecoder::~DebeziumDecoder() = default;

Status DebeziumDecoder::Decode(const KafkaRecordView& record, ChangeEvent* event) {
  return impl_->Decode(record, event);
}

}  // namespace fanout
