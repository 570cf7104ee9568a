// cairn-audit: the auditor's tool. It needs no key: it opens the ledger
// read-only (also while a daemon or another cairn holds it) and checks or
// exports the history, or proves a record's inclusion and the log's growth.
// With --profile (or CAIRN_PROFILE) the verbs run on a running cairnd's ledger
// mirrored into memory (tools/cairn_audit/remote_mirror.h), by the same code.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "crypto/hash.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/store.h"
#include "ledger/tree.h"
#include "ledger/verify.h"
#include "service/cloudtrail.h"
#include "service/engine.h"
#include "tools/cairn_audit/bundle.h"
#include "tools/cairn_audit/checkpoint_commands.h"
#include "tools/cairn_audit/remote_mirror.h"
#include "tools/cairn_audit/state_commands.h"
#include "tools/common/profile.h"

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

// Where a verb reads: a data directory, or a running cairnd through a profile.
struct Source {
  std::string data_dir;
  std::string profile;
};

struct OpenedLedger {
  std::unique_ptr<ledger::Store> store;
  bool remote = false;
  std::string pinned_key;  // a remote source: the profile's CheckpointKey, if any
};

// The data directory read-only; else the profile's cairnd mirrored into
// memory, at most `max_records` of it (CAIRN_PROFILE when neither is given).
Result<OpenedLedger> OpenSource(Source source, std::optional<uint64_t> max_records = std::nullopt) {
  if (source.data_dir.empty() && source.profile.empty()) {
    if (const char* env = std::getenv("CAIRN_PROFILE"); env != nullptr) source.profile = env;
  }
  if (source.profile.empty()) {
    if (source.data_dir.empty()) {
      return InvalidArgumentError("give --data-dir DIR, or --profile FILE (or set CAIRN_PROFILE) for a running cairnd");
    }
    ASSIGN_OR_RETURN(auto store, OpenReadOnly(source.data_dir));
    return OpenedLedger{std::move(store), false, ""};
  }
  ASSIGN_OR_RETURN(Profile profile, ReadProfile(source.profile));
  MirrorOptions options;
  options.max_records = max_records;
  options.progress = [](const std::string& line) { std::fprintf(stderr, "cairn-audit: %s\n", line.c_str()); };
  ASSIGN_OR_RETURN(RemoteLedger mirror, MirrorRemoteLedger(profile, options));
  return OpenedLedger{std::move(mirror.store), true, profile.checkpoint_key};
}

// --data-dir DIR | --profile FILE on a verb.
struct SourceOptions {
  CLI::Option* data_dir;
  CLI::Option* profile;
};

SourceOptions AddSource(CLI::App* verb, Source& source) {
  CLI::Option* dir = verb->add_option("--data-dir", source.data_dir, "The data directory");
  CLI::Option* profile = verb->add_option(
      "--profile", source.profile,
      "Audit a running cairnd instead: its ledger, mirrored through this (administrator's) profile; env CAIRN_PROFILE");
  dir->excludes(profile);
  profile->excludes(dir);
  return {dir, profile};
}

struct VerifyArgs {
  bool json = false;
  std::string since_file;  // a checkpoint note the auditor kept
  std::string pin_key;     // the auditor's copy of the ledger's verifier key
};

int Verify(const ledger::Store& store, const VerifyArgs& args) {
  std::string since_note;
  if (!args.since_file.empty()) {
    std::ifstream in(args.since_file, std::ios::binary);
    if (!in) return Fail(NotFoundError("cannot read checkpoint file " + args.since_file));
    since_note.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto progress = [&](uint64_t done) {
    std::fprintf(stderr, "cairn-audit: verified %llu records (%.0f records/s)\n",
                 static_cast<unsigned long long>(done), done / std::max(seconds(), 1e-9));
  };
  auto report = ledger::VerifyStore(store, progress);
  if (!report.ok()) return Fail(report.status());
  const double elapsed = seconds();
  const double rate = elapsed > 0 ? report->records / elapsed : 0;
  // A replica started from a snapshot holds the records from its base on:
  // its tree's size is the base plus the records examined.
  auto base = ledger::ReadBase(store);
  if (!base.ok()) return Fail(base.status());
  const uint64_t tree_size = base->seq + report->records;

  // Checkpoints: every stored one, then the auditor's own (--since).
  CheckpointReport checkpoints{false, 0, ""};
  std::optional<CheckpointReport> since;
  auto replica = service::ReadReplicaCheckpoint(store);
  if (!replica.ok()) return Fail(replica.status());
  uint64_t primary_size = 0;  // a replica's: the size of its primary's checkpoint verified
  if (replica->has_value()) {
    checkpoints = VerifyReplicaCheckpoints(store, **replica, args.pin_key, tree_size, &primary_size);
    if (!since_note.empty() && checkpoints.ok) {
      // The auditor's note is the primary's.
      auto verifier = ChoosePrimaryVerifier(**replica, args.pin_key);
      since = verifier.ok() ? VerifySince(store, *verifier, since_note, tree_size)
                            : CheckpointReport{false, 0, "checkpoint key: " + verifier.status().message()};
    }
  } else if (auto verifier = ChooseVerifier(store, args.pin_key); !verifier.ok()) {
    checkpoints.problem = "checkpoint key: " + verifier.status().message();
  } else {
    checkpoints = VerifyStoredCheckpoints(store, *verifier, tree_size);
    if (checkpoints.ok && checkpoints.checked == 0) {
      checkpoints = {false, 0, "the ledger holds no signed checkpoint"};
    }
    if (!since_note.empty()) since = VerifySince(store, *verifier, since_note, tree_size);
  }
  const bool since_ok = !since || since->ok;
  const bool ok = report->ok && checkpoints.ok && since_ok;
  std::string problem = report->problem;
  if (problem.empty() && !since_ok) problem = since->problem;
  if (problem.empty() && !checkpoints.ok) problem = checkpoints.problem;
  if (args.json) {
    service::Json out = {{"records", report->records},
                         {"first_seq", base->seq},
                         {"log_ok", report->ok},
                         {"head", crypto::ToHex(report->head)},
                         {"root", crypto::ToHex(report->root)},
                         {"ok", ok},
                         {"first_bad_seq", report->first_bad_seq ? service::Json(*report->first_bad_seq)
                                                                 : service::Json(nullptr)},
                         {"problem", problem},
                         {"checkpoints", checkpoints.checked},
                         {"checkpoints_ok", checkpoints.ok},
                         {"seconds", elapsed},
                         {"records_per_second", rate}};
    if (since) out["since_ok"] = since->ok;
    if (replica->has_value()) out["primary_checkpoint_size"] = primary_size;
    std::printf("%s\n", out.dump().c_str());
  } else if (ok) {
    std::printf("OK: %llu records%s, chain intact, head %s (%.0f records/s)\n",
                static_cast<unsigned long long>(report->records),
                base->seq == 0 ? ""
                               : (" from seq " + std::to_string(base->seq) + " (a replica's snapshot base)").c_str(),
                crypto::ToHex(report->head).c_str(), rate);
    std::printf("tree root %s; %llu signed checkpoints verified%s%s\n", crypto::ToHex(report->root).c_str(),
                static_cast<unsigned long long>(checkpoints.checked),
                replica->has_value()
                    ? (", among them its primary's at size " + std::to_string(primary_size) + " (a DR replica)").c_str()
                    : "",
                since ? "; the log only grew since the given checkpoint" : "");
  } else {
    std::printf("FAILED: %s\n", problem.c_str());
  }
  return ok ? 0 : kExitBad;
}

int Export(const ledger::Store& store, const std::string& format) {
  auto trail = service::TrailContextOf(store);
  if (!trail.ok()) return Fail(trail.status());
  service::TrailContext& context = *trail;
  auto base = ledger::ReadBase(store);  // a replica from a snapshot starts there
  if (!base.ok()) return Fail(base.status());
  Status failure;
  uint64_t expected = base->seq;
  Status s = ledger::ForEachRecord(store, base->seq, [&](std::string_view key, std::string_view bytes) {
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

std::string N(uint64_t v) { return std::to_string(v); }

service::Json HexList(const std::vector<crypto::Digest>& proof) {
  service::Json out = service::Json::array();
  for (const crypto::Digest& d : proof) out.push_back(crypto::ToHex(d));
  return out;
}

void PrintProof(const service::Json& out, bool json) {
  if (json) {
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  for (const auto& [key, value] : out.items()) {
    if (!value.is_array()) {
      std::printf("%s %s\n", key.c_str(),
                  value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
      continue;
    }
    std::printf("%s (%zu hashes)\n", key.c_str(), value.size());
    for (const auto& h : value) std::printf("  %s\n", h.get<std::string>().c_str());
  }
}

// The number of records, from the meta head.
Result<uint64_t> LedgerSize(const ledger::Store& store) {
  ASSIGN_OR_RETURN(ledger::Head head, ledger::ReadHead(store));
  return head.next_seq;
}

struct ProveArgs {
  uint64_t seq = 0;
  std::optional<uint64_t> tree_size;
};

// Checks the question against the ledger, then builds the proof from the
// stored tree and verifies it before printing; the leaf hash comes from the
// record bytes, never from the tree.
int Prove(const ledger::Store& store, const ProveArgs& args, bool json) {
  auto size = LedgerSize(store);
  if (!size.ok()) return Fail(size.status());
  const uint64_t m = args.tree_size.value_or(*size);
  if (args.seq >= *size) {
    return Fail(InvalidArgumentError("seq " + N(args.seq) + " is beyond the head: the ledger has " +
                                     N(*size) + " records"));
  }
  if (m > *size) {
    return Fail(InvalidArgumentError("tree size " + N(m) + " is beyond the ledger's " + N(*size) +
                                     " records"));
  }
  if (args.seq >= m) {
    return Fail(InvalidArgumentError("seq " + N(args.seq) + " is not in the tree of size " + N(m) +
                                     " (seq must be below --tree-size)"));
  }
  auto record = ledger::ReadRecord(store, args.seq);
  if (!record.ok()) return Fail(record.status());
  const crypto::Digest leaf = ledger::RecordLeafHash(*record);
  ledger::TreeReader tree(store);
  auto proof = tree.InclusionProof(args.seq, m);
  if (!proof.ok()) return Fail(proof.status());
  auto root = tree.Root(m);
  if (!root.ok()) return Fail(root.status());
  Status check = ledger::VerifyInclusion(args.seq, m, leaf, *proof, *root);
  if (!check.ok()) {
    std::fprintf(stderr, "cairn-audit: the stored tree gives a bad proof: %s\n",
                 check.message().c_str());
    return kExitBad;
  }
  PrintProof({{"leaf_index", args.seq},
              {"tree_size", m},
              {"leaf_hash", crypto::ToHex(leaf)},
              {"proof", HexList(*proof)},
              {"root", crypto::ToHex(*root)}},
             json);
  return 0;
}

int Consistency(const ledger::Store& store, uint64_t from, uint64_t to, bool json) {
  auto size = LedgerSize(store);
  if (!size.ok()) return Fail(size.status());
  if (from > to) {
    return Fail(InvalidArgumentError("--from " + N(from) + " is above --to " + N(to)));
  }
  if (to > *size) {
    return Fail(InvalidArgumentError("tree size " + N(to) + " is beyond the ledger's " + N(*size) +
                                     " records"));
  }
  ledger::TreeReader tree(store);
  auto proof = tree.ConsistencyProof(from, to);
  if (!proof.ok()) return Fail(proof.status());
  auto old_root = tree.Root(from);
  if (!old_root.ok()) return Fail(old_root.status());
  auto new_root = tree.Root(to);
  if (!new_root.ok()) return Fail(new_root.status());
  Status check = ledger::VerifyConsistency(from, to, *old_root, *new_root, *proof);
  if (!check.ok()) {
    std::fprintf(stderr, "cairn-audit: the stored tree gives a bad proof: %s\n",
                 check.message().c_str());
    return kExitBad;
  }
  PrintProof({{"old_size", from},
              {"new_size", to},
              {"old_root", crypto::ToHex(*old_root)},
              {"new_root", crypto::ToHex(*new_root)},
              {"proof", HexList(*proof)}},
             json);
  return 0;
}

// On a mirror, signatures are checked against --pin-key, else the profile's
// CheckpointKey, else (said on stderr) the key cairnd sent.
int VerifySource(const OpenedLedger& opened, VerifyArgs args) {
  if (opened.remote && args.pin_key.empty()) args.pin_key = opened.pinned_key;
  if (opened.remote && args.pin_key.empty()) {
    std::fprintf(stderr,
                 "cairn-audit: warning: no key pinned (--pin-key or the profile's CheckpointKey): "
                 "checking signatures against the key cairnd sent\n");
  }
  return Verify(*opened.store, args);
}

}  // namespace
}  // namespace cairn::tools

int main(int argc, char** argv) {
  using namespace cairn::tools;
  CLI::App app{"cairn-audit: verify, export and prove a Cairn ledger. Needs no key; opens the ledger read-only,\n"
               "or mirrors a running cairnd's ledger with --profile (an administrator's) and runs the same checks."};
  app.require_subcommand(1);
  Source source;
  bool json = false;
  std::string format = "cloudtrail";

  VerifyArgs verify_args;
  CLI::App* verify = app.add_subcommand(
      "verify", "Recomputes the hash chain, the Merkle tree and every signed checkpoint; names the first bad record");
  std::string bundle_file;
  const SourceOptions verify_source = AddSource(verify, source);
  CLI::Option* verify_bundle =
      verify->add_option("--bundle", bundle_file, "Verify a bundle (cairn-audit bundle) offline instead");
  verify_source.data_dir->excludes(verify_bundle);
  verify_source.profile->excludes(verify_bundle);
  verify_bundle->excludes(verify_source.data_dir);
  verify_bundle->excludes(verify_source.profile);
  verify->add_flag("--json", verify_args.json,
                   "One JSON object: records, head, root, ok, first_bad_seq, problem, checkpoints, records_per_second");
  verify->add_option("--since", verify_args.since_file,
                     "A checkpoint you kept (cairn-audit checkpoint > cp.txt): prove the log only grew since");
  verify->add_option("--pin-key", verify_args.pin_key,
                     "Check signatures against this verifier key (cairn-audit pubkey) instead of the ledger's\n"
                     "(with --profile: default the profile's CheckpointKey)");

  std::string bundle_out;
  CLI::App* bundle = app.add_subcommand(
      "bundle", "Writes a self-contained tar of the records, signed checkpoints and verifier key, for offline audit");
  AddSource(bundle, source);
  bundle->add_option("--out", bundle_out, "The archive to write (POSIX ustar)")->required();

  CLI::App* pubkey = app.add_subcommand("pubkey", "Prints the ledger's checkpoint verifier key (C2SP note key)");
  AddSource(pubkey, source);
  CLI::App* checkpoint = app.add_subcommand("checkpoint", "Prints the latest signed checkpoint (C2SP signed note)");
  AddSource(checkpoint, source);

  CLI::App* exp = app.add_subcommand("export", "Writes every event as a JSON line in CloudTrail's record shape");
  AddSource(exp, source);
  exp->add_option("--format", format, "Record shape (cloudtrail)")->check(CLI::IsMember({"cloudtrail"}));

  ProveArgs prove_args;
  uint64_t tree_size = 0;
  CLI::App* prove = app.add_subcommand("prove", "Prints an RFC 9162 inclusion proof for one record, verified");
  AddSource(prove, source);
  prove->add_option("--seq", prove_args.seq, "The record's sequence number (its leaf index)")->required();
  CLI::Option* tree_size_opt =
      prove->add_option("--tree-size", tree_size, "Prove against the tree of this many records (default: all)");
  prove->add_flag("--json", json, "One JSON object: leaf_index, tree_size, leaf_hash, proof, root");

  uint64_t from = 0;
  uint64_t to = 0;
  CLI::App* consistency =
      app.add_subcommand("consistency", "Prints an RFC 9162 consistency proof between two tree sizes, verified");
  AddSource(consistency, source);
  consistency->add_option("--from", from, "The old tree size")->required();
  consistency->add_option("--to", to, "The new tree size")->required();
  consistency->add_flag("--json", json, "One JSON object: old_size, new_size, old_root, new_root, proof");

  std::string at;
  uint64_t replay_seq = 0;
  CLI::App* replay = app.add_subcommand("replay", "Rebuilds the secrets as they were at a moment (no values)");
  AddSource(replay, source);
  replay->add_option("--at", at, "A UTC time, e.g. 2026-11-20T14:03:00Z (default: now)");
  CLI::Option* replay_seq_opt = replay->add_option("--seq", replay_seq, "Apply only records with seq below this");

  CLI::App* rebuild = app.add_subcommand("rebuild", "Recomputes the stored projections from the log and compares");
  rebuild->add_option("--data-dir", source.data_dir, "The data directory")->required();

  std::string secret;
  CLI::App* history = app.add_subcommand("history", "Every event that touched one secret, as CloudTrail JSON lines");
  AddSource(history, source);
  history->add_option("--secret", secret, "The secret's name or ARN")->required();

  CLI11_PARSE(app, argc, argv);
  if (rebuild->parsed()) {
    auto store = OpenReadOnly(source.data_dir);
    if (!store.ok()) return Fail(store.status());
    return RebuildCommand(**store);
  }
  if (verify->parsed() && verify_bundle->count() > 0) {
    if (!verify_args.since_file.empty()) {
      return Fail(cairn::InvalidArgumentError("--since applies to --data-dir or --profile, not --bundle"));
    }
    return VerifyBundleCommand(bundle_file, verify_args.pin_key, verify_args.json);
  }
  // How much of a remote ledger a verb needs (a data directory is read in place).
  std::optional<uint64_t> needed;
  if (prove->parsed() && tree_size_opt->count() > 0) needed = tree_size;
  if (consistency->parsed()) needed = to;
  if (replay->parsed() && replay_seq_opt->count() > 0) needed = replay_seq;
  auto opened = OpenSource(source, needed);
  if (!opened.ok()) return Fail(opened.status());
  const cairn::ledger::Store& store = *opened->store;
  if (verify->parsed()) return VerifySource(*opened, verify_args);
  if (replay->parsed()) {
    return ReplayCommand(store, at, replay_seq_opt->count() ? std::optional<uint64_t>(replay_seq) : std::nullopt);
  }
  if (history->parsed()) return HistoryCommand(store, secret);
  if (bundle->parsed()) return BundleCommand(store, bundle_out);
  if (pubkey->parsed()) return PubkeyCommand(store);
  if (checkpoint->parsed()) return CheckpointCommand(store);
  if (exp->parsed()) return Export(store, format);
  if (prove->parsed()) {
    if (tree_size_opt->count() > 0) prove_args.tree_size = tree_size;
    return Prove(store, prove_args, json);
  }
  if (consistency->parsed()) return Consistency(store, from, to, json);
  return kExitError;
}
