// What the fuzz harnesses share: the libFuzzer entry point's declaration and
// FUZZ_CHECK, which reports a broken property (a round trip that does not
// hold, an OK status where an error was due) and aborts, so libFuzzer keeps
// the input as a crash and the regression runner fails on it.
// Thread-safety: the harnesses keep no shared mutable state but their
// function-local statics, built once.
#ifndef PERSONA_TESTS_FUZZ_FUZZ_CHECK_H_
#define PERSONA_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                       \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                            \
      std::fprintf(stderr, "\n");                                                   \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

#endif  // PERSONA_TESTS_FUZZ_FUZZ_CHECK_H_
