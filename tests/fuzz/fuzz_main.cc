// The regression runner that replaces libFuzzer's main in the normal (g++)
// build: runs every file under the directories named on the command line
// through LLVMFuzzerTestOneInput, once each, in name order. A broken
// property aborts the process (FUZZ_CHECK), so ctest reports the harness's
// regression test as failed and the output names the input last started.
// Missing directories are skipped (a harness may have no regressions yet);
// no input at all is an error, so a wrong path cannot pass silently.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "tests/fuzz/fuzz_check.h"

namespace {

std::vector<std::filesystem::path> InputsUnder(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> inputs;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return inputs;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && entry.path().filename().string()[0] != '.') {
      inputs.push_back(entry.path());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 0;
  for (int a = 1; a < argc; ++a) {
    for (const std::filesystem::path& path : InputsUnder(argv[a])) {
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return 1;
      }
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), bytes.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++runs;
    }
  }
  if (runs == 0) {
    std::fprintf(stderr, "no inputs found under the given directories\n");
    return 1;
  }
  std::printf("%d inputs ran without a failure\n", runs);
  return 0;
}
