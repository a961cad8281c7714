#include "sinks/net/tls_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanout {
namespace {

using ::testing::HasSubstr;
using Settings = std::vector<std::pair<std::string, std::string>>;

// The settings as a sink reads them: its spec's `url` and the TLS fields.
Result<TlsSettings> Parse(Settings settings, bool enabled, std::string_view host = "cache.local") {
  std::vector<config::FieldSpec> fields = TlsSettingFields();
  fields.push_back({.name = "url"});
  FANOUT_ASSIGN_OR_RETURN(config::SettingValues values,
                          config::ReadSettings(fields, settings, "redis sinks"));
  return ParseTlsSettings(values, enabled, host, "rediss://");
}

std::string Error(Settings settings, bool enabled) {
  Result<TlsSettings> parsed = Parse(std::move(settings), enabled);
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? "" : std::string(parsed.status().message());
}

TEST(TlsSettingsTest, ThePlainSchemeMeansNoTls) {
  Result<TlsSettings> plain = Parse({{"url", "redis://cache.local"}}, false);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->enabled);
}

TEST(TlsSettingsTest, DefaultsVerifyAgainstTheSystemStoreWithTheUrlsHost) {
  Result<TlsSettings> tls = Parse({}, true);
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->enabled);
  EXPECT_TRUE(tls->verify);
  EXPECT_EQ(tls->ca_file, "");
  EXPECT_EQ(tls->server_name, "cache.local");
  EXPECT_EQ(tls->cert_file, "");
}

TEST(TlsSettingsTest, ReadsEverySetting) {
  Result<TlsSettings> tls = Parse({{"tls_ca_file", "/ca.pem"},
                                   {"tls_verify", "false"},
                                   {"tls_server_name", "redis.internal"},
                                   {"tls_cert_file", "/client.pem"},
                                   {"tls_key_file", "/client.key"}},
                                  true);
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_FALSE(tls->verify);
  EXPECT_EQ(tls->ca_file, "/ca.pem");
  EXPECT_EQ(tls->server_name, "redis.internal");
  EXPECT_EQ(tls->cert_file, "/client.pem");
  EXPECT_EQ(tls->key_file, "/client.key");
}

TEST(TlsSettingsTest, MistakesNameTheSetting) {
  EXPECT_THAT(Error({{"tls_ca_file", "/ca.pem"}}, false),
              HasSubstr("tls_ca_file: TLS settings need a rediss:// url"));
  EXPECT_THAT(Error({{"tls_verify", "no"}}, true), HasSubstr("tls_verify: expected true or false"));
  EXPECT_THAT(Error({{"tls_ca_file", ""}}, true), HasSubstr("tls_ca_file: must not be empty"));
  EXPECT_THAT(Error({{"tls_cert_file", "/c.pem"}}, true),
              HasSubstr("tls_cert_file: needs tls_key_file"));
  EXPECT_THAT(Error({{"tls_key_file", "/c.key"}}, true),
              HasSubstr("tls_key_file: needs tls_cert_file"));
}

TEST(TlsSettingsTest, KnowsItsKeys) {
  EXPECT_TRUE(IsTlsSettingKey("tls_ca_file"));
  EXPECT_TRUE(IsTlsSettingKey("tls_verify"));
  EXPECT_FALSE(IsTlsSettingKey("tls"));
  EXPECT_FALSE(IsTlsSettingKey("url"));
}

}  // namespace
}  // namespace fanout
