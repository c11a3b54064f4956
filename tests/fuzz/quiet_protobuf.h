// Silences protobuf's log lines (e.g. "String field ... contains invalid
// UTF-8 data") for harnesses that parse fuzzed bytes as messages: millions
// of them would slow fuzzing down and bury the report of a real failure.
// Call once per process before parsing; not thread-safe (SetLogHandler).
#ifndef PERSONA_TESTS_FUZZ_QUIET_PROTOBUF_H_
#define PERSONA_TESTS_FUZZ_QUIET_PROTOBUF_H_

#include "google/protobuf/stubs/logging.h"

namespace persona::fuzz {

inline bool QuietProtobufLogs() {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}

}  // namespace persona::fuzz

#endif  // PERSONA_TESTS_FUZZ_QUIET_PROTOBUF_H_
