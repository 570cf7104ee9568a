// Crash safety: a child process writes through the engine from several threads
// and is SIGKILLed at a random moment. After each kill the ledger reopens, the
// chain verifies, every acknowledged call is in the log, and the persisted
// projection state equals a replay of the log.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "ledger/verify.h"
#include "tests/service/engine_fixture.h"

namespace cairn {
namespace {

using testing::MakeRequest;
using testing::TestActor;

// The child: opens the engine and writes until killed, reporting each
// acknowledged seq as one line on `fd` (a pipe; writes under PIPE_BUF are atomic).
[[noreturn]] void WriteUntilKilled(const std::string& dir, int fd, int round) {
  service::OpenOptions o;
  o.data_dir = dir;
  auto engine = service::Engine::Open(o);
  if (!engine.ok()) _exit(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      // A fresh secret every 40 calls keeps each under AWS's 100-version quota.
      const std::string base = "crash/" + std::to_string(round) + "/" + std::to_string(t) + "/";
      for (int i = 0;; ++i) {
        const std::string name = base + std::to_string(i / 40);
        service::Request request =
            i % 40 == 0 ? MakeRequest("CreateSecret", {{"Name", name}}, "v0")
            : i % 3    ? MakeRequest("PutSecretValue", {{"SecretId", name}}, "value-" + std::to_string(i))
                       : MakeRequest("GetSecretValue", {{"SecretId", name}});
        auto r = (*engine)->Execute(request, TestActor());
        if (!r.ok()) _exit(5);
        std::string line = std::to_string(r.seq) + "\n";
        if (write(fd, line.data(), line.size()) < 0) _exit(6);
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(0);
}

TEST_CASE("SIGKILL mid-write loses nothing acknowledged and state equals a replay", "[service][engine][crash]") {
  testing::EngineFixture f;
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 4; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      close(fds[0]);
      WriteUntilKilled(f.dir, fds[1], round);
    }
    close(fds[1]);
    // Kill at a random moment after the first acknowledgement (opening can be
    // slow under sanitizers), or after 30 s if none ever comes.
    const auto kill_after = std::chrono::milliseconds(100 + rng() % 500);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool first_ack_seen = false;
    std::string acked;
    char buf[4096];
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    while (std::chrono::steady_clock::now() < deadline) {
      ssize_t n = read(fds[0], buf, sizeof(buf));
      if (n > 0) {
        acked.append(buf, static_cast<size_t>(n));
        if (!first_ack_seen) deadline = std::chrono::steady_clock::now() + kill_after;
        first_ack_seen = true;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    INFO("child exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1));
    REQUIRE(WIFSIGNALED(status));
    for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) acked.append(buf, static_cast<size_t>(n));
    close(fds[0]);

    auto engine = f.Open();
    REQUIRE(engine.ok());
    const uint64_t head = (*engine)->ledger().durable_head().next_seq;
    std::istringstream lines(acked);
    uint64_t max_acked = 0, count = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      max_acked = std::max<uint64_t>(max_acked, std::stoull(line));
      ++count;
    }
    INFO("round " << round << ": " << count << " acknowledged, head " << head);
    CHECK(count > 0);
    CHECK(max_acked < head);
    auto report = ledger::VerifyStore((*engine)->ledger().store());
    REQUIRE(report.ok());
    CHECK(report->ok);
    CHECK(report->records == head);
    auto replayed = testing::ReplayState((*engine)->ledger().store());
    REQUIRE(replayed.ok());
    CHECK(*replayed == testing::FamilyContents((*engine)->ledger().store(), ledger::Family::kState));
  }
}

}  // namespace
}  // namespace cairn
