#include "processor/debezium/decoder.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "processor/debezium/row_decoder.h"
#include "processor/debezium/schema_plan.h"
#include "processor/debezium/source_block.h"

namespace fanout {
namespace {

namespace dom = simdjson::dom;
using debezium::DecodeSource;
using debezium::KafkaPosition;
using debezium::ReadInt;
using debezium::ReadString;
using debezium::RowDecoder;
using debezium::SchemaPlan;
using debezium::StructPlan;

constexpr std::string_view kHeartbeatTopicPrefix = "__debezium-heartbeat";
constexpr std::string_view kOldKeyHeader = "__debezium.oldkey";
constexpr std::string_view kNewKeyHeader = "__debezium.newkey";

Status DecodeError(std::string message) { return InvalidArgument(std::move(message)); }

std::string JsonError(std::string_view what, simdjson::error_code code) {
  return std::string(what) + " is not valid JSON (" + simdjson::error_message(code) + ")";
}

bool Has(dom::object object, std::string_view key) {
  return object.at_key(key).error() == simdjson::SUCCESS;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
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

}  // namespace

class DebeziumDecoder::Impl {
 public:
  explicit Impl(Options options) : options_(options), plans_(options.max_cached_schemas) {}

  std::size_t schema_plans_built() const { return plans_.builds(); }

  Status Decode(const KafkaRecordView& record, ChangeEvent* event) {
    Reset(record, event);
    engaged_.clear();
    Status status = DecodeRecord(record, event);
    // Row images this record did not produce are dropped only now, so that those it did reuse
    // the previous event's storage (vectors and column strings) instead of allocating.
    for (std::optional<Row>* image :
         {&event->before, &event->after, &event->old_key, &event->new_key, &event->message}) {
      if (!image->has_value() ||
          std::find(engaged_.begin(), engaged_.end(), image) != engaged_.end()) {
        continue;
      }
      if (spare_rows_.size() < kMaxSpareRows) spare_rows_.push_back(std::move(**image));
      image->reset();
    }
    return status;
  }

 private:
  Status DecodeRecord(const KafkaRecordView& record, ChangeEvent* event) {
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
    FANOUT_RETURN_IF_ERROR(DecodeKeyChangeHeaders(record, event));
    FANOUT_RETURN_IF_ERROR(DecodeKey(record, event));
    if (!record.value) {
      event->kind = RecordKind::kTombstone;
      return Status();
    }
    return DecodeValue(record, event);
  }

  bool Produced(const std::optional<Row>* image) const {
    return std::find(engaged_.begin(), engaged_.end(), image) != engaged_.end();
  }

  Row* Engage(std::optional<Row>* image) {
    if (!image->has_value()) {
      if (spare_rows_.empty()) {
        image->emplace();
      } else {
        image->emplace(std::move(spare_rows_.back()));
        spare_rows_.pop_back();
      }
    }
    engaged_.push_back(image);
    return &**image;
  }

  // A JsonConverter document split into its schema (raw JSON, empty when there is none) and the
  // payload, parsed with the DOM parser.
  struct Document {
    const SchemaPlan* plan = nullptr;
    dom::element payload;
  };

  // Clears `*event` for a new record but keeps the storage of its strings and rows.
  static void Reset(const KafkaRecordView& record, ChangeEvent* event) {
    event->kind = RecordKind::kChange;
    event->op = Op::kCreate;
    event->connector.clear();
    event->database.clear();
    event->schema.clear();
    event->table.clear();
    event->key.clear();
    event->source_ts_ms = 0;
    event->snapshot = false;
    event->binlog.file.clear();
    event->binlog.gtid.clear();
    event->binlog.server_id = 0;
    event->binlog.thread = -1;
    event->binlog.query.clear();
    event->origin.topic.assign(record.topic);
    event->origin.partition = record.partition;
    event->origin.offset = record.offset;
    event->position = KafkaPosition(record.partition, record.offset);
  }

  // Copies `bytes` into the padded buffer both simdjson parsers need, splits off the schema
  // when the document is {"schema":..,"payload":..}, finds its plan, and parses the payload.
  Status Load(std::string_view what, std::string_view topic, bool is_key, std::string_view bytes,
              Document* document) {
    const std::size_t padded = bytes.size() + simdjson::SIMDJSON_PADDING;
    if (padded > buffer_size_) {
      buffer_ = std::make_unique<char[]>(padded);
      buffer_size_ = padded;
    }
    std::memcpy(buffer_.get(), bytes.data(), bytes.size());
    std::memset(buffer_.get() + bytes.size(), ' ', simdjson::SIMDJSON_PADDING);
    std::string_view text(buffer_.get(), bytes.size());

    std::string_view schema;
    std::string_view payload = text;
    const SchemaPlan* memo_plan = nullptr;
    if (!SplitWrapped(topic, is_key, text, &schema, &payload, &memo_plan)) {
      schema = {};
      payload = text;
      memo_plan = nullptr;
    }
    document->plan = nullptr;
    // The payload lies inside the padded buffer, so the DOM parser need not copy it again.
    auto error = parser_.parse(payload.data(), payload.size(), false).get(document->payload);
    if (error != simdjson::SUCCESS && !schema.empty()) {
      // Not a well-formed {schema, payload} after all (e.g. a member after the payload): parse
      // the document whole, as an unwrapped one.
      schema = {};
      memo_plan = nullptr;
      error = parser_.parse(text.data(), text.size(), false).get(document->payload);
    }
    if (error != simdjson::SUCCESS) return DecodeError(JsonError(what, error));
    if (schema.empty()) {
      // A wrapper the scan did not split (e.g. "payload" written first): unwrap it here.
      dom::object object;
      dom::element schema_element;
      if (document->payload.get_object().get(object) == simdjson::SUCCESS && object.size() == 2 &&
          object.at_key("schema").get(schema_element) == simdjson::SUCCESS &&
          object.at_key("payload").get(document->payload) == simdjson::SUCCESS) {
        unwrapped_schema_ = simdjson::minify(schema_element);
        schema = unwrapped_schema_;
      }
    }
    if (memo_plan != nullptr) {
      document->plan = memo_plan;
    } else if (!schema.empty() && schema != "null") {
      auto plan = plans_.Get(topic, is_key, schema);
      if (!plan.ok()) {
        return DecodeError(std::string(what) + " " + std::string(plan.status().message()));
      }
      document->plan = *plan;
    }
    return Status();
  }

  // A JsonConverter document with schemas is {"schema":<schema>,"payload":<payload>}, schema
  // first. Finds both raw texts with a string-aware bracket scan, so the (often several KB)
  // schema is never parsed when its plan is cached: the cache is keyed by its exact bytes, and a
  // new schema is parsed (strictly) when its plan is built. The payload is parsed strictly by
  // the DOM parser. False when the text is not exactly that shape (then it is parsed whole).
  //
  // simdjson's On-Demand API (raw_json()) would do this too, but the Debian build compiles
  // On-Demand for the baseline x86-64 target only (its scalar "fallback" kernel), which was
  // slower than this scan plus a DOM parse of the payload alone.
  bool SplitWrapped(std::string_view topic, bool is_key, std::string_view text,
                    std::string_view* schema, std::string_view* payload,
                    const SchemaPlan** memo_plan) {
    std::size_t i = 0;
    auto skip_space = [&] {
      while (i < text.size() &&
             (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) {
        ++i;
      }
    };
    auto expect = [&](std::string_view token) {
      skip_space();
      if (text.substr(i, token.size()) != token) return false;
      i += token.size();
      skip_space();
      return true;
    };
    if (!expect("{") || !expect("\"schema\"") || !expect(":")) return false;
    const std::size_t schema_begin = i;
    // The usual case: the same schema as the topic's last record. A byte compare finds its end.
    std::size_t length = 0;
    *memo_plan = plans_.MatchPrefix(topic, is_key, text.substr(i), &length);
    if (*memo_plan != nullptr) {
      std::size_t end = text.find_first_not_of(" \t\r\n", i + length);
      if (end != std::string_view::npos && text[end] == ',') {
        i += length;
      } else {
        *memo_plan = nullptr;  // a longer value that merely starts alike
      }
    }
    if (*memo_plan == nullptr && !SkipValue(text, &i)) return false;
    *schema = text.substr(schema_begin, i - schema_begin);
    if (!expect(",") || !expect("\"payload\"") || !expect(":")) return false;
    std::string_view rest = TrimRight(text.substr(i));
    if (rest.empty() || rest.back() != '}') return false;
    *payload = TrimRight(rest.substr(0, rest.size() - 1));
    return !payload->empty();
  }

  // Moves `*i` past the object, array or `null` at `*i`; false if there is none or it is cut
  // short. Brackets are only counted, not matched: the text is validated when it is parsed.
  static bool SkipValue(std::string_view text, std::size_t* i) {
    const std::size_t n = text.size();
    std::size_t at = *i;
    if (text.substr(at, 4) == "null") {
      *i = at + 4;
      return true;
    }
    if (at >= n || (text[at] != '{' && text[at] != '[')) return false;
    std::size_t depth = 0;
    for (; at < n; ++at) {
      const char c = text[at];
      if (c == '"') {
        for (++at; at < n && text[at] != '"'; ++at) {
          if (text[at] == '\\') ++at;
        }
        if (at >= n) return false;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          *i = at + 1;
          return true;
        }
      }
    }
    return false;
  }

  Status DecodeRowImage(std::string_view what, dom::element element, const StructPlan* plan,
                        Row* row) {
    dom::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) {
      return DecodeError(std::string(what) + " is not a JSON object");
    }
    return rows_.DecodeRow(object, plan, {}, row);
  }

  Status DecodeKey(const KafkaRecordView& record, ChangeEvent* event) {
    if (!record.key || record.key->empty()) return Status();
    Document document;
    FANOUT_RETURN_IF_ERROR(Load("key", record.topic, true, *record.key, &document));
    if (document.payload.is_null()) return Status();
    return DecodeRowImage("key", document.payload, document.plan ? &document.plan->root : nullptr,
                          &event->key);
  }

  // `__debezium.oldkey` / `__debezium.newkey`: the other key of a primary-key change, as the
  // header converter wrote the key struct (JSON; Kafka's SimpleHeaderConverter gives {"id":1}).
  Status DecodeKeyChangeHeaders(const KafkaRecordView& record, ChangeEvent* event) {
    for (const RecordHeaderView& header : record.headers) {
      std::optional<Row>* target = nullptr;
      if (header.name == kOldKeyHeader) {
        target = &event->old_key;
      } else if (header.name == kNewKeyHeader) {
        target = &event->new_key;
      } else {
        continue;
      }
      if (!header.value || header.value->empty()) continue;
      if (header.value->size() > options_.max_record_bytes) {
        return DecodeError("header " + std::string(header.name) + " is over the size limit");
      }
      const std::string what = "header " + std::string(header.name);
      Document document;
      FANOUT_RETURN_IF_ERROR(Load(what, record.topic, true, *header.value, &document));
      if (document.payload.is_null()) continue;
      FANOUT_RETURN_IF_ERROR(DecodeRowImage(
          what, document.payload, document.plan ? &document.plan->root : nullptr, Engage(target)));
    }
    return Status();
  }

  Status DecodeValue(const KafkaRecordView& record, ChangeEvent* event) {
    Document document;
    FANOUT_RETURN_IF_ERROR(Load("value", record.topic, false, *record.value, &document));
    const StructPlan* plan = document.plan ? &document.plan->root : nullptr;
    if (document.payload.is_null()) {
      // ExtractNewRecordState's default `tombstone` mode: a delete with only the key.
      if (event->key.empty()) return DecodeError("null payload without a key");
      event->kind = RecordKind::kChange;
      event->op = Op::kDelete;
      return Status();
    }
    dom::object object;
    if (document.payload.get_object().get(object) != simdjson::SUCCESS) {
      return DecodeError("value payload is not a JSON object");
    }
    if (Has(object, "op") && Has(object, "source") &&
        (Has(object, "after") || Has(object, "before") || Has(object, "message"))) {
      return DecodeEnvelope(object, plan, event);
    }
    if (Has(object, "status") && Has(object, "id") && Has(object, "event_count")) {
      event->kind = RecordKind::kTransaction;
      return Status();
    }
    if (Has(object, "databaseName") && Has(object, "ddl")) {
      event->kind = RecordKind::kSchemaChange;
      return Status();
    }
    return DecodeFlattened(object, plan, event);
  }

  // Reads `before`/`after`: absent or null → nullopt; an object → Row; anything else an error.
  Status ReadImage(dom::object payload, const StructPlan* plan, std::string_view key,
                   std::optional<Row>* image) {
    dom::element element;
    if (payload.at_key(key).get(element) != simdjson::SUCCESS || element.is_null()) {
      return Status();  // not engaged: Decode() drops (and recycles) it
    }
    dom::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) {
      return DecodeError("'" + std::string(key) + "' is not an object");
    }
    return rows_.DecodeRow(object, plan ? plan->Nested(key) : nullptr, {}, Engage(image));
  }

  // op=m: message {prefix: string, content: base64 bytes}. The shape is fixed by Debezium, so
  // content is decoded to bytes even without a schema.
  Status ReadMessage(dom::object payload, ChangeEvent* event) {
    dom::object message;
    if (payload.at_key("message").get_object().get(message) != simdjson::SUCCESS) {
      return DecodeError("op 'm' without an object 'message'");
    }
    static const debezium::FieldPlan kContentPlan = [] {
      debezium::FieldPlan plan;
      plan.name = "content";
      plan.type = debezium::FieldType::kBytes;
      return plan;
    }();
    Row* row = Engage(&event->message);
    row->clear();
    for (dom::key_value_pair member : message) {
      Column& column = row->emplace_back();
      column.name.assign(member.key);
      FANOUT_RETURN_IF_ERROR(rows_.DecodeValue(
          member.value, member.key == "content" ? &kContentPlan : nullptr, &column.value));
    }
    return Status();
  }

  Status DecodeEnvelope(dom::object payload, const StructPlan* plan, ChangeEvent* event) {
    std::string_view op_text;
    if (payload.at_key("op").get_string().get(op_text) != simdjson::SUCCESS) {
      return DecodeError("envelope has no string 'op'");
    }
    FANOUT_RETURN_IF_ERROR(ParseOp(op_text, &event->op));
    dom::object source;
    if (payload.at_key("source").get_object().get(source) != simdjson::SUCCESS) {
      return DecodeError("envelope has no object 'source'");
    }
    FANOUT_RETURN_IF_ERROR(DecodeSource(source, event));
    FANOUT_RETURN_IF_ERROR(ReadImage(payload, plan, "before", &event->before));
    FANOUT_RETURN_IF_ERROR(ReadImage(payload, plan, "after", &event->after));
    switch (event->op) {
      case Op::kCreate:
      case Op::kRead:
      case Op::kUpdate:
        if (!Produced(&event->after)) {
          return DecodeError(std::string("op '") + op_text.data()[0] + "' without 'after'");
        }
        break;
      case Op::kDelete:
        if (!Produced(&event->before) && event->key.empty()) {
          return DecodeError("delete without 'before' or key");
        }
        break;
      case Op::kMessage:
        FANOUT_RETURN_IF_ERROR(ReadMessage(payload, event));
        break;
      case Op::kTruncate:
        break;
    }
    event->kind = RecordKind::kChange;
    return Status();
  }

  // A record flattened by ExtractNewRecordState: the row itself plus `__`-prefixed metadata.
  Status DecodeFlattened(dom::object row, const StructPlan* plan, ChangeEvent* event) {
    std::string_view op_text;
    std::string_view deleted;
    dom::element element;
    if (row.at_key("__op").get(element) == simdjson::SUCCESS && !element.is_null() &&
        element.get_string().get(op_text) != simdjson::SUCCESS) {
      return DecodeError("field '__op' is not a string");
    }
    if (row.at_key("__deleted").get(element) == simdjson::SUCCESS && !element.is_null() &&
        element.get_string().get(deleted) != simdjson::SUCCESS) {
      return DecodeError("field '__deleted' is not a string");
    }
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
    std::int64_t lsn = -1;
    FANOUT_RETURN_IF_ERROR(ReadInt(row, "__lsn", &lsn));
    if (lsn > 0) {
      event->connector = "postgresql";
      event->position = {SourcePosition::Kind::kPostgres, 0, static_cast<std::uint64_t>(lsn), 0};
    }
    std::optional<Row>* image = event->op == Op::kDelete ? &event->before : &event->after;
    FANOUT_RETURN_IF_ERROR(rows_.DecodeRow(row, plan, "__", Engage(image)));
    event->kind = RecordKind::kChange;
    return Status();
  }

  Options options_;
  std::unique_ptr<char[]> buffer_;  // padded copy of the bytes being parsed
  std::size_t buffer_size_ = 0;
  std::vector<std::optional<Row>*> engaged_;  // row images filled by the current record
  // Rows of images an event no longer has (an insert after a delete has `after` again): kept
  // with their column strings for the next event that needs one.
  static constexpr std::size_t kMaxSpareRows = 5;
  std::vector<Row> spare_rows_;
  std::string unwrapped_schema_;  // schema text of a wrapper the scan did not split
  dom::parser parser_;
  debezium::SchemaPlanCache plans_;
  RowDecoder rows_;
};

DebeziumDecoder::DebeziumDecoder() : DebeziumDecoder(Options{}) {}
DebeziumDecoder::DebeziumDecoder(Options options) : impl_(std::make_unique<Impl>(options)) {}
DebeziumDecoder::~DebeziumDecoder() = default;

Status DebeziumDecoder::Decode(const KafkaRecordView& record, ChangeEvent* event) {
  return impl_->Decode(record, event);
}

std::size_t DebeziumDecoder::schema_plans_built() const { return impl_->schema_plans_built(); }

}  // namespace fanout
