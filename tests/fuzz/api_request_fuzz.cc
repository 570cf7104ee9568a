// libFuzzer entry point (built with -DCAIRN_FUZZ=ON and clang): the API's
// frames, as the server (requests) and the client (responses) decode them.
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)cairn::fuzz::FuzzApiRequest(data, size);
  return 0;
}
