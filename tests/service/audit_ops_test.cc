// The audit reads on a real engine (service/principals.h): GetCheckpoint,
// GetInclusionProof, GetConsistencyProof and ListCheckpoints. Every answer is
// checked with the pure verifiers of ledger/merkle.h and ledger/checkpoint.h,
// against the naive tree over the records' own leaf hashes as the oracle.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "schema/events_generated.h"
#include "service/checkpointer.h"
#include "service/principals.h"
#include "tests/service/engine_fixture.h"
#include "tests/service/principal_fixture.h"
#include "tests/service/harness.h"

namespace cairn {
namespace {

using service::Json;
using testing::MakeRequest;
using testing::TestActor;
using service::testing::ErrorCodeOf;
using service::testing::EventOf;

using testing::AsPrincipal;
using testing::Key;

crypto::Digest Hex(const Json& j) {
  auto d = crypto::DigestFromHex(j.get<std::string>());
  REQUIRE(d.ok());
  return *d;
}

std::vector<crypto::Digest> HexList(const Json& j) {
  std::vector<crypto::Digest> out;
  for (const Json& h : j) out.push_back(Hex(h));
  return out;
}

struct Open {
  testing::EngineFixture f;
  std::unique_ptr<service::Engine> engine;

  Open() {
    auto opened = f.Open();
    REQUIRE(opened.ok());
    engine = std::move(opened).value();
  }
  service::Response Call(const std::string& op, Json params,
                         const ledger::Actor& actor = TestActor()) {
    return engine->Execute(MakeRequest(op, std::move(params)), actor);
  }
  // `n` more records, each a ListSecrets call.
  void Grow(int n) {
    for (int i = 0; i < n; ++i) REQUIRE(Call("ListSecrets", Json::object()).ok());
  }
  uint64_t head() { return engine->ledger().durable_head().next_seq; }
  const ledger::Store& store() { return engine->ledger().store(); }
  // The leaf hashes of the first `n` records, from their stored bytes.
  std::vector<crypto::Digest> Leaves(uint64_t n) {
    std::vector<crypto::Digest> leaves;
    for (uint64_t seq = 0; seq < n; ++seq) {
      auto bytes = ledger::ReadRecord(store(), seq);
      REQUIRE(bytes.ok());
      leaves.push_back(ledger::RecordLeafHash(*bytes));
    }
    return leaves;
  }
  ledger::RecordFields Record(uint64_t seq) { return testing::RecordAt(store(), seq); }
  ledger::NoteVerifier Verifier() {
    auto v = service::ReadLedgerVerifier(store());
    REQUIRE(v.ok());
    return *v;
  }
};


TEST_CASE("GetInclusionProof answers a proof that verifies to the root of the tree of that size",
          "[service][audit]") {
  Open o;
  o.Grow(9);
  const uint64_t head = o.head();  // 10
  const std::vector<crypto::Digest> leaves = o.Leaves(head);
  for (uint64_t size : {uint64_t{1}, uint64_t{2}, uint64_t{7}, head}) {
    for (uint64_t index = 0; index < size; index += 3) {
      INFO("index " << index << " size " << size);
      auto r = o.Call("GetInclusionProof", {{"LeafIndex", index}, {"TreeSize", size}});
      REQUIRE(r.ok());
      const std::vector<crypto::Digest> prefix(leaves.begin(), leaves.begin() + size);
      CHECK(r.body["LeafIndex"] == index);
      CHECK(r.body["TreeSize"] == size);
      CHECK(Hex(r.body["LeafHash"]) == leaves[index]);
      CHECK(Hex(r.body["Root"]) == ledger::RootOf(prefix));
      CHECK(HexList(r.body["Proof"]) == *ledger::InclusionProofOf(prefix, index));
      CHECK(ledger::VerifyInclusion(index, size, leaves[index], HexList(r.body["Proof"]),
                                    Hex(r.body["Root"]))
                .ok());
      ledger::RecordFields event = o.Record(r.seq);
      REQUIRE(event.event_type == "ProofRead");
      const schema::ProofRead* body = EventOf(event)->body_as_ProofRead();
      CHECK(body->kind() == schema::ProofKind::Inclusion);
      CHECK(body->first() == index);
      CHECK(body->second() == size);
      CHECK(EventOf(event)->audit()->read_only());
    }
  }
}

TEST_CASE("GetConsistencyProof answers a proof that verifies between the two roots",
          "[service][audit]") {
  Open o;
  o.Grow(11);
  const uint64_t head = o.head();  // 12
  const std::vector<crypto::Digest> leaves = o.Leaves(head);
  const std::vector<std::pair<uint64_t, uint64_t>> pairs = {{0, 5}, {1, 2},    {3, 7},
                                                            {4, 8}, {5, head}, {6, 6}};
  for (const auto& [first, second] : pairs) {
    INFO("first " << first << " second " << second);
    auto r = o.Call("GetConsistencyProof", {{"FirstTreeSize", first}, {"SecondTreeSize", second}});
    REQUIRE(r.ok());
    const std::vector<crypto::Digest> old_tree(leaves.begin(), leaves.begin() + first);
    const std::vector<crypto::Digest> new_tree(leaves.begin(), leaves.begin() + second);
    CHECK(r.body["FirstTreeSize"] == first);
    CHECK(r.body["SecondTreeSize"] == second);
    CHECK(Hex(r.body["FirstRoot"]) == ledger::RootOf(old_tree));
    CHECK(Hex(r.body["SecondRoot"]) == ledger::RootOf(new_tree));
    CHECK(HexList(r.body["Proof"]) == *ledger::ConsistencyProofOf(new_tree, first));
    CHECK(ledger::VerifyConsistency(first, second, Hex(r.body["FirstRoot"]),
                                    Hex(r.body["SecondRoot"]), HexList(r.body["Proof"]))
              .ok());
    const ledger::RecordFields record = o.Record(r.seq);  // the event points into it
    const schema::ProofRead* body = EventOf(record)->body_as_ProofRead();
    REQUIRE(body != nullptr);
    CHECK(body->kind() == schema::ProofKind::Consistency);
    CHECK(body->first() == first);
    CHECK(body->second() == second);
  }
}

TEST_CASE(
    "the audit reads refuse a question beyond the durable tree with its exact error, as an event",
    "[service][audit]") {
  Open o;
  o.Grow(3);
  struct Case {
    std::string op;
    Json params;
    std::string message;  // InvalidParameterException
  };
  // The head moves by one with every refused call: each case states it as of its call.
  auto cases = [&](uint64_t h) {
    const std::string head = std::to_string(h);
    const std::string past = std::to_string(h + 1);
    return std::vector<Case>{
        {"GetInclusionProof",
         {{"LeafIndex", 5}, {"TreeSize", 5}},
         "LeafIndex 5 is not below TreeSize 5"},
        {"GetInclusionProof",
         {{"LeafIndex", 0}, {"TreeSize", h + 1}},
         "TreeSize " + past + " is beyond the log's durable head (" + head + " records)"},
        {"GetInclusionProof", {{"TreeSize", 2}}, "Missing required parameter LeafIndex"},
        {"GetInclusionProof", {{"LeafIndex", 0}}, "Missing required parameter TreeSize"},
        {"GetInclusionProof",
         {{"LeafIndex", -1}, {"TreeSize", 2}},
         "Invalid LeafIndex: must be between 0 and 9223372036854775807"},
        {"GetConsistencyProof",
         {{"FirstTreeSize", 4}, {"SecondTreeSize", 3}},
         "FirstTreeSize 4 is above SecondTreeSize 3"},
        {"GetConsistencyProof",
         {{"FirstTreeSize", 1}, {"SecondTreeSize", h + 1}},
         "SecondTreeSize " + past + " is beyond the log's durable head (" + head + " records)"},
        {"GetConsistencyProof",
         {{"SecondTreeSize", 3}},
         "Missing required parameter FirstTreeSize"},
        {"GetCheckpoint",
         {{"MinTreeSize", h + 1}},
         "MinTreeSize " + past + " is beyond the log's durable head (" + head + " records)"},
        {"ListCheckpoints",
         {{"MaxResults", 1001}},
         "Invalid MaxResults: must be between 1 and 1000"},
        {"ListCheckpoints", {{"MaxResults", 0}}, "Invalid MaxResults: must be between 1 and 1000"},
    };
  };
  const size_t count = cases(0).size();
  for (size_t i = 0; i < count; ++i) {
    const Case c = cases(o.head())[i];
    INFO(c.op << " " << c.params.dump());
    auto r = o.Call(c.op, c.params);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error->code == "InvalidParameterException");
    CHECK(r.error->message == c.message);
    ledger::RecordFields event = o.Record(r.seq);
    CHECK(event.event_type == "OperationFailed");
    CHECK(ErrorCodeOf(event) == "InvalidParameterException");
    CHECK(EventOf(event)->audit()->action()->str() == c.op);
  }
}

TEST_CASE("a principal without cairn:ReadAuditLog is refused every audit read, as an AccessDenied event",
          "[service][audit]") {
  Open o;
  REQUIRE(
      o.Call("CreatePrincipal", {{"Name", "alice"}, {"PublicKey", Key(1)}, {"Admin", true}}).ok());
  REQUIRE(o.Call("CreatePrincipal", {{"Name", "bob"}, {"PublicKey", Key(2)}}).ok());
  const std::vector<std::pair<std::string, Json>> calls = {
      {"GetCheckpoint", Json::object()},
      {"GetInclusionProof", {{"LeafIndex", 0}, {"TreeSize", 1}}},
      {"GetConsistencyProof", {{"FirstTreeSize", 1}, {"SecondTreeSize", 2}}},
      {"ListCheckpoints", Json::object()},
  };
  for (const auto& [op, params] : calls) {
    INFO(op);
    auto refused = o.Call(op, params, AsPrincipal("bob"));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error->code == "AccessDeniedException");
    CHECK(refused.error->message ==
          "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: cairn:ReadAuditLog "
          "on resource: * because no identity-based policy allows the cairn:ReadAuditLog action");
    ledger::RecordFields event = o.Record(refused.seq);
    CHECK(event.event_type == "AccessDenied");
    CHECK(ErrorCodeOf(event) == "AccessDeniedException");
    CHECK(event.actor.principal == "bob");
    CHECK(o.Call(op, params, AsPrincipal("alice")).ok());
  }
}

TEST_CASE(
    "GetCheckpoint answers the latest checkpoint, and signs one of the head when MinTreeSize asks "
    "for more",
    "[service][audit]") {
  Open o;
  o.Grow(4);
  const ledger::NoteVerifier verifier = o.Verifier();
  auto checkpoints = service::ReadCheckpoints(o.store());
  REQUIRE(checkpoints.ok());
  REQUIRE(checkpoints->size() == 1);  // init's, of the genesis record
  SECTION("without MinTreeSize, the latest stored one") {
    auto r = o.Call("GetCheckpoint", Json::object());
    REQUIRE(r.ok());
    CHECK(r.body == Json{{"TreeSize", 1},
                         {"Note", checkpoints->back().second},
                         {"VerifierKey", ledger::FormatVerifierKey(verifier)}});
    CHECK(EventOf(o.Record(r.seq))->body_as_CheckpointRead()->min_tree_size() == 0);
    CHECK(service::ReadCheckpoints(o.store())->size() == 1);
  }
  SECTION("with a MinTreeSize the latest reaches, the latest stored one") {
    auto r = o.Call("GetCheckpoint", {{"MinTreeSize", 1}});
    REQUIRE(r.ok());
    CHECK(r.body["TreeSize"] == 1);
    CHECK(service::ReadCheckpoints(o.store())->size() == 1);
  }
  SECTION("with a MinTreeSize beyond the latest, a fresh one of the head, this call included") {
    const uint64_t head = o.head();
    auto r = o.Call("GetCheckpoint", {{"MinTreeSize", head}});
    REQUIRE(r.ok());
    CHECK(r.seq == head);
    CHECK(r.body["TreeSize"] == head + 1);
    CHECK(r.body["VerifierKey"] == ledger::FormatVerifierKey(verifier));
    auto checkpoint = ledger::OpenSignedCheckpoint(r.body["Note"].get<std::string>(), verifier);
    REQUIRE(checkpoint.ok());
    CHECK(checkpoint->size == head + 1);
    CHECK(checkpoint->origin == verifier.name);
    CHECK(checkpoint->root == ledger::RootOf(o.Leaves(head + 1)));
    auto stored = service::ReadCheckpoints(o.store());
    REQUIRE(stored->size() == 2);
    CHECK(stored->back() ==
          std::pair<uint64_t, std::string>(head + 1, r.body["Note"].get<std::string>()));
    CHECK(EventOf(o.Record(r.seq))->body_as_CheckpointRead()->min_tree_size() == head);
  }
}

TEST_CASE("ListCheckpoints pages through the stored checkpoints oldest first", "[service][audit]") {
  Open o;
  std::vector<uint64_t> sizes = {1};  // init's
  for (int i = 0; i < 3; ++i) {
    o.Grow(2);
    REQUIRE(o.engine->SignCheckpoint().ok());
    sizes.push_back(o.head());
  }
  REQUIRE(sizes == std::vector<uint64_t>{1, 3, 5, 7});
  auto stored = service::ReadCheckpoints(o.store());
  REQUIRE(stored.ok());
  auto page = [&](size_t from, size_t to) {
    Json list = Json::array();
    for (size_t i = from; i < to; ++i)
      list.push_back({{"TreeSize", (*stored)[i].first}, {"Note", (*stored)[i].second}});
    return list;
  };
  auto first = o.Call("ListCheckpoints", {{"MaxResults", 2}});
  REQUIRE(first.ok());
  CHECK(first.body == Json{{"Checkpoints", page(0, 2)}, {"NextTreeSize", 5}});
  auto second = o.Call("ListCheckpoints", {{"FromTreeSize", 5}, {"MaxResults", 2}});
  REQUIRE(second.ok());
  CHECK(second.body == Json{{"Checkpoints", page(2, 4)}});
  auto between = o.Call("ListCheckpoints", {{"FromTreeSize", 4}});
  REQUIRE(between.ok());
  CHECK(between.body == Json{{"Checkpoints", page(2, 4)}});
  auto past = o.Call("ListCheckpoints", {{"FromTreeSize", 100}});
  REQUIRE(past.ok());
  CHECK(past.body == Json{{"Checkpoints", Json::array()}});
  const ledger::RecordFields record = o.Record(second.seq);  // the event points into it
  const schema::CheckpointsListed* body = EventOf(record)->body_as_CheckpointsListed();
  REQUIRE(body != nullptr);
  CHECK(body->from_tree_size() == 5);
  CHECK(body->max_results() == 2);
}

}  // namespace
}  // namespace cairn
