#include "sinks/redis/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace fanout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

SinkSpec Spec(std::vector<std::pair<std::string, std::string>> settings) {
  return SinkSpec{"cache", "redis", std::move(settings), {}};
}

TEST(RedisUrlTest, HostPortAndDatabase) {
  Result<RedisUrl> url = ParseRedisUrl("redis://127.0.0.1:16379/3");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 16379);
  EXPECT_EQ(url->db, 3);
  EXPECT_FALSE(url->username.has_value());
  EXPECT_FALSE(url->password.has_value());
}

TEST(RedisUrlTest, DefaultsAndIpv6) {
  Result<RedisUrl> url = ParseRedisUrl("redis://cache.local");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "cache.local");
  EXPECT_EQ(url->port, 6379);
  EXPECT_EQ(url->db, 0);
  Result<RedisUrl> v6 = ParseRedisUrl("REDIS://[::1]:7000/");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7000);
  EXPECT_EQ(v6->db, 0);
}

TEST(RedisUrlTest, UserInfoIsPercentDecoded) {
  Result<RedisUrl> both = ParseRedisUrl("redis://app%2Dcache:p%40ss%3Aword@host:1/0");
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->username, "app-cache");
  EXPECT_EQ(both->password, "p@ss:word");
  Result<RedisUrl> password_only = ParseRedisUrl("redis://:secret@host");
  ASSERT_TRUE(password_only.ok());
  EXPECT_FALSE(password_only->username.has_value());
  EXPECT_EQ(password_only->password, "secret");
  // A lone user info is a password for the default user, as redis-cli reads it.
  Result<RedisUrl> lone = ParseRedisUrl("redis://secret@host");
  ASSERT_TRUE(lone.ok());
  EXPECT_EQ(lone->password, "secret");
}

TEST(RedisUrlTest, RejectsWhatItCannotHonour) {
  Result<RedisUrl> tls = ParseRedisUrl("rediss://host:6380/0");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 6380);
  EXPECT_FALSE(ParseRedisUrl("redis://host:6380/0")->tls);
  // The URL's host is the name the certificate must carry unless tls_server_name says otherwise.
  Result<RedisSinkSettings> settings =
      ParseRedisSinkSettings(SinkSpec{"cache", "redis", {{"url", "rediss://cache.local/0"}}, {}});
  ASSERT_TRUE(settings.ok());
  EXPECT_TRUE(settings->tls.enabled);
  EXPECT_EQ(settings->tls.server_name, "cache.local");
  EXPECT_FALSE(ParseRedisUrl("http://host").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://host:0").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://host:70000").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://host:").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://host/db1").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://host/-1").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://host/0?timeout=1").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://[::1/0").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://u:p%4@host").ok());
}

TEST(RedisUrlTest, ErrorsNeverQuoteTheUrl) {
  Result<RedisUrl> url = ParseRedisUrl("redis://user:hunter2@host:99999");
  ASSERT_FALSE(url.ok());
  EXPECT_THAT(std::string(url.status().message()), Not(HasSubstr("hunter2")));
}

// Durations are read by the sink's spec (sinks/redis/spec.cc): above zero, any unit.
TEST(RedisSinkSettingsTest, DurationUnitsAndBounds) {
  auto timeout = [](std::string text) -> Result<std::chrono::milliseconds> {
    Result<RedisSinkSettings> settings =
        ParseRedisSinkSettings(Spec({{"url", "redis://h"}, {"timeout", std::move(text)}}));
    if (!settings.ok()) return settings.status();
    return settings->timeout;
  };
  EXPECT_EQ(timeout("250ms").value(), std::chrono::milliseconds(250));
  EXPECT_EQ(timeout("10s").value(), std::chrono::seconds(10));
  EXPECT_EQ(timeout("5m").value(), std::chrono::minutes(5));
  EXPECT_EQ(timeout("24h").value(), std::chrono::hours(24));
  EXPECT_FALSE(timeout("0s").ok());
  EXPECT_FALSE(timeout("10").ok());
  EXPECT_EQ(timeout("1d").value(), std::chrono::hours(24));
  EXPECT_FALSE(timeout("-1s").ok());
  EXPECT_FALSE(timeout("1.5s").ok());
  EXPECT_FALSE(timeout("99999999999999999h").ok());
}

TEST(RedisSinkSettingsTest, Defaults) {
  Result<RedisSinkSettings> settings = ParseRedisSinkSettings(Spec({{"url", "redis://h:1/2"}}));
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->host, "h");
  EXPECT_EQ(settings->port, 1);
  EXPECT_EQ(settings->db, 2);
  EXPECT_EQ(settings->timeout, std::chrono::seconds(10));
  EXPECT_EQ(settings->pool_size, 4u);
  EXPECT_EQ(settings->batch_size, 500u);
  EXPECT_EQ(settings->tombstone_ttl, std::chrono::hours(24));
  EXPECT_EQ(settings->username, "");
  EXPECT_EQ(settings->password, "");
}

TEST(RedisSinkSettingsTest, SettingsOverrideUrlUserInfo) {
  Result<RedisSinkSettings> settings =
      ParseRedisSinkSettings(Spec({{"url", "redis://olduser:oldpass@h"},
                                   {"username", "fanout"},
                                   {"password", "newpass"},
                                   {"timeout", "2s"},
                                   {"pool_size", "8"},
                                   {"batch_size", "1000"},
                                   {"tombstone_ttl", "1h"}}));
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->username, "fanout");
  EXPECT_EQ(settings->password, "newpass");
  EXPECT_EQ(settings->timeout, std::chrono::seconds(2));
  EXPECT_EQ(settings->pool_size, 8u);
  EXPECT_EQ(settings->batch_size, 1000u);
  EXPECT_EQ(settings->tombstone_ttl, std::chrono::hours(1));
}

TEST(RedisSinkSettingsTest, NamesTheSettingAtFault) {
  auto error = [](std::vector<std::pair<std::string, std::string>> settings) {
    Result<RedisSinkSettings> result = ParseRedisSinkSettings(Spec(std::move(settings)));
    EXPECT_FALSE(result.ok());
    return result.ok() ? std::string() : std::string(result.status().message());
  };
  EXPECT_THAT(error({}), HasSubstr("url: required"));
  EXPECT_THAT(error({{"url", "redis://h"}, {"timeout", "soon"}}), HasSubstr("timeout:"));
  EXPECT_THAT(error({{"url", "redis://h"}, {"tombstone_ttl", "0s"}}), HasSubstr("tombstone_ttl:"));
  EXPECT_THAT(error({{"url", "redis://h"}, {"pool_size", "0"}}), HasSubstr("pool_size:"));
  EXPECT_THAT(error({{"url", "redis://h"}, {"batch_size", "100001"}}), HasSubstr("batch_size:"));
  EXPECT_THAT(error({{"url", "redis://h"}, {"username", "u"}}), HasSubstr("username:"));
  EXPECT_THAT(error({{"url", "redis://h"}, {"index", "x"}}), HasSubstr("index:"));
  EXPECT_THAT(error({{"url", "redis://h"}, {"password", "s3cret"}, {"pool_size", "x"}}),
              Not(HasSubstr("s3cret")));
}

}  // namespace
}  // namespace fanout
