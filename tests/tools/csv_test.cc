// CSV splitting and reading: quoting, embedded commas and line breaks, CRLF,
// byte order marks and malformed records.
#include "tools/importer/csv.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/tools/fake_sink.h"

namespace persona::importer {
namespace {

using testing::WriteFile;

struct SplitCase {
  const char* text;
  std::vector<std::string> fields;
};

TEST(SplitCsvRecordTest, SplitsFields) {
  const SplitCase cases[] = {
      {"", {""}},
      {"a", {"a"}},
      {"a,b,c", {"a", "b", "c"}},
      {",", {"", ""}},
      {"a,,c,", {"a", "", "c", ""}},
      {"\"a,b\",c", {"a,b", "c"}},
      {"\"say \"\"hi\"\"\",x", {"say \"hi\"", "x"}},
      {"\"\"", {""}},
      {"\"\",\"\"", {"", ""}},
      {"\"line1\nline2\",z", {"line1\nline2", "z"}},
      {"ab\"c,d", {"ab\"c", "d"}},  // A stray quote inside an unquoted field is literal.
      {" a , b ", {" a ", " b "}},  // Spaces are data; callers trim where it makes sense.
      {"x,\"tail\"", {"x", "tail"}},
  };
  for (const SplitCase& c : cases) {
    std::vector<std::string> fields;
    ASSERT_TRUE(SplitCsvRecord(c.text, &fields).ok()) << c.text;
    EXPECT_EQ(fields, c.fields) << "input: " << c.text;
  }
}

TEST(SplitCsvRecordTest, RefusesMalformedQuoting) {
  const char* bad[] = {"\"open", "a,\"open", "\"closed\"junk,b", "\"a\"\"", "x,\"y\" ,z"};
  for (const char* text : bad) {
    std::vector<std::string> fields;
    EXPECT_FALSE(SplitCsvRecord(text, &fields).ok()) << text;
  }
}

struct ReadCase {
  const char* name;
  std::string file;
  // Expected records (fields joined by '|') and their first lines.
  std::vector<std::string> records;
  std::vector<int64_t> lines;
};

std::vector<ReadCase> ReadCases() {
  return {
      {"lf", "h1,h2\na,b\nc,d\n", {"h1|h2", "a|b", "c|d"}, {1, 2, 3}},
      {"crlf", "h1,h2\r\na,b\r\nc,d\r\n", {"h1|h2", "a|b", "c|d"}, {1, 2, 3}},
      {"no_final_newline", "h\nx", {"h", "x"}, {1, 2}},
      {"bom", "\xEF\xBB\xBFid,title\n1,t\n", {"id|title", "1|t"}, {1, 2}},
      {"embedded_newline",
       "id,text\n1,\"two\nlines\"\n2,x\n",
       {"id|text", "1|two\nlines", "2|x"},
       {1, 2, 4}},
      {"embedded_crlf",
       "id,text\r\n1,\"a\r\nb\"\r\n2,y\r\n",
       {"id|text", "1|a\nb", "2|y"},
       {1, 2, 4}},
      {"quoted_comma_and_quotes", "a,b\n\"x, \"\"y\"\"\",z\n", {"a|b", "x, \"y\"|z"}, {1, 2}},
      {"blank_line_kept_as_empty_record", "a\n\nb\n", {"a", "", "b"}, {1, 2, 3}},
  };
}

TEST(CsvReaderTest, ReadsRecordsWithTheirLines) {
  for (const ReadCase& c : ReadCases()) {
    SCOPED_TRACE(c.name);
    for (bool gzip : {false, true}) {
      auto lines = LineReader::Open(WriteFile(std::string(c.name) + ".csv", c.file, gzip));
      ASSERT_TRUE(lines.ok()) << lines.status();
      CsvReader reader(**lines);
      CsvRecord record;
      std::string error;
      std::vector<std::string> got;
      std::vector<int64_t> got_lines;
      while (true) {
        auto more = reader.Next(&record, &error);
        ASSERT_TRUE(more.ok()) << more.status();
        if (!*more) break;
        EXPECT_EQ(error, "");
        std::string joined;
        for (size_t i = 0; i < record.fields.size(); ++i) {
          joined += (i ? "|" : "") + record.fields[i];
        }
        got.push_back(joined);
        got_lines.push_back(record.line);
      }
      EXPECT_EQ(got, c.records);
      EXPECT_EQ(got_lines, c.lines);
    }
  }
}

TEST(CsvReaderTest, ReportsMalformedRecordsAndGoesOn) {
  auto lines = LineReader::Open(WriteFile("bad.csv", "a,b\n\"x\"y,z\nok,1\n\"never closed\n"));
  ASSERT_TRUE(lines.ok());
  CsvReader reader(**lines);
  CsvRecord record;
  std::string error;
  ASSERT_TRUE(*reader.Next(&record, &error));
  EXPECT_EQ(error, "");
  ASSERT_TRUE(*reader.Next(&record, &error));
  EXPECT_EQ(record.line, 2);
  EXPECT_NE(error.find("closing quote"), std::string::npos) << error;
  ASSERT_TRUE(*reader.Next(&record, &error));
  EXPECT_EQ(error, "");
  EXPECT_EQ(record.fields, (std::vector<std::string>{"ok", "1"}));
  ASSERT_TRUE(*reader.Next(&record, &error));
  EXPECT_EQ(record.line, 4);
  EXPECT_NE(error.find("not closed"), std::string::npos) << error;
  EXPECT_FALSE(*reader.Next(&record, &error));
}

TEST(LineReaderTest, MissingFileIsNotFound) {
  auto lines = LineReader::Open(::testing::TempDir() + "/does-not-exist.csv");
  EXPECT_EQ(lines.status().code(), absl::StatusCode::kNotFound);
}

TEST(LineReaderTest, TruncatedGzipIsDataLoss) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "row " + std::to_string(i * 7919) + ",some text\n";
  const std::string path = WriteFile("full.gz", text, /*gzip=*/true);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string cut = WriteFile("cut.gz", bytes.substr(0, bytes.size() / 2));
  auto lines = LineReader::Open(cut);
  ASSERT_TRUE(lines.ok());
  std::string line;
  absl::StatusOr<bool> more = true;
  while (more.ok() && *more) more = (*lines)->Next(&line);
  EXPECT_EQ(more.status().code(), absl::StatusCode::kDataLoss) << more.status();
}

}  // namespace
}  // namespace persona::importer
