// Signed checkpoints as an auditor meets them: pubkey, checkpoint, verify
// with stored checkpoints and --since, and the tampered twins.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "crypto/random.h"
#include "crypto/signing.h"
#include "ledger/checkpoint.h"
#include "ledger/store.h"
#include "tests/testing/cli_ledger.h"

namespace cairn {
namespace {

using nlohmann::json;
using testing::RunResult;

using Fixture = testing::CliLedger;

TEST_CASE("every ledger at rest carries a checkpoint of its head, signed by its key", "[tools][audit][checkpoint]") {
  Fixture f;
  f.Call({"create-secret", "--name", "a", "--secret-string", "x"});
  RunResult pub = f.Audit({"pubkey"});
  REQUIRE(pub.exit_code == 0);
  const std::string vkey = pub.out.substr(0, pub.out.find('\n'));
  CHECK(vkey.rfind("cairn.ledger/", 0) == 0);
  auto verifier = ledger::ParseVerifierKey(vkey);
  REQUIRE(verifier.ok());

  RunResult cp = f.Audit({"checkpoint"});
  REQUIRE(cp.exit_code == 0);
  auto opened = ledger::OpenSignedCheckpoint(cp.out, *verifier);
  REQUIRE(opened.ok());
  json report = json::parse(f.Audit({"verify", "--json"}).out);
  CHECK(opened->size == report["records"].get<uint64_t>());
  CHECK(crypto::ToHex(opened->root) == report["root"].get<std::string>());
  CHECK(report["checkpoints_ok"] == true);
  CHECK(report["checkpoints"].get<int>() >= 2);  // one at init, one per call
}

TEST_CASE("verify --since proves the log only grew, and names a fork or truncation", "[tools][audit][checkpoint]") {
  Fixture f;
  f.Call({"create-secret", "--name", "a", "--secret-string", "x"});
  const std::string cp1 = f.Save("cp1.txt", f.Audit({"checkpoint"}).out);
  f.Call({"put-secret-value", "--secret-id", "a", "--secret-string", "y"});
  f.Call({"describe-secret", "--secret-id", "a"});

  RunResult good = f.Audit({"verify", "--since", cp1, "--json"});
  CHECK(good.exit_code == 0);
  CHECK(json::parse(good.out)["since_ok"] == true);

  // An auditor's own signer stands in for a lying log: same origin, other root.
  auto rng = crypto::NewDeterministicRandom(42);
  crypto::Ed25519PrivateKey key = crypto::Ed25519PrivateKey::Generate(*rng);
  const std::string vkey = f.Audit({"pubkey"}).out;
  auto opened = ledger::ParseVerifierKey(vkey.substr(0, vkey.find('\n')));
  REQUIRE(opened.ok());
  auto own = ledger::MakeNoteVerifier(opened->name, key.PublicKey());
  REQUIRE(own.ok());
  const std::string pin = ledger::FormatVerifierKey(*own);
  {
    RunResult raw = f.Audit({"checkpoint"});
    auto cp = ledger::OpenSignedCheckpoint(raw.out, *opened);
    REQUIRE(cp.ok());
    ledger::Checkpoint forked = *cp;
    forked.size = 2;
    forked.root[0] ^= 0xff;
    auto note = ledger::SignNote(ledger::FormatCheckpointBody(forked), own->name, key);
    REQUIRE(note.ok());
    RunResult fork = f.Audit({"verify", "--since", f.Save("fork.txt", *note), "--pin-key", pin, "--json"});
    CHECK(fork.exit_code == 1);
    json r = json::parse(fork.out);
    CHECK(r["since_ok"] == false);
    CHECK(r["problem"].get<std::string>().find("did not only grow") != std::string::npos);

    ledger::Checkpoint longer = *cp;
    longer.size = cp->size + 10;
    auto note2 = ledger::SignNote(ledger::FormatCheckpointBody(longer), own->name, key);
    REQUIRE(note2.ok());
    RunResult cut = f.Audit({"verify", "--since", f.Save("long.txt", *note2), "--pin-key", pin, "--json"});
    CHECK(cut.exit_code == 1);
    CHECK(json::parse(cut.out)["problem"].get<std::string>().find("truncated") != std::string::npos);
  }
  SECTION("a checkpoint signed by another key is refused") {
    RunResult other = f.Audit({"verify", "--since", cp1, "--pin-key", pin, "--json"});
    CHECK(other.exit_code == 1);
    CHECK(json::parse(other.out)["since_ok"] == false);
  }
}

TEST_CASE("a stored checkpoint whose signature was swapped fails verify", "[tools][audit][checkpoint][tamper]") {
  Fixture f;
  f.Call({"create-secret", "--name", "a", "--secret-string", "x"});
  f.Call({"create-secret", "--name", "b", "--secret-string", "x"});
  {
    auto store = ledger::OpenRocksStore(f.dir + "/ledger", ledger::OpenMode::kReadWrite);
    REQUIRE(store.ok());
    std::vector<std::pair<std::string, std::string>> notes;
    auto it = (*store)->NewIterator(ledger::Family::kCheckpoints);
    for (it->SeekToFirst(); it->Valid(); it->Next()) notes.emplace_back(std::string(it->key()), std::string(it->value()));
    REQUIRE(notes.size() >= 2);
    // Swap the signature lines of the first two notes.
    auto sig = [](const std::string& n) { return n.substr(n.find("\n\n") + 2); };
    auto body = [](const std::string& n) { return n.substr(0, n.find("\n\n") + 2); };
    ledger::WriteSet w;
    w.Put(ledger::Family::kCheckpoints, notes[0].first, body(notes[0].second) + sig(notes[1].second));
    REQUIRE((*store)->Write(w, true).ok());
  }
  RunResult r = f.Audit({"verify", "--json"});
  CHECK(r.exit_code == 1);
  json report = json::parse(r.out);
  CHECK(report["checkpoints_ok"] == false);
  CHECK(report["problem"].get<std::string>().find("checkpoint at size") != std::string::npos);
}

}  // namespace
}  // namespace cairn
