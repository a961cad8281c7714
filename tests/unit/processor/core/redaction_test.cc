#include "processor/core/redaction.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout {
namespace {

TEST(SecretRedactorTest, MasksEveryOccurrenceAndThePercentDecodedForm) {
  SecretRedactor redactor;
  redactor.Add("S3cr3t%21pw");
  redactor.Add("ab");  // too short to mask
  std::string text = "dsn postgresql://u:S3cr3t%21pw@h/db failed; password S3cr3t!pw; ab";
  EXPECT_TRUE(redactor.Redact(&text));
  EXPECT_EQ(text, "dsn postgresql://u:***@h/db failed; password ***; ab");
  std::string clean = "nothing here";
  EXPECT_FALSE(redactor.Redact(&clean));
  EXPECT_EQ(clean, "nothing here");
}

TEST(SecretRedactorTest, LongerSecretsGoFirst) {
  SecretRedactor redactor;
  redactor.Add("pass");
  redactor.Add("host=db password=pass1234");
  EXPECT_EQ(redactor.Redacted("conn 'host=db password=pass1234' and pass"), "conn '***' and ***");
}

TEST(SecretRedactorTest, AMalformedEncodingIsKeptAsWritten) {
  SecretRedactor redactor;
  redactor.Add("S3cr3tPw%zz");
  EXPECT_EQ(redactor.Redacted("invalid percent-encoded token: \"S3cr3tPw%zz\""),
            "invalid percent-encoded token: \"***\"");
}

}  // namespace
}  // namespace fanout
