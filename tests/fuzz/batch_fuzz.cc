// libFuzzer entry point (built with -DCAIRN_FUZZ=ON and clang).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)cairn::fuzz::FuzzBatch(data, size);
  return 0;
}
