#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

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
  // Subscribed to "" it gets each record singly and in a batch and keeps one;
  // with --batches-only, to "cairn.", from batches alone. It stops once one
  // record at least came from the stream (its own ReadRecords calls are records).
  const std::string script = std::string(CAIRN_SOURCE_DIR) + "/tests/independent/follow_stream.py";
  auto follow = [&](const std::string& mode) {
    std::vector<std::string> argv = {"/usr/bin/python3", script,    "--profile", d.daemon.profile(),
                                     "--generated",      generated, "--timeout", "20"};
    if (!mode.empty()) argv.push_back(mode);
    RunResult follow = Run(argv);
    INFO(mode << " " << follow.out << follow.err);
    REQUIRE(follow.exit_code == 0);
    const nlohmann::json agreed = nlohmann::json::parse(follow.out);
    const std::vector<nlohmann::json> events = d.Export();
    const size_t records = agreed["records"].get<size_t>();
    REQUIRE(records >= 6);
    REQUIRE(records <= events.size());
    CHECK(agreed["head"] == events[records - 1]["leafHash"]);
    const size_t taken = agreed["from_api"].get<size_t>() + agreed["from_singles"].get<size_t>() +
                         agreed["from_batches"].get<size_t>();
    CHECK(taken == records);  // each record kept once, whichever copies came
    return agreed;
  };
  const nlohmann::json all = follow("");
  INFO(all.dump());
  CHECK(all["from_singles"].get<size_t>() + all["from_batches"].get<size_t>() >= 1);
  const nlohmann::json batched = follow("--batches-only");
  INFO(batched.dump());
  CHECK(batched["from_singles"] == 0);
  CHECK(batched["from_batches"].get<size_t>() >= 1);
  CHECK(batched["batches"].get<size_t>() >= 1);
}

}  // namespace
}  // namespace cairn::testing
