#include "tests/docs/doc_blocks.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace persona::docs {
namespace {

constexpr absl::string_view kNotRun = "# not run:";
constexpr absl::string_view kExpect = "# expect:";

// Returns the fence's info string when `line` opens or closes a fence
// (up to three spaces of indentation, then at least three backticks).
bool IsFence(absl::string_view line, std::string* info) {
  size_t indent = 0;
  while (indent < line.size() && indent < 3 && line[indent] == ' ') ++indent;
  line.remove_prefix(indent);
  if (!absl::StartsWith(line, "```")) return false;
  line.remove_prefix(line.find_first_not_of('`') == absl::string_view::npos
                         ? line.size()
                         : line.find_first_not_of('`'));
  *info = std::string(absl::StripAsciiWhitespace(line));
  return true;
}

// Fills the "sh" conventions of a closed block.
absl::Status ReadShellConventions(CodeBlock& block) {
  std::istringstream lines(block.text);
  std::string line;
  bool first = true;
  int offset = 0;
  block.run = true;
  while (std::getline(lines, line)) {
    ++offset;
    const absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (first && !trimmed.empty()) {
      first = false;
      if (absl::StartsWith(trimmed, kNotRun)) {
        block.run = false;
        block.not_run_reason = std::string(
            absl::StripAsciiWhitespace(trimmed.substr(kNotRun.size())));
        if (block.not_run_reason.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "line ", block.line + offset, ": '# not run:' needs a reason"));
        }
        continue;
      }
    }
    if (absl::StartsWith(trimmed, kExpect)) {
      std::string expect(
          absl::StripAsciiWhitespace(trimmed.substr(kExpect.size())));
      if (expect.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", block.line + offset, ": '# expect:' needs a text"));
      }
      block.expects.push_back(std::move(expect));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Page> ParsePage(const std::string& markdown) {
  Page page;
  std::istringstream in(markdown);
  std::string line;
  int number = 0;
  CodeBlock* open = nullptr;
  while (std::getline(in, line)) {
    ++number;
    std::string info;
    if (open != nullptr) {
      if (IsFence(line, &info) && info.empty()) {
        if (open->language == "sh") {
          if (absl::Status s = ReadShellConventions(*open); !s.ok()) return s;
        }
        open = nullptr;
      } else {
        absl::StrAppend(&open->text, line, "\n");
      }
      continue;
    }
    if (IsFence(line, &info)) {
      CodeBlock& block = page.blocks.emplace_back();
      block.language = info.substr(0, info.find_first_of(" \t{"));
      block.line = number;
      block.heading = static_cast<int>(page.headings.size()) - 1;
      open = &block;
      continue;
    }
    if (absl::StartsWith(line, "#")) {
      const size_t level = line.find_first_not_of('#');
      if (level != std::string::npos && level <= 6 && line[level] == ' ') {
        page.headings.push_back(
            {static_cast<int>(level),
             std::string(absl::StripAsciiWhitespace(line.substr(level))),
             number});
      }
    }
  }
  if (open != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", open->line, ": code block is never closed"));
  }
  return page;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ReplaceAll(std::string text, const std::string& from,
                       const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace persona::docs
