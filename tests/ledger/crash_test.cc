// Crash safety across processes. The parent re-executes this test binary as a
// child (hidden test "[ledger-child]") that appends under load from several
// threads and reports each acknowledged seq on fd 3; the parent SIGKILLs it at
// a random moment, reopens the ledger and checks that nothing acknowledged was
// lost and that the chain still verifies. The same for batches written
// without the WAL (Durability::kDeferred, a replica catching up), where only
// what was persisted is acknowledged.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "test_util.h"

extern char** environ;

namespace cairn::ledger {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kAckFd = 3;
constexpr char kAppliedKey[] = "applied_seq";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// ---- the child -------------------------------------------------------------

void WriteAck(uint64_t seq) {
  // 8 bytes is below PIPE_BUF, so concurrent writes never interleave.
  if (write(kAckFd, &seq, sizeof seq) != sizeof seq) _exit(4);
}

Status SideWrite(const std::vector<Appended>& staged, WriteSet& out) {
  out.Put(Family::kState, kAppliedKey, SeqKey(staged.back().seq + 1));
  return Status::Ok();
}

constexpr int kDeferredBatchRecords = 16;
constexpr int kDeferredBatchesBeforeSync = 200;

// One thread staging verbatim batches of kDeferredBatchRecords 1 KB records,
// kDeferred, as a replica catching up does (RocksDB flushes on its own as the
// memtables fill). Plain: every 8th batch persisted, its last seq acknowledged.
// `end_synced`: kDeferredBatchesBeforeSync batches, none persisted, then one
// synced Append, acknowledged; then it waits to be killed.
void RunDeferred(Ledger& ledger, bool end_synced) {
  const auto stop = Clock::now() + std::chrono::seconds(20);  // in case nobody kills us
  Head head = ledger.staged_head();
  for (int batch = 0; Clock::now() < stop; ++batch) {
    if (end_synced && batch == kDeferredBatchesBeforeSync) {
      auto r = ledger.Append({testing::Input(head.next_seq, 1024)}, SideWrite);
      if (!r.ok()) _exit(3);
      WriteAck(r->back().seq);
      std::this_thread::sleep_for(std::chrono::seconds(30));
      _exit(0);
    }
    std::vector<std::string> records;
    std::vector<crypto::Digest> leaves;
    for (int i = 0; i < kDeferredBatchRecords; ++i) {
      records.push_back(EncodeRecord(head.next_seq, head.last_leaf, testing::Input(head.next_seq, 1024)));
      head = {head.next_seq + 1, RecordLeafHash(records.back())};
      leaves.push_back(head.last_leaf);
    }
    auto ticket = ledger.StageVerbatim(std::move(records), std::move(leaves), SideWrite, Durability::kDeferred);
    if (!ticket.ok() || !ledger.Await(*ticket).ok()) _exit(3);
    if (!end_synced && batch % 8 == 7) {
      if (!ledger.Persist().ok()) _exit(3);
      WriteAck(head.next_seq - 1);
    }
  }
  _exit(0);
}

TEST_CASE("child: append until killed", "[.][ledger-child]") {
  std::string dir = Env("CAIRN_CHILD_DIR");
  int threads = std::stoi(Env("CAIRN_CHILD_THREADS"));
  auto store = OpenRocksStore(dir, OpenMode::kReadWrite);
  if (!store.ok()) _exit(2);
  if (threads == 0) {  // just hold the lock
    WriteAck(0);
    std::this_thread::sleep_for(std::chrono::seconds(30));
    _exit(0);
  }
  auto ledger = Ledger::Open(std::move(store).value(), {.max_batch_records = 64});
  if (!ledger.ok()) _exit(2);
  if (const std::string mode = Env("CAIRN_CHILD_MODE"); !mode.empty()) RunDeferred(**ledger, mode == "deferred-then-sync");
  auto stop = Clock::now() + std::chrono::seconds(20);  // in case nobody kills us
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t i = 0; Clock::now() < stop; ++i) {
        std::vector<RecordInput> in = {testing::Input(i, 250)};
        if (i % 5 == static_cast<uint64_t>(t % 5))
          in.push_back(testing::Input(i + 1, 250));  // some multi-record tickets
        auto r = (*ledger)->Append(std::move(in), SideWrite);
        if (!r.ok()) _exit(3);
        for (const auto& a : *r) WriteAck(a.seq);
      }
    });
  }
  for (auto& w : workers) w.join();
  _exit(0);
}

// ---- the parent ------------------------------------------------------------

// This test binary running "[ledger-child]" with fd 3 as the write end of a pipe.
class Child {
 public:
  // `mode`: "" (Append from `threads` threads), "deferred" or "deferred-then-sync" (RunDeferred).
  Child(const std::string& dir, int threads, const std::string& mode = "") {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], kAckFd);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> env_strings = {"CAIRN_CHILD_DIR=" + dir,
                                            "CAIRN_CHILD_THREADS=" + std::to_string(threads),
                                            "CAIRN_CHILD_MODE=" + mode};
    std::vector<char*> env;
    for (auto& s : env_strings) env.push_back(s.data());
    for (char** e = environ; *e; ++e) env.push_back(*e);
    env.push_back(nullptr);
    char arg0[] = "ledger_tests", arg1[] = "[ledger-child]";
    char* argv[] = {arg0, arg1, nullptr};
    int rc = posix_spawn(&pid_, "/proc/self/exe", &actions, nullptr, argv, env.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    read_fd_ = fds[0];
    REQUIRE(rc == 0);
  }
  ~Child() {
    if (pid_ > 0) Kill();
    close(read_fd_);
  }

  // Reads acks until `deadline`; false once the pipe is closed.
  bool ReadUntil(Clock::time_point deadline) {
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return true;
      pollfd p{read_fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      if (!ReadSome()) return false;
    }
  }
  // Waits for the first ack; false if none came within `limit`.
  bool WaitFirstAck(std::chrono::milliseconds limit) {
    auto deadline = Clock::now() + limit;
    while (acks_.empty() && Clock::now() < deadline) {
      if (!ReadUntil(std::min(deadline, Clock::now() + std::chrono::milliseconds(10)))) break;
    }
    return !acks_.empty();
  }
  // SIGKILL, reap, then collect the acks already in the pipe.
  void Kill() {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    killed_by_signal_ = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    pid_ = -1;
    while (ReadSome()) {
    }
  }
  const std::vector<uint64_t>& acks() const { return acks_; }
  bool killed_by_signal() const { return killed_by_signal_; }

 private:
  bool ReadSome() {
    char buf[4096];
    ssize_t n = read(read_fd_, buf, sizeof buf);
    if (n <= 0) return false;
    pending_.append(buf, n);
    size_t whole = pending_.size() / 8 * 8;
    for (size_t i = 0; i < whole; i += 8) {
      uint64_t seq;
      std::memcpy(&seq, pending_.data() + i, 8);
      acks_.push_back(seq);
    }
    pending_.erase(0, whole);
    return true;
  }

  pid_t pid_ = -1;
  int read_fd_ = -1;
  std::string pending_;
  std::vector<uint64_t> acks_;
  bool killed_by_signal_ = false;
};

void CreateLedger(const std::string& dir) { REQUIRE(OpenRocksStore(dir, OpenMode::kCreate).ok()); }

// After a crash: the ledger opens, verifies, holds every acknowledged seq,
// and the side writes match the head (they were in the records' batch).
uint64_t CheckRecovered(const std::string& dir, const std::vector<uint64_t>& acks) {
  auto store = OpenRocksStore(dir, OpenMode::kReadWrite);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  Result<VerifyReport> report = VerifyStore(**store);
  REQUIRE(report.ok());
  INFO(report->problem);
  REQUIRE(report->ok);
  Head head = *ReadHead(**store);
  CHECK(report->records == head.next_seq);
  uint64_t max_ack = acks.empty() ? 0 : *std::max_element(acks.begin(), acks.end());
  INFO(acks.size() << " acks, the highest " << max_ack);
  CHECK((acks.empty() || max_ack < head.next_seq));
  auto applied = (*store)->Get(Family::kState, kAppliedKey);
  REQUIRE(applied.ok());
  if (head.next_seq > 0) CHECK(*applied == std::optional<std::string>(SeqKey(head.next_seq)));
  auto ledger = Ledger::Open(std::move(store).value());  // the tail cross-check passes
  REQUIRE(ledger.ok());
  return head.next_seq;
}

void RunCrashRounds(int rounds, int threads, const std::string& mode = "") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  CreateLedger(dir);
  std::random_device rd;
  uint32_t seed = rd();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  uint64_t total_acks = 0, head = 0;
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    Child child(dir, threads, mode);
    REQUIRE(child.WaitFirstAck(std::chrono::seconds(15)));
    auto run_for = std::chrono::milliseconds(std::uniform_int_distribution<int>(50, mode.empty() ? 700 : 1500)(rng));
    REQUIRE(child.ReadUntil(Clock::now() + run_for));
    child.Kill();
    CHECK(child.killed_by_signal());
    total_acks += child.acks().size();
    uint64_t new_head = CheckRecovered(dir, child.acks());
    CHECK(new_head > head);  // every round got something durable
    head = new_head;
  }
  CHECK(total_acks > 0);
}

TEST_CASE("appends acknowledged before a SIGKILL survive it and the chain verifies",
          "[ledger][crash]") {
  RunCrashRounds(/*rounds=*/5, /*threads=*/8);
}

TEST_CASE("many SIGKILL rounds under heavy load lose nothing acknowledged",
          "[.slow][ledger][crash]") {
  RunCrashRounds(/*rounds=*/30, /*threads=*/32);
}

TEST_CASE("batches written without the WAL survive a SIGKILL as a prefix, the persisted ones whole",
          "[ledger][crash]") {
  RunCrashRounds(/*rounds=*/4, /*threads=*/1, "deferred");
}

// Without the flush before it, the synced record would be replayed onto a
// ledger missing the deferred records before it: a hole in the log.
TEST_CASE("a synced append after batches written without the WAL keeps them through a SIGKILL",
          "[ledger][crash]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  CreateLedger(dir);
  Child child(dir, 1, "deferred-then-sync");
  REQUIRE(child.WaitFirstAck(std::chrono::seconds(15)));
  child.Kill();
  CHECK(child.killed_by_signal());
  REQUIRE(child.acks().size() == 1);
  CHECK(child.acks()[0] == uint64_t{kDeferredBatchRecords} * kDeferredBatchesBeforeSync);
  CHECK(CheckRecovered(dir, child.acks()) == child.acks()[0] + 1);
}

TEST_CASE("another process holding the ledger makes a read-write open Unavailable",
          "[ledger][crash]") {
  testing::TempDir tmp;
  std::string dir = tmp.sub("db");
  CreateLedger(dir);

  SECTION("while it only holds the lock") {
    Child child(dir, /*threads=*/0);
    REQUIRE(child.WaitFirstAck(std::chrono::seconds(15)));
    CHECK(OpenRocksStore(dir, OpenMode::kReadWrite).status() ==
          UnavailableError("ledger in use by another process (lock held on " + dir + "/LOCK)"));
    CHECK(OpenRocksStore(dir, OpenMode::kReadOnly).ok());
  }
  SECTION("while it appends, a read-only open sees a verifiable prefix") {
    Child child(dir, /*threads=*/4);
    REQUIRE(child.WaitFirstAck(std::chrono::seconds(15)));
    CHECK(OpenRocksStore(dir, OpenMode::kReadWrite).status().code() == StatusCode::kUnavailable);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(child.ReadUntil(Clock::now() + std::chrono::milliseconds(100)));
      auto ro = OpenRocksStore(dir, OpenMode::kReadOnly);
      INFO(ro.status().ToString());
      REQUIRE(ro.ok());
      Result<VerifyReport> report = VerifyStore(**ro);
      REQUIRE(report.ok());
      INFO(report->problem);
      CHECK(report->ok);
      CHECK(report->records > 0);
    }
  }
  // The lock dies with its holder.
  CHECK(OpenRocksStore(dir, OpenMode::kReadWrite).ok());
}

}  // namespace
}  // namespace cairn::ledger
