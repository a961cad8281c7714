#include "processor/route/scalar.h"

#include <gtest/gtest.h>

#include <limits>

namespace fanout {
namespace {

int Cmp(std::string_view a, std::string_view b) {
  DecimalView da;
  DecimalView db;
  EXPECT_TRUE(ParseDecimal(a, &da)) << a;
  EXPECT_TRUE(ParseDecimal(b, &db)) << b;
  return CompareDecimals(da, db);
}

TEST(DecimalTest, ComparesExactly) {
  EXPECT_EQ(Cmp("1.50", "1.5"), 0);
  EXPECT_EQ(Cmp("0001.5", "1.5000"), 0);
  EXPECT_EQ(Cmp("-0", "0.000"), 0);
  EXPECT_EQ(Cmp("10", "9.999"), 1);
  EXPECT_EQ(Cmp("0.05", "0.5"), -1);
  EXPECT_EQ(Cmp("-2", "-10"), 1);
  EXPECT_EQ(Cmp("-1", "0"), -1);
  EXPECT_EQ(Cmp("1e3", "1000"), 0);
  EXPECT_EQ(Cmp("1.5E-1", "0.15"), 0);
  EXPECT_EQ(Cmp(".5", "0.5"), 0);
  // Beyond double precision: 2^53 + 1 vs 2^53.
  EXPECT_EQ(Cmp("9007199254740993", "9007199254740992"), 1);
  EXPECT_EQ(Cmp("123456789012345678901234567890.000000001", "123456789012345678901234567890"), 1);
  EXPECT_EQ(Cmp("1.23", "1.2300000000000000000001"), -1);
}

TEST(DecimalTest, RejectsNonNumbers) {
  DecimalView d;
  for (std::string_view bad :
       {"", "-", ".", "1.2.3", "1e", "1e+", "abc", "1 ", "0x10", "1e99999999999"}) {
    EXPECT_FALSE(ParseDecimal(bad, &d)) << bad;
  }
}

TEST(CompareScalarsTest, NumbersAcrossKinds) {
  const Value one = Value::Int(1);
  const Value one_point_five = Value::Double(1.5);
  const Value big = Value::Int(9007199254740993);
  Scalar decimal{.type = Scalar::Type::kDecimal, .d = 1.5, .text = "1.50"};
  Scalar big_decimal{
      .type = Scalar::Type::kDecimal, .d = 9007199254740992.0, .text = "9007199254740992"};
  EXPECT_TRUE(CompareScalars(ScalarOf(&one), CompareOp::kLt, decimal));
  EXPECT_TRUE(CompareScalars(ScalarOf(&one_point_five), CompareOp::kEq, decimal));
  // int vs decimal is exact, even beyond 2^53.
  EXPECT_TRUE(CompareScalars(ScalarOf(&big), CompareOp::kGt, big_decimal));
  const Value nan = Value::Double(std::numeric_limits<double>::quiet_NaN());
  EXPECT_FALSE(CompareScalars(ScalarOf(&nan), CompareOp::kEq, ScalarOf(&nan)));
  EXPECT_FALSE(CompareScalars(ScalarOf(&nan), CompareOp::kNe, ScalarOf(&one)));
}

TEST(CompareScalarsTest, IncompatibleKindsAreFalseEvenForNotEqual) {
  const Value text = Value::String("1");
  const Value one = Value::Int(1);
  const Value yes = Value::Bool(true);
  for (CompareOp op : {CompareOp::kEq, CompareOp::kNe, CompareOp::kLt, CompareOp::kGe}) {
    EXPECT_FALSE(CompareScalars(ScalarOf(&text), op, ScalarOf(&one)));
    EXPECT_FALSE(CompareScalars(ScalarOf(&yes), op, ScalarOf(&one)));
  }
}

TEST(CompareScalarsTest, NullAndUnchanged) {
  const Value null_value = Value::Null();
  const Value unchanged = Value::Unchanged();
  const Value text = Value::String("a");
  EXPECT_TRUE(CompareScalars(ScalarOf(nullptr), CompareOp::kEq, Scalar::Null()));
  EXPECT_TRUE(CompareScalars(ScalarOf(&null_value), CompareOp::kEq, Scalar::Null()));
  EXPECT_TRUE(CompareScalars(ScalarOf(&text), CompareOp::kNe, Scalar::Null()));
  EXPECT_TRUE(CompareScalars(ScalarOf(&null_value), CompareOp::kNe, ScalarOf(&text)));
  EXPECT_FALSE(CompareScalars(ScalarOf(&null_value), CompareOp::kLt, ScalarOf(&text)));
  EXPECT_FALSE(CompareScalars(ScalarOf(&null_value), CompareOp::kGe, Scalar::Null()));
  EXPECT_FALSE(CompareScalars(ScalarOf(&unchanged), CompareOp::kEq, Scalar::Null()));
  EXPECT_TRUE(CompareScalars(ScalarOf(&unchanged), CompareOp::kNe, Scalar::Null()));
  EXPECT_FALSE(CompareScalars(ScalarOf(&unchanged), CompareOp::kEq, ScalarOf(&text)));
  EXPECT_FALSE(CompareScalars(ScalarOf(&unchanged), CompareOp::kNe, ScalarOf(&text)));
}

TEST(CompareScalarsTest, UnknownKindsCompareThroughTheirText) {
  // A kind this code does not know (e.g. a future exact decimal) arrives as kText.
  Scalar decimal_text{.type = Scalar::Type::kText, .text = "12.50"};
  Scalar bytes_text{.type = Scalar::Type::kText, .text = "AQID"};
  Scalar twelve_and_a_half{.type = Scalar::Type::kDecimal, .d = 12.5, .text = "12.5"};
  EXPECT_TRUE(CompareScalars(decimal_text, CompareOp::kEq, twelve_and_a_half));
  EXPECT_TRUE(CompareScalars(decimal_text, CompareOp::kEq, Scalar::String("12.50")));
  EXPECT_FALSE(CompareScalars(bytes_text, CompareOp::kEq, twelve_and_a_half));
  EXPECT_TRUE(CompareScalars(bytes_text, CompareOp::kEq, Scalar::String("AQID")));
}

}  // namespace
}  // namespace fanout
