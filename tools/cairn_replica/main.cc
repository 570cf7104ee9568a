// cairn-replica: a disaster-recovery replica of a cairnd primary
// (tools/cairn_replica/replicator.h, service/replica.h).
//
//   cairn-replica init   --data-dir D --primary-profile P --pin-key VKEY [--from-snapshot]
//   cairn-replica follow --data-dir D          (until SIGTERM/SIGINT)
//   cairn-replica status --data-dir D          (what follow last wrote)
//   cairn-replica promote --data-dir D         (becomes a primary; follow stopped)
//   cairn-replica rejoin --data-dir D --primary-profile P [--pin-key VKEY] [--fork-out F]
//                                               (an old primary, or its replica, after a failover)
//
// Exit codes: 0 ok, 1 failure (a record or checkpoint that does not verify
// among them), 2 usage.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <iostream>

#include "tools/cairn_replica/replicator.h"
#include "tools/common/passphrase.h"
#include "tools/common/process.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn;
  using namespace cairn::tools;
  HardenProcess();  // the replica holds the same keys as the primary
  // Catching up moves buffers of several MB per page (the reply, the write
  // batch): kept in the heap once freed, not mapped anew and faulted in page
  // by page for every page (glibc's default for blocks this large).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);

  CLI::App app{"cairn-replica: a disaster-recovery replica of a Cairn primary. It follows the primary's\n"
               "events, verifies every record against checkpoints signed by the pinned key before it\n"
               "applies them, and keeps a byte-identical ledger (records, tree, state, data keys)."};
  app.require_subcommand(1);
  std::string data_dir, profile_path, pin_key, passphrase_file, fork_out, log_level = "info";
  size_t max_pending = 10000;
  bool from_snapshot = false;
  int verify_after_ms = 15000;
  int report_every_ms = 5000;
  int status_every_ms = 1000;
  std::string replica_id;

  CLI::App* init = app.add_subcommand(
      "init",
      "Creates the replica's data directory from the primary. Copy the primary's master.key into\n"
      "the directory first (a replica must open the same secrets to take over).");
  init->add_option("--data-dir", data_dir, "The replica's data directory (holding only master.key)")->required();
  init->add_option("--primary-profile", profile_path,
                   "The replica principal's profile on the primary. Its policy needs cairn:GetReplicaSeed,\n"
                   "cairn:ReadReplicaPage, cairn:ReadAuditLog and cairn:SubscribeEvents (and\n"
                   "cairn:ReportReplicaStatus for 'cairn replica status' on the primary, and\n"
                   "cairn:ReadReplicaSnapshot for --from-snapshot)")
      ->required();
  init->add_option("--pin-key", pin_key,
                   "The primary's checkpoint verifier key (cairn-audit checkpoint, or its profile's\n"
                   "CheckpointKey): only checkpoints it signs are trusted. Default: the profile's")
      ;
  init->add_option("--passphrase-file", passphrase_file, "The master key's passphrase (or env CAIRN_PASSPHRASE)");
  init->add_flag("--from-snapshot", from_snapshot,
                 "Start from a snapshot of the primary's state (its projections and wrapped data keys at its\n"
                 "head N, signed by the pinned key) instead of replaying every record from genesis. The\n"
                 "replica then holds the records from N on: audits and proofs below N need the primary\n"
                 "(or a replica from genesis). Needs cairn:ReadReplicaSnapshot");

  CLI::App* follow = app.add_subcommand("follow", "Follows the primary until SIGTERM or SIGINT");
  follow->add_option("--data-dir", data_dir, "The replica's data directory")->required();
  follow->add_option("--passphrase-file", passphrase_file, "The master key's passphrase (or env CAIRN_PASSPHRASE)");
  follow->add_option("--max-pending", max_pending, "Ask for a checkpoint once this many records wait")
      ->capture_default_str()->check(CLI::Range(size_t{1}, size_t{1000000}));
  follow->add_option("--verify-after-ms", verify_after_ms,
                     "... or once the oldest has waited this long without a published checkpoint")
      ->capture_default_str()->check(CLI::Range(10, 3600000));
  follow->add_option("--report-every-ms", report_every_ms,
                     "Report this replica's status to the primary this often, for 'cairn replica status'\n"
                     "there (needs cairn:ReportReplicaStatus; 0: never)")
      ->capture_default_str()->check(CLI::Range(0, 3600000));
  follow->add_option("--status-every-ms", status_every_ms,
                     "Write <data-dir>/replica-status.json (what 'cairn-replica status' shows) this often")
      ->capture_default_str()->check(CLI::Range(1, 3600000));
  follow->add_option("--replica-id", replica_id, "The name reports carry. Default: <hostname>:<data dir>");
  follow->add_option("--log-level", log_level, "debug, info, warn or error (JSON lines on stderr)")
      ->capture_default_str()->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  CLI::App* promote = app.add_subcommand(
      "promote",
      "Makes this replica a primary after the primary is lost: stop follow first, then run\n"
      "cairnd --data-dir D. Replication is asynchronous: records the primary had and the\n"
      "replica had not applied are lost; promote prints how many it knows of.");
  promote->add_option("--data-dir", data_dir, "The replica's data directory")->required();
  promote->add_option("--passphrase-file", passphrase_file, "The master key's passphrase (or env CAIRN_PASSPHRASE)");

  CLI::App* rejoin = app.add_subcommand(
      "rejoin",
      "After a failover, makes an old primary (cairnd stopped) or a replica of it follow the promoted\n"
      "primary. Only a ledger whose every record is in the new primary's signed tree rejoins; the\n"
      "records of one that forked (writes the old primary took after the replica last saw it) are\n"
      "refused: nothing changes, and the fork point and both heads are reported (exit 1).");
  rejoin->add_option("--data-dir", data_dir, "The old primary's (or replica's) data directory")->required();
  rejoin->add_option("--primary-profile", profile_path, "A profile on the new primary, with the rights init needs")
      ->required();
  rejoin->add_option("--pin-key", pin_key, "The new primary's checkpoint verifier key. Default: the profile's");
  rejoin->add_option("--fork-out", fork_out,
                     "On a fork, write the refused records here as cairn-audit export's JSON lines");
  rejoin->add_option("--passphrase-file", passphrase_file, "The master key's passphrase (or env CAIRN_PASSPHRASE)");

  CLI::App* status = app.add_subcommand("status", "Shows what follow last recorded: head, lag, last verified checkpoint");
  status->add_option("--data-dir", data_dir, "The replica's data directory")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  Logger log(*ParseLogLevel(log_level));

  if (status->parsed()) {
    const std::string text = ReadStatusText(data_dir);
    if (text.empty()) {
      std::cerr << "cairn-replica: no status in " << data_dir << " (has 'cairn-replica follow' run?)\n";
      return kExitFailure;
    }
    std::cout << text;
    return 0;
  }

  auto passphrase = PassphraseFromFileOrEnv(passphrase_file);
  if (!passphrase.ok()) {
    log.Error("cannot read the passphrase", {{"error", passphrase.status().message()}});
    return kExitUsage;
  }
  const crypto::SecureBuffer* pass = passphrase->has_value() ? &**passphrase : nullptr;

  if (promote->parsed()) {
    auto promoted = PromoteReplica(data_dir, pass);
    if (!promoted.ok()) {
      log.Error("cannot promote the replica", {{"error", promoted.status().message()}});
      return kExitFailure;
    }
    std::cout << promoted->dump(2) << "\n";
    log.Info("promoted; serve it with: cairnd --data-dir " + data_dir);
    return 0;
  }

  if ((init->parsed() || rejoin->parsed()) && pin_key.empty()) {
    auto profile = ReadProfile(profile_path);
    if (!profile.ok() || profile->checkpoint_key.empty()) {
      log.Error("no key to pin: give --pin-key, or a profile with a CheckpointKey");
      return kExitUsage;
    }
    pin_key = profile->checkpoint_key;
  }
  if (rejoin->parsed()) {
    RejoinOptions options{data_dir, profile_path, pin_key, fork_out, pass};
    auto report = RejoinReplicaDir(options);
    if (!report.ok()) {
      log.Error("cannot rejoin", {{"error", report.status().message()}});
      return kExitFailure;
    }
    std::cout << report->dump(2) << "\n";
    if (!report->value("Rejoined", false)) {
      const service::Json& fork = (*report)["Fork"];
      log.Error("refused: this ledger forked from the primary's; its records after the fork point are not the "
                "primary's and were not applied (nothing changed)",
                {{"fork_at_seq", fork["AtSeq"]}, {"records_refused", fork["RecordsRefused"]},
                 {"this_head_seq", (*report)["ThisLedger"]["HeadSeq"]},
                 {"this_head_leaf", (*report)["ThisLedger"]["HeadLeafHash"]},
                 {"primary_tree_size", (*report)["Primary"]["TreeSize"]},
                 {"primary_root", (*report)["Primary"]["Root"]}});
      return kExitFailure;
    }
    log.Info("rejoined as a replica; run: cairn-replica follow --data-dir " + data_dir);
    return 0;
  }

  if (init->parsed()) {
    Result<uint64_t> first_seq = InitReplicaDir({data_dir, profile_path, pin_key, pass, from_snapshot});
    if (!first_seq.ok()) {
      log.Error("cannot create the replica", {{"error", first_seq.status().message()}});
      return kExitFailure;
    }
    if (from_snapshot) {
      log.Info("replica created from the primary's verified snapshot; it holds the records from seq " +
                   std::to_string(*first_seq) + " on",
               {{"first_seq", *first_seq}});
    }
    log.Info("replica created; run: cairn-replica follow --data-dir " + data_dir);
    return 0;
  }

  service::Json config = service::Json::parse(ReadTextFile(ReplicaConfigPath(data_dir)), nullptr, false);
  if (!config.is_object() || !config.contains("PrimaryProfile") || !config.contains("PinnedKey")) {
    log.Error("not a replica data directory (no replica.json): run cairn-replica init first", {{"data_dir", data_dir}});
    return kExitUsage;
  }
  auto profile = ReadProfile(config["PrimaryProfile"].get<std::string>());
  if (!profile.ok()) {
    log.Error("cannot read the primary profile", {{"error", profile.status().message()}});
    return kExitUsage;
  }
  const std::atomic<bool>& stop = StopOnSignals();
  ReplicatorOptions options;
  options.data_dir = data_dir;
  options.primary = std::move(profile).value();
  options.pinned_key = config["PinnedKey"].get<std::string>();
  options.passphrase = pass;
  options.max_pending = max_pending;
  options.verify_after_ms = verify_after_ms;
  options.report_every_ms = report_every_ms;
  options.status_every_ms = status_every_ms;
  options.replica_id = replica_id.empty() ? DefaultReplicaId(data_dir) : replica_id;
  options.stop = &stop;
  options.log = &log;
  Status s = RunReplica(options);
  if (!s.ok()) {
    log.Error("replication stopped", {{"error", s.message()}});
    return kExitFailure;
  }
  return 0;
}
