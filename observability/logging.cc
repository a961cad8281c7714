#include "observability/logging.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "observability/log_rate_limiter.h"
#include "processor/core/redaction.h"

namespace fanout {
namespace {

void AppendJsonEscaped(spdlog::memory_buf_t& dest, std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        dest.append(std::string_view("\\\""));
        break;
      case '\\':
        dest.append(std::string_view("\\\\"));
        break;
      case '\n':
        dest.append(std::string_view("\\n"));
        break;
      case '\r':
        dest.append(std::string_view("\\r"));
        break;
      case '\t':
        dest.append(std::string_view("\\t"));
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          dest.append(std::string_view(buffer));
        } else {
          dest.push_back(static_cast<char>(c));
        }
    }
  }
}

// {"ts":"2025-01-02T03:04:05.678Z","level":"warn","msg":"..."} — one object per line, UTC.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const std::time_t seconds =
        std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char ts[40];
    const std::size_t n = std::strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(ts + n, sizeof(ts) - n, ".%03dZ", static_cast<int>(millis));
    dest.append(std::string_view("{\"ts\":\""));
    dest.append(std::string_view(ts));
    dest.append(std::string_view("\",\"level\":\""));
    const auto level = spdlog::level::to_string_view(msg.level);
    dest.append(level.data(), level.data() + level.size());
    dest.append(std::string_view("\",\"msg\":\""));
    AppendJsonEscaped(dest, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(std::string_view("\"}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// Passes messages to `target`, holding back repeated warnings and errors (LogRateLimiter).
// base_sink's mutex_ is held around sink_it_() and flush_() and guards limiter_ and reports_. It
// stays a plain std::mutex, not annotated: spdlog's compiled library instantiates base_sink for
// std::mutex only.
class RateLimitedSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RateLimitedSink(std::shared_ptr<spdlog::sinks::sink> target)
      : target_(std::move(target)), limiter_(0, std::chrono::milliseconds(0)) {}

  void Configure(std::size_t burst, std::chrono::milliseconds window) {
    std::lock_guard<std::mutex> lock(mutex_);
    limiter_ = LogRateLimiter(burst, window);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& original) override {
    // No configured secret leaves in a log line, whoever wrote it (a client library's error
    // quoting a connection string, a server's message).
    spdlog::details::log_msg msg = original;
    std::string redacted;
    if (const SecretRedactor& redactor = SecretRedactor::Global(); !redactor.empty()) {
      redacted.assign(original.payload.data(), original.payload.size());
      if (redactor.Redact(&redacted)) msg.payload = spdlog::string_view_t(redacted);
    }
    const auto now = LogRateLimiter::Clock::now();
    reports_.clear();
    bool allow = true;
    if (msg.level >= spdlog::level::warn) {
      allow =
          limiter_.Allow(std::string_view(msg.payload.data(), msg.payload.size()), now, &reports_);
    } else {
      limiter_.Expired(now, &reports_);
    }
    for (const LogRateLimiter::Suppressed& report : reports_) {
      const std::string text =
          "suppressed " + std::to_string(report.count) + " more messages like: " + report.sample;
      spdlog::details::log_msg summary(msg.logger_name, spdlog::level::warn, text);
      target_->log(summary);
    }
    if (allow) target_->log(msg);
  }
  void flush_() override { target_->flush(); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    target_->set_formatter(std::move(formatter));
  }
  void set_pattern_(const std::string& pattern) override { target_->set_pattern(pattern); }

 private:
  std::shared_ptr<spdlog::sinks::sink> target_;
  LogRateLimiter limiter_;
  std::vector<LogRateLimiter::Suppressed> reports_;
};

std::shared_ptr<RateLimitedSink>& InstalledSink() {
  static std::shared_ptr<RateLimitedSink> sink;
  return sink;
}

}  // namespace

Result<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "auto") return LogFormat::kAuto;
  if (text == "json") return LogFormat::kJson;
  if (text == "text") return LogFormat::kText;
  return InvalidArgument("unknown log format '" + std::string(text) +
                         "' (expected auto, json or text)");
}

Status SetupLogging(const LoggingOptions& options) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(options.level));
  if (parsed == spdlog::level::off && options.level != "off") {
    return InvalidArgument("unknown log level '" + std::string(options.level) + "'");
  }
  std::shared_ptr<RateLimitedSink>& sink = InstalledSink();
  if (!sink) {
    sink = std::make_shared<RateLimitedSink>(
        std::make_shared<spdlog::sinks::stderr_color_sink_mt>(spdlog::color_mode::automatic));
    auto logger = std::make_shared<spdlog::logger>("fanout", sink);
    spdlog::set_default_logger(logger);
  }
  const bool json = options.format == LogFormat::kJson ||
                    (options.format == LogFormat::kAuto && ::isatty(STDERR_FILENO) == 0);
  if (json) {
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  }
  sink->Configure(options.burst, options.window);
  spdlog::set_level(parsed);
  return Status();
}

Status SetupLogging(std::string_view level) {
  LoggingOptions options;
  options.level = level;
  return SetupLogging(options);
}

}  // namespace fanout
