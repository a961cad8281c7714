#include "sinks/redis/resp.h"

#include <hiredis/hiredis.h>

#include <charconv>
#include <utility>

namespace fanout {
namespace {

// A hiredis reply tree as RespReply (deep copy: hiredis frees its tree right after).
RespReply Convert(const redisReply& reply) {
  RespReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = RespReply::Type::kString;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RespReply::Type::kStatus;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RespReply::Type::kError;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RespReply::Type::kInteger;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RespReply::Type::kArray;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        out.elements.push_back(Convert(*reply.element[i]));
      }
      break;
    default:  // REDIS_REPLY_NIL, and a nil array
      out.type = RespReply::Type::kNil;
      break;
  }
  return out;
}

}  // namespace

namespace {

void AppendPrefixed(char prefix, std::size_t n, std::string* out) {
  char buf[24];
  buf[0] = prefix;
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out->append(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace

void AppendRespArrayHeader(std::size_t arguments, std::string* out) {
  AppendPrefixed('*', arguments, out);
}

void AppendRespBulk(std::string_view argument, std::string* out) {
  AppendPrefixed('$', argument.size(), out);
  out->append(argument);
  out->append("\r\n", 2);
}

void RespCommand::AppendTo(std::string* out) const {
  AppendRespArrayHeader(args_.size(), out);
  for (std::string_view arg : args_) AppendRespBulk(arg, out);
}

struct RespReader::Impl {
  redisReader* reader = nullptr;
};

RespReader::RespReader() : impl_(std::make_unique<Impl>()) { impl_->reader = redisReaderCreate(); }

RespReader::~RespReader() {
  if (impl_->reader != nullptr) redisReaderFree(impl_->reader);
}

Status RespReader::Feed(std::string_view bytes) {
  if (impl_->reader == nullptr) return DataLoss("the RESP reader could not be created");
  if (bytes.empty()) return Status();
  if (redisReaderFeed(impl_->reader, bytes.data(), bytes.size()) != REDIS_OK) {
    return DataLoss(std::string("RESP reader: ") + impl_->reader->errstr);
  }
  return Status();
}

Result<std::optional<RespReply>> RespReader::Next() {
  if (impl_->reader == nullptr) return DataLoss("the RESP reader could not be created");
  void* raw = nullptr;
  if (redisReaderGetReply(impl_->reader, &raw) != REDIS_OK) {
    return DataLoss(std::string("malformed reply from the server: ") + impl_->reader->errstr);
  }
  if (raw == nullptr) return std::optional<RespReply>();
  auto* reply = static_cast<redisReply*>(raw);
  RespReply out = Convert(*reply);
  freeReplyObject(reply);
  return std::optional<RespReply>(std::move(out));
}

}  // namespace fanout
