// replay_bench: replay throughput and bundle size of a realistic ledger
// (issue 6's benchmark; the proof and verify figures are bench/proof_bench.cc).
//
//   replay_bench [--records=1000000] [--rounds=3] [--dir=/tmp] [--data-dir=DIR]
//                [--only=replay|bundle] [--bundle-out=FILE]
//
// The ledger is written by a real service::Engine (bench/internal/replay_ledger.h
// gives the mix: mostly GetSecretValue, some creates, puts, tags, describes).
// --data-dir=DIR builds it in DIR once and keeps it; later runs reuse it.
// Without it, a fresh directory under --dir is built and removed at the end.
// The ledger is then reopened read-only (the auditor's view) and:
//   replay: records/s of projections::Replay (what `cairn-audit replay` and
//     `rebuild` run) over the whole log, beside a plain RocksDB scan of the
//     `log` family, and the scan plus the FlatBuffers verifier on each record
//     and its event payload; and cumulative stages of Replay's loop (store
//     iteration, + DecodeRecord, + event verifier, + Views::Apply) to show
//     where the time goes, with the per-record WriteTouched + MemStore write
//     of the previous Replay (the engine's way) added for comparison. The
//     sides alternate for --rounds so they see the same page cache; each
//     reports its best round.
//   bundle: tools::BundleCommand (the `cairn-audit bundle` writer) into a file
//     under --dir, its size per record and per million
//     records (the archive is uncompressed ustar, as written), the time to
//     write it and to verify it offline (VerifyBundleCommand); then removed,
//     unless --bundle-out names where to keep it (to try compressors on it).
#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/internal/replay_ledger.h"
#include "ledger/internal/scan_options.h"  // the raw side reads with the ledger's scan options
#include "ledger/ledger.h"
#include "ledger/record.h"
#include "projections/replay.h"
#include "projections/views.h"
#include "schema/events_generated.h"
#include "schema/record_generated.h"
#include "service/checkpointer.h"
#include "service/engine.h"
#include "tools/cairn_audit/bundle.h"

namespace cairn::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kGoal = 500000;  // issue 6: replay >= 500,000 records/s

struct Flags {
  uint64_t records = 1000000;
  int rounds = 3;
  std::string dir = "/tmp";
  std::string data_dir;  // --data-dir: build here once and keep; reuse if present
  std::string bundle_out;  // --bundle-out: write the bundle here and keep it
  bool replay = true;
  bool bundle = true;
};

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "replay_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

std::string LoadAverage() {
  std::FILE* in = std::fopen("/proc/loadavg", "r");
  char buf[64] = "?";
  if (in != nullptr) {
    if (std::fscanf(in, "%63s", buf) != 1) buf[0] = '?';
    std::fclose(in);
  }
  return buf;
}

// ---- the raw baseline: plain RocksDB, no Cairn code on the read path -------

struct RawStats {
  uint64_t records = 0;
  uint64_t bytes = 0;
};

// Scans `log` with the ledger's scan options; with `verify`, runs the
// FlatBuffers verifier on each record and on its event payload (copied to an
// aligned buffer first when RocksDB hands out an unaligned value, as the
// ledger's decoder does).
double RawScan(const std::string& dir, bool verify, RawStats* stats) {
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok()) Die("raw: listing families");
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  size_t log_at = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "log") log_at = i;
    descriptors.emplace_back(names[i], rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, descriptors, &handles, &raw).ok()) Die("raw: open");
  ledger::PerfCountersOff perf;
  std::vector<uint64_t> aligned;  // 8-aligned copy of an unaligned value
  RawStats s;
  auto start = Clock::now();
  std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(ledger::ScanReadOptions(), handles[log_at]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rocksdb::Slice v = it->value();
    ++s.records;
    s.bytes += v.size();
    if (!verify) continue;
    const uint8_t* data = reinterpret_cast<const uint8_t*>(v.data());
    if (reinterpret_cast<uintptr_t>(data) % 8 != 0) {
      aligned.resize(v.size() / 8 + 1);
      std::memcpy(aligned.data(), data, v.size());
      data = reinterpret_cast<const uint8_t*>(aligned.data());
    }
    flatbuffers::Verifier record_verifier(data, v.size());
    if (!schema::VerifyRecordBuffer(record_verifier)) Die("raw: a record does not verify");
    const auto* payload = schema::GetRecord(data)->payload();
    if (payload == nullptr) Die("raw: a record has no payload");
    flatbuffers::Verifier event_verifier(payload->data(), payload->size());
    if (!schema::VerifyEventBuffer(event_verifier)) Die("raw: an event does not verify");
  }
  if (!it->status().ok()) Die("raw: scan: " + it->status().ToString());
  const double seconds = Seconds(start);
  it.reset();
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  *stats = s;
  return s.records / seconds;
}

// ---- Replay's loop (projections/replay.cc), one stage more per pass ---------

// Stages of the loop, cumulative. Replay now runs kApply's loop over the scan
// iterator and writes the touched entries once at the end; kWriteTouched and
// kMemStore add what the previous Replay did per record (as the engine does),
// for comparison.
enum class Stage { kIterate, kDecode, kVerify, kApply, kWriteTouched, kMemStore };

struct StageRow {
  const char* name;
  Stage stage;
  bool scan_iterator;  // Store::NewScanIterator, else ForEachRecord (Store::NewIterator)
};
constexpr StageRow kStages[] = {
    {"ForEachRecord (Store::NewIterator, default ReadOptions)", Stage::kIterate, false},
    {"Store::NewScanIterator (read-ahead, no block cache fill)", Stage::kIterate, true},
    {"scan + DecodeRecord", Stage::kDecode, true},
    {"scan + decode + event FlatBuffers verifier", Stage::kVerify, true},
    {"scan + decode + verify + Views::Apply (Replay's loop now)", Stage::kApply, true},
    {"... + WriteTouched per record (CBOR encode)", Stage::kWriteTouched, true},
    {"... + MemStore write per record", Stage::kMemStore, true},
    {"previous Replay loop (ForEachRecord, per-record WriteTouched + MemStore)", Stage::kMemStore, false},
};

double Staged(const ledger::Store& store, const StageRow& row) {
  const Stage stage = row.stage;
  projections::Views views;
  projections::Views::Touched touched;
  auto mem = ledger::NewMemStore();
  uint64_t n = 0;
  Status failure;
  auto visit = [&](std::string_view bytes) {
    ++n;
    if (stage == Stage::kIterate) return true;
    auto record = ledger::DecodeRecord(bytes);
    if (!record.ok()) Die("decode: " + record.status().ToString());
    if (stage == Stage::kDecode) return true;
    flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(record->payload.data()), record->payload.size());
    if (!schema::VerifyEventBuffer(verifier)) Die("an event does not verify");
    if (stage == Stage::kVerify) return true;
    touched = {};
    failure = views.Apply(record->seq, record->time_unix_ms, *schema::GetEvent(record->payload.data()), &touched);
    if (!failure.ok()) return false;
    if (stage == Stage::kApply) return true;
    ledger::WriteSet writes;
    views.WriteTouched(touched, writes);
    if (stage == Stage::kWriteTouched) return true;
    failure = mem->Write(writes, /*sync=*/false);
    return failure.ok();
  };
  auto start = Clock::now();
  Status s;
  if (row.scan_iterator) {
    std::unique_ptr<ledger::StoreIterator> it = store.NewScanIterator(ledger::Family::kLog);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!visit(it->value())) break;
    }
    s = it->status();
  } else {
    s = ledger::ForEachRecord(store, 0, [&](std::string_view, std::string_view bytes) { return visit(bytes); });
  }
  if (!s.ok() || !failure.ok()) Die("staged replay: " + (s.ok() ? failure : s).ToString());
  return n / Seconds(start);
}

// Replay's records/s; checks that it applied every record and that its state
// equals the `state` family the engine wrote (what `cairn-audit rebuild` checks).
double FullReplay(const ledger::Store& store, uint64_t expect, size_t* state_entries) {
  auto start = Clock::now();
  projections::ReplayResult r = Must(projections::Replay(store), "Replay");
  const double rate = r.records / Seconds(start);
  if (r.records != expect) Die("Replay applied " + std::to_string(r.records) + " records, not " + std::to_string(expect));
  std::map<std::string, std::string> stored;
  auto it = store.NewIterator(ledger::Family::kState);
  for (it->SeekToFirst(); it->Valid(); it->Next()) stored[std::string(it->key())] = std::string(it->value());
  if (stored != r.state_entries) Die("Replay's state differs from the stored state family");
  *state_entries = r.state_entries.size();
  return rate;
}

double Best(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

void ReplaySide(const std::string& ledger_dir, const ledger::Store& store, const Flags& f) {
  const uint64_t n = Must(ledger::ReadHead(store), "head").next_seq;
  std::printf("load average before the replay side: %s\n", LoadAverage().c_str());
  std::vector<double> raw, raw_verify, replay;
  std::vector<std::vector<double>> stages(std::size(kStages));
  RawStats stats;
  size_t state_entries = 0;
  for (int round = 0; round < f.rounds; ++round) {
    raw.push_back(RawScan(ledger_dir, false, &stats));
    raw_verify.push_back(RawScan(ledger_dir, true, &stats));
    replay.push_back(FullReplay(store, n, &state_entries));
    for (size_t i = 0; i < stages.size(); ++i) stages[i].push_back(Staged(store, kStages[i]));
    std::printf("round %d: raw %.0f, raw+verify %.0f, Replay %.0f records/s (load %s)\n", round + 1, raw.back(),
                raw_verify.back(), replay.back(), LoadAverage().c_str());
  }
  std::printf("load average after the replay side: %s\n", LoadAverage().c_str());
  std::printf("%llu records, %.0f bytes per record on average; Replay's %zu state entries equal the stored ones\n\n",
              static_cast<unsigned long long>(stats.records), double(stats.bytes) / stats.records, state_entries);
  std::printf("| pass over %llu records (best of %d, alternating) | records/s | µs/record | vs goal 500k | vs raw |\n",
              static_cast<unsigned long long>(n), f.rounds);
  std::printf("|---|---:|---:|---:|---:|\n");
  auto row = [&](const std::string& name, double rate) {
    std::printf("| %s | %.0f | %.2f | %.2fx | %.0f%% |\n", name.c_str(), rate, 1e6 / rate, rate / kGoal,
                100 * rate / Best(raw));
  };
  row("raw RocksDB scan of `log` (1 thread)", Best(raw));
  row("raw scan + FlatBuffers verify of record and event", Best(raw_verify));
  for (size_t i = 0; i < stages.size(); ++i) row(std::string("stage: ") + kStages[i].name, Best(stages[i]));
  row("**projections::Replay (cairn-audit replay / rebuild)**", Best(replay));
  std::printf("\n");
}

// ---- bundle ----------------------------------------------------------------

void BundleSide(const ledger::Store& store, const std::string& path, bool keep) {
  const uint64_t n = Must(ledger::ReadHead(store), "head").next_seq;
  const size_t notes = Must(service::ReadCheckpoints(store), "checkpoints").size();
  std::printf("load average before the bundle side: %s\n", LoadAverage().c_str());
  auto start = Clock::now();
  if (tools::BundleCommand(store, path) != 0) Die("BundleCommand failed");
  const double write_s = Seconds(start);
  const double bytes = static_cast<double>(std::filesystem::file_size(path));
  start = Clock::now();
  if (tools::VerifyBundleCommand(path, "", /*json=*/false) != 0) Die("the bundle does not verify");
  const double verify_s = Seconds(start);
  std::printf("load average after the bundle side: %s\n\n", LoadAverage().c_str());
  if (!keep) std::filesystem::remove(path);
  std::printf("| bundle of %llu records, %zu checkpoints (uncompressed ustar, as written) | value |\n",
              static_cast<unsigned long long>(n), notes);
  std::printf("|---|---:|\n");
  std::printf("| bundle size | %.0f bytes (%.1f MiB) |\n", bytes, bytes / (1 << 20));
  std::printf("| per million records | %.1f MiB |\n", bytes / n * 1e6 / (1 << 20));
  std::printf("| per record | %.0f bytes |\n", bytes / n);
  std::printf("| write (cairn-audit bundle: root pass + write pass, no fsync) | %.1f s, %.0f records/s |\n", write_s,
              n / write_s);
  std::printf("| verify offline (cairn-audit verify --bundle) | %.1f s, %.0f records/s |\n\n", verify_s,
              n / verify_s);
}

// ---- setup -------------------------------------------------------------------

void Build(const std::string& data_dir, uint64_t records) {
  service::InitOptions init;
  init.data_dir = data_dir;
  init.actor = {"user:admin", "LocalUser", "embedded:pid=4242", crypto::NewUuidV4(crypto::SystemRandom()),
                "cairn-cli/0.1"};
  if (Status s = service::Engine::Init(init); !s.ok()) Die("engine init: " + s.ToString());
  service::OpenOptions open;
  open.data_dir = data_dir;
  auto engine = Must(service::Engine::Open(open), "engine open");
  auto start = Clock::now();
  ReplayLedgerBuilder(*engine).Run(records);
  const double s = Seconds(start);
  std::printf("built %llu records through service::Engine in %.1f s: %.0f records/s\n",
              static_cast<unsigned long long>(records), s, records / s);
}

Flags Parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string prefix = std::string("--") + name + "=";
      return a.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("records")) {
      f.records = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("rounds")) {
      f.rounds = std::atoi(v);
    } else if (const char* v = value("dir")) {
      f.dir = v;
    } else if (const char* v = value("data-dir")) {
      f.data_dir = v;
    } else if (const char* v = value("bundle-out")) {
      f.bundle_out = v;
    } else if (const char* v = value("only")) {
      f.replay = std::string(v) == "replay";
      f.bundle = std::string(v) == "bundle";
      if (!f.replay && !f.bundle) Die("--only is replay or bundle");
    } else {
      Die("unknown flag " + a);
    }
  }
  if (f.records < ReplayLedgerBuilder::kSecrets + 2 || f.rounds < 1) Die("need --records > 1001, --rounds >= 1");
  return f;
}

int Main(int argc, char** argv) {
  const Flags f = Parse(argc, argv);
  std::string scratch;
  std::string data_dir = f.data_dir;
  if (data_dir.empty()) {
    std::string tmpl = f.dir + "/cairn-replay-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp under " + f.dir);
    scratch = data_dir = tmpl + "/data";
  }
  const std::string ledger_dir = service::LedgerDir(data_dir);
  if (std::filesystem::exists(std::filesystem::path(ledger_dir) / "CURRENT")) {
    std::printf("reusing %s\n", data_dir.c_str());
  } else {
    Build(data_dir, f.records);
  }
  {
    auto store = Must(ledger::OpenRocksStore(ledger_dir, ledger::OpenMode::kReadOnly), "reopening read-only");
    if (f.replay) ReplaySide(ledger_dir, *store, f);
    if (f.bundle) {
      const bool keep = !f.bundle_out.empty();
      BundleSide(*store, keep ? f.bundle_out : f.dir + "/cairn-replay-bench-" + std::to_string(getpid()) + ".tar", keep);
    }
  }
  if (!scratch.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(scratch).parent_path(), ec);
  }
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Main(argc, argv); }
