#include "common/keys.h"

#include <string>

#include "gtest/gtest.h"

namespace persona {
namespace {

TEST(KeysTest, IdProblems) {
  struct Case {
    std::string id;
    bool ok;
  };
  const Case cases[] = {
      {"c-1", true},
      {"Müller", true},
      {"商品", true},
      {"", false},
      {std::string(256, 'a'), true},
      {std::string(257, 'a'), false},
      {std::string("a\0b", 3), false},
      {"line\nbreak", false},
      {"\x7f", false},
      {"\xff", false},          // invalid byte
      {"\xc3", false},          // truncated sequence
      {"\xc0\xaf", false},      // overlong '/'
      {"\xed\xa0\x80", false},  // surrogate
      {"\xc2\x85", false},      // C1 control (NEL)
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IdProblem(c.id).empty(), c.ok) << "id '" << c.id << "'";
  }
}

TEST(KeysTest, NameProblems) {
  EXPECT_TRUE(NameProblem("default").empty());
  EXPECT_TRUE(NameProblem("shop_2-eu").empty());
  EXPECT_FALSE(NameProblem("").empty());
  EXPECT_FALSE(NameProblem("Shop").empty());
  EXPECT_FALSE(NameProblem("a b").empty());
  EXPECT_FALSE(NameProblem(std::string(65, 'a')).empty());
}

}  // namespace
}  // namespace persona
