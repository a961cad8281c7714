// What every HTTP client user reads from its settings: url forms, Basic credentials.
#include "sinks/net/http_client_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace fanout {
namespace {

using ::testing::HasSubstr;

TEST(HttpClientSettingsTest, ParsesUrlForms) {
  Result<HttpUrl> plain = ParseHttpUrl("http://example.com");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->host, "example.com");
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->host_header, "example.com");
  EXPECT_EQ(plain->base_path, "");

  Result<HttpUrl> full = ParseHttpUrl("HTTP://127.0.0.1:18080/cdc/v1");
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(full->host, "127.0.0.1");
  EXPECT_EQ(full->port, 18080);
  EXPECT_EQ(full->host_header, "127.0.0.1:18080");
  EXPECT_EQ(full->base_path, "/cdc/v1");

  Result<HttpUrl> v6 = ParseHttpUrl("http://[::1]:8080/");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header, "[::1]:8080");
  EXPECT_EQ(v6->base_path, "/");
}

TEST(HttpClientSettingsTest, RejectsUnsupportedOrMalformedUrls) {
  auto error = [](std::string_view url) {
    Result<HttpUrl> parsed = ParseHttpUrl(url);
    EXPECT_FALSE(parsed.ok()) << url;
    return std::string(parsed.status().message());
  };
  EXPECT_THAT(error("ftp://example.com"), HasSubstr("http:// or https://"));
  EXPECT_THAT(error("https://"), HasSubstr("host is missing"));
  EXPECT_THAT(error("http://"), HasSubstr("host is missing"));
  EXPECT_THAT(error("http://:80/x"), HasSubstr("host is missing"));
  EXPECT_THAT(error("http://host:0"), HasSubstr("port"));
  EXPECT_THAT(error("http://host:99999"), HasSubstr("port"));
  EXPECT_THAT(error("http://host:x"), HasSubstr("port"));
  EXPECT_THAT(error("http://host:"), HasSubstr("empty port"));
  EXPECT_THAT(error("http://user:secret@host"), HasSubstr("user info"));
  EXPECT_THAT(error("http://host/x?a=1"), HasSubstr("query"));
  EXPECT_THAT(error("http://[::1"), HasSubstr("unclosed"));
  EXPECT_THAT(error("http://host/a b"), HasSubstr("path"));
  // Never quotes the URL: it may carry a secret.
  EXPECT_THAT(error("http://user:secret@host"), ::testing::Not(HasSubstr("secret")));
}

TEST(HttpClientSettingsTest, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(std::string("\xff\xfe", 2)), "//4=");
}

TEST(HttpClientSettingsTest, BasicAuthorization) {
  EXPECT_EQ(BasicAuthorization("", "").value(), "");
  EXPECT_EQ(BasicAuthorization("user", "pass").value(), "Basic dXNlcjpwYXNz");
  EXPECT_EQ(BasicAuthorization("user", "").value(), "Basic dXNlcjo=");
  EXPECT_THAT(std::string(BasicAuthorization("a:b", "x").status().message()),
              HasSubstr("username"));
  Result<std::string> control = BasicAuthorization("user", "s3cr\nt");
  ASSERT_FALSE(control.ok());
  EXPECT_THAT(std::string(control.status().message()), ::testing::Not(HasSubstr("s3cr")));
}

}  // namespace
}  // namespace fanout
