// The HTTP sink's settings: URL forms, durations, bounds, credentials and headers.
#include "sinks/http/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using ::testing::HasSubstr;

SinkSpec Spec(std::vector<std::pair<std::string, std::string>> settings,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
  return SinkSpec{"billing", "http", std::move(settings), std::move(headers)};
}

std::string Error(const SinkSpec& spec) {
  Result<HttpSinkSettings> settings = ParseHttpSinkSettings(spec);
  EXPECT_FALSE(settings.ok());
  return std::string(settings.status().message());
}

TEST(HttpSettingsTest, HttpsUrlsSwitchTlsOnWithPort443) {
  Result<HttpUrl> plain = ParseHttpUrl("http://example.com/cdc");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->port, 80);
  Result<HttpUrl> tls = ParseHttpUrl("HTTPS://example.com/cdc");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->host_header, "example.com");  // the default port is not repeated
  EXPECT_EQ(tls->base_path, "/cdc");
  Result<HttpUrl> tls_port = ParseHttpUrl("https://example.com:8443");
  ASSERT_TRUE(tls_port.ok());
  EXPECT_EQ(tls_port->host_header, "example.com:8443");

  Result<HttpSinkSettings> settings =
      ParseHttpSinkSettings(SinkSpec{"billing",
                                     "http",
                                     {{"url", "https://10.0.0.1:8443"},
                                      {"tls_ca_file", "/etc/fanout/ca.pem"},
                                      {"tls_server_name", "billing.internal"}},
                                     {}});
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_TRUE(settings->tls.enabled);
  EXPECT_TRUE(settings->tls.verify);
  EXPECT_EQ(settings->tls.ca_file, "/etc/fanout/ca.pem");
  EXPECT_EQ(settings->tls.server_name, "billing.internal");
}

// Durations are read by the sink's spec (sinks/http/spec.cc): above zero, any unit.
TEST(HttpSettingsTest, ParsesTimeouts) {
  auto timeout = [](std::string_view text) -> Result<std::chrono::milliseconds> {
    Result<HttpSinkSettings> settings =
        ParseHttpSinkSettings(Spec({{"url", "http://h"}, {"timeout", std::string(text)}}));
    if (!settings.ok()) return settings.status();
    return settings->timeout;
  };
  EXPECT_EQ(timeout("500ms").value(), std::chrono::milliseconds(500));
  EXPECT_EQ(timeout("10s").value(), std::chrono::seconds(10));
  EXPECT_EQ(timeout("2m").value(), std::chrono::minutes(2));
  EXPECT_EQ(timeout("1h").value(), std::chrono::hours(1));
  for (std::string_view bad : {"10", "0s", "-1s", "1.5s", "10 s", "s", "10w"}) {
    EXPECT_FALSE(timeout(bad).ok()) << bad;
  }
}

TEST(HttpSettingsTest, DefaultsAndValues) {
  Result<HttpSinkSettings> defaults = ParseHttpSinkSettings(Spec({{"url", "http://h:1/x"}}));
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->timeout, std::chrono::seconds(10));
  EXPECT_EQ(defaults->pool_size, 4u);
  EXPECT_EQ(defaults->batch_size, 1u);
  EXPECT_EQ(defaults->authorization, "");

  Result<HttpSinkSettings> set = ParseHttpSinkSettings(Spec({{"url", "http://h:1"},
                                                             {"timeout", "250ms"},
                                                             {"pool_size", "2"},
                                                             {"batch_size", "50"},
                                                             {"username", "Aladdin"},
                                                             {"password", "open sesame"}},
                                                            {{"X-Tenant", "acme"}}));
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(set->pool_size, 2u);
  EXPECT_EQ(set->batch_size, 50u);
  EXPECT_EQ(set->authorization, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617's example
  ASSERT_EQ(set->headers.size(), 1u);
  EXPECT_EQ(set->headers[0].first, "X-Tenant");
}

TEST(HttpSettingsTest, NamesTheSettingAtFault) {
  EXPECT_THAT(Error(Spec({})), HasSubstr("url: required"));
  EXPECT_THAT(Error(Spec({{"url", "http://h"}, {"tls_ca_file", "/ca.pem"}})),
              HasSubstr("tls_ca_file: TLS settings need a https:// url"));
  EXPECT_THAT(Error(Spec({{"url", "https://h"}, {"tls_verify", "yes"}})),
              HasSubstr("tls_verify: expected true or false"));
  EXPECT_THAT(Error(Spec({{"url", "http://h"}, {"timeout", "10"}})), HasSubstr("timeout:"));
  EXPECT_THAT(Error(Spec({{"url", "http://h"}, {"pool_size", "0"}})), HasSubstr("pool_size:"));
  EXPECT_THAT(Error(Spec({{"url", "http://h"}, {"pool_size", "257"}})), HasSubstr("pool_size:"));
  EXPECT_THAT(Error(Spec({{"url", "http://h"}, {"batch_size", "many"}})), HasSubstr("batch_size:"));
  EXPECT_THAT(Error(Spec({{"url", "http://h"}, {"password", "pw"}})),
              HasSubstr("password: set without username"));
  EXPECT_THAT(Error(Spec({{"url", "http://h"}, {"username", "a:b"}})), HasSubstr("username:"));
  EXPECT_THAT(Error(Spec({{"url", "http://h"}, {"dsn", "x"}})),
              HasSubstr("dsn: not a setting of http sinks"));
}

TEST(HttpSettingsTest, RejectsHeadersThatWouldBreakTheRequest) {
  const std::vector<std::pair<std::string, std::string>> url = {{"url", "http://h"}};
  EXPECT_THAT(Error(Spec(url, {{"Bad Name", "x"}})), HasSubstr("not a valid header name"));
  EXPECT_THAT(Error(Spec(url, {{"X-Evil", "a\r\nHost: other"}})),
              HasSubstr("headers.X-Evil: the value has control characters"));
  EXPECT_THAT(Error(Spec(url, {{"content-length", "1"}})), HasSubstr("set by the sink itself"));
  EXPECT_THAT(Error(Spec(url, {{"Idempotency-Key", "k"}})), HasSubstr("set by the sink itself"));
  EXPECT_THAT(
      Error(Spec({{"url", "http://h"}, {"username", "u"}}, {{"Authorization", "Bearer t"}})),
      HasSubstr("conflicts with username"));
  // A bearer token through headers is fine, and its value never appears in errors.
  EXPECT_TRUE(ParseHttpSinkSettings(Spec(url, {{"Authorization", "Bearer t"}})).ok());
  EXPECT_THAT(Error(Spec(url, {{"X-Evil", "secret\n"}})), ::testing::Not(HasSubstr("secret")));
}

}  // namespace
}  // namespace fanout
