#include <catch2/catch.hpp>

#include <cstdlib>

#include "tests/daemon/daemon_fixture.h"

namespace cairn::testing {
namespace {

// Debian's python3, where tools/deps.sh installs python3-zmq and python3-flatbuffers.
bool PythonHasZmqAndFlatbuffers() {
  return Run({"/usr/bin/python3", "-c", "import zmq, flatbuffers"}).exit_code == 0;
}

TEST_CASE("a Python subscriber written from the specs follows the stream with CURVE and agrees with the head",
          "[daemon][independent]") {
  if (!PythonHasZmqAndFlatbuffers()) {
    if (std::getenv("CI") != nullptr) FAIL("python3-zmq or python3-flatbuffers is missing; tools/deps.sh installs them");
    WARN("python3 with zmq and flatbuffers not available: skipping the independent subscriber");
    return;
  }
  RunningDaemon d({"--heartbeat-ms", "200"});
  d.Call({"create-secret", "--name", "py/db", "--secret-string", "v1"});
  d.Call({"get-secret-value", "--secret-id", "py/db"});
  d.Call({"put-secret-value", "--secret-id", "py/db", "--secret-string", "v2"});
  const char* build = std::getenv("CAIRN_BUILD_DIR");
  const std::string generated = std::string(build ? build : ".") + "/generated/python";
  RunResult follow = Run({"/usr/bin/python3", std::string(CAIRN_SOURCE_DIR) + "/tests/independent/follow_stream.py",
                          "--profile", d.daemon.profile(), "--generated", generated, "--timeout", "20"});
  INFO(follow.err);
  REQUIRE(follow.exit_code == 0);
  const nlohmann::json agreed = nlohmann::json::parse(follow.out);
  const std::vector<nlohmann::json> events = d.Export();
  const size_t records = agreed["records"].get<size_t>();
  REQUIRE(records >= 6);
  REQUIRE(records <= events.size());
  CHECK(agreed["head"] == events[records - 1]["leafHash"]);
}

}  // namespace
}  // namespace cairn::testing
