// Replica snapshots (service/snapshot.h): the digest and the signed line are
// strict; ReadReplicaSnapshot serves one state, however much the primary
// writes meanwhile; a replica started from it and fed the records after it
// ends with the primary's head, root, state and data keys, and opens its
// secrets once promoted.
#include "service/snapshot.h"

#include <catch2/catch.hpp>

#include "ledger/checkpoint.h"
#include "ledger/tree.h"
#include "service/checkpointer.h"
#include "tests/service/replica_fixture.h"

namespace cairn::testing {
namespace {

// What a replica takes from ReadReplicaSnapshot, read the way cairn-replica
// reads it (small pages, to cross page boundaries), unverified.
struct Fetched {
  std::string id;
  std::string note;
  ledger::Checkpoint checkpoint;
  service::SnapshotClaim claim;
  std::vector<crypto::Digest> frontier;
  ledger::WriteSet entries;
  service::SnapshotDigest digest;
};

service::Response Snapshot(service::Engine& e, Json params) {
  return e.Execute(MakeRequest("ReadReplicaSnapshot", std::move(params)), TestActor());
}

Fetched Start(service::Engine& primary) {
  service::Response start = Snapshot(primary, Json::object());
  INFO((start.error ? start.error->code + " " + start.error->message : ""));
  REQUIRE(start.ok());
  Fetched f;
  f.id = start.body["SnapshotId"];
  f.note = start.body["Note"];
  auto verifier = service::ReadLedgerVerifier(primary.ledger().store());
  REQUIRE(verifier.ok());
  auto checkpoint = ledger::OpenSignedCheckpoint(start.body["Note"].get<std::string>(), *verifier);
  INFO(checkpoint.status().ToString());
  REQUIRE(checkpoint.ok());
  f.checkpoint = *checkpoint;
  auto claim = service::ParseSnapshotClaim(f.checkpoint);
  REQUIRE(claim.ok());
  f.claim = *claim;
  CHECK(start.body["TreeSize"] == f.checkpoint.size);
  CHECK(start.body["Entries"] == f.claim.entries);
  for (const Json& h : start.body["Frontier"]) {
    auto d = crypto::DigestFromHex(h.get<std::string>());
    REQUIRE(d.ok());
    f.frontier.push_back(*d);
  }
  return f;
}

void ReadPages(service::Engine& primary, Fetched& f) {
  for (ledger::Family family : service::kSnapshotFamilies) {
    Json params = {{"SnapshotId", f.id}, {"Family", std::string(ledger::FamilyName(family))}, {"MaxEntries", 7}};
    for (int pages = 0;; ++pages) {
      REQUIRE(pages < 1000);
      service::Response page = Snapshot(primary, params);
      INFO((page.error ? page.error->code + " " + page.error->message : ""));
      REQUIRE(page.ok());
      CHECK(page.body["Entries"].size() <= 7);
      for (const Json& e : page.body["Entries"]) {
        auto key = crypto::Base64Decode(e["Key"].get<std::string>());
        auto value = crypto::Base64Decode(e["Value"].get<std::string>());
        REQUIRE(key.ok());
        REQUIRE(value.ok());
        f.digest.Add(family, key->as_string_view(), value->as_string_view());
        f.entries.Put(family, std::string(key->as_string_view()), std::string(value->as_string_view()));
      }
      if (!page.body.contains("NextStartAfter")) break;
      params["StartAfter"] = page.body["NextStartAfter"];
    }
  }
}

// The entries of `f` in `family` as a map, to compare with a store's.
std::map<std::string, std::string> EntriesOf(const Fetched& f, ledger::Family family) {
  std::map<std::string, std::string> out;
  for (const ledger::WriteOp& op : f.entries.ops()) {
    if (op.family == family) out[op.key] = op.value;
  }
  return out;
}

}  // namespace

TEST_CASE("the snapshot digest covers every byte and the order, and its signed line parses strictly",
          "[service][replication][snapshot]") {
  auto digest_of = [](std::vector<std::tuple<ledger::Family, std::string, std::string>> entries) {
    service::SnapshotDigest d;
    for (const auto& [family, key, value] : entries) d.Add(family, key, value);
    return d.digest();
  };
  using F = ledger::Family;
  const crypto::Digest base = digest_of({{F::kState, "a", "1"}, {F::kState, "b", "2"}, {F::kKeys, "k", "w"}});
  CHECK(base == digest_of({{F::kState, "a", "1"}, {F::kState, "b", "2"}, {F::kKeys, "k", "w"}}));
  CHECK(base != digest_of({{F::kState, "b", "2"}, {F::kState, "a", "1"}, {F::kKeys, "k", "w"}}));  // order
  CHECK(base != digest_of({{F::kState, "a", "1"}, {F::kState, "b", "3"}, {F::kKeys, "k", "w"}}));  // a value
  CHECK(base != digest_of({{F::kState, "a", "1"}, {F::kState, "b", "2"}, {F::kState, "k", "w"}}));  // a family
  CHECK(base != digest_of({{F::kState, "a", "1b"}, {F::kState, "", "2"}, {F::kKeys, "k", "w"}}));  // a boundary
  CHECK(base != digest_of({{F::kState, "a", "1"}, {F::kState, "b", "2"}}));                         // an entry fewer
  CHECK(service::SnapshotDigest().digest() != base);

  service::SnapshotClaim claim{42, base, crypto::Sha256(crypto::AsBytes("leaf"))};
  ledger::Checkpoint cp{"cairn.test/ledger", 9, {}, {service::FormatSnapshotExtension(claim)}};
  auto parsed = service::ParseSnapshotClaim(cp);
  REQUIRE(parsed.ok());
  CHECK(*parsed == claim);
  REQUIRE(ledger::ValidateCheckpoint(cp).ok());  // a valid extension line of a C2SP checkpoint

  const std::string line = cp.extensions[0];
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{},
                                             {line, line},
                                             {"cairn-snapshot 42"},
                                             {"cairn-snapshot 042 " + line.substr(18)},
                                             {"cairn-snapshot x " + line.substr(18)},
                                             {line + " "},
                                             {line.substr(0, line.size() - 2) + "=="}}) {
    ledger::Checkpoint c = cp;
    c.extensions = bad;
    INFO(bad.size() << " line(s): " << (bad.empty() ? "" : bad[0]));
    CHECK(service::ParseSnapshotClaim(c).status().code() == StatusCode::kDataLoss);
  }
}

TEST_CASE("a replica started from the primary's snapshot ends with its head, root, state and data keys",
          "[service][replication][snapshot]") {
  Primary primary;
  primary.Workload();
  Fetched f = Start(*primary.e);
  const uint64_t n = f.checkpoint.size;
  // The call is audited, and the snapshot holds its own record.
  CHECK(n == primary.head());
  CHECK(primary.Record(n - 1).event_type == "ReplicaSnapshotRead");

  // The primary goes on writing while the replica reads the pages: a shred of
  // a secret the snapshot holds among it. The pages still show the state at n.
  MustCall(*primary.e, "CreateSecret", {{"Name", "app/later"}}, "later-value");
  MustCall(*primary.e, "DeleteSecret", {{"SecretId", "app/db"}, {"ForceDeleteWithoutRecovery", true}});
  REQUIRE(primary.e->RunMaintenance().ok());  // purged: its wrapped DEKs deleted
  ReadPages(*primary.e, f);
  CHECK(f.digest.entries() == f.claim.entries);
  CHECK(f.digest.digest() == f.claim.digest);
  CHECK(EntriesOf(f, ledger::Family::kState).count("applied_seq") == 1);

  auto range = ledger::CompactRange::FromFrontier(n, f.frontier);
  REQUIRE(range.ok());
  CHECK(range->Root() == f.checkpoint.root);
  auto root = ledger::TreeReader(primary.store()).Root(n);
  REQUIRE(root.ok());
  CHECK(*root == f.checkpoint.root);

  TempDir tmp;
  const std::string dir = tmp.sub("r");
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(service::KeyFilePath(primary.f.dir), service::KeyFilePath(dir));
  auto seed = primary.e->Seed();
  REQUIRE(seed.ok());
  const Fetched f_keys_copy = [&] {
    Fetched copy;
    for (const ledger::WriteOp& op : f.entries.ops()) copy.entries.Put(op.family, op.key, op.value);
    return copy;
  }();
  auto pinned = service::ReadLedgerVerifier(primary.store());
  REQUIRE(pinned.ok());
  const service::Engine::PrimaryCheckpoint signed_snapshot{f.note, ledger::FormatVerifierKey(*pinned)};
  {
    // The note of another size is refused, and nothing is written.
    ledger::WriteSet entries;
    for (const ledger::WriteOp& op : f.entries.ops()) entries.Put(op.family, op.key, op.value);
    service::Response older = primary.e->Execute(MakeRequest("GetCheckpoint", {{"MinTreeSize", 1}}), TestActor());
    REQUIRE(older.ok());
    REQUIRE(older.body["TreeSize"].get<uint64_t>() != n);
    const service::Engine::PrimaryCheckpoint wrong_size{older.body["Note"].get<std::string>(), signed_snapshot.verifier_key};
    Status refused = service::Engine::InitReplicaFromSnapshot(dir, *seed, nullptr, {n, f.claim.prev_leaf}, *range,
                                                              std::move(entries), &wrong_size);
    CHECK(refused.code() == StatusCode::kInvalidArgument);
    CHECK_FALSE(std::filesystem::exists(service::LedgerDir(dir)));
  }
  Status init = service::Engine::InitReplicaFromSnapshot(dir, *seed, nullptr, {n, f.claim.prev_leaf}, *range,
                                                          std::move(f.entries), &signed_snapshot);
  INFO(init.ToString());
  REQUIRE(init.ok());
  auto replica = MustOpen(dir, nullptr, /*replica=*/true);
  CHECK(replica->ledger().durable_head().next_seq == n);
  // The snapshot's signed note is the replica's first kept primary checkpoint.
  auto kept = service::ReadReplicaCheckpoint(replica->ledger().store());
  REQUIRE(kept.ok());
  REQUIRE(kept->has_value());
  CHECK((*kept)->note == f.note);
  CHECK((*kept)->verifier_key == signed_snapshot.verifier_key);
  // A second init of the same directory is refused.
  CHECK(service::Engine::InitReplica(dir, *seed, nullptr).code() == StatusCode::kAlreadyExists);

  // app/db's data keys came in the snapshot and were shredded after it.
  const auto snapshot_keys = EntriesOf(f_keys_copy, ledger::Family::kKeys);
  std::vector<std::string> shredded;
  const auto primary_keys = FamilyContents(primary.store(), ledger::Family::kKeys);
  for (const auto& [key, value] : snapshot_keys) {
    if (primary_keys.count(key) == 0) shredded.push_back(key);
  }
  CHECK(shredded.size() > 10);
  ApplyAll(*replica, primary, 5);
  const ledger::Store& ours = replica->ledger().store();
  CHECK(replica->ledger().durable_head().next_seq == primary.head());
  CHECK(replica->ledger().durable_head().last_leaf == primary.e->ledger().durable_head().last_leaf);
  for (ledger::Family family : {ledger::Family::kState, ledger::Family::kKeys}) {
    INFO(ledger::FamilyName(family));
    CHECK(FamilyContents(ours, family) == FamilyContents(primary.store(), family));
  }
  for (const std::string& key : shredded) CHECK_FALSE(ours.Get(ledger::Family::kKeys, key)->has_value());
  // The log from the base on is the primary's, byte for byte; nothing below it.
  auto log = FamilyContents(primary.store(), ledger::Family::kLog);
  log.erase(log.begin(), log.lower_bound(ledger::SeqKey(n)));
  CHECK(FamilyContents(ours, ledger::Family::kLog) == log);
  CHECK(ledger::ReadRecord(ours, n - 1).status().code() == StatusCode::kNotFound);
  for (uint64_t size = n; size <= primary.head(); ++size) {
    auto a = ledger::TreeReader(ours).Root(size);
    auto b = ledger::TreeReader(primary.store()).Root(size);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*a == *b);
  }

  // Promoted and reopened, it opens a secret whose data key came in the snapshot.
  service::Promotion promotion;
  promotion.primary_head_seen = primary.head();
  REQUIRE(replica->Promote(promotion).ok());
  replica.reset();
  auto promoted = MustOpen(dir);
  service::Response read = promoted->Execute(MakeRequest("GetSecretValue", {{"SecretId", "app/later"}}), TestActor());
  REQUIRE(read.ok());
  REQUIRE(read.values.size() == 1);
  CHECK(read.values[0].value.bytes.as_string_view() == "later-value");
  // It serves the records from its base on, and says so for those before.
  service::Response below = promoted->Execute(MakeRequest("ReadRecords", {{"FromSeq", 0}}), TestActor());
  REQUIRE(below.error.has_value());
  CHECK(below.error->code == service::kInvalidRequest);
  CHECK(below.error->message.find("from seq " + std::to_string(n)) != std::string::npos);
  service::Response from_base = promoted->Execute(MakeRequest("ReadRecords", {{"FromSeq", n}}), TestActor());
  REQUIRE(from_base.ok());
  REQUIRE_FALSE(from_base.records.empty());
  CHECK(from_base.records.front().first == n);
}

TEST_CASE("SnapshotVerifier accepts the primary's snapshot and refuses it tampered with, before anything is written",
          "[service][replication][snapshot]") {
  Primary primary;
  primary.Workload();
  Fetched f = Start(*primary.e);
  ReadPages(*primary.e, f);
  auto pinned = service::ReadLedgerVerifier(primary.store());
  REQUIRE(pinned.ok());
  const std::vector<ledger::WriteOp> entries = f.entries.ops();
  REQUIRE(entries.size() > 10);

  // Feeds `ops` after Start(note, frontier); the first failure's code, or OK.
  auto verify = [&](const std::string& note, std::vector<crypto::Digest> frontier,
                    const std::vector<ledger::WriteOp>& ops) -> StatusCode {
    auto v = service::SnapshotVerifier::Start(note, *pinned, std::move(frontier));
    if (!v.ok()) return v.status().code();
    for (const ledger::WriteOp& op : ops) {
      Status added = v->Add(op.family, op.key, op.value);
      if (!added.ok()) return added.code();
    }
    auto done = std::move(*v).Finish();
    if (done.ok()) {
      CHECK(done->base.seq == f.checkpoint.size);
      CHECK(done->base.prev_leaf == f.claim.prev_leaf);
      CHECK(done->entries.size() == entries.size());
    }
    return done.status().code();
  };
  CHECK(verify(f.note, f.frontier, entries) == StatusCode::kOk);

  SECTION("a note the pinned key did not sign") {
    Primary other;
    other.Workload();
    Fetched theirs = Start(*other.e);
    CHECK(verify(theirs.note, theirs.frontier, entries) == StatusCode::kPermissionDenied);
  }
  SECTION("a note whose text was changed") {
    std::string note = f.note;
    const size_t size_line = note.find('\n') + 1;
    note.replace(size_line, std::to_string(f.checkpoint.size).size(), std::to_string(f.checkpoint.size + 1));
    CHECK(verify(note, f.frontier, entries) == StatusCode::kDataLoss);
  }
  SECTION("a frontier node changed, or one missing") {
    std::vector<crypto::Digest> frontier = f.frontier;
    frontier.back()[0] ^= 1;
    CHECK(verify(f.note, frontier, entries) == StatusCode::kDataLoss);
    frontier = f.frontier;
    frontier.pop_back();
    CHECK(verify(f.note, frontier, entries) == StatusCode::kDataLoss);
  }
  SECTION("an entry's value changed, an entry dropped or one added") {
    std::vector<ledger::WriteOp> ops = entries;
    ops[ops.size() / 2].value.back() ^= 1;
    CHECK(verify(f.note, f.frontier, ops) == StatusCode::kDataLoss);
    ops = entries;
    ops.erase(ops.begin() + 3);
    CHECK(verify(f.note, f.frontier, ops) == StatusCode::kDataLoss);
    ops = entries;
    ops.push_back({ledger::Family::kKeys, ops.back().key + "~", "extra", false});
    CHECK(verify(f.note, f.frontier, ops) == StatusCode::kDataLoss);
  }
  SECTION("entries out of order, of another family, or a keys entry before the state") {
    std::vector<ledger::WriteOp> ops = entries;
    std::swap(ops[1], ops[2]);
    CHECK(verify(f.note, f.frontier, ops) == StatusCode::kDataLoss);
    ops = entries;
    ops[0].family = ledger::Family::kLog;
    CHECK(verify(f.note, f.frontier, ops) == StatusCode::kDataLoss);
    ops = entries;
    std::rotate(ops.begin(), ops.end() - 1, ops.end());  // the last keys entry first
    REQUIRE(ops[0].family == ledger::Family::kKeys);
    CHECK(verify(f.note, f.frontier, ops) == StatusCode::kDataLoss);
  }
}

TEST_CASE("ReadReplicaSnapshot refuses what it cannot serve", "[service][replication][snapshot]") {
  Primary primary;
  primary.Workload();
  Fetched f = Start(*primary.e);
  auto code = [&](Json params) {
    service::Response r = Snapshot(*primary.e, std::move(params));
    return r.error ? r.error->code : std::string("ok");
  };
  CHECK(code({{"SnapshotId", std::string(32, 'a')}, {"Family", "state"}}) == service::kResourceNotFound);
  CHECK(code({{"SnapshotId", f.id}, {"Family", "log"}}) == service::kInvalidParameter);
  CHECK(code({{"SnapshotId", f.id}}) == service::kInvalidParameter);
  CHECK(code({{"Family", "state"}}) == service::kInvalidParameter);
  CHECK(code({{"SnapshotId", f.id}, {"Family", "state"}, {"StartAfter", "not base64!"}}) == service::kInvalidParameter);
  CHECK(code({{"SnapshotId", f.id}, {"Family", "state"}, {"MaxEntries", 0}}) == service::kInvalidParameter);
  CHECK(code({{"SnapshotId", f.id}, {"Family", "keys"}, {"MaxEntries", 3}}) == "ok");
  // At most four live at once: a fifth displaces the least recently used.
  std::vector<std::string> ids = {f.id};
  for (int i = 0; i < 4; ++i) ids.push_back(Start(*primary.e).id);
  CHECK(code({{"SnapshotId", ids[0]}, {"Family", "state"}}) == service::kResourceNotFound);
  for (size_t i = 1; i < ids.size(); ++i) CHECK(code({{"SnapshotId", ids[i]}, {"Family", "state"}}) == "ok");
}

}  // namespace cairn::testing

namespace cairn::testing {

// A store view keeps what it sees in the files, deleted keys too: a shred
// while a snapshot is read must still leave the primary's files, once the
// snapshot is read to the end.
TEST_CASE("a crypto-shred while a snapshot is read leaves the primary's files once the last page is read",
          "[service][replication][snapshot][shred]") {
  Primary primary;
  MustCall(*primary.e, "CreateSecret", {{"Name", "app/old"}}, "old-value");
  const auto* secret = primary.e->state_for_testing().FindByName("app/old");
  REQUIRE(secret != nullptr);
  const std::string key = service::KeyEntryKey(secret->arn, secret->versions.begin()->first);
  auto entry = primary.store().Get(ledger::Family::kKeys, key);
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  const std::string wrapped = (*entry)->substr(4);  // the wrapped DEK, after its KEK version

  Fetched f = Start(*primary.e);
  MustCall(*primary.e, "DeleteSecret", {{"SecretId", "app/old"}, {"ForceDeleteWithoutRecovery", true}});
  REQUIRE(primary.e->RunMaintenance().ok());  // purged: the key deleted, the family compacted
  CHECK_FALSE(primary.store().Get(ledger::Family::kKeys, key)->has_value());
  REQUIRE(primary.e->ledger().store().CompactFamily(ledger::Family::kKeys).ok());
  CHECK(AnyFileHolds(primary.f.dir, wrapped));  // the view still sees it, so the files keep it

  ReadPages(*primary.e, f);  // the snapshot holds it: it was taken before the shred
  CHECK(EntriesOf(f, ledger::Family::kKeys).count(key) == 1);
  CHECK_FALSE(AnyFileHolds(primary.f.dir, wrapped));  // the last page read: the view released, compacted
  service::Response gone = Snapshot(*primary.e, {{"SnapshotId", f.id}, {"Family", "state"}});
  REQUIRE(gone.error.has_value());
  CHECK(gone.error->code == service::kResourceNotFound);
}

}  // namespace cairn::testing
