#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "crypto/hash.h"
#include "tests/daemon/daemon_fixture.h"

namespace cairn::testing {
namespace {

std::string ValueOf(service::Response& response) {
  REQUIRE(response.values.size() == 1);
  return std::string(response.values[0].value.bytes.as_string_view());
}

TEST_CASE("32 concurrent clients read and write, each call is one event, and the ledger verifies", "[daemon]") {
  RunningDaemon d;
  const size_t before = d.Export().size();
  constexpr int kClients = 32;
  constexpr int kRounds = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto remote = d.Connect();
      const std::string name = "load/" + std::to_string(c);
      auto created = remote->Execute(WithString(MakeRequest("CreateSecret", {{"Name", name}}), "v0"));
      if (!created.ok() || !created->ok()) ++failures;
      for (int round = 1; round <= kRounds; ++round) {
        const std::string value = "v" + std::to_string(round);
        auto put = remote->Execute(WithString(MakeRequest("PutSecretValue", {{"SecretId", name}}), value));
        auto got = remote->Execute(MakeRequest("GetSecretValue", {{"SecretId", name}}));
        if (!put.ok() || !put->ok() || !got.ok() || !got->ok() || got->values.size() != 1 ||
            got->values[0].value.bytes.as_string_view() != value) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(failures == 0);
  CHECK(d.Export().size() == before + kClients * (1 + 2 * kRounds));
  CHECK(d.daemon.Terminate() == 0);
  RunResult verify = Run({ToolPath("cairn-audit"), "verify", "--data-dir", d.daemon.data_dir()});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
}

TEST_CASE("SIGKILL in a read loop loses no read: each value returned has its durable SecretValueRead event",
          "[daemon]") {
  RunningDaemon d;
  {
    auto admin = d.Connect();
    auto created = admin->Execute(WithString(MakeRequest("CreateSecret", {{"Name", "crash/db"}}), "the-value"));
    REQUIRE(created.ok());
    INFO((created->ok() ? "" : created->error->code + ": " + created->error->message));
    REQUIRE(created->ok());
  }
  struct Receipt {
    uint64_t seq;
    crypto::Digest leaf;
  };
  std::mutex mu;
  std::vector<Receipt> receipts;
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 8; ++r) {
    readers.emplace_back([&] {
      auto remote = d.Connect(/*deadline_ms=*/1000);
      while (!stop) {
        auto got = remote->Execute(MakeRequest("GetSecretValue", {{"SecretId", "crash/db"}}));
        if (!got.ok()) continue;  // the daemon is gone: no value, no claim
        if (got->ok() && ValueOf(*got) == "the-value") {
          std::lock_guard<std::mutex> lock(mu);
          receipts.push_back({got->seq, got->leaf_hash});
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  d.daemon.Kill();
  stop = true;
  for (auto& t : readers) t.join();
  REQUIRE(receipts.size() > 10);
  INFO(d.daemon.log());
  REQUIRE(d.daemon.Start());  // restarts on the same data directory
  const std::vector<nlohmann::json> events = d.Export();
  for (const Receipt& r : receipts) {
    REQUIRE(r.seq < events.size());
    const nlohmann::json& e = events[r.seq];
    CHECK(e["cairnEventType"] == "SecretValueRead");
    CHECK(e["leafHash"] == crypto::ToHex(r.leaf));
  }
  CHECK(d.daemon.Terminate() == 0);
  RunResult verify = Run({ToolPath("cairn-audit"), "verify", "--data-dir", d.daemon.data_dir()});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
}

}  // namespace
}  // namespace cairn::testing
