// Chain verification as pure functions over bytes: an auditor links this without
// a running daemon. ChainVerifier consumes (key, record bytes) in key order and
// reports the first record that breaks the chain.
//
// Blame rule for a broken link n -> n+1 (prev of n+1 != leaf hash of n): if the
// next link n+1 -> n+2 (or, at the tail, the meta head) holds, record n was
// altered; if it is broken too, record n+1 was (its prev field changed, so its own
// hash changed). So a single flipped byte is pinned to the record that holds it.
//
// VerifyStore also holds the stored Merkle tree (ledger/tree.h) against the
// records. What it checks, in one pass over the log:
//   - the chain, as ChainVerifier, for every record: key, FlatBuffers verifier,
//     identifier, format version, prev length, embedded seq, prev link, head;
//   - every perfect node of the tree over the records read, at every level:
//     recomputed from the records' leaf hashes with a compact range (O(log n)
//     memory), and the stored node (level L, index i) must be present under
//     its key, 32 bytes, and equal to it. The comparison is made level by
//     level through a SHA-256 chain over the level's nodes in index order
//     (internal/tree_digest.h), so equal digests mean every node is equal
//     (short of a SHA-256 collision); when a level's digests differ, or a node
//     is missing, misplaced or not 32 bytes, a second pass compares node by
//     node to name the first node at fault. Every node a proof or a root is
//     served from (TreeReader reads only stored perfect nodes) is among them;
//   - the root read from the stored nodes equals the recomputed one, and no
//     node is stored past the end of the log.
// A ledger with a base at seq N (ledger.h, "Base") is verified from the base:
//   - the chain from record N, whose prev must be meta base's leaf (a broken
//     link there is blamed on record N if N+1 does not link to it either, else
//     on meta base: "meta base: ... (meta base altered)", first_bad_seq N); a
//     key below N is a problem; with no record past N the meta head must be
//     the base; `records` counts the records examined, from N;
//   - the base's compact range (the stored nodes of TreeReader::Frontier(N)):
//     present and 32 bytes, and for an odd N its last node, leaf N-1, equal to
//     meta base's leaf. Beyond that it is taken as imported: the root it gives
//     for size N is vouched for only by a signed checkpoint (cairn-audit
//     verify), and a node of it that no later node covers yet can change
//     unseen here;
//   - every node the records from N complete, recomputed from that compact
//     range plus their leaf hashes, compared node by node with the stored one
//     (one cursor per level, TreeChecker; no level digests, which assume
//     nodes from index 0). A node above a tampered range node then mismatches:
//     its problem adds "and the base's compact range (seq N)";
//   - the root from the stored nodes and no node past the end of the log, as
//     above. Nodes below the base that are not in its compact range are
//     neither read nor looked for.
// The report's `root` is that of the whole tree (size N + records). A
// malformed meta base gives ok = false with its DataLoss message as `problem`,
// and nothing else is read.
// Signed checkpoints are not read here: cairn-audit verify checks each one's
// signature and compares its root with TreeReader::Root(size), which rests on
// the nodes checked above.
// A chain problem is reported first; a tree problem (chain intact) sets
// tree_ok = false, ok = false and `problem`.
//
// VerifyStore runs on three threads: one reads the log (copying records into
// bounded chunks), one reads the stored tree behind it, and the caller's
// hashes and checks. Memory stays bounded: ~2 MiB of chunks, one cursor and
// ~2 KiB per tree level.
#ifndef CAIRN_LEDGER_VERIFY_H_
#define CAIRN_LEDGER_VERIFY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/status.h"
#include "ledger/ledger.h"
#include "ledger/store.h"

namespace cairn::ledger {

struct VerifyReport {
  bool ok = true;
  uint64_t records = 0;                 // records examined
  crypto::Digest head{};                // leaf hash of the last good record
  std::optional<uint64_t> first_bad_seq;
  std::string problem;                  // e.g. "seq 42: prev hash does not match seq 41"
  // Set by VerifyStore only (ChainVerifier knows no tree):
  crypto::Digest root{};                // RFC 9162 root recomputed from the records examined
  bool tree_ok = true;                  // the stored tree matches the records
};

class ChainVerifier {
 public:
  ChainVerifier() = default;  // a ledger from seq 0
  // A ledger with a base (ReadBase): the first record must be base.seq and
  // its prev base.prev_leaf; a key below base.seq is reported as such.
  explicit ChainVerifier(const Base& base);
  // Feed records in key order. Never fails; problems land in the report.
  void Add(std::string_view key, std::string_view bytes);
  // The same, for a caller that already hashed the bytes: `leaf` must be
  // RecordLeafHash(bytes).
  void Add(std::string_view key, std::string_view bytes, const crypto::Digest& leaf);
  // Call once at the end with the meta head (nullopt if absent).
  VerifyReport Finish(const std::optional<Head>& meta_head);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Verifies the whole chain and tree in `store`. progress(records_done) is called
// every 100k records, on the caller's thread. Returns the report; a non-OK
// Status only for I/O errors while reading the log. The store must be
// thread-safe (every Store is) and outlive the call.
Result<VerifyReport> VerifyStore(const Store& store,
                                 const std::function<void(uint64_t)>& progress = nullptr);

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_VERIFY_H_
