// The Markdown reader behind the documentation tests: headings, fences, and
// the "# not run:" / "# expect:" conventions of shell examples.
#include "tests/docs/doc_blocks.h"

#include "gtest/gtest.h"

namespace persona::docs {
namespace {

TEST(DocBlocksTest, ReadsHeadingsAndBlocksInOrder) {
  const std::string page =
      "# Guide\n"
      "text\n"
      "## CatalogService\n"
      "### CatalogService.GetItems\n"
      "```sh\n"
      "persona stats\n"
      "# expect: items\n"
      "```\n"
      "```json\n"
      "{\"a\": 1}\n"
      "```\n"
      "#not a heading\n";
  auto parsed = ParsePage(page);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->headings.size(), 3u);
  EXPECT_EQ(parsed->headings[2].level, 3);
  EXPECT_EQ(parsed->headings[2].text, "CatalogService.GetItems");
  EXPECT_EQ(parsed->headings[2].line, 4);
  ASSERT_EQ(parsed->blocks.size(), 2u);
  EXPECT_EQ(parsed->blocks[0].language, "sh");
  EXPECT_EQ(parsed->blocks[0].line, 5);
  EXPECT_EQ(parsed->blocks[0].heading, 2);
  EXPECT_TRUE(parsed->blocks[0].run);
  EXPECT_EQ(parsed->blocks[0].text, "persona stats\n# expect: items\n");
  ASSERT_EQ(parsed->blocks[0].expects.size(), 1u);
  EXPECT_EQ(parsed->blocks[0].expects[0], "items");
  EXPECT_EQ(parsed->blocks[1].language, "json");
  EXPECT_FALSE(parsed->blocks[1].run);
}

TEST(DocBlocksTest, HashLinesInsideBlocksAreNotHeadings) {
  auto parsed = ParsePage("```sh\n# a comment\necho hi\n```\n## After\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->headings.size(), 1u);
  EXPECT_EQ(parsed->headings[0].text, "After");
  EXPECT_EQ(parsed->blocks[0].heading, -1);
}

TEST(DocBlocksTest, NotRunMarkerOnTheFirstLineOnly) {
  struct Case {
    std::string block;
    bool run;
    std::string reason;
  } cases[] = {
      {"# not run: starts a server\nscripts/run.sh\n", false,
       "starts a server"},
      {"\n  # not run: needs TLS files\npersona stats\n", false,
       "needs TLS files"},
      {"persona stats\n# not run: too late\n", true, ""},
      {"# a comment\n# not run: not first\n", true, ""},
  };
  for (const Case& c : cases) {
    auto parsed = ParsePage("```sh\n" + c.block + "```\n");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(parsed->blocks.size(), 1u);
    EXPECT_EQ(parsed->blocks[0].run, c.run) << c.block;
    EXPECT_EQ(parsed->blocks[0].not_run_reason, c.reason) << c.block;
  }
}

TEST(DocBlocksTest, InfoStringAfterTheLanguageIsIgnored) {
  auto parsed = ParsePage("```sh title=x\necho\n```\n```\nplain\n```\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->blocks.size(), 2u);
  EXPECT_EQ(parsed->blocks[0].language, "sh");
  EXPECT_TRUE(parsed->blocks[0].run);
  EXPECT_EQ(parsed->blocks[1].language, "");
}

TEST(DocBlocksTest, RefusesBrokenMarkup) {
  const std::string bad[] = {
      "```sh\necho never closed\n",
      "```sh\n# not run:\necho\n```\n",
      "```sh\necho\n# expect:   \n```\n",
  };
  for (const std::string& page : bad) {
    EXPECT_EQ(ParsePage(page).status().code(),
              absl::StatusCode::kInvalidArgument)
        << page;
  }
}

TEST(DocBlocksTest, ReplaceAllReplacesEveryOccurrenceOnce) {
  EXPECT_EQ(ReplaceAll("a 127.0.0.1:8080 b 127.0.0.1:8080", "127.0.0.1:8080",
                       "127.0.0.1:80801"),
            "a 127.0.0.1:80801 b 127.0.0.1:80801");
  EXPECT_EQ(ReplaceAll("abc", "", "x"), "abc");
}

TEST(DocBlocksTest, ReadFileNamesAMissingPath) {
  auto missing = ReadFile("/nonexistent/persona-doc.md");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/persona-doc.md"),
            std::string::npos);
}

}  // namespace
}  // namespace persona::docs
