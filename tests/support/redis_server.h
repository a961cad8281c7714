// Test support for Redis end-to-end tests: a plain synchronous client (hiredis) that survives a
// server restart, and the stack's Redis stopped and started again for outages.
#ifndef FANOUT_TESTS_SUPPORT_REDIS_SERVER_H_
#define FANOUT_TESTS_SUPPORT_REDIS_SERVER_H_

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "sinks/redis/settings.h"
#include "tests/support/debezium_fixture.h"
#include "tests/support/process.h"

namespace fanout::testing {

struct Reply {
  enum class Type { kNil, kInteger, kString, kError, kArray } type = Type::kNil;
  long long integer = 0;
  std::string text;
  std::vector<Reply> elements;
};

// A plain synchronous client that reconnects after any failure (the server may be stopped on
// purpose); a failed command yields nullopt.
class RedisClient {
 public:
  RedisClient() {
    Result<RedisUrl> url = ParseRedisUrl(RequireEnv("FANOUT_REDIS_URL"));
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    if (url.ok()) url_ = *url;
  }
  ~RedisClient() { Drop(); }
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  std::optional<Reply> Run(const std::vector<std::string>& args) {
    std::vector<std::optional<Reply>> replies = Pipeline({args});
    return replies.front();
  }

  // Every command sent in one write, replies read in order.
  std::vector<std::optional<Reply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands) {
    std::vector<std::optional<Reply>> out(commands.size());
    if (!Connect()) return out;
    for (const auto& args : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> lengths;
      for (const std::string& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
      }
      if (redisAppendCommandArgv(context_, static_cast<int>(args.size()), argv.data(),
                                 lengths.data()) != REDIS_OK) {
        Drop();
        return out;
      }
    }
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
        Drop();
        return out;
      }
      out[i] = Take(static_cast<redisReply*>(raw));
    }
    return out;
  }

  bool Ping() {
    std::optional<Reply> reply = Run({"PING"});
    return reply && reply->text == "PONG";
  }

 private:
  bool Connect() {
    if (context_ != nullptr) return true;
    const timeval tv{2, 0};
    context_ = redisConnectWithTimeout(url_.host.c_str(), url_.port, tv);
    if (context_ == nullptr || context_->err != 0) {
      Drop();
      return false;
    }
    redisSetTimeout(context_, tv);
    if (url_.password) {
      std::vector<std::string> auth = {"AUTH"};
      if (url_.username) auth.push_back(*url_.username);
      auth.push_back(*url_.password);
      if (!Command(auth)) return false;
    }
    if (url_.db != 0 && !Command({"SELECT", std::to_string(url_.db)})) return false;
    return true;
  }

  bool Command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lengths.data()));
    const bool ok = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
    if (reply != nullptr) freeReplyObject(reply);
    if (!ok) Drop();
    return ok;
  }

  static Reply Convert(const redisReply* reply) {
    Reply out;
    switch (reply->type) {
      case REDIS_REPLY_INTEGER:
        out.type = Reply::Type::kInteger;
        break;
      case REDIS_REPLY_ERROR:
        out.type = Reply::Type::kError;
        break;
      case REDIS_REPLY_ARRAY:
        out.type = Reply::Type::kArray;
        break;
      case REDIS_REPLY_NIL:
        out.type = Reply::Type::kNil;
        break;
      default:
        out.type = Reply::Type::kString;
    }
    out.integer = reply->integer;
    if (reply->str != nullptr) out.text.assign(reply->str, reply->len);
    for (std::size_t i = 0; i < reply->elements; ++i) {
      out.elements.push_back(Convert(reply->element[i]));
    }
    return out;
  }

  static Reply Take(redisReply* reply) {
    Reply out = Convert(reply);
    freeReplyObject(reply);
    return out;
  }

  void Drop() {
    if (context_ != nullptr) redisFree(context_);
    context_ = nullptr;
  }

  RedisUrl url_;
  redisContext* context_ = nullptr;
};

// The stack's Redis, stopped and started again for an outage. Stopping is `SHUTDOWN SAVE`, so
// the server comes back (through `stack/stack.sh up redis`, the way the stack starts it) with
// the data it had — like a production Redis with persistence; a restart without it would be a
// cold cache, and nothing could be said about keys fanout had written before. The snapshot file
// is removed once loaded, so later starts of the stack are not affected. The destructor brings
// the server back whatever happened.
class RedisServer {
 public:
  RedisServer()
      : dump_(RequireEnv("FANOUT_RUN_DIR") + "/redis/dump.rdb"),
        had_dump_(std::filesystem::exists(dump_)) {}
  ~RedisServer() {
    if (stopped_ || !client_.Ping()) Start();
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Returns once the server no longer answers.
  bool Stop() {
    stopped_ = true;
    const std::string command = "redis-cli -h 127.0.0.1 -p " + RequireEnv("FANOUT_REDIS_PORT") +
                                " shutdown save >/dev/null 2>&1";
    (void)std::system(command.c_str());
    return WaitFor([&] { return !client_.Ping(); }, std::chrono::seconds(10));
  }

  // Returns once the server answers again.
  bool Start() {
    const int status = RunStackScript("stack.sh up redis >/dev/null");
    const bool up =
        status == 0 && WaitFor([&] { return client_.Ping(); }, std::chrono::seconds(20));
    if (up) {
      stopped_ = false;
      std::error_code ignored;
      if (!had_dump_) std::filesystem::remove(dump_, ignored);
    }
    return up;
  }

 private:
  std::string dump_;
  bool had_dump_;
  bool stopped_ = false;
  RedisClient client_;
};

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_REDIS_SERVER_H_
