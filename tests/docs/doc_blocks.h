// Reads a Markdown page the way the documentation tests need it: its headings
// and its fenced code blocks, with the conventions the guides use to say which
// shell examples a test runs.
//
//   ```sh            a shell example; the tests run it, in page order
//   # not run: why   as the block's first line: the tests leave it out (it
//                    builds, installs, starts a server, needs TLS files, ...)
//   # expect: text   anywhere in a run block: its output must contain `text`
//
// Other fences (```json, ```text, ...) are shown output or files, never run.
// Pure functions over a string; thread-safe.
#ifndef PERSONA_TESTS_DOCS_DOC_BLOCKS_H_
#define PERSONA_TESTS_DOCS_DOC_BLOCKS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace persona::docs {

// A Markdown heading ("## Events", "### EventService.TrackEvents").
struct Heading {
  int level = 0;     // number of '#'
  std::string text;  // without the '#'s, trimmed
  int line = 0;      // 1-based
};

// A fenced code block.
struct CodeBlock {
  std::string
      language;      // first word of the info string, e.g. "sh"; may be empty
  std::string text;  // the lines between the fences, each ending in '\n'
  int line = 0;      // 1-based line of the opening fence
  // Index into Page::headings of the nearest heading above; -1 when none.
  int heading = -1;
  // For "sh" blocks: false when the first line is "# not run: <reason>".
  bool run = false;
  std::string not_run_reason;
  // For "sh" blocks: the text of every "# expect: <text>" line, in order.
  std::vector<std::string> expects;
};

struct Page {
  std::vector<Heading> headings;
  std::vector<CodeBlock> blocks;
};

// Parses `markdown`. INVALID_ARGUMENT (naming the line) for a fence left open,
// a "# not run:" without a reason, or an empty "# expect:".
absl::StatusOr<Page> ParsePage(const std::string& markdown);

// Returns the file's contents, or NOT_FOUND naming the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Replaces every occurrence of `from` in `text` by `to`.
std::string ReplaceAll(std::string text, const std::string& from,
                       const std::string& to);

}  // namespace persona::docs

#endif  // PERSONA_TESTS_DOCS_DOC_BLOCKS_H_
