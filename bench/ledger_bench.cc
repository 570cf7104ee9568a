// ledger_bench: durable appends/s and latency of the ledger's group commit,
// beside raw RocksDB WriteBatch(sync=true) batches of the same records.
//
//   ledger_bench [--seconds=1.5] [--rounds=3] [--warmup=0.1] [--groups=1,8,64,256]
//                [--threads=1,16,64] [--record-bytes=300] [--dir=/tmp]
//                [--idle-spinners=N]
//
// One row per (group size G = LedgerOptions::max_batch_records, appender
// threads T), with two baselines on plain RocksDB and records of the ledger's
// record size:
//   raw batch:  one thread writes WriteBatches of G records, back to back,
//               sync=true (same records per batch as the ledger's bound);
//   raw group:  T threads each write one-record WriteBatches with sync=true and
//               RocksDB's own write-thread group commit merges them (the same
//               concurrency as the ledger, no grouping bound).
// A row measures the three sides in rotating slices (--rounds of each,
// --seconds in total per side) so all see the same disk: fsync latency on a
// shared VM disk drifts by several times within a minute. Fresh databases
// under --dir for every row.
//
// --idle-spinners (default: one per hardware thread; 0 turns them off) runs
// SCHED_IDLE busy loops for the whole run. On a VM an idle vCPU halts, and the
// fsync completion then waits for the host to wake it (~4 ms here, against
// ~0.1 ms on a busy vCPU): a lone raw writer idles through every fsync while 64
// appenders keep the CPU busy, so without spinners the baseline measures vCPU
// wake-up, not the disk. SCHED_IDLE threads only take cycles nobody else wants.
#include <fcntl.h>
#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench/internal/bench_util.h"
#include "ledger/ledger.h"
#include "ledger/record.h"

namespace cairn::ledger {
namespace {

using bench::Clock;
using bench::FdatasyncP50;
using bench::IdleSpinners;
using bench::Ms;
using bench::ParseList;
using bench::Percentile;
using bench::ScratchDir;
using bench::Secs;

struct Flags {
  double seconds = 1.5;  // measured time per side per row
  int rounds = 3;
  double warmup = 0.1;  // per slice, not measured
  std::vector<size_t> groups = {1, 8, 64, 256};
  std::vector<size_t> threads = {1, 16, 64};
  size_t record_bytes = 300;
  std::string dir = "/tmp";
  int idle_spinners = static_cast<int>(std::thread::hardware_concurrency());
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    size_t eq = a.find('=');
    std::string name = a.substr(0, eq), value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (name == "--seconds")
      f->seconds = std::stod(value);
    else if (name == "--rounds")
      f->rounds = std::stoi(value);
    else if (name == "--warmup")
      f->warmup = std::stod(value);
    else if (name == "--groups")
      f->groups = ParseList(value);
    else if (name == "--threads")
      f->threads = ParseList(value);
    else if (name == "--record-bytes")
      f->record_bytes = std::stoul(value);
    else if (name == "--dir")
      f->dir = value;
    else if (name == "--idle-spinners")
      f->idle_spinners = std::stoi(value);
    else {
      std::fprintf(stderr, "unknown flag %s (see the comment at the top of ledger_bench.cc)\n",
                   a.c_str());
      return false;
    }
  }
  return f->rounds > 0 && f->seconds > 0;
}

class CountingStore final : public Store {
 public:
  explicit CountingStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}
  std::atomic<uint64_t> writes{0};

  Status Write(const WriteSet& w, bool sync) override {
    writes.fetch_add(1, std::memory_order_relaxed);
    return inner_->Write(w, sync);
  }
  Status WriteDeferred(const WriteSet& w) override {
    writes.fetch_add(1, std::memory_order_relaxed);
    return inner_->WriteDeferred(w);
  }
  Status Persist() override { return inner_->Persist(); }
  Result<std::optional<std::string>> Get(Family f, std::string_view k) const override {
    return inner_->Get(f, k);
  }
  std::unique_ptr<StoreIterator> NewIterator(Family f) const override {
    return inner_->NewIterator(f);
  }
  Status CompactFamily(Family f) override { return inner_->CompactFamily(f); }
  bool read_only() const override { return inner_->read_only(); }
  std::unique_ptr<Store> Snapshot() const override { return inner_->Snapshot(); }

 private:
  std::unique_ptr<Store> inner_;
};

RecordInput MakeInput(size_t record_bytes) {
  RecordInput in;
  in.time_unix_ms = 1700000000000;
  in.actor = {"user:alice", "LocalUser", "embedded:pid=1234",
              "6f1c2a9e-4b7d-4e0a-9a51-3c2d8e7f0b12", "cairn-cli/0.1.0"};
  in.event_type = "SecretValueRead";
  size_t base = EncodeRecord(0, {}, in).size();
  in.payload.assign(record_bytes > base ? record_bytes - base : 0, 'p');
  return in;
}

// What a side of a row accumulates over its slices.
struct Tally {
  uint64_t units = 0;  // records made durable inside the measured windows
  double seconds = 0;
  std::vector<double> latency_ms;  // per operation (an Append, or a raw batch)
  uint64_t batch_records = 0, batches = 0;

  double per_second() const { return seconds > 0 ? units / seconds : 0; }
  double mean_batch() const { return batches ? double(batch_records) / batches : 0; }
};

// Runs `op` (returns records made durable) on `threads` threads for
// warm-up + `seconds`; counts only operations completing inside the window.
// `sample` reads (records durable, batches) at both edges of the window.
void RunSlice(const Flags& flags, double seconds, size_t threads,
              const std::function<uint64_t()>& op,
              const std::function<std::pair<uint64_t, uint64_t>()>& sample, Tally* tally) {
  Clock::time_point start = Clock::now() + Secs(flags.warmup), end = start + Secs(seconds);
  std::vector<std::vector<double>> lat(threads);
  std::vector<uint64_t> units(threads, 0);
  std::pair<uint64_t, uint64_t> at_start, at_end;
  std::thread sampler([&] {
    std::this_thread::sleep_until(start);
    at_start = sample();
    std::this_thread::sleep_until(end);
    at_end = sample();
  });
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (auto t0 = Clock::now(); t0 < end; t0 = Clock::now()) {
        uint64_t n = op();
        auto t1 = Clock::now();
        if (t1 >= start && t1 < end) {
          lat[t].push_back(Ms(t1 - t0));
          units[t] += n;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  sampler.join();
  for (size_t t = 0; t < threads; ++t) {
    tally->units += units[t];
    tally->latency_ms.insert(tally->latency_ms.end(), lat[t].begin(), lat[t].end());
  }
  tally->seconds += seconds;
  tally->batch_records += at_end.first - at_start.first;
  tally->batches += at_end.second - at_start.second;
}

// Raw RocksDB: `group` records per WriteBatch, sync=true, one writer.
class RawSide {
 public:
  RawSide(const std::string& dir, size_t group, size_t record_bytes)
      : group_(group), value_(record_bytes, 'v') {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.compression = rocksdb::kNoCompression;  // as the ledger's log family
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open(options, dir, &raw).ok()) std::abort();
    db_.reset(raw);
  }
  uint64_t Op() {
    rocksdb::WriteBatch batch;
    for (size_t i = 0; i < group_; ++i) {
      if (!batch.Put(SeqKey(next_++), value_).ok()) std::abort();
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (!db_->Write(wo, &batch).ok()) std::abort();
    batches_.fetch_add(1);
    return group_;
  }
  std::pair<uint64_t, uint64_t> Sample() const { return {batches_ * group_, batches_.load()}; }

 private:
  size_t group_;
  std::string value_;
  std::unique_ptr<rocksdb::DB> db_;
  uint64_t next_ = 0;
  std::atomic<uint64_t> batches_{0};
};

// Raw RocksDB with T concurrent one-record sync writers: RocksDB groups them.
class RawGroupSide {
 public:
  RawGroupSide(const std::string& dir, size_t record_bytes) : value_(record_bytes, 'v') {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.compression = rocksdb::kNoCompression;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open(options, dir, &raw).ok()) std::abort();
    db_.reset(raw);
  }
  uint64_t Op() {
    rocksdb::WriteBatch batch;
    if (!batch.Put(SeqKey(next_.fetch_add(1)), value_).ok()) std::abort();
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (!db_->Write(wo, &batch).ok()) std::abort();
    done_.fetch_add(1);
    return 1;
  }
  // RocksDB does not say how many groups it formed: batches stay 0.
  std::pair<uint64_t, uint64_t> Sample() const { return {done_.load(), 0}; }

 private:
  std::string value_;
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> next_{0}, done_{0};
};

// The ledger on RocksDB, one record per Append.
class LedgerSide {
 public:
  LedgerSide(const std::string& dir, size_t group, RecordInput input) : input_(std::move(input)) {
    auto rocks = OpenRocksStore(dir, OpenMode::kCreate);
    if (!rocks.ok()) std::abort();
    auto counting = std::make_unique<CountingStore>(std::move(rocks).value());
    counter_ = counting.get();
    auto ledger = Ledger::Open(std::move(counting), {.max_batch_records = group});
    if (!ledger.ok()) std::abort();
    ledger_ = std::move(ledger).value();
  }
  uint64_t Op() {
    if (!ledger_->Append({input_}).ok()) std::abort();
    return 1;
  }
  std::pair<uint64_t, uint64_t> Sample() const {
    return {ledger_->durable_head().next_seq, counter_->writes.load()};
  }

 private:
  RecordInput input_;
  CountingStore* counter_ = nullptr;
  std::unique_ptr<Ledger> ledger_;
};

struct Row {
  Tally raw_batch, raw_group, ledger;
};

void RunRow(const Flags& flags, size_t group, size_t threads, const RecordInput& input, Row* row) {
  ScratchDir dir(flags.dir, "cairn-ledger-bench");
  size_t record_bytes = EncodeRecord(0, {}, input).size();
  RawSide raw_batch(dir.Sub("raw-batch"), group, record_bytes);
  RawGroupSide raw_group(dir.Sub("raw-group"), record_bytes);
  LedgerSide ledger(dir.Sub("ledger"), group, input);
  double slice = flags.seconds / flags.rounds;
  std::function<void()> sides[] = {
      [&] {
        RunSlice(
            flags, slice, 1, [&] { return raw_batch.Op(); }, [&] { return raw_batch.Sample(); },
            &row->raw_batch);
      },
      [&] {
        RunSlice(
            flags, slice, threads, [&] { return raw_group.Op(); },
            [&] { return raw_group.Sample(); }, &row->raw_group);
      },
      [&] {
        RunSlice(
            flags, slice, threads, [&] { return ledger.Op(); }, [&] { return ledger.Sample(); },
            &row->ledger);
      },
  };
  for (int r = 0; r < flags.rounds; ++r) {
    for (int i = 0; i < 3; ++i) sides[(r + i) % 3]();  // rotate the order, against drift
  }
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  RecordInput input = MakeInput(flags.record_bytes);
  IdleSpinners spinners(flags.idle_spinners);
  std::printf(
      "record %zu bytes; %.2f s measured per side per row in %d alternating slices "
      "(+%.2f s warm-up each); %u hardware threads, %d idle spinners; "
      "fdatasync p50 %.2f ms in %s\n\n",
      EncodeRecord(0, {}, input).size(), flags.seconds, flags.rounds, flags.warmup,
      std::thread::hardware_concurrency(), flags.idle_spinners, FdatasyncP50(flags.dir),
      flags.dir.c_str());
  std::printf(
      "| G | T | ledger appends/s | p50 ms | p99 ms | mean batch "
      "| raw batch records/s | raw batch p50 ms | ledger / raw batch | ceiling "
      "| raw group records/s | raw group p50 ms | ledger / raw group |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t group : flags.groups) {
    for (size_t threads : flags.threads) {
      Row row;
      RunRow(flags, group, threads, input, &row);
      // With one record per appender in flight, a batch holds at most
      // min(T, G) records: the best ledger / raw batch ratio possible.
      double ceiling = double(std::min(threads, group)) / group;
      const Tally& l = row.ledger;
      const Tally& rb = row.raw_batch;
      const Tally& rg = row.raw_group;
      std::printf(
          "| %zu | %zu | %.0f | %.2f | %.2f | %.1f | %.0f | %.2f | %.0f%% | %.0f%% "
          "| %.0f | %.2f | %.0f%% |\n",
          group, threads, l.per_second(), Percentile(l.latency_ms, 0.5),
          Percentile(l.latency_ms, 0.99), l.mean_batch(), rb.per_second(),
          Percentile(rb.latency_ms, 0.5), 100 * l.per_second() / rb.per_second(), 100 * ceiling,
          rg.per_second(), Percentile(rg.latency_ms, 0.5), 100 * l.per_second() / rg.per_second());
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace cairn::ledger

int main(int argc, char** argv) { return cairn::ledger::Main(argc, argv); }
