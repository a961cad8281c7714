// Logical-type conversions with hand-computed expected values (Python's int.to_bytes/base64 and
// datetime for the references).
#include "processor/debezium/logical_types.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace fanout::debezium {
namespace {

std::string Decimal(std::string_view base64, std::int32_t scale) {
  std::string bytes;
  EXPECT_TRUE(DecodeBase64(base64, &bytes)) << base64;
  std::string out;
  Status status = AppendDecimal(bytes, scale, &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

std::string Number(std::string_view number, std::int32_t scale) {
  std::string out;
  Status status = AppendDecimalNumber(number, scale, &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

std::string Date(std::int64_t days) {
  std::string out;
  AppendDate(days, &out);
  return out;
}

std::string Timestamp(std::int64_t value, std::int64_t units) {
  std::string out;
  AppendTimestamp(value, units, &out);
  return out;
}

std::string Time(std::int64_t value, std::int64_t units) {
  std::string out;
  Status status = AppendTimeOfDay(value, units, &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

TEST(DecimalTest, ReferenceExamples) {
  EXPECT_EQ(Decimal("Msc=", 2), "129.99");  // 0x32C7 = 12999
  EXPECT_EQ(Decimal("/w==", 2), "-0.01");   // 0xFF = -1
  EXPECT_EQ(Decimal("AeI6", 2), "1234.50");
  EXPECT_EQ(Decimal("ZA==", 2), "1.00");
  EXPECT_EQ(Decimal("AA==", 2), "0.00");
  EXPECT_EQ(Decimal("", 3), "0.000");
  EXPECT_EQ(Decimal("AQ==", 0), "1");
  EXPECT_EQ(Decimal("BQ==", -2), "500");
  EXPECT_EQ(Decimal("AA==", -2), "0");
  EXPECT_EQ(Decimal("AQ==", 5), "0.00001");
}

TEST(DecimalTest, WiderThan64BitsIsExact) {
  EXPECT_EQ(Decimal("/4AAAAAAAAAA", 0), "-9223372036854775808");
  EXPECT_EQ(Decimal("AQAAAAAAAAAA", 0), "18446744073709551616");
  EXPECT_EQ(Decimal("/nEW8Ak8jB8RscD1Lg==", 5), "-1234567890123456789012345.67890");
  EXPECT_EQ(Decimal("HWMp8cNcpL+rufVhAAAAAAc=", 1), "1000000000000000000000000000000000000000.7");
}

// The schoolbook conversion the decoder used before (quadratic): a reference for wide values.
std::string ReferenceDecimal(std::string_view unscaled) {
  const bool negative = (static_cast<unsigned char>(unscaled[0]) & 0x80) != 0;
  std::vector<std::uint8_t> magnitude(unscaled.begin(), unscaled.end());
  if (negative) {
    for (auto& b : magnitude) b = static_cast<std::uint8_t>(~b);
    for (auto it = magnitude.rbegin(); it != magnitude.rend(); ++it) {
      if (++*it != 0) break;
    }
  }
  std::vector<std::uint32_t> limbs;
  for (std::uint8_t byte : magnitude) {
    std::uint64_t carry = byte;
    for (auto& limb : limbs) {
      const std::uint64_t v = (static_cast<std::uint64_t>(limb) << 8) + carry;
      limb = static_cast<std::uint32_t>(v % 1000000000u);
      carry = v / 1000000000u;
    }
    while (carry != 0) {
      limbs.push_back(static_cast<std::uint32_t>(carry % 1000000000u));
      carry /= 1000000000u;
    }
  }
  std::string digits = limbs.empty() ? "0" : std::to_string(limbs.back());
  for (auto it = limbs.rbegin() + (limbs.empty() ? 0 : 1); it != limbs.rend(); ++it) {
    const std::string part = std::to_string(*it);
    digits += std::string(9 - part.size(), '0') + part;
  }
  return (negative && digits != "0" ? "-" : "") + digits;
}

TEST(DecimalTest, WidestValuesMatchTheSchoolbookConversion) {
  std::mt19937 random(7);
  for (std::size_t size : {9u, 17u, 100u, 1000u, 4096u}) {
    for (int round = 0; round < 3; ++round) {
      std::string unscaled(size, '\0');
      for (char& c : unscaled) c = static_cast<char>(random() & 0xff);
      if (round == 2) unscaled[1] = '\0';  // leading zero bytes of the magnitude
      std::string out;
      ASSERT_TRUE(AppendDecimal(unscaled, 0, &out).ok());
      EXPECT_EQ(out, ReferenceDecimal(unscaled)) << size << "/" << round;
    }
  }
  std::string out;
  ASSERT_TRUE(AppendDecimal(std::string(4096, '\xff'), 0, &out).ok());
  EXPECT_EQ(out, "-1");
  out.clear();
  ASSERT_TRUE(AppendDecimal(std::string(4096, '\0'), 2, &out).ok());
  EXPECT_EQ(out, "0.00");
}

TEST(DecimalTest, Bounds) {
  std::string out;
  EXPECT_FALSE(AppendDecimal(std::string(kMaxDecimalBytes + 1, '\x01'), 0, &out).ok());
  EXPECT_FALSE(AppendDecimal("\x01", kMaxDecimalScale + 1, &out).ok());
}

TEST(DecimalTest, NumericFormatKeepsTheSchemaScale) {
  EXPECT_EQ(Number("1234.5", 2), "1234.50");
  EXPECT_EQ(Number("-20", 2), "-20.00");
  EXPECT_EQ(Number("0.01", 2), "0.01");
  EXPECT_EQ(Number("1e2", 0), "100");
  EXPECT_EQ(Number("1.5E-3", 2), "0.0015");  // never drops digits
  EXPECT_EQ(Number("99999999.99", 2), "99999999.99");
  std::string out;
  EXPECT_FALSE(AppendDecimalNumber("1x", 2, &out).ok());
  EXPECT_FALSE(AppendDecimalNumber("1e999999999", 2, &out).ok());
}

TEST(Base64Test, RejectsBadInput) {
  std::string out;
  EXPECT_FALSE(DecodeBase64("a", &out));
  EXPECT_FALSE(DecodeBase64("ab$=", &out));
  EXPECT_TRUE(DecodeBase64("YWI=", &out));
  EXPECT_EQ(out, "ab");
  EXPECT_TRUE(DecodeBase64("YWI", &out));  // unpadded
  EXPECT_EQ(out, "ab");
}

TEST(DateTest, DaysSinceEpoch) {
  EXPECT_EQ(Date(0), "1970-01-01");
  EXPECT_EQ(Date(-11013), "1939-11-07");
  EXPECT_EQ(Date(-56270), "1815-12-10");
  EXPECT_EQ(Date(-719162), "0001-01-01");
  EXPECT_EQ(Date(-719528), "0000-01-01");
  EXPECT_EQ(Date(-719893), "-0001-01-01");
  EXPECT_EQ(Date(2932897), "+10000-01-01");
  EXPECT_EQ(Date(INT32_MAX), "+5881580-07-11");
}

TEST(TimestampTest, UnitsAndNegativeEpochs) {
  EXPECT_EQ(Timestamp(1772360130123456, 1000000), "2026-03-01T10:15:30.123456Z");
  EXPECT_EQ(Timestamp(1772360130123, 1000), "2026-03-01T10:15:30.123Z");
  EXPECT_EQ(Timestamp(1772360130000000000, 1000000000), "2026-03-01T10:15:30Z");
  EXPECT_EQ(Timestamp(1772360130000000001, 1000000000), "2026-03-01T10:15:30.000000001Z");
  EXPECT_EQ(Timestamp(-1, 1000), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(Timestamp(-86400000000, 1000000), "1969-12-31T00:00:00Z");
  EXPECT_EQ(Timestamp(INT64_MIN + 1, 1000000), "-290308-12-21T19:59:05.224193Z");
}

TEST(TimestampTest, PostgresInfinitySentinels) {
  EXPECT_EQ(Timestamp(9223372036825200000, 1000000), "infinity");
  EXPECT_EQ(Timestamp(-9223372036832400000, 1000000), "-infinity");
  EXPECT_EQ(Timestamp(INT64_MAX, 1000000000), "infinity");
  EXPECT_EQ(Timestamp(INT64_MIN, 1000000000), "-infinity");
}

TEST(TimeTest, PastMidnight) {
  EXPECT_EQ(Time(0, 1000), "00:00:00");
  EXPECT_EQ(Time(37230123, 1000), "10:20:30.123");
  EXPECT_EQ(Time(37230123456, 1000000), "10:20:30.123456");
  EXPECT_EQ(Time(37230000000001, 1000000000), "10:20:30.000000001");
  EXPECT_EQ(Time(86400000000, 1000000), "24:00:00");
}

// MySQL's TIME is a duration of up to ±838:59:59.999999 (Debezium's MicroTime carries it as is).
TEST(TimeTest, MysqlDurationsBeyondOneDayAndNegative) {
  EXPECT_EQ(Time(-1, 1000), "-00:00:00.001");
  EXPECT_EQ(Time(86400001, 1000), "24:00:00.001");
  EXPECT_EQ(Time(-3020399000000, 1000000), "-838:59:59");
  EXPECT_EQ(Time(3020399999999, 1000000), "838:59:59.999999");
  std::string out;
  EXPECT_FALSE(AppendTimeOfDay(3020400000000, 1000000, &out).ok());
  EXPECT_FALSE(AppendTimeOfDay(-3020400000000, 1000000, &out).ok());
}

}  // namespace
}  // namespace fanout::debezium
