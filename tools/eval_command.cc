// `persona eval`: offline evaluation of the recommenders.
// First version: parses --help so the `persona` binary links; the protocol
// runs are being added in model/eval/.
#include <cstdio>
#include <cstring>

#include "tools/commands.h"

namespace persona::tools {

int RunEval(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf("usage: persona eval [--data=DIR]\n");
      return 0;
    }
  }
  std::fprintf(stderr, "persona eval: evaluation protocols are not built yet\n");
  return 1;
}

}  // namespace persona::tools
