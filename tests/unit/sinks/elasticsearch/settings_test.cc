#include "sinks/elasticsearch/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Settings = std::vector<std::pair<std::string, std::string>>;

Result<ElasticsearchSinkSettings> Parse(Settings settings, Settings headers = {}) {
  return ParseElasticsearchSinkSettings(
      SinkSpec{"search", "elasticsearch", std::move(settings), std::move(headers)});
}

std::string Error(Settings settings, Settings headers = {}) {
  Result<ElasticsearchSinkSettings> parsed = Parse(std::move(settings), std::move(headers));
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? "" : std::string(parsed.status().message());
}

TEST(ElasticsearchSettingsTest, Defaults) {
  Result<ElasticsearchSinkSettings> settings = Parse({{"url", "http://127.0.0.1:19200"}});
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->url.host, "127.0.0.1");
  EXPECT_EQ(settings->url.port, 19200);
  EXPECT_EQ(settings->url.base_path, "");
  EXPECT_EQ(settings->timeout, std::chrono::seconds(10));
  EXPECT_EQ(settings->pool_size, 4u);
  EXPECT_EQ(settings->batch_size, 500u);
  EXPECT_EQ(settings->authorization, "");
}

TEST(ElasticsearchSettingsTest, EverySetting) {
  Result<ElasticsearchSinkSettings> settings = Parse({{"url", "http://search.local:9200/es/"},
                                                      {"timeout", "2500ms"},
                                                      {"pool_size", "8"},
                                                      {"batch_size", "10000"},
                                                      {"username", "elastic"},
                                                      {"password", "s3cret"}});
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->url.base_path, "/es");  // the trailing '/' would double before _bulk
  EXPECT_EQ(settings->timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(settings->pool_size, 8u);
  EXPECT_EQ(settings->batch_size, 10000u);
  EXPECT_EQ(settings->authorization, "Basic ZWxhc3RpYzpzM2NyZXQ=");
}

TEST(ElasticsearchSettingsTest, ApiKeyEncodedOrAsIdAndKey) {
  Result<ElasticsearchSinkSettings> encoded =
      Parse({{"url", "http://h:9200"},
             {"api_key", "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="}});
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->authorization,
            "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
  Result<ElasticsearchSinkSettings> pair =
      Parse({{"url", "http://h:9200"}, {"api_key", "VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"}});
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->authorization, encoded->authorization);
}

TEST(ElasticsearchSettingsTest, MistakesNameTheSettingAndNeverQuoteSecrets) {
  EXPECT_THAT(Error({}), HasSubstr("url: required"));
  EXPECT_THAT(Error({{"url", "http://h:9200"}, {"tls_verify", "false"}}),
              HasSubstr("tls_verify: TLS settings need a https:// url"));
  EXPECT_THAT(Error({{"url", "http://u:p@h:9200"}}), HasSubstr("user info is not supported"));
  EXPECT_THAT(Error({{"url", "http://h"}, {"timeout", "10"}}), HasSubstr("timeout:"));
  EXPECT_THAT(Error({{"url", "http://h"}, {"pool_size", "0"}}), HasSubstr("pool_size: must be"));
  EXPECT_THAT(Error({{"url", "http://h"}, {"batch_size", "10001"}}),
              HasSubstr("batch_size: must be between 1 and 10000"));
  EXPECT_THAT(Error({{"url", "http://h"}, {"password", "hunter2"}}),
              AllOf(HasSubstr("password: set without username"), Not(HasSubstr("hunter2"))));
  EXPECT_THAT(Error({{"url", "http://h"}, {"username", "elastic"}}),
              HasSubstr("username: needs a password"));
  EXPECT_THAT(Error({{"url", "http://h"}, {"username", "a"}, {"password", "b"}, {"api_key", "k"}}),
              HasSubstr("api_key: use either"));
  EXPECT_THAT(Error({{"url", "http://h"}, {"api_key", "bad\r\nX-Injected: 1"}}),
              AllOf(HasSubstr("api_key:"), Not(HasSubstr("Injected"))));
  EXPECT_THAT(Error({{"url", "http://h"}, {"index", "products"}}),
              HasSubstr("index: not a setting of elasticsearch sinks"));
  EXPECT_THAT(Error({{"url", "http://h"}}, {{"X-A", "b"}}), HasSubstr("headers: not a setting"));
}

}  // namespace
}  // namespace fanout
