#include "tools/cairn_audit/bundle.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "crypto/hash.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/verify.h"
#include "service/api.h"
#include "service/checkpointer.h"

namespace cairn::tools {
namespace {

constexpr int kExitBad = 1;
constexpr int kExitError = 2;

int Fail(const Status& s) {
  std::fprintf(stderr, "cairn-audit: error: %s\n", s.message().c_str());
  return kExitError;
}

std::string Padded(uint64_t n) {
  std::string s = std::to_string(n);
  return std::string(20 - s.size(), '0') + s;
}

// Parses a 20-digit member name "<dir><digits><ext>"; nullopt if it is not one.
std::optional<uint64_t> NumberedName(std::string_view name, std::string_view dir, std::string_view ext) {
  if (name.size() != dir.size() + 20 + ext.size()) return std::nullopt;
  if (name.substr(0, dir.size()) != dir || name.substr(dir.size() + 20) != ext) return std::nullopt;
  uint64_t v = 0;
  for (char c : name.substr(dir.size(), 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

struct BundleReport {
  bool ok = true;
  uint64_t records = 0;
  crypto::Digest head{};
  crypto::Digest root{};
  std::optional<uint64_t> first_bad_seq;
  std::string problem;
  uint64_t checkpoints = 0;
  bool checkpoints_ok = true;
};

}  // namespace

int BundleCommand(const ledger::Store& store, const std::string& out_path) {
  auto head = ledger::ReadHead(store);
  if (!head.ok()) return Fail(head.status());
  auto verifier = service::ReadLedgerVerifier(store);
  if (!verifier.ok()) return Fail(verifier.status());
  auto checkpoints = service::ReadCheckpoints(store);
  if (!checkpoints.ok()) return Fail(checkpoints.status());
  const uint64_t n = head->next_seq;
  const std::string vkey = ledger::FormatVerifierKey(*verifier);

  // Pass 1: the root over the records up to the head (the read-only handle is a
  // snapshot, so pass 2 sees the same records).
  ledger::CompactRange range;
  Status failure;
  auto dense = [&](std::string_view key, uint64_t expected) -> bool {
    auto seq = ledger::ParseSeqKey(key);
    if (!seq.ok() || *seq != expected) {
      failure = DataLossError("log is not dense at seq " + std::to_string(expected) +
                              "; run 'cairn-audit verify'");
      return false;
    }
    return true;
  };
  Status s = ledger::ForEachRecord(store, 0, [&](std::string_view key, std::string_view bytes) {
    if (range.size() >= n) return false;
    if (!dense(key, range.size())) return false;
    range.Append(ledger::RecordLeafHash(bytes));
    return true;
  });
  if (!s.ok()) return Fail(s);
  if (!failure.ok()) return Fail(failure);
  if (range.size() != n) {
    return Fail(DataLossError("the head says " + std::to_string(n) + " records but the log holds " +
                              std::to_string(range.size()) + "; run 'cairn-audit verify'"));
  }

  const std::string tmp = out_path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return Fail(UnavailableError("cannot write " + tmp));
  service::Json manifest = {{"format", kBundleFormat},
                            {"origin", verifier->name},
                            {"records", n},
                            {"head", crypto::ToHex(head->last_leaf)},
                            {"root", crypto::ToHex(range.Root())},
                            {"verifier_key", vkey}};
  out << TarMember("MANIFEST.json", manifest.dump(2) + "\n");
  out << TarMember("verifier.key", vkey + "\n");
  uint64_t written = 0;
  s = ledger::ForEachRecord(store, 0, [&](std::string_view key, std::string_view bytes) {
    if (written >= n) return false;
    if (!dense(key, written)) return false;
    out << TarMember("records/" + Padded(written) + ".bin", bytes);
    ++written;
    return true;
  });
  if (!s.ok() || !failure.ok()) {
    out.close();
    std::filesystem::remove(tmp);
    return Fail(!s.ok() ? s : failure);
  }
  for (const auto& [size, note] : *checkpoints) {
    out << TarMember("checkpoints/" + Padded(size) + ".note", note);
  }
  out << TarEnd();
  out.close();
  if (!out) {
    std::filesystem::remove(tmp);
    return Fail(UnavailableError("write to " + tmp + " failed"));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out_path, ec);
  if (ec) return Fail(UnavailableError("cannot rename " + tmp + " to " + out_path + ": " + ec.message()));
  std::fprintf(stderr, "cairn-audit: wrote %s: %llu records, %zu checkpoints, root %s\n", out_path.c_str(),
               static_cast<unsigned long long>(n), checkpoints->size(), crypto::ToHex(range.Root()).c_str());
  return 0;
}

namespace {

// Structural problems (the bundle cannot be read) come back as a Status; what
// the evidence says, as a report.
Result<BundleReport> CheckBundle(const std::map<std::string, std::string>& members, const std::string& pin_key) {
  auto member = [&](const std::string& name) -> Result<const std::string*> {
    auto it = members.find(name);
    if (it == members.end()) return NotFoundError("bundle has no member " + name);
    return &it->second;
  };
  ASSIGN_OR_RETURN(const std::string* manifest_text, member("MANIFEST.json"));
  ASSIGN_OR_RETURN(const std::string* vkey_text, member("verifier.key"));
  service::Json manifest = service::Json::parse(*manifest_text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) return DataLossError("MANIFEST.json is not a JSON object");
  for (const char* field : {"format", "origin", "head", "root", "verifier_key"}) {
    if (!manifest.contains(field) || !manifest[field].is_string()) {
      return DataLossError(std::string("MANIFEST.json: missing or non-string \"") + field + "\"");
    }
  }
  if (!manifest.contains("records") || !manifest["records"].is_number_unsigned()) {
    return DataLossError("MANIFEST.json: missing or non-integer \"records\"");
  }
  if (manifest["format"] != kBundleFormat) {
    return DataLossError("MANIFEST.json: format " + manifest["format"].get<std::string>() + " is not " +
                         kBundleFormat);
  }
  const std::string origin = manifest["origin"].get<std::string>();
  const uint64_t n = manifest["records"].get<uint64_t>();
  ASSIGN_OR_RETURN(crypto::Digest manifest_head, crypto::DigestFromHex(manifest["head"].get<std::string>()));
  ASSIGN_OR_RETURN(crypto::Digest manifest_root, crypto::DigestFromHex(manifest["root"].get<std::string>()));

  BundleReport report;
  auto bad = [&](std::string problem) {
    if (report.ok) {
      report.ok = false;
      report.problem = std::move(problem);
    }
  };

  // Records: names, density, then the chain.
  std::map<uint64_t, const std::string*> records;
  std::map<uint64_t, const std::string*> notes;
  for (const auto& [name, data] : members) {
    if (name == "MANIFEST.json" || name == "verifier.key") continue;
    if (auto seq = NumberedName(name, "records/", ".bin")) {
      records.emplace(*seq, &data);
    } else if (auto size = NumberedName(name, "checkpoints/", ".note")) {
      notes.emplace(*size, &data);
    } else {
      return DataLossError("bundle has an unexpected member " + name);
    }
  }
  for (uint64_t seq = 0; seq < n; ++seq) {
    if (!records.count(seq)) {
      bad("record missing: bundle has no records/" + Padded(seq) + ".bin (a gap at seq " + std::to_string(seq) +
          " of the " + std::to_string(n) + " records in MANIFEST.json)");
      report.first_bad_seq = seq;
      break;
    }
  }
  if (!records.empty() && records.rbegin()->first >= n) {
    bad("bundle holds record seq " + std::to_string(records.rbegin()->first) + " but MANIFEST.json says " +
        std::to_string(n) + " records");
  }
  ledger::ChainVerifier chain;
  std::vector<crypto::Digest> leaves;
  leaves.reserve(records.size());
  for (const auto& [seq, bytes] : records) {
    const crypto::Digest leaf = ledger::RecordLeafHash(*bytes);
    chain.Add(ledger::SeqKey(seq), *bytes, leaf);
    leaves.push_back(leaf);
  }
  ledger::VerifyReport chain_report = chain.Finish(ledger::Head{n, manifest_head});
  report.records = chain_report.records;
  report.head = chain_report.head;
  report.root = ledger::RootOf(leaves);
  if (!chain_report.ok) {
    bad(chain_report.problem);
    if (!report.first_bad_seq) report.first_bad_seq = chain_report.first_bad_seq;
  }
  if (report.ok && report.root != manifest_root) {
    bad("MANIFEST.json root " + crypto::ToHex(manifest_root) + " but the records give root " +
        crypto::ToHex(report.root));
  }

  // Checkpoints: the key, then each note in size order against the prefix root.
  report.checkpoints_ok = false;
  std::string vkey_line = *vkey_text;
  if (!vkey_line.empty() && vkey_line.back() == '\n') vkey_line.pop_back();
  if (vkey_line != manifest["verifier_key"].get<std::string>()) {
    bad("verifier.key differs from MANIFEST.json verifier_key");
    return report;
  }
  auto verifier = ledger::ParseVerifierKey(pin_key.empty() ? vkey_line : pin_key);
  if (!verifier.ok()) {
    bad("checkpoint key: " + verifier.status().message());
    return report;
  }
  if (verifier->name != origin) {
    bad("checkpoint key is for " + verifier->name + " but MANIFEST.json origin is " + origin +
        " (a bundle of another ledger)");
    return report;
  }
  if (notes.empty()) {
    bad("the bundle holds no signed checkpoint");
    return report;
  }
  ledger::CompactRange prefix;
  for (const auto& [size, note] : notes) {
    const std::string where = "checkpoint at size " + std::to_string(size) + ": ";
    // The origin first, from the unverified body, to name a note of another ledger as such.
    const size_t blank = note->rfind("\n\n");
    if (blank != std::string::npos) {
      auto body = ledger::ParseCheckpointBody(std::string_view(*note).substr(0, blank + 1));
      if (body.ok() && body->origin != origin) {
        bad(where + "origin " + body->origin + " is not this ledger's origin " + origin +
            " (a checkpoint for another ledger)");
        return report;
      }
    }
    auto cp = ledger::OpenSignedCheckpoint(*note, *verifier);
    if (!cp.ok()) {
      bad(where + cp.status().message() +
          (cp.status().code() == StatusCode::kPermissionDenied ? " (signed by another key)" : ""));
      return report;
    }
    if (cp->size != size) {
      bad(where + "its note says size " + std::to_string(cp->size));
      return report;
    }
    if (size > leaves.size()) {
      bad(where + "the bundle has only " + std::to_string(leaves.size()) + " records (truncated)");
      return report;
    }
    while (prefix.size() < size) prefix.Append(leaves[prefix.size()]);
    if (prefix.Root() != cp->root) {
      bad(where + "signed root " + crypto::ToHex(cp->root) + " but the bundle's records give root " +
          crypto::ToHex(prefix.Root()) + " (rewritten or forked log)");
      return report;
    }
    ++report.checkpoints;
  }
  report.checkpoints_ok = true;
  return report;
}

}  // namespace

int VerifyBundleCommand(const std::string& path, const std::string& pin_key, bool json) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Fail(NotFoundError("cannot read bundle " + path));
  // One sized read: a character-at-a-time copy spent most of a 1M-record
  // bundle's verification here (bench/RESULTS.md, replay_bench).
  const std::streamoff size = in.tellg();
  if (size < 0) return Fail(InternalError("cannot size bundle " + path));
  std::string archive(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(archive.data(), size)) return Fail(InternalError("cannot read bundle " + path));
  auto members = ReadTar(archive);
  if (!members.ok()) return Fail(members.status().WithContext(path));
  auto report = CheckBundle(*members, pin_key);
  if (!report.ok()) return Fail(report.status().WithContext(path));
  if (json) {
    service::Json out = {{"bundle", path},
                         {"records", report->records},
                         {"head", crypto::ToHex(report->head)},
                         {"root", crypto::ToHex(report->root)},
                         {"ok", report->ok},
                         {"first_bad_seq", report->first_bad_seq ? service::Json(*report->first_bad_seq)
                                                                 : service::Json(nullptr)},
                         {"problem", report->problem},
                         {"checkpoints", report->checkpoints},
                         {"checkpoints_ok", report->checkpoints_ok}};
    std::printf("%s\n", out.dump().c_str());
  } else if (report->ok) {
    std::printf("OK: bundle %s: %llu records, chain intact, head %s\n", path.c_str(),
                static_cast<unsigned long long>(report->records), crypto::ToHex(report->head).c_str());
    std::printf("tree root %s; %llu signed checkpoints verified\n", crypto::ToHex(report->root).c_str(),
                static_cast<unsigned long long>(report->checkpoints));
  } else {
    std::printf("FAILED: %s\n", report->problem.c_str());
  }
  return report->ok ? 0 : kExitBad;
}

}  // namespace cairn::tools
