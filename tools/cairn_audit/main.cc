// cairn-audit: the auditor's tool. It needs no key: it opens the ledger
// read-only (also while a daemon or another cairn holds it) and checks or
// exports the history.
#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "crypto/hash.h"
#include "ledger/ledger.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "service/cloudtrail.h"
#include "service/engine.h"

namespace cairn::tools {
namespace {

constexpr int kExitBad = 1;     // the ledger does not verify
constexpr int kExitError = 2;   // could not run (no ledger, I/O)

int Fail(const Status& s) {
  std::fprintf(stderr, "cairn-audit: error: %s\n", s.message().c_str());
  return kExitError;
}

Result<std::unique_ptr<ledger::Store>> OpenReadOnly(const std::string& data_dir) {
  if (data_dir.empty()) return InvalidArgumentError("give --data-dir DIR");
  return ledger::OpenRocksStore(service::LedgerDir(data_dir), ledger::OpenMode::kReadOnly);
}

int Verify(const std::string& data_dir, bool json) {
  auto store = OpenReadOnly(data_dir);
  if (!store.ok()) return Fail(store.status());
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto progress = [&](uint64_t done) {
    std::fprintf(stderr, "cairn-audit: verified %llu records (%.0f records/s)\n",
                 static_cast<unsigned long long>(done), done / std::max(seconds(), 1e-9));
  };
  auto report = ledger::VerifyStore(**store, progress);
  if (!report.ok()) return Fail(report.status());
  const double elapsed = seconds();
  const double rate = elapsed > 0 ? report->records / elapsed : 0;
  if (json) {
    service::Json out = {{"records", report->records},
                         {"head", crypto::ToHex(report->head)},
                         {"ok", report->ok},
                         {"first_bad_seq", report->first_bad_seq ? service::Json(*report->first_bad_seq)
                                                                 : service::Json(nullptr)},
                         {"problem", report->problem},
                         {"seconds", elapsed},
                         {"records_per_second", rate}};
    std::printf("%s\n", out.dump().c_str());
  } else if (report->ok) {
    std::printf("OK: %llu records, chain intact, head %s (%.0f records/s)\n",
                static_cast<unsigned long long>(report->records), crypto::ToHex(report->head).c_str(), rate);
  } else {
    std::printf("FAILED: %s\n", report->problem.c_str());
  }
  return report->ok ? 0 : kExitBad;
}

int Export(const std::string& data_dir, const std::string& format) {
  auto store = OpenReadOnly(data_dir);
  if (!store.ok()) return Fail(store.status());
  service::TrailContext context;
  Status failure;
  uint64_t expected = 0;
  Status s = ledger::ForEachRecord(**store, 0, [&](std::string_view key, std::string_view bytes) {
    auto seq = ledger::ParseSeqKey(key);
    if (!seq.ok() || *seq != expected) {
      failure = DataLossError("log is not dense at seq " + std::to_string(expected) +
                              "; run 'cairn-audit verify'");
      return false;
    }
    auto record = service::CloudTrailRecord(*seq, bytes, context);
    if (!record.ok()) {
      failure = record.status().WithContext("seq " + std::to_string(*seq));
      return false;
    }
    std::string line = record->dump();
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    ++expected;
    return true;
  });
  if (!s.ok()) return Fail(s);
  if (!failure.ok()) return Fail(failure);
  (void)format;
  return 0;
}

}  // namespace
}  // namespace cairn::tools

int main(int argc, char** argv) {
  using namespace cairn::tools;
  CLI::App app{"cairn-audit: verify and export a Cairn ledger. Needs no key; opens the ledger read-only."};
  app.require_subcommand(1);
  std::string data_dir;
  bool json = false;
  std::string format = "cloudtrail";

  CLI::App* verify = app.add_subcommand("verify", "Recomputes the hash chain and names the first bad record");
  verify->add_option("--data-dir", data_dir, "The data directory")->required();
  verify->add_flag("--json", json, "One JSON object: records, head, ok, first_bad_seq, problem, records_per_second");

  CLI::App* exp = app.add_subcommand("export", "Writes every event as a JSON line in CloudTrail's record shape");
  exp->add_option("--data-dir", data_dir, "The data directory")->required();
  exp->add_option("--format", format, "Record shape (cloudtrail)")->check(CLI::IsMember({"cloudtrail"}));

  CLI11_PARSE(app, argc, argv);
  if (verify->parsed()) return Verify(data_dir, json);
  if (exp->parsed()) return Export(data_dir, format);
  return kExitError;
}
