// DR replication, the service half (service/replica.h): a replica seeded
// from a primary and fed the primary's records page by page, with the data
// keys the primary holds, ends byte-identical to it (log, tree, state, keys);
// pages that do not fit are refused with nothing applied.
#include "service/replica.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "ledger/checkpoint.h"
#include "ledger/record.h"
#include "ledger/tree.h"
#include "service/checkpointer.h"
#include "service/internal/event_reader.h"
#include "tests/service/replica_fixture.h"

namespace cairn::testing {
TEST_CASE("a replica fed the primary's pages is byte-identical to it: log, tree, state and keys",
          "[service][replication]") {
  Primary primary;
  primary.Workload();
  Replica r(primary);
  auto replica = MustOpen(r.dir, nullptr, /*replica=*/true);
  ApplyAll(*replica, primary, 17);

  CHECK(replica->ledger().durable_head().next_seq == primary.head());
  CHECK(replica->ledger().durable_head().last_leaf == primary.e->ledger().durable_head().last_leaf);
  for (ledger::Family f : {ledger::Family::kLog, ledger::Family::kTree, ledger::Family::kState, ledger::Family::kKeys}) {
    INFO(ledger::FamilyName(f));
    CHECK(FamilyContents(replica->ledger().store(), f) == FamilyContents(primary.store(), f));
  }
  // The purged secret's and the deleted access key's entries are absent on
  // both; the live versions' are present on both.
  const auto keys = FamilyContents(primary.store(), ledger::Family::kKeys);
  CHECK(keys.size() < 100);  // pruned versions, the purged secret and the deleted access key are gone
  CHECK(keys.size() > 40);

  // Promoted and reopened, the replica opens the primary's secrets.
  service::Promotion promotion;
  promotion.primary_head_seen = primary.head();
  REQUIRE(replica->Promote(promotion).ok());
  replica.reset();
  auto promoted = MustOpen(r.dir);
  service::Response read = promoted->Execute(MakeRequest("GetSecretValue", {{"SecretId", "app/db"}}), TestActor());
  REQUIRE(read.ok());
  REQUIRE(read.values.size() == 1);
  CHECK(read.values[0].value.bytes.as_string_view() == "value-102");
}

// cairn-replica stages a page before the one before it is durable
// (StageReplicated, then AwaitReplicated once the next is staged).
TEST_CASE("a replica staging pages before the earlier ones are durable ends byte-identical to its primary",
          "[service][replication]") {
  Primary primary;
  primary.Workload();
  Replica r(primary);
  auto replica = MustOpen(r.dir, nullptr, /*replica=*/true);
  std::vector<service::Engine::StagedPage> staged_pages;
  for (uint64_t from = 0; from < primary.head(); from += 13) {
    Page page = PageOf(primary.store(), from, std::min(primary.head(), from + 13));
    if (from == 13) {
      // A page that does not link to what is staged (the first one again) is
      // refused while the first is still in flight, and nothing of it staged.
      Page again = PageOf(primary.store(), 0, 13);
      auto refused = replica->StageReplicated(std::move(again.records), again.keys);
      CHECK(refused.status().code() == StatusCode::kDataLoss);
    }
    auto staged = replica->StageReplicated(std::move(page.records), page.keys);
    INFO("page at " << from << ": " << staged.status().ToString());
    REQUIRE(staged.ok());
    staged_pages.push_back(std::move(staged).value());
  }
  for (const auto& page : staged_pages) REQUIRE(replica->AwaitReplicated(page).ok());
  CHECK(replica->ledger().durable_head().next_seq == primary.head());
  CHECK(replica->ledger().durable_head().last_leaf == primary.e->ledger().durable_head().last_leaf);
  for (ledger::Family f : {ledger::Family::kLog, ledger::Family::kTree, ledger::Family::kState, ledger::Family::kKeys}) {
    INFO(ledger::FamilyName(f));
    CHECK(FamilyContents(replica->ledger().store(), f) == FamilyContents(primary.store(), f));
  }
}

TEST_CASE("a replica refuses pages that do not fit and applies nothing of them", "[service][replication]") {
  Primary primary;
  primary.Workload();
  Replica r(primary);
  auto replica = MustOpen(r.dir, nullptr, /*replica=*/true);
  ApplyAll(*replica, primary, 40);
  REQUIRE(replica->ledger().durable_head().next_seq == primary.head());

  MustCall(*primary.e, "PutSecretValue", {{"SecretId", "app/db"}}, "newer");
  MustCall(*primary.e, "GetSecretValue", {{"SecretId", "app/db"}});
  const uint64_t at = replica->ledger().durable_head().next_seq;
  const Page good = PageOf(primary.store(), at, primary.head());
  REQUIRE(good.keys.size() == 1);

  SECTION("a page without the data key its record writes") {
    Status s = replica->ApplyReplicated(good.records, {});
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find("does not carry") != std::string::npos);
  }
  SECTION("a page with a data key none of its records writes") {
    auto keys = good.keys;
    keys.push_back({"arn:aws:secretsmanager:us-east-1:123456789012:secret:other\nv", std::string("x")});
    Status s = replica->ApplyReplicated(good.records, keys);
    CHECK(s.code() == StatusCode::kInvalidArgument);
  }
  SECTION("a record with a broken link") {
    auto records = good.records;
    records[1][records[1].size() / 3] ^= 0x40;  // the second record's bytes
    records[0][40] ^= 0x01;                     // and the first's
    Status s = replica->ApplyReplicated(records, good.keys);
    CHECK(s.code() == StatusCode::kDataLoss);
  }
  SECTION("records out of order") {
    Status s = replica->ApplyReplicated({good.records[1], good.records[0]}, good.keys);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("in order") != std::string::npos);
  }
  SECTION("records applied already") {
    Page old = PageOf(primary.store(), at - 2, at);
    Status s = replica->ApplyReplicated(old.records, old.keys);
    CHECK(s.code() == StatusCode::kDataLoss);
  }
  CHECK(replica->ledger().durable_head().next_seq == at);
  // Not poisoned: the right page still applies.
  Status ok = replica->ApplyReplicated(good.records, good.keys);
  INFO(ok.ToString());
  REQUIRE(ok.ok());
  CHECK(replica->ledger().durable_head().last_leaf == primary.e->ledger().durable_head().last_leaf);
}

TEST_CASE("a replica is refused another ledger's key, genesis or data directory", "[service][replication]") {
  Primary primary;
  Primary other;
  auto seed = primary.e->Seed();
  REQUIRE(seed.ok());

  SECTION("another ledger's key file") {
    TempDir tmp;
    const std::string dir = tmp.sub("r");
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(service::KeyFilePath(other.f.dir), service::KeyFilePath(dir));
    Status s = service::Engine::InitReplica(dir, *seed, nullptr);
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK_FALSE(std::filesystem::exists(service::LedgerDir(dir)));
  }
  SECTION("no key file") {
    TempDir tmp;
    Status s = service::Engine::InitReplica(tmp.sub("r"), *seed, nullptr);
    CHECK(s.code() == StatusCode::kNotFound);
    CHECK(s.message().find("master.key") != std::string::npos);
  }
  SECTION("a data directory that holds a ledger") {
    Status s = service::Engine::InitReplica(other.f.dir, *seed, nullptr);
    CHECK(s.code() == StatusCode::kAlreadyExists);
  }
  SECTION("an init cut short is taken up again, a replica that holds records is not") {
    Replica r(primary);  // as if cairn-replica died before writing replica.json
    Status again = service::Engine::InitReplica(r.dir, *seed, nullptr);
    INFO(again.ToString());
    CHECK(again.ok());
    auto other_seed = other.e->Seed();
    REQUIRE(other_seed.ok());
    CHECK(service::Engine::InitReplica(r.dir, *other_seed, nullptr).code() == StatusCode::kAlreadyExists);
    {
      auto replica = MustOpen(r.dir, nullptr, /*replica=*/true);
      ApplyAll(*replica, primary, 50);
    }
    CHECK(service::Engine::InitReplica(r.dir, *seed, nullptr).code() == StatusCode::kAlreadyExists);
  }
  SECTION("an init killed before its one batch (a store with nothing in it) is taken up again") {
    TempDir tmp;
    const std::string dir = tmp.sub("r");
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(service::KeyFilePath(primary.f.dir), service::KeyFilePath(dir));
    REQUIRE(ledger::OpenRocksStore(service::LedgerDir(dir), ledger::OpenMode::kCreate).ok());
    Status again = service::Engine::InitReplica(dir, *seed, nullptr);
    INFO(again.ToString());
    CHECK(again.ok());
    auto replica = MustOpen(dir, nullptr, /*replica=*/true);
    ApplyAll(*replica, primary, 50);
    CHECK(replica->ledger().durable_head().last_leaf == primary.e->ledger().durable_head().last_leaf);
  }
  SECTION("pointed at another ledger: its genesis is refused") {
    Replica r(primary);
    auto replica = MustOpen(r.dir, nullptr, /*replica=*/true);
    Page page = PageOf(other.store(), 0, other.head());
    Status s = replica->ApplyReplicated(page.records, page.keys);
    CHECK(s.code() == StatusCode::kFailedPrecondition);
    CHECK(s.message().find("seeded for ledger") != std::string::npos);
    CHECK(replica->ledger().durable_head().next_seq == 0);
  }
}

TEST_CASE("GetReplicaSeed and ReadReplicaPage serve what a replica needs, as audited calls", "[service][replication]") {
  Primary primary;
  primary.Workload();
  service::Response seed = primary.e->Execute(MakeRequest("GetReplicaSeed", Json::object()), TestActor());
  INFO((seed.error ? seed.error->code + " " + seed.error->message : ""));
  REQUIRE(seed.ok());
  auto expected = primary.e->Seed();
  REQUIRE(expected.ok());
  CHECK(seed.body["LedgerId"] == expected->ledger_id);
  CHECK(seed.body["MasterKeyId"] == expected->master_key_id);
  auto keyring = crypto::Base64Decode(seed.body["Keyring"].get<std::string>());
  REQUIRE(keyring.ok());
  CHECK(keyring->as_string_view() == expected->keyring);

  // The page of the first records: SecretCreated and the puts, with their keys.
  service::Response page =
      primary.e->Execute(MakeRequest("ReadReplicaPage", {{"FromSeq", 0}, {"MaxRecords", 1000}}), TestActor());
  REQUIRE(page.ok());
  const Page direct = PageOf(primary.store(), 0, page.records.size());
  REQUIRE(page.records.size() == direct.records.size());
  const Json& keys = page.body["DataKeys"];
  REQUIRE(keys.size() == direct.keys.size());
  size_t destroyed = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    CHECK(keys[i]["Key"] == direct.keys[i].key);
    if (direct.keys[i].entry) {
      auto entry = crypto::Base64Decode(keys[i]["Entry"].get<std::string>());
      REQUIRE(entry.ok());
      CHECK(entry->as_string_view() == *direct.keys[i].entry);
    } else {
      CHECK(keys[i]["Destroyed"] == true);
      ++destroyed;
    }
  }
  CHECK(destroyed > 0);  // pruned versions and the purged secret
  CHECK(primary.Record(page.seq).event_type == "AuditRecordsRead");
  CHECK(primary.Record(seed.seq).event_type == "ReplicaSeedRead");

  // Neither is for an ordinary principal.
  MustCall(*primary.e, "CreatePrincipal", {{"Name", "root"}, {"PublicKey", std::string(40, 'r')}, {"Admin", true}});
  MustCall(*primary.e, "CreatePrincipal", {{"Name", "app"}, {"PublicKey", std::string(40, 'a')}});
  const ledger::Actor app{"app", "Principal", "127.0.0.1", "req", "tests"};
  for (const char* op : {"GetReplicaSeed", "ReadReplicaPage"}) {
    service::Response denied = primary.e->Execute(MakeRequest(op, {{"FromSeq", 0}}), app);
    CHECK((denied.error ? denied.error->code : "") == "AccessDeniedException");
    CHECK(denied.records.empty());
  }
}

TEST_CASE("a replica's directory serves nothing until promoted, and follows nothing after", "[service][replication]") {
  Primary primary;
  primary.Workload();
  Replica r(primary);
  service::OpenOptions plain;
  plain.data_dir = r.dir;
  auto refused = service::Engine::Open(plain);
  CHECK(refused.status().code() == StatusCode::kFailedPrecondition);
  CHECK(refused.status().message().find("cairn-replica promote") != std::string::npos);

  auto replica = MustOpen(r.dir, nullptr, /*replica=*/true);
  CHECK(replica->is_replica());
  service::Promotion nothing;
  CHECK(replica->Promote(nothing).code() == StatusCode::kFailedPrecondition);  // no records yet
  ApplyAll(*replica, primary, 50);
  const uint64_t head = replica->ledger().durable_head().next_seq;
  service::Promotion promotion;
  promotion.verified_checkpoint_size = head;
  promotion.verified_checkpoint_root_hex = "ab";
  promotion.primary_head_seen = head + 3;
  REQUIRE(replica->Promote(promotion).ok());
  CHECK_FALSE(replica->is_replica());
  CHECK(replica->Promote(promotion).code() == StatusCode::kFailedPrecondition);
  Page more = PageOf(primary.store(), 0, 1);
  CHECK(replica->ApplyReplicated(more.records, more.keys).code() == StatusCode::kFailedPrecondition);
  replica.reset();

  // The promotion is the first record of its own: the fork point is its seq.
  service::OpenOptions as_replica;
  as_replica.data_dir = r.dir;
  as_replica.replica = true;
  CHECK(service::Engine::Open(as_replica).status().code() == StatusCode::kFailedPrecondition);
  auto promoted = MustOpen(r.dir);
  auto bytes = ledger::ReadRecord(promoted->ledger().store(), head);
  REQUIRE(bytes.ok());
  auto record = ledger::DecodeRecord(*bytes);
  REQUIRE(record.ok());
  CHECK(record->event_type == "ReplicaPromoted");
  auto event = service::internal::ReadEvent(record->payload);
  REQUIRE(event.ok());
  const auto* body = (*event)->body_as_ReplicaPromoted();
  REQUIRE(body != nullptr);
  CHECK(body->replica_head() == head);
  CHECK(body->primary_head_seen() == head + 3);
  // The new epoch's signing key: the promoted ledger's own, not the primary's.
  REQUIRE(body->checkpoint_key() != nullptr);
  auto own_key = service::ReadLedgerVerifier(promoted->ledger().store());
  REQUIRE(own_key.ok());
  CHECK(body->checkpoint_key()->str() == ledger::FormatVerifierKey(*own_key));
  auto primary_key = service::ReadLedgerVerifier(primary.store());
  REQUIRE(primary_key.ok());
  CHECK(body->checkpoint_key()->str() != ledger::FormatVerifierKey(*primary_key));
  CHECK(promoted->Execute(MakeRequest("DescribeSecret", {{"SecretId", "app/db"}}), TestActor()).ok());
}

TEST_CASE("Rejoin marks a ledger a replica of its own ledger's primary, and refuses another's",
          "[service][replication]") {
  Primary primary;
  primary.Workload();
  Primary other;
  auto seed = primary.e->Seed();
  auto other_seed = other.e->Seed();
  REQUIRE(seed.ok());
  REQUIRE(other_seed.ok());
  Status refused = primary.e->Rejoin(*other_seed);
  CHECK(refused.code() == StatusCode::kFailedPrecondition);
  CHECK(refused.message().find("nothing to rejoin") != std::string::npos);
  CHECK_FALSE(primary.e->is_replica());
  service::ReplicaSeed tampered = *seed;
  tampered.keyring[tampered.keyring.size() / 2] ^= 1;
  CHECK(primary.e->Rejoin(tampered).code() == StatusCode::kFailedPrecondition);
  CHECK_FALSE(primary.e->is_replica());

  REQUIRE(primary.e->Rejoin(*seed).ok());
  CHECK(primary.e->is_replica());
  const uint64_t head = primary.head();
  primary.e.reset();
  service::OpenOptions plain;
  plain.data_dir = primary.f.dir;
  CHECK(service::Engine::Open(plain).status().code() == StatusCode::kFailedPrecondition);
  auto replica = MustOpen(primary.f.dir, nullptr, /*replica=*/true);
  CHECK(replica->ledger().durable_head().next_seq == head);  // its records kept
}

}  // namespace cairn::testing

namespace cairn::testing {

TEST_CASE("ReportReplicaStatus is checked and kept, and GetReplicaStatus shows each replica against the head",
          "[service][replication]") {
  Primary primary;
  primary.Workload();
  const uint64_t seen = primary.head();
  auto leaf = ledger::TreeReader(primary.store()).Node(0, seen - 1);
  REQUIRE(leaf.ok());
  const std::string leaf_hex = crypto::ToHex(*leaf);
  auto report = [&](Json params) { return primary.e->Execute(MakeRequest("ReportReplicaStatus", params), TestActor()); };

  SECTION("bad reports are refused, as events") {
    const uint64_t before = primary.head();
    CHECK(report({{"HeadSeq", 1}}).error->code == "InvalidParameterException");                 // no ReplicaId
    CHECK(report({{"ReplicaId", "dr 1"}, {"HeadSeq", 0}}).error->code == "InvalidParameterException");
    CHECK(report({{"ReplicaId", "dr1"}}).error->code == "InvalidParameterException");            // no HeadSeq
    CHECK(report({{"ReplicaId", "dr1"}, {"HeadSeq", 3}}).error->code == "InvalidParameterException");  // no leaf
    CHECK(report({{"ReplicaId", "dr1"}, {"HeadSeq", 3}, {"HeadLeafHash", "xyz"}}).error->code ==
          "InvalidParameterException");
    CHECK(report({{"ReplicaId", std::string(129, 'a')}, {"HeadSeq", 0}}).error->code == "InvalidParameterException");
    CHECK(primary.head() == before + 6);
    service::Response status = primary.e->Execute(MakeRequest("GetReplicaStatus", Json::object()), TestActor());
    REQUIRE(status.ok());
    CHECK(status.body["Replicas"].empty());
  }
  SECTION("a replica at the primary's leaf matches, one with another leaf or past the head does not") {
    service::Response ok = report({{"ReplicaId", "dr-east:/var/lib/cairn"}, {"HeadSeq", seen}, {"HeadLeafHash", leaf_hex},
                                   {"LagMs", 12}, {"PendingRecords", 3}, {"BytesPerSecond", 1000},
                                   {"VerifiedTreeSize", seen}, {"VerifiedRoot", std::string(64, 'a')}});
    REQUIRE(ok.ok());
    CHECK(ok.body["LeafHashMatches"] == true);
    CHECK(ok.body["PrimaryHeadSeq"] == seen + 1);  // its own record
    std::string other_leaf = leaf_hex;
    other_leaf[0] = other_leaf[0] == '0' ? '1' : '0';
    service::Response forked = report({{"ReplicaId", "dr-west"}, {"HeadSeq", seen}, {"HeadLeafHash", other_leaf}});
    REQUIRE(forked.ok());
    CHECK(forked.body["LeafHashMatches"] == false);
    service::Response ahead = report({{"ReplicaId", "dr-ahead"}, {"HeadSeq", seen + 100}, {"HeadLeafHash", leaf_hex}});
    REQUIRE(ahead.ok());
    CHECK(ahead.body["LeafHashMatches"] == false);
    service::Response empty = report({{"ReplicaId", "dr-new"}, {"HeadSeq", 0}});
    REQUIRE(empty.ok());
    CHECK(empty.body["LeafHashMatches"].is_null());
    // A later report of the same replica replaces its earlier one.
    REQUIRE(report({{"ReplicaId", "dr-new"}, {"HeadSeq", 1}, {"HeadLeafHash", std::string(64, '0')}}).ok());

    service::Response status = primary.e->Execute(MakeRequest("GetReplicaStatus", Json::object()), TestActor());
    REQUIRE(status.ok());
    CHECK(status.body["PrimaryHeadSeq"] == primary.head());
    const Json& replicas = status.body["Replicas"];
    REQUIRE(replicas.size() == 4);
    std::map<std::string, Json> by_id;
    for (const Json& r : replicas) by_id[r["ReplicaId"]] = r;
    const Json& east = by_id["dr-east:/var/lib/cairn"];
    CHECK(east["HeadSeq"] == seen);
    CHECK(east["HeadLeafHash"] == leaf_hex);
    CHECK(east["LeafHashMatches"] == true);
    CHECK(east["LagRecords"] == 0);  // it had all the primary held before its report
    CHECK(east["LagMs"] == 12);
    CHECK(east["PendingRecords"] == 3);
    CHECK(east["BytesPerSecond"] == 1000);
    CHECK(east["LastVerifiedCheckpoint"]["TreeSize"] == seen);
    CHECK(east["Principal"] == TestActor().principal);
    CHECK(by_id["dr-west"]["LeafHashMatches"] == false);
    CHECK(by_id["dr-west"]["LagRecords"] == 1);  // the east report came first
    CHECK(by_id["dr-new"]["HeadSeq"] == 1);
    CHECK(by_id["dr-new"]["LeafHashMatches"] == false);
    // Both calls are events.
    auto bytes = ledger::ReadRecord(primary.store(), primary.head() - 1);
    REQUIRE(bytes.ok());
    CHECK(ledger::DecodeRecord(*bytes)->event_type == "ReplicaStatusRead");
  }
}

}  // namespace cairn::testing

namespace cairn::testing {

TEST_CASE("a crypto-shred on the primary takes the wrapped key out of the replica's files", "[service][replication][shred]") {
  Primary primary;
  MustCall(*primary.e, "CreateSecret", {{"Name", "app/old"}}, "old-value");
  Replica r(primary);
  auto replica = MustOpen(r.dir, nullptr, /*replica=*/true);
  ApplyAll(*replica, primary, 50);
  const auto* secret = primary.e->state_for_testing().FindByName("app/old");
  REQUIRE(secret != nullptr);
  REQUIRE(secret->versions.size() == 1);
  const std::string key = service::KeyEntryKey(secret->arn, secret->versions.begin()->first);
  auto entry = replica->ledger().store().Get(ledger::Family::kKeys, key);
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  const std::string wrapped = (*entry)->substr(4);  // the wrapped DEK, after its KEK version
  CHECK(AnyFileHolds(r.dir, wrapped));

  MustCall(*primary.e, "DeleteSecret", {{"SecretId", "app/old"}, {"RecoveryWindowInDays", 7}});
  primary.f.clock.Advance(8 * kDayMs);
  REQUIRE(primary.e->RunMaintenance().ok());  // purged on the primary
  ApplyAll(*replica, primary, 50);
  entry = replica->ledger().store().Get(ledger::Family::kKeys, key);
  REQUIRE(entry.ok());
  CHECK_FALSE(entry->has_value());
  CHECK_FALSE(AnyFileHolds(r.dir, wrapped));
}

}  // namespace cairn::testing

namespace cairn::testing {
namespace {

// What the replica's files say of its primary (service::ReadReplicaCheckpoint).
std::optional<service::ReplicaCheckpoint> KeptCheckpoint(service::Engine& replica) {
  auto kept = service::ReadReplicaCheckpoint(replica.ledger().store());
  REQUIRE(kept.ok());
  return *kept;
}

}  // namespace

TEST_CASE("a replica keeps the primary checkpoint a page ends at, in that page's batch, until it is promoted",
          "[service][replication]") {
  Primary primary;
  primary.Workload();
  service::Response cp = primary.e->Execute(MakeRequest("GetCheckpoint", {{"MinTreeSize", primary.head()}}), TestActor());
  REQUIRE(cp.ok());
  const uint64_t size = cp.body["TreeSize"].get<uint64_t>();
  const service::Engine::PrimaryCheckpoint signed_cp{cp.body["Note"].get<std::string>(),
                                                      cp.body["VerifierKey"].get<std::string>()};
  REQUIRE(size > 20);
  Replica r(primary);
  auto replica = MustOpen(r.dir, nullptr, /*replica=*/true);
  Page first = PageOf(primary.store(), 0, size - 10);
  REQUIRE(replica->ApplyReplicated(std::move(first.records), first.keys).ok());
  REQUIRE(KeptCheckpoint(*replica).has_value());
  CHECK(KeptCheckpoint(*replica)->note.empty());  // a replica, none kept yet

  SECTION("a page that does not end at the checkpoint's size is refused, nothing of it staged") {
    Page short_page = PageOf(primary.store(), size - 10, size - 1);
    auto refused = replica->StageReplicated(std::move(short_page.records), short_page.keys, &signed_cp);
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK(refused.status().message().find("has size " + std::to_string(size)) != std::string::npos);
  }
  SECTION("a checkpoint that does not verify by the key given is refused, nothing of the page staged") {
    auto own = service::ReadLedgerVerifier(replica->ledger().store());  // the replica's own key, not the primary's
    REQUIRE(own.ok());
    const service::Engine::PrimaryCheckpoint wrong_key{signed_cp.note, ledger::FormatVerifierKey(*own)};
    Page page = PageOf(primary.store(), size - 10, size);
    auto refused = replica->StageReplicated(std::move(page.records), page.keys, &wrong_key);
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK(refused.status().message().find("does not verify") != std::string::npos);
  }
  CHECK(replica->ledger().durable_head().next_seq == size - 10);
  CHECK(KeptCheckpoint(*replica)->note.empty());

  Page last = PageOf(primary.store(), size - 10, size);
  auto staged = replica->StageReplicated(std::move(last.records), last.keys, &signed_cp);
  INFO(staged.status().ToString());
  REQUIRE(staged.ok());
  REQUIRE(replica->AwaitReplicated(*staged).ok());
  auto kept = KeptCheckpoint(*replica);
  REQUIRE(kept.has_value());
  CHECK(kept->note == signed_cp.note);
  CHECK(kept->verifier_key == signed_cp.verifier_key);

  // Promoted, the directory is no replica: the primary's checkpoint goes in the promotion's batch.
  service::Promotion promotion;
  promotion.primary_head_seen = size;
  REQUIRE(replica->Promote(promotion).ok());
  CHECK_FALSE(KeptCheckpoint(*replica).has_value());
  for (const char* key : {"primary_checkpoint", "primary_checkpoint_key"}) {
    auto entry = replica->ledger().store().Get(ledger::Family::kMeta, key);
    REQUIRE(entry.ok());
    CHECK_FALSE(entry->has_value());
  }
}

}  // namespace cairn::testing
