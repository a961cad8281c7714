#include "sinks/net/sink_stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace fanout {
namespace {

using ::testing::HasSubstr;

TEST(TlsContextTest, NoContextWithoutTls) {
  TlsSettings settings;  // a plain url: enabled is false
  settings.ca_file = "/nonexistent/ca.pem";
  Result<std::shared_ptr<const TlsContext>> context = TlsContext::Make(settings);
  ASSERT_TRUE(context.ok()) << context.status().ToString();
  EXPECT_EQ(*context, nullptr);
}

TEST(TlsContextTest, AFileThatCannotBeReadIsAConfigurationError) {
  TlsSettings settings;
  settings.enabled = true;
  settings.ca_file = "/nonexistent/ca.pem";
  Result<std::shared_ptr<const TlsContext>> context = TlsContext::Make(settings);
  ASSERT_FALSE(context.ok());
  EXPECT_EQ(context.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(context.status().message()),
              HasSubstr("tls_ca_file: cannot load /nonexistent/ca.pem"));

  settings.ca_file.clear();
  settings.cert_file = "/nonexistent/client.pem";
  settings.key_file = "/nonexistent/client.key";
  context = TlsContext::Make(settings);
  ASSERT_FALSE(context.ok());
  EXPECT_THAT(std::string(context.status().message()), HasSubstr("tls_cert_file: cannot load"));
}

TEST(TlsContextTest, TheSystemTrustStoreIsTheDefault) {
  TlsSettings settings;
  settings.enabled = true;
  settings.server_name = "example.com";
  Result<std::shared_ptr<const TlsContext>> context = TlsContext::Make(settings);
  ASSERT_TRUE(context.ok()) << context.status().ToString();
  EXPECT_EQ((*context)->server_name(), "example.com");
  EXPECT_TRUE((*context)->verify());
}

TEST(SinkStreamTest, PlainWithoutAContextAndTlsWithOne) {
  boost::asio::io_context io;
  SinkStream plain(io.get_executor(), nullptr);
  EXPECT_FALSE(plain.tls());
  TlsSettings settings;
  settings.enabled = true;
  settings.verify = false;
  settings.server_name = "127.0.0.1";
  Result<std::shared_ptr<const TlsContext>> context = TlsContext::Make(settings);
  ASSERT_TRUE(context.ok());
  SinkStream tls(io.get_executor(), *context);
  EXPECT_TRUE(tls.tls());
  // Without TLS the handshake is a no-op that still completes through the executor.
  bool handshaken = false;
  plain.AsyncHandshake([&](const boost::system::error_code& error) {
    EXPECT_FALSE(error);
    handshaken = true;
  });
  EXPECT_FALSE(handshaken);
  io.run();
  EXPECT_TRUE(handshaken);
}

}  // namespace
}  // namespace fanout
