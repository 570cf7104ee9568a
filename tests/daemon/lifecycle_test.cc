#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ledger/ledger.h"
#include "ledger/store.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/testing/cli_ledger.h"

namespace cairn::testing {
namespace {

// The threads of process `pid` whose name starts with `prefix` (/proc/<pid>/task/*/comm).
int ThreadsNamed(pid_t pid, const std::string& prefix) {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream in(task.path() / "comm");
    std::string name;
    std::getline(in, name);
    n += name.rfind(prefix, 0) == 0 ? 1 : 0;
  }
  return n;
}

// The io_threads field of the daemon's "ready" log line, or -1.
int ReadyIoThreads(const std::string& log) {
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_object() && json.value("msg", "") == "ready") return json.value("io_threads", -1);
  }
  return -1;
}

TEST_CASE("cairnd --io-threads sets how many ZeroMQ I/O threads serve the connections, one per core by default", "[daemon]") {
  SECTION("asked for") {
    RunningDaemon d({"--io-threads", "3"});
    CHECK(ThreadsNamed(d.daemon.pid(), "ZMQbg/IO/") == 3);
    CHECK(ReadyIoThreads(d.daemon.log()) == 3);
    d.Call({"create-secret", "--name", "io/threads", "--secret-string", "x"});  // and it serves
  }
  SECTION("by default") {
    RunningDaemon d;
    const int cores = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    CHECK(ThreadsNamed(d.daemon.pid(), "ZMQbg/IO/") == cores);
    CHECK(ReadyIoThreads(d.daemon.log()) == cores);
  }
}

TEST_CASE("SIGTERM drains the calls in flight, signs a checkpoint of the head and exits 0", "[daemon]") {
  RunningDaemon d;
  d.Call({"create-secret", "--name", "drain/db", "--secret-string", "v"});
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      auto remote = d.Connect(/*deadline_ms=*/1000);
      while (!stop) {
        auto got = remote->Execute(MakeRequest("GetSecretValue", {{"SecretId", "drain/db"}}));
        if (got.ok() && got->ok()) ++answered;
        if (!got.ok()) break;
      }
    });
  }
  while (answered < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(d.daemon.Terminate() == 0);
  stop = true;
  for (auto& t : clients) t.join();
  const std::string log = d.daemon.log();
  CHECK(log.find("\"msg\":\"draining") != std::string::npos);
  CHECK(log.find("\"msg\":\"stopped\"") != std::string::npos);

  const std::vector<nlohmann::json> events = d.Export();
  RunResult checkpoint = Run({ToolPath("cairn-audit"), "checkpoint", "--data-dir", d.daemon.data_dir()});
  REQUIRE(checkpoint.exit_code == 0);
  // The note's second line is the tree size: every record is covered.
  const size_t first = checkpoint.out.find('\n');
  const size_t second = checkpoint.out.find('\n', first + 1);
  CHECK(checkpoint.out.substr(first + 1, second - first - 1) == std::to_string(events.size()));
}

TEST_CASE("cairnd refuses to start on a ledger that does not verify at its head", "[daemon]") {
  RunningDaemon d;
  d.Call({"create-secret", "--name", "tamper/db", "--secret-string", "v"});
  REQUIRE(d.daemon.Terminate() == 0);
  {
    auto store = ledger::OpenRocksStore(d.daemon.data_dir() + "/ledger", ledger::OpenMode::kReadWrite);
    REQUIRE(store.ok());
    auto head = ledger::ReadHead(**store);
    REQUIRE(head.ok());
    const uint64_t last = head->next_seq - 1;
    auto bytes = ledger::ReadRecord(**store, last);
    REQUIRE(bytes.ok());
    std::string tampered = *bytes;
    tampered[tampered.size() / 2] ^= 0x01;
    ledger::WriteSet writes;
    writes.Put(ledger::Family::kLog, ledger::SeqKey(last), tampered);
    REQUIRE((*store)->Write(writes, true).ok());
  }
  CHECK_FALSE(d.daemon.Start());
  CHECK(d.daemon.exit_code() == 1);
  const std::string log = d.daemon.log();
  INFO(log);
  CHECK(log.find("\"level\":\"error\",\"msg\":\"cannot start\"") != std::string::npos);
  CHECK(log.find("cairn-audit verify") != std::string::npos);
}

TEST_CASE("outside dev mode cairnd needs an initialised ledger and unseals it with its passphrase", "[daemon]") {
  TempDir tmp;
  {
    DaemonProcess none(tmp.sub("empty"), {}, /*dev=*/false);
    CHECK_FALSE(none.Start());
    CHECK(none.exit_code() == 1);
    CHECK(none.log().find("holds no ledger") != std::string::npos);
  }
  const std::string pass = tmp.sub("pass");
  std::ofstream(pass) << "correct horse battery staple\n";
  RunResult init = Run({ToolPath("cairn"), "init", "--data-dir", tmp.sub("sealed"), "--passphrase-file", pass});
  REQUIRE(init.exit_code == 0);
  {
    DaemonProcess sealed(tmp.sub("sealed"), {}, /*dev=*/false);
    CHECK_FALSE(sealed.Start());  // no passphrase, no terminal: a clear refusal, not a hang
    CHECK(sealed.log().find("sealed") != std::string::npos);
  }
  DaemonProcess daemon(tmp.sub("sealed"), {"--passphrase-file", pass}, /*dev=*/false);
  INFO(daemon.log());
  REQUIRE(daemon.Start());
  RunResult listed = Run({ToolPath("cairn"), "--profile", daemon.profile(), "list-secrets"});
  CHECK(listed.exit_code == 0);
  CHECK(daemon.Terminate() == 0);
}

TEST_CASE("cairnd takes its options from a config file and logs JSON lines without secret values",
          "[daemon]") {
  TempDir tmp;
  const std::string config = tmp.sub("cairnd.toml");
  std::ofstream(config) << "log-level = \"debug\"\nheartbeat-ms = 100\nworkers = 4\n";
  DaemonProcess daemon(tmp.sub("d"), {"--config", config});
  INFO(daemon.log());
  REQUIRE(daemon.Start());
  const std::string secret = "S3CR3T-do-not-log-7f1c";
  const std::map<std::string, std::string> env = {{"CAIRN_PROFILE", daemon.profile()}};
  REQUIRE(Run({ToolPath("cairn"), "create-secret", "--name", "log/db", "--secret-string", secret}, env).exit_code == 0);
  REQUIRE(Run({ToolPath("cairn"), "get-secret-value", "--secret-id", "log/db"}, env).exit_code == 0);
  REQUIRE(Run({ToolPath("cairn"), "get-random-password"}, env).exit_code == 0);
  CHECK(daemon.Terminate() == 0);
  const std::string log = daemon.all_logs();
  CHECK(log.find("\"level\":\"debug\",\"msg\":\"call\"") != std::string::npos);  // the config took effect
  CHECK(log.find(secret) == std::string::npos);
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    CHECK(nlohmann::json::accept(line));
  }
}

}  // namespace
}  // namespace cairn::testing
