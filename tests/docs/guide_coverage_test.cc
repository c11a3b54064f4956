// The API guide keeps up with the API: every rpc of every service in
// proto/persona/v1 (read from a protoc descriptor set built from all of its
// files, so a new file or rpc is seen without editing this test) has a
// "### <Service>.<Method>" section in docs/GUIDE.md with a curl call to its
// HTTP/JSON route, the answer shown and the errors to expect; no section or
// route names an rpc that does not exist; the guides' shell examples are all
// ```sh blocks (run by examples_test or marked
// "# not run:"); and the relative links of the documentation pages resolve.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "tests/docs/doc_blocks.h"

namespace persona::docs {
namespace {

namespace pb = ::google::protobuf;

const std::string kSource = PERSONA_SOURCE_DIR;

// "CatalogService.UpsertItems" for every rpc of package persona.v1.
std::set<std::string> ApiRpcs() {
  std::set<std::string> rpcs;
  std::ifstream in(PERSONA_API_DESCRIPTORS, std::ios::binary);
  pb::FileDescriptorSet set;
  if (!in || !set.ParseFromIstream(&in)) {
    ADD_FAILURE() << "cannot read the descriptor set "
                  << PERSONA_API_DESCRIPTORS;
    return rpcs;
  }
  for (const pb::FileDescriptorProto& file : set.file()) {
    if (file.package() != "persona.v1") continue;
    for (const pb::ServiceDescriptorProto& service : file.service()) {
      for (const pb::MethodDescriptorProto& method : service.method()) {
        rpcs.insert(absl::StrCat(service.name(), ".", method.name()));
      }
    }
  }
  return rpcs;
}

Page ReadPage(const std::string& relative, std::string* text = nullptr) {
  auto contents = ReadFile(kSource + "/" + relative);
  if (!contents.ok()) {
    ADD_FAILURE() << contents.status();
    return {};
  }
  auto page = ParsePage(*contents);
  if (!page.ok()) {
    ADD_FAILURE() << relative << ": " << page.status();
    return {};
  }
  if (text != nullptr) *text = *contents;
  return *page;
}

// The code blocks under heading `h` up to the next heading of level <= its own.
std::string SectionCode(const Page& page, int h) {
  std::string code;
  for (const CodeBlock& block : page.blocks) {
    int owner = block.heading;
    while (owner > h && page.headings[owner].level > page.headings[h].level)
      --owner;
    if (owner == h) absl::StrAppend(&code, block.text);
  }
  return code;
}

TEST(GuideCoverageTest, TheDescriptorSetHasTheKnownServices) {
  const std::set<std::string> rpcs = ApiRpcs();
  // A canary per service, so an empty or partial descriptor set cannot pass.
  for (const char* rpc :
       {"CatalogService.UpsertItems", "CustomerService.GetProfile",
        "EventService.TrackEvents", "RecommendService.Recommend",
        "SegmentService.ListSegments", "CampaignService.RunCampaign",
        "MetricsService.GetPlacementMetrics", "AdminService.GetStats",
        "OperationsService.CreateBackup", "ClusterService.PublishModel"}) {
    EXPECT_TRUE(rpcs.count(rpc)) << rpc;
  }
}

// The lines of section `h`: from its heading to the next heading of level <=
// its own (or the end).
std::string SectionText(const std::string& text, const Page& page, int h) {
  int end_line = 1 << 30;
  for (int i = h + 1; i < static_cast<int>(page.headings.size()); ++i) {
    if (page.headings[i].level <= page.headings[h].level) {
      end_line = page.headings[i].line;
      break;
    }
  }
  std::istringstream in(text);
  std::string out;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (number >= page.headings[h].line && number < end_line)
      absl::StrAppend(&out, line, "\n");
  }
  return out;
}

TEST(GuideCoverageTest, EveryRpcHasASectionWithAWorkedCurlExample) {
  std::string text;
  const Page guide = ReadPage("docs/GUIDE.md", &text);
  std::map<std::string, int> sections;
  for (int h = 0; h < static_cast<int>(guide.headings.size()); ++h) {
    if (guide.headings[h].level == 3) sections[guide.headings[h].text] = h;
  }
  for (const std::string& rpc : ApiRpcs()) {
    auto it = sections.find(rpc);
    if (it == sections.end()) {
      ADD_FAILURE() << "docs/GUIDE.md has no '### " << rpc
                    << "' section: document the new rpc "
                    << "(what it is for, a persona command if the CLI has one, "
                       "a curl example, "
                    << "the response abridged, the errors to expect)";
      continue;
    }
    std::string route = absl::StrCat("/api/persona.v1.", rpc);
    route[route.rfind('.')] = '/';
    EXPECT_TRUE(absl::StrContains(SectionCode(guide, it->second), route))
        << "docs/GUIDE.md line " << guide.headings[it->second].line
        << ": the section of " << rpc << " has no example calling " << route;
    // The answer shown, and the errors to expect.
    const std::string section = SectionText(text, guide, it->second);
    EXPECT_TRUE(absl::StrContains(section, "```json") ||
                absl::StrContains(section, "```text"))
        << "docs/GUIDE.md line " << guide.headings[it->second].line
        << ": the section of " << rpc
        << " shows no answer (a ```json or ```text block)";
    EXPECT_TRUE(absl::StrContains(section, "Errors"))
        << "docs/GUIDE.md line " << guide.headings[it->second].line
        << ": the section of " << rpc << " does not say which errors to expect";
  }
}

TEST(GuideCoverageTest, NoSectionOrRouteNamesAMissingRpc) {
  const std::set<std::string> rpcs = ApiRpcs();
  const std::regex rpc_heading(R"(^[A-Z][A-Za-z]*Service\.[A-Za-z]+$)");
  const std::regex route(R"(/api/persona\.v1\.([A-Za-z]+)/([A-Za-z]+))");
  for (const char* file : {"docs/GUIDE.md", "docs/QUICKSTART.md"}) {
    std::string text;
    const Page page = ReadPage(file, &text);
    for (const Heading& h : page.headings) {
      if (std::regex_match(h.text, rpc_heading)) {
        EXPECT_TRUE(rpcs.count(h.text))
            << file << " line " << h.line << ": no rpc " << h.text;
      }
    }
    for (auto m = std::sregex_iterator(text.begin(), text.end(), route);
         m != std::sregex_iterator(); ++m) {
      const std::string rpc = absl::StrCat((*m)[1].str(), ".", (*m)[2].str());
      EXPECT_TRUE(rpcs.count(rpc))
          << file << ": " << m->str() << " names no rpc";
    }
  }
}

TEST(GuideCoverageTest, ShellExamplesAreShBlocks) {
  // Every shell example is ```sh, so examples_test either runs it or it says
  // "# not run: <why>"; a ```bash block would silently escape both.
  for (const char* file : {"docs/GUIDE.md", "docs/QUICKSTART.md"}) {
    const Page page = ReadPage(file);
    int run = 0;
    for (const CodeBlock& block : page.blocks) {
      EXPECT_TRUE(block.language != "bash" && block.language != "shell" &&
                  block.language != "console" && block.language != "zsh")
          << file << " line " << block.line
          << ": write shell examples as ```sh";
      run += block.run ? 1 : 0;
    }
    EXPECT_GE(run, 10) << file << " has almost no runnable examples";
  }
}

TEST(GuideCoverageTest, RelativeLinksResolve) {
  const std::regex link(R"(\]\(([^)\s]+)\))");
  for (const char* file : {"README.md", "docs/QUICKSTART.md", "docs/GUIDE.md",
                           "docs/ARCHITECTURE.md", "docs/COMPARISON.md"}) {
    auto text = ReadFile(kSource + "/" + file);
    ASSERT_TRUE(text.ok()) << text.status();
    const std::filesystem::path dir =
        std::filesystem::path(kSource + "/" + file).parent_path();
    int checked = 0;
    for (auto m = std::sregex_iterator(text->begin(), text->end(), link);
         m != std::sregex_iterator(); ++m) {
      std::string target = (*m)[1].str();
      if (absl::StartsWith(target, "http://") ||
          absl::StartsWith(target, "https://") ||
          absl::StartsWith(target, "#") ||
          absl::StartsWith(target, "mailto:")) {
        continue;
      }
      target = target.substr(0, target.find('#'));
      EXPECT_TRUE(std::filesystem::exists(dir / target))
          << file << " links to " << target << ", which does not exist";
      ++checked;
    }
    EXPECT_GT(checked, 0) << file << " links to no other page";
  }
}

TEST(GuideCoverageTest, TheArchitecturePageShowsItsDiagram) {
  auto svg = ReadFile(kSource + "/docs/architecture.svg");
  ASSERT_TRUE(svg.ok()) << svg.status();
  EXPECT_TRUE(absl::StrContains(*svg, "<svg") &&
              absl::StrContains(*svg, "</svg>"));
  // The boxes the data-flow diagram promises.
  for (const char* part :
       {"gRPC", "HTTP/JSON", "call gate", "RocksDB", "ALS", "segment",
        "campaign", "training", "open-time", "nginx"}) {
    EXPECT_TRUE(absl::StrContains(*svg, part))
        << "architecture.svg lacks " << part;
  }
  auto page = ReadFile(kSource + "/docs/ARCHITECTURE.md");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(absl::StrContains(*page, "(architecture.svg)"));
}

}  // namespace
}  // namespace persona::docs
