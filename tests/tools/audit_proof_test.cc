// cairn-audit prove / consistency on a real data directory, with every printed
// proof checked again here by the pure verifiers of ledger/merkle.h.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/store.h"
#include "tests/testing/subprocess.h"

namespace cairn {
namespace {

using nlohmann::json;
using testing::Run;
using testing::RunResult;
using testing::TempDir;
using testing::ToolPath;

const std::map<std::string, std::string> kKeyFile = {{"CAIRN_PASSPHRASE", ""}};

RunResult AuditTool(std::vector<std::string> args) {
  std::vector<std::string> argv = {ToolPath("cairn-audit")};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv);
}

json AuditJson(std::vector<std::string> args) {
  RunResult r = AuditTool(std::move(args));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

crypto::Digest D(const json& hex) {
  Result<crypto::Digest> d = crypto::DigestFromHex(hex.get<std::string>());
  REQUIRE(d.ok());
  return *d;
}

std::vector<crypto::Digest> Proof(const json& list) {
  std::vector<crypto::Digest> out;
  for (const json& h : list) out.push_back(D(h));
  return out;
}

// A data directory with a few records, and their leaf hashes read from disk.
class AuditedLedger {
 public:
  AuditedLedger() : dir_(tmp_.sub("d")) {
    REQUIRE(Run({ToolPath("cairn"), "init", "--data-dir", dir_}, kKeyFile).exit_code == 0);
    for (int i = 0; i < 5; ++i) {
      RunResult r = Run({ToolPath("cairn"), "--data-dir", dir_, "create-secret", "--name",
                         "s" + std::to_string(i), "--secret-string", "v"},
                        kKeyFile);
      REQUIRE(r.exit_code == 0);
    }
    auto store = ledger::OpenRocksStore(dir_ + "/ledger", ledger::OpenMode::kReadOnly);
    REQUIRE(store.ok());
    REQUIRE(ledger::ForEachRecord(**store, 0, [&](std::string_view, std::string_view bytes) {
              leaves_.push_back(ledger::RecordLeafHash(bytes));
              return true;
            }).ok());
    REQUIRE(leaves_.size() >= 6);
  }
  const std::string& dir() const { return dir_; }
  const std::vector<crypto::Digest>& leaves() const { return leaves_; }
  uint64_t size() const { return leaves_.size(); }
  crypto::Digest RootOf(uint64_t n) const { return ledger::RootOf(std::span(leaves_).first(n)); }

 private:
  TempDir tmp_;
  std::string dir_;
  std::vector<crypto::Digest> leaves_;
};

TEST_CASE("cairn-audit prove prints an inclusion proof that verifies on its own",
          "[tools][audit][proof]") {
  AuditedLedger l;
  const std::string n = std::to_string(l.size());
  json verified = AuditJson({"verify", "--data-dir", l.dir(), "--json"});
  CHECK(verified["root"] == crypto::ToHex(l.RootOf(l.size())));

  for (uint64_t seq = 0; seq < l.size(); ++seq) {
    INFO("seq " << seq);
    json p = AuditJson({"prove", "--data-dir", l.dir(), "--seq", std::to_string(seq), "--json"});
    CHECK(p["leaf_index"] == seq);
    CHECK(p["tree_size"] == l.size());
    CHECK(D(p["leaf_hash"]) == l.leaves()[seq]);
    CHECK(p["root"] == verified["root"]);
    Status s =
        ledger::VerifyInclusion(seq, l.size(), l.leaves()[seq], Proof(p["proof"]), D(p["root"]));
    INFO(s.message());
    CHECK(s.ok());
  }
  for (uint64_t m : {uint64_t{1}, uint64_t{3}, l.size() - 1}) {
    json p = AuditJson(
        {"prove", "--data-dir", l.dir(), "--seq", "0", "--tree-size", std::to_string(m), "--json"});
    CHECK(p["tree_size"] == m);
    CHECK(D(p["root"]) == l.RootOf(m));
    CHECK(ledger::VerifyInclusion(0, m, l.leaves()[0], Proof(p["proof"]), l.RootOf(m)).ok());
  }
  std::vector<std::string> keys;
  RunResult ordered = AuditTool({"prove", "--data-dir", l.dir(), "--seq", "1", "--json"});
  const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(ordered.out);
  for (const auto& [k, v] : parsed.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"leaf_index", "tree_size", "leaf_hash", "proof", "root"});

  RunResult text = AuditTool({"prove", "--data-dir", l.dir(), "--seq", "1"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("root " + verified["root"].get<std::string>()) != std::string::npos);
}

TEST_CASE("cairn-audit consistency prints a consistency proof that verifies on its own",
          "[tools][audit][proof]") {
  AuditedLedger l;
  const uint64_t n = l.size();
  for (auto [a, b] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, n}, {1, n}, {2, n}, {3, 5}, {n - 1, n}, {n, n}, {4, 4}}) {
    INFO(a << " -> " << b);
    json c = AuditJson({"consistency", "--data-dir", l.dir(), "--from", std::to_string(a), "--to",
                        std::to_string(b), "--json"});
    CHECK(c["old_size"] == a);
    CHECK(c["new_size"] == b);
    CHECK(D(c["old_root"]) == l.RootOf(a));
    CHECK(D(c["new_root"]) == l.RootOf(b));
    Status s = ledger::VerifyConsistency(a, b, l.RootOf(a), l.RootOf(b), Proof(c["proof"]));
    INFO(s.message());
    CHECK(s.ok());
  }
}

TEST_CASE("cairn-audit prove and consistency refuse questions beyond the log with exit 2",
          "[tools][audit][proof]") {
  AuditedLedger l;
  const std::string n = std::to_string(l.size());
  const std::string more = std::to_string(l.size() + 1);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"prove", "--seq", n}, "seq " + n + " is beyond the head: the ledger has " + n + " records"},
      {{"prove", "--seq", "0", "--tree-size", more},
       "tree size " + more + " is beyond the ledger's " + n + " records"},
      {{"prove", "--seq", "3", "--tree-size", "3"},
       "seq 3 is not in the tree of size 3 (seq must be below --tree-size)"},
      {{"consistency", "--from", "0", "--to", more},
       "tree size " + more + " is beyond the ledger's " + n + " records"},
      {{"consistency", "--from", "5", "--to", "3"}, "--from 5 is above --to 3"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.begin() + 1, {"--data-dir", l.dir(), "--json"});
    RunResult r = AuditTool(args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "cairn-audit: error: " + c.message + "\n");
  }
}

}  // namespace
}  // namespace cairn
