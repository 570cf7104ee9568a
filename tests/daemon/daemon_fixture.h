// A running `cairnd --dev` in a temporary directory, with the CLI and the
// client library pointed at it, for the daemon's end-to-end tests.
#ifndef CAIRN_TESTS_DAEMON_DAEMON_FIXTURE_H_
#define CAIRN_TESTS_DAEMON_DAEMON_FIXTURE_H_

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/testing/daemon_process.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "tools/common/profile.h"
#include "tools/common/remote.h"

namespace cairn::testing {

struct RunningDaemon {
  TempDir tmp;
  DaemonProcess daemon;

  explicit RunningDaemon(std::vector<std::string> extra = {}) : daemon(tmp.sub("d"), std::move(extra)) {
    INFO(daemon.log());
    REQUIRE(daemon.Start());
  }

  // cairn <args...> with CAIRN_PROFILE set to `profile` (the admin's by default).
  RunResult Cairn(std::vector<std::string> args, std::string profile = "") const {
    args.insert(args.begin(), ToolPath("cairn"));
    return Run(args, {{"CAIRN_PROFILE", profile.empty() ? daemon.profile() : profile},
                      {"CAIRN_DATA_DIR", ""}, {"CAIRN_PASSPHRASE", ""}});
  }
  void Call(std::vector<std::string> args) const {
    RunResult r = Cairn(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  // A call's deadline: every call waits for its record to be durable, and on
  // a shared CI disk an fsync can stall for seconds behind another test's
  // large writes (an ext4 journal commit), so the deadline only bounds a
  // hang; latency is the benchmarks' business, never a test's.
  static constexpr uint32_t kDeadlineMs = 60000;
  std::unique_ptr<tools::Remote> Connect(uint32_t deadline_ms = kDeadlineMs, const std::string& profile_path = "") const {
    auto profile = tools::ReadProfile(profile_path.empty() ? daemon.profile() : profile_path);
    REQUIRE(profile.ok());
    auto remote = tools::Remote::Connect(*profile, "daemon-test/1", deadline_ms);
    REQUIRE(remote.ok());
    return std::move(remote).value();
  }
  // `cairn-audit export` of the data directory (read-only; works while cairnd runs).
  std::vector<nlohmann::json> Export() const {
    RunResult r = Run({ToolPath("cairn-audit"), "export", "--data-dir", daemon.data_dir()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<nlohmann::json> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }
};

inline service::Request MakeRequest(const std::string& operation, service::Json params) {
  service::Request request;
  request.operation = operation;
  request.params = std::move(params);
  return request;
}

inline service::Request WithString(service::Request request, const std::string& value) {
  request.value = service::SecretValue{projections::ValueKind::kString, crypto::SecureBuffer::FromString(value)};
  return request;
}

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_DAEMON_DAEMON_FIXTURE_H_
