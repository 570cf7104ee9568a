// proof_bench: Merkle proof generation and verification at a million records,
// and VerifyStore's throughput beside a raw RocksDB scan + SHA-256.
//
//   proof_bench [--records=1000000] [--record-bytes=300] [--samples=20000]
//               [--rounds=3] [--dir=/tmp] [--ledger=DIR] [--only=proofs|scan]
//
// --ledger=DIR builds the ledger in DIR once and keeps it; later runs with the
// same --records reuse it (a 10M-record ledger takes minutes to build).
// Without it, builds a real ledger (Ledger::Append in tickets of 1024 records, sync=true,
// so the tree is written by the committer path) in a fresh RocksDB directory,
// reopens it read-only (the auditor's view) and measures (--only picks one half):
//   - Root(n), InclusionProof(i, n) and ConsistencyProof(m, n) from the stored
//     tree (TreeReader), and VerifyInclusion / VerifyConsistency of their
//     output, in µs per call over --samples random questions;
//   - records/s of VerifyStore (chain + every tree node + root; three threads,
//     see ledger/verify.h), of the chain alone (ForEachRecord + ChainVerifier,
//     one thread), and of a raw scan of the `log` family with plain RocksDB
//     plus SHA-256(0x00 || record) per record, single-threaded, with the same
//     read options and perf level as VerifyStore's scans
//     (ledger/internal/scan_options.h); the three alternate for --rounds so
//     they see the same page cache, and each reports its best round.
#include <rocksdb/db.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "ledger/internal/scan_options.h"  // the raw side reads with VerifyStore's options
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/tree.h"
#include "ledger/verify.h"

namespace cairn::ledger {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  uint64_t records = 1000000;
  size_t record_bytes = 300;
  int samples = 20000;
  int rounds = 3;
  std::string dir = "/tmp";
  std::string ledger;  // --ledger: build here once and keep; reuse if present
  bool proofs = true;  // --only=proofs / --only=scan
  bool scan = true;
  bool verify_only = false;  // --only=verify: VerifyStore alone (for perf record)
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

[[noreturn]] void Die(const Status& s, const char* what) {
  std::fprintf(stderr, "proof_bench: %s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(r.status(), what);
  return std::move(r).value();
}

void Must(const Status& s, const char* what) {
  if (!s.ok()) Die(s, what);
}

RecordInput Input(uint64_t i, size_t record_bytes) {
  RecordInput in;
  in.time_unix_ms = 1700000000000 + static_cast<int64_t>(i);
  in.actor = {"user:alice", "LocalUser", "embedded:pid=1", "req-" + std::to_string(i), "bench"};
  in.event_type = "SecretValueRead";
  // The envelope around the payload is ~190 bytes with these fields.
  in.payload.assign(record_bytes > 190 ? record_bytes - 190 : 1, static_cast<char>('a' + i % 26));
  return in;
}

void Build(const std::string& dir, const Flags& f) {
  auto store = Must(OpenRocksStore(dir, OpenMode::kCreate), "creating the ledger");
  LedgerOptions options;
  options.max_batch_records = 1024;
  auto ledger = Must(Ledger::Open(std::move(store), options), "opening the ledger");
  auto start = Clock::now();
  for (uint64_t i = 0; i < f.records; i += 1024) {
    std::vector<RecordInput> batch;
    for (uint64_t j = i; j < std::min(f.records, i + 1024); ++j) {
      batch.push_back(Input(j, f.record_bytes));
    }
    Must(ledger->Append(std::move(batch)), "appending");
  }
  double s = Seconds(start);
  std::printf("built %llu records (tree written by the committer) in %.1f s: %.0f records/s\n",
              static_cast<unsigned long long>(f.records), s, f.records / s);
}

template <typename Fn>
double MicrosPerCall(int samples, Fn&& fn) {
  auto start = Clock::now();
  for (int i = 0; i < samples; ++i) fn(i);
  return Seconds(start) * 1e6 / samples;
}

void Proofs(const Store& store, const Flags& f) {
  TreeReader tree(store);
  const uint64_t n = f.records;
  std::mt19937_64 rng(42);
  std::vector<uint64_t> index(f.samples), old_size(f.samples);
  for (int i = 0; i < f.samples; ++i) {
    index[i] = rng() % n;
    old_size[i] = 1 + rng() % (n - 1);
  }
  const Digest root = Must(tree.Root(n), "root");
  std::vector<std::vector<Digest>> incl(f.samples), cons(f.samples);
  std::vector<Digest> leaves(f.samples), old_roots(f.samples);
  for (int i = 0; i < f.samples; ++i) {
    leaves[i] = Must(tree.Node(0, index[i]), "leaf");
    old_roots[i] = Must(tree.Root(old_size[i]), "old root");
  }
  double root_us = MicrosPerCall(f.samples, [&](int i) { (void)tree.Root(n - i % 1000); });
  double incl_us = MicrosPerCall(f.samples, [&](int i) {
    incl[i] = Must(tree.InclusionProof(index[i], n), "inclusion proof");
  });
  double incl_verify_us = MicrosPerCall(f.samples, [&](int i) {
    Must(VerifyInclusion(index[i], n, leaves[i], incl[i], root), "verifying inclusion");
  });
  double cons_us = MicrosPerCall(f.samples, [&](int i) {
    cons[i] = Must(tree.ConsistencyProof(old_size[i], n), "consistency proof");
  });
  double cons_verify_us = MicrosPerCall(f.samples, [&](int i) {
    Must(VerifyConsistency(old_size[i], n, old_roots[i], root, cons[i]), "verifying consistency");
  });
  size_t incl_len = 0, cons_len = 0;
  for (int i = 0; i < f.samples; ++i) {
    incl_len += incl[i].size();
    cons_len += cons[i].size();
  }
  std::printf("\n| operation (tree of %llu leaves, %d random questions) | µs per call | hashes |\n",
              static_cast<unsigned long long>(n), f.samples);
  std::printf("|---|---:|---:|\n");
  std::printf("| Root(n) from stored nodes | %.2f | |\n", root_us);
  std::printf("| InclusionProof(i, n) generation | %.2f | %.1f |\n", incl_us,
              double(incl_len) / f.samples);
  std::printf("| VerifyInclusion | %.2f | |\n", incl_verify_us);
  std::printf("| ConsistencyProof(m, n) generation | %.2f | %.1f |\n", cons_us,
              double(cons_len) / f.samples);
  std::printf("| VerifyConsistency | %.2f | |\n\n", cons_verify_us);
}

// Plain RocksDB: every record of `log` read and hashed as a leaf.
double RawScan(const std::string& dir, uint64_t* count) {
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok()) {
    Die(InternalError("listing column families"), "raw open");
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  size_t log_at = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "log") log_at = i;
    descriptors.emplace_back(names[i], rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, descriptors, &handles, &raw).ok()) {
    Die(InternalError("open"), "raw open");
  }
  PerfCountersOff perf;  // as Store::NewScanIterator does
  auto start = Clock::now();
  std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(ScanReadOptions(), handles[log_at]));
  uint64_t n = 0;
  uint8_t sink = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rocksdb::Slice v = it->value();
    sink ^=
        crypto::LeafHash(crypto::ByteView(reinterpret_cast<const uint8_t*>(v.data()), v.size()))[0];
    ++n;
  }
  double s = Seconds(start);
  it.reset();
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  *count = n;
  if (sink == 0x5a) std::fprintf(stderr, " ");  // keeps the hashing from being optimized away
  return n / s;
}

double ChainOnly(const Store& store) {
  auto start = Clock::now();
  ChainVerifier v;
  uint64_t n = 0;
  Must(ForEachRecord(store, 0,
                     [&](std::string_view key, std::string_view bytes) {
                       v.Add(key, bytes);
                       ++n;
                       return true;
                     }),
       "chain scan");
  VerifyReport r = v.Finish(Must(ReadHead(store), "head"));
  if (!r.ok) Die(DataLossError(r.problem), "chain");
  return n / Seconds(start);
}

double FullVerify(const Store& store) {
  auto start = Clock::now();
  VerifyReport r = Must(VerifyStore(store), "VerifyStore");
  if (!r.ok) Die(DataLossError(r.problem), "VerifyStore");
  return r.records / Seconds(start);
}

// The machine's 1-minute load average (other engineers share its 2 cores).
std::string LoadAverage() {
  std::FILE* in = std::fopen("/proc/loadavg", "r");
  char buf[64] = "?";
  if (in != nullptr) {
    if (std::fscanf(in, "%63s", buf) != 1) buf[0] = '?';
    std::fclose(in);
  }
  return buf;
}

void Throughput(const std::string& dir, const Store& store, const Flags& f) {
  std::printf("load average before the scans: %s\n", LoadAverage().c_str());
  std::vector<double> full, chain, raw;
  uint64_t raw_count = 0;
  for (int round = 0; round < f.rounds; ++round) {
    if (f.verify_only) {
      std::printf("VerifyStore: %.0f records/s\n", FullVerify(store));
      continue;
    }
    raw.push_back(RawScan(dir, &raw_count));
    full.push_back(FullVerify(store));
    chain.push_back(ChainOnly(store));
  }
  std::printf("load average after the scans: %s\n", LoadAverage().c_str());
  if (f.verify_only) return;
  auto each = [](const char* name, const std::vector<double>& v) {
    std::printf("%s rounds:", name);
    for (double x : v) std::printf(" %.0f", x);
    std::printf("\n");
  };
  each("raw", raw);
  each("chain", chain);
  each("VerifyStore", full);
  auto best = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  std::printf("| scan of %llu records (best of %d, alternating) | records/s | vs raw |\n",
              static_cast<unsigned long long>(raw_count), f.rounds);
  std::printf("|---|---:|---:|\n");
  std::printf("| raw RocksDB scan + SHA-256 leaf hash (1 thread) | %.0f | 100%% |\n", best(raw));
  std::printf("| chain only (ForEachRecord + ChainVerifier) | %.0f | %.0f%% |\n", best(chain),
              100 * best(chain) / best(raw));
  std::printf("| VerifyStore (chain + every tree node + root, 3 threads) | %.0f | %.0f%% |\n",
              best(full), 100 * best(full) / best(raw));
}

Flags Parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      std::string prefix = std::string("--") + name + "=";
      return a.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("records")) {
      f.records = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("record-bytes")) {
      f.record_bytes = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("samples")) {
      f.samples = std::atoi(v);
    } else if (const char* v = value("rounds")) {
      f.rounds = std::atoi(v);
    } else if (const char* v = value("dir")) {
      f.dir = v;
    } else if (const char* v = value("ledger")) {
      f.ledger = v;
    } else if (const char* v = value("only")) {
      f.proofs = std::string(v) == "proofs";
      f.scan = std::string(v) == "scan" || std::string(v) == "verify";
      f.verify_only = std::string(v) == "verify";
    } else {
      std::fprintf(stderr, "proof_bench: unknown flag %s\n", argv[i]);
      std::exit(2);
    }
  }
  if (f.records < 2 || f.samples < 1 || f.rounds < 1) {
    std::fprintf(stderr, "proof_bench: need --records >= 2, --samples >= 1, --rounds >= 1\n");
    std::exit(2);
  }
  return f;
}

// The ledger to measure: --ledger's directory (built there on first use, then
// reused as is), or a fresh one under --dir, removed at the end.
std::string Prepare(const Flags& f, std::string* scratch) {
  if (!f.ledger.empty()) {
    if (std::filesystem::exists(std::filesystem::path(f.ledger) / "CURRENT")) {
      auto store = Must(OpenRocksStore(f.ledger, OpenMode::kReadOnly), "opening --ledger");
      uint64_t have = Must(ReadHead(*store), "head").next_seq;
      if (have != f.records) {
        std::fprintf(stderr, "proof_bench: %s holds %llu records, not --records\n",
                     f.ledger.c_str(), static_cast<unsigned long long>(have));
        std::exit(2);
      }
      std::printf("reusing %s (%llu records)\n", f.ledger.c_str(),
                  static_cast<unsigned long long>(have));
    } else {
      Build(f.ledger, f);
    }
    return f.ledger;
  }
  std::string tmpl = f.dir + "/cairn-proof-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  *scratch = tmpl;
  Build(tmpl + "/ledger", f);
  return tmpl + "/ledger";
}

int Main(int argc, char** argv) {
  Flags f = Parse(argc, argv);
  std::string scratch;
  const std::string dir = Prepare(f, &scratch);
  {
    auto store = Must(OpenRocksStore(dir, OpenMode::kReadOnly), "reopening read-only");
    if (f.proofs) Proofs(*store, f);
    if (f.scan) Throughput(dir, *store, f);
  }
  std::error_code ec;
  if (!scratch.empty()) std::filesystem::remove_all(scratch, ec);
  return 0;
}

}  // namespace
}  // namespace cairn::ledger

int main(int argc, char** argv) { return cairn::ledger::Main(argc, argv); }
