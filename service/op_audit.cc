// The audit reads (service/principals.h): GetCheckpoint, GetInclusionProof,
// GetConsistencyProof and ListCheckpoints. Deciding checks the question against
// the durable head and records it; AnswerAuditRead reads the answer from the
// store once the call's own event is durable. Durable tree nodes and stored
// checkpoints never change, so the answer is the one the decision fixed.
#include <optional>
#include <string>

#include "crypto/hash.h"
#include "ledger/tree.h"
#include "service/internal/ops.h"
#include "service/principals.h"

namespace cairn::service {
namespace internal {
namespace {

constexpr int64_t kMaxSize = INT64_MAX;
constexpr int64_t kMaxCheckpointsPerPage = 1000;
constexpr int64_t kDefaultCheckpointsPerPage = 100;

std::string N(uint64_t v) { return std::to_string(v); }

Result<uint64_t> RequiredSize(const Params& p, const char* name) {
  ASSIGN_OR_RETURN(std::optional<int64_t> value, p.Int(name, 0, kMaxSize));
  if (!value.has_value())
    return InvalidArgumentError(std::string("Missing required parameter ") + name);
  return static_cast<uint64_t>(*value);
}

// InvalidParameterException unless the tree of `size` records is durable.
Status CheckDurable(const char* name, uint64_t size, const DecideEnv& env) {
  if (size <= env.durable_next_seq) return Status::Ok();
  return InvalidArgumentError(std::string(name) + " " + N(size) +
                              " is beyond the log's durable head (" + N(env.durable_next_seq) +
                              " records)");
}

Outcome ProofOutcome(AuditRead::Kind kind, uint64_t first, uint64_t second) {
  Outcome out;
  const schema::ProofKind proof_kind = kind == AuditRead::Kind::kInclusionProof
                                           ? schema::ProofKind::Inclusion
                                           : schema::ProofKind::Consistency;
  out.SetBody(schema::CreateProofRead(out.fbb, proof_kind, first, second));
  out.audit_read = AuditRead{kind, first, second};
  return out;
}

}  // namespace

Result<Outcome> GetCheckpoint(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::optional<int64_t> min_size, ctx.params.Int("MinTreeSize", 0, kMaxSize));
  const uint64_t min = static_cast<uint64_t>(min_size.value_or(0));
  RETURN_IF_ERROR(CheckDurable("MinTreeSize", min, ctx.env));
  Outcome out;
  out.SetBody(schema::CreateCheckpointRead(out.fbb, min));
  out.audit_read = AuditRead{AuditRead::Kind::kCheckpoint, min, 0};
  return out;
}

Result<Outcome> GetInclusionProof(OpContext& ctx) {
  ASSIGN_OR_RETURN(uint64_t index, RequiredSize(ctx.params, "LeafIndex"));
  ASSIGN_OR_RETURN(uint64_t size, RequiredSize(ctx.params, "TreeSize"));
  if (index >= size) {
    return InvalidArgumentError("LeafIndex " + N(index) + " is not below TreeSize " + N(size));
  }
  RETURN_IF_ERROR(CheckDurable("TreeSize", size, ctx.env));
  return ProofOutcome(AuditRead::Kind::kInclusionProof, index, size);
}

Result<Outcome> GetConsistencyProof(OpContext& ctx) {
  ASSIGN_OR_RETURN(uint64_t first, RequiredSize(ctx.params, "FirstTreeSize"));
  ASSIGN_OR_RETURN(uint64_t second, RequiredSize(ctx.params, "SecondTreeSize"));
  if (first > second) {
    return InvalidArgumentError("FirstTreeSize " + N(first) + " is above SecondTreeSize " +
                                N(second));
  }
  RETURN_IF_ERROR(CheckDurable("SecondTreeSize", second, ctx.env));
  return ProofOutcome(AuditRead::Kind::kConsistencyProof, first, second);
}

Result<Outcome> ListCheckpoints(OpContext& ctx) {
  ASSIGN_OR_RETURN(std::optional<int64_t> from, ctx.params.Int("FromTreeSize", 0, kMaxSize));
  ASSIGN_OR_RETURN(std::optional<int64_t> max,
                   ctx.params.Int("MaxResults", 1, kMaxCheckpointsPerPage));
  const uint64_t from_size = static_cast<uint64_t>(from.value_or(0));
  const uint64_t max_results = static_cast<uint64_t>(max.value_or(kDefaultCheckpointsPerPage));
  Outcome out;
  out.SetBody(
      schema::CreateCheckpointsListed(out.fbb, from_size, static_cast<uint32_t>(max_results)));
  out.audit_read = AuditRead{AuditRead::Kind::kCheckpointList, from_size, max_results};
  return out;
}

}  // namespace internal

namespace {

Json HexList(const std::vector<crypto::Digest>& hashes) {
  Json out = Json::array();
  for (const crypto::Digest& d : hashes) out.push_back(crypto::ToHex(d));
  return out;
}

// The stored checkpoint of the largest size, as (size, note); nullopt if none.
Result<std::optional<std::pair<uint64_t, std::string>>> LatestCheckpoint(
    const ledger::Store& store) {
  auto it = store.NewIterator(ledger::Family::kCheckpoints);
  it->SeekToLast();
  if (!it->Valid()) {
    RETURN_IF_ERROR(it->status());
    return std::optional<std::pair<uint64_t, std::string>>();
  }
  ASSIGN_OR_RETURN(uint64_t size, ledger::ParseSeqKey(it->key()));
  return std::optional<std::pair<uint64_t, std::string>>({size, std::string(it->value())});
}

Status AnswerCheckpoint(uint64_t min_size, const ledger::Store& store,
                        const ledger::NoteVerifier& verifier,
                        const std::function<Result<std::string>()>& sign_head, Json& body) {
  ASSIGN_OR_RETURN(auto latest, LatestCheckpoint(store));
  if (!latest.has_value() || latest->first < min_size) {
    ASSIGN_OR_RETURN(std::string signed_note, sign_head());
    (void)signed_note;  // stored under its size; read back below like any other
    ASSIGN_OR_RETURN(latest, LatestCheckpoint(store));
  }
  if (!latest.has_value() || latest->first < min_size) {
    return DataLossError("no stored checkpoint covers " + std::to_string(min_size) +
                         " records after signing one of the head");
  }
  body = {{"TreeSize", latest->first},
          {"Note", std::move(latest->second)},
          {"VerifierKey", ledger::FormatVerifierKey(verifier)}};
  return Status::Ok();
}

Status AnswerInclusion(uint64_t index, uint64_t size, const ledger::Store& store, Json& body) {
  ledger::TreeReader tree(store);
  ASSIGN_OR_RETURN(crypto::Digest leaf, tree.Node(0, index));
  ASSIGN_OR_RETURN(std::vector<crypto::Digest> proof, tree.InclusionProof(index, size));
  ASSIGN_OR_RETURN(crypto::Digest root, tree.Root(size));
  body = {{"LeafIndex", index},
          {"TreeSize", size},
          {"LeafHash", crypto::ToHex(leaf)},
          {"Proof", HexList(proof)},
          {"Root", crypto::ToHex(root)}};
  return Status::Ok();
}

Status AnswerConsistency(uint64_t first, uint64_t second, const ledger::Store& store, Json& body) {
  ledger::TreeReader tree(store);
  ASSIGN_OR_RETURN(std::vector<crypto::Digest> proof, tree.ConsistencyProof(first, second));
  ASSIGN_OR_RETURN(crypto::Digest first_root, tree.Root(first));
  ASSIGN_OR_RETURN(crypto::Digest second_root, tree.Root(second));
  body = {{"FirstTreeSize", first},
          {"SecondTreeSize", second},
          {"FirstRoot", crypto::ToHex(first_root)},
          {"SecondRoot", crypto::ToHex(second_root)},
          {"Proof", HexList(proof)}};
  return Status::Ok();
}

Status AnswerList(uint64_t from, uint64_t max_results, const ledger::Store& store, Json& body) {
  Json list = Json::array();
  std::optional<uint64_t> next;
  auto it = store.NewIterator(ledger::Family::kCheckpoints);
  for (it->Seek(ledger::SeqKey(from)); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(uint64_t size, ledger::ParseSeqKey(it->key()));
    if (list.size() == max_results) {
      next = size;
      break;
    }
    list.push_back({{"TreeSize", size}, {"Note", std::string(it->value())}});
  }
  RETURN_IF_ERROR(it->status());
  body = {{"Checkpoints", std::move(list)}};
  if (next.has_value()) body["NextTreeSize"] = *next;
  return Status::Ok();
}

}  // namespace

Status AnswerAuditRead(const AuditRead& read, const ledger::Store& store,
                       const ledger::NoteVerifier& verifier,
                       const std::function<Result<std::string>()>& sign_head, Json& body) {
  switch (read.kind) {
    case AuditRead::Kind::kCheckpoint:
      return AnswerCheckpoint(read.first, store, verifier, sign_head, body);
    case AuditRead::Kind::kInclusionProof:
      return AnswerInclusion(read.first, read.second, store, body);
    case AuditRead::Kind::kConsistencyProof:
      return AnswerConsistency(read.first, read.second, store, body);
    case AuditRead::Kind::kCheckpointList:
      return AnswerList(read.first, read.second, store, body);
  }
  return InternalError("unknown audit read");
}

}  // namespace cairn::service
