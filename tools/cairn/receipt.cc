#include "tools/cairn/receipt.h"

#include <cstdio>
#include <optional>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

namespace cairn::tools {
namespace {

using service::Json;

std::string N(uint64_t v) { return std::to_string(v); }

constexpr RefusalWording kReceiptWording{"cairnd", "checking a receipt needs cairn:ReadAuditLog"};

// One audit read; an AWS error becomes a Status naming the operation.
Result<Json> AuditCall(Remote& remote, const std::string& operation, Json params) {
  ASSIGN_OR_RETURN(service::Response response, CallRefusingErrors(remote, operation, std::move(params), kReceiptWording));
  return std::move(response.body);
}

Result<crypto::Digest> DigestMember(const Json& body, const char* operation, const char* name) {
  ASSIGN_OR_RETURN(std::string hex, StringMember(body, std::string("cairnd's ") + operation, name));
  auto digest = crypto::DigestFromHex(hex);
  if (!digest.ok()) {
    return DataLossError(std::string("cairnd's ") + operation + " reply: " + name +
                         " is not a 32-byte hex hash");
  }
  return *digest;
}

Result<std::vector<crypto::Digest>> ProofMember(const Json& body) {
  auto it = body.find("Proof");
  if (it == body.end() || !it->is_array()) {
    return DataLossError("cairnd's GetInclusionProof reply has no Proof list");
  }
  std::vector<crypto::Digest> proof;
  for (const Json& h : *it) {
    auto digest = h.is_string() ? crypto::DigestFromHex(h.get<std::string>())
                                : Result<crypto::Digest>(DataLossError("not a string"));
    if (!digest.ok()) {
      return DataLossError("cairnd's GetInclusionProof reply: Proof[" + N(proof.size()) +
                           "] is not a 32-byte hex hash");
    }
    proof.push_back(*digest);
  }
  return proof;
}

// The key to check the note against: the pinned one, else the server's.
Result<ledger::NoteVerifier> ChooseKey(const std::string& pinned_key, const Json& checkpoint,
                                       const std::function<void(const std::string&)>& warn) {
  if (!pinned_key.empty()) {
    auto pinned = ledger::ParseVerifierKey(pinned_key);
    if (!pinned.ok()) return pinned.status().WithContext("the pinned checkpoint key");
    return pinned;
  }
  ASSIGN_OR_RETURN(std::string sent, StringMember(checkpoint, "cairnd's GetCheckpoint", "VerifierKey"));
  auto key = ledger::ParseVerifierKey(sent);
  if (!key.ok())
    return DataLossError("cairnd sent a malformed VerifierKey: " + key.status().message());
  if (warn) {
    warn(
        "no checkpoint key pinned (--pin-key or the profile's CheckpointKey): trusting the key "
        "cairnd "
        "sent, on first use: " +
        sent);
  }
  return key;
}

// The checkpoint signed by `key` covering `seq`.
Result<ledger::Checkpoint> SignedCheckpoint(const std::string& note,
                                            const ledger::NoteVerifier& key, uint64_t seq) {
  auto checkpoint = ledger::OpenSignedCheckpoint(note, key);
  if (!checkpoint.ok()) {
    return DataLossError("the checkpoint cairnd sent does not verify under the key " +
                         ledger::FormatVerifierKey(key) + ": " + checkpoint.status().message());
  }
  if (checkpoint->origin != key.name) {
    return DataLossError("the signed checkpoint is for ledger " + checkpoint->origin +
                         ", the pinned key is for " + key.name);
  }
  if (checkpoint->size <= seq) {
    return DataLossError("the signed checkpoint covers " + N(checkpoint->size) +
                         " records, so not seq " + N(seq));
  }
  return checkpoint;
}

Result<VerifiedReceipt> Verify(Remote& remote, const std::string& pinned_key, uint64_t seq,
                               const crypto::Digest& leaf,
                               const std::function<void(const std::string&)>& warn) {
  ASSIGN_OR_RETURN(Json checkpoint_reply,
                   AuditCall(remote, "GetCheckpoint", {{"MinTreeSize", seq + 1}}));
  ASSIGN_OR_RETURN(ledger::NoteVerifier key, ChooseKey(pinned_key, checkpoint_reply, warn));
  ASSIGN_OR_RETURN(std::string note, StringMember(checkpoint_reply, "cairnd's GetCheckpoint", "Note"));
  ASSIGN_OR_RETURN(ledger::Checkpoint checkpoint, SignedCheckpoint(note, key, seq));

  ASSIGN_OR_RETURN(
      Json proof_reply,
      AuditCall(remote, "GetInclusionProof", {{"LeafIndex", seq}, {"TreeSize", checkpoint.size}}));
  ASSIGN_OR_RETURN(crypto::Digest proof_leaf,
                   DigestMember(proof_reply, "GetInclusionProof", "LeafHash"));
  if (proof_leaf != leaf) {
    return DataLossError("cairnd's inclusion proof for seq " + N(seq) + " is for leaf hash " +
                         crypto::ToHex(proof_leaf) + ", the receipt has " + crypto::ToHex(leaf));
  }
  ASSIGN_OR_RETURN(std::vector<crypto::Digest> proof, ProofMember(proof_reply));
  Status included = ledger::VerifyInclusion(seq, checkpoint.size, leaf, proof, checkpoint.root);
  if (!included.ok()) {
    return DataLossError("seq " + N(seq) + " is not shown in the signed tree of size " +
                         N(checkpoint.size) + ": " + included.message());
  }
  return VerifiedReceipt{seq, checkpoint.size, checkpoint.root};
}

}  // namespace

Result<VerifiedReceipt> VerifyReceipt(Remote& remote, const std::string& pinned_key, uint64_t seq,
                                      const crypto::Digest& leaf,
                                      const std::function<void(const std::string&)>& warn) {
  auto verified = Verify(remote, pinned_key, seq, leaf, warn);
  if (!verified.ok()) return verified.status().WithContext("receipt not verified");
  return verified;
}

Status CheckReceipt(Backend& backend, const service::Response& response,
                    const std::string& pin_key) {
  Remote* remote = backend.remote();
  if (remote == nullptr || backend.profile() == nullptr) {
    return FailedPreconditionError(
        "--verify-receipt needs remote mode (--profile): receipts are checked against cairnd");
  }
  const std::string& pinned = pin_key.empty() ? backend.profile()->checkpoint_key : pin_key;
  auto warn = [](const std::string& line) {
    std::fprintf(stderr, "cairn: warning: %s\n", line.c_str());
  };
  ASSIGN_OR_RETURN(VerifiedReceipt receipt,
                   VerifyReceipt(*remote, pinned, response.seq, response.leaf_hash, warn));
  std::fprintf(
      stderr, "cairn: receipt verified: seq %llu is in the signed tree of size %llu (root %s)\n",
      static_cast<unsigned long long>(receipt.seq),
      static_cast<unsigned long long>(receipt.tree_size), crypto::ToHex(receipt.root).c_str());
  return Status::Ok();
}

}  // namespace cairn::tools
