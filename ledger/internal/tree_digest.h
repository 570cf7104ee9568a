// LevelDigests and DigestStoredTree: VerifyStore's fast check of the stored
// `tree` family (ledger/verify.h).
//
// A LevelDigests folds the node hashes of each tree level, in index order,
// into one SHA-256 chain per level: d = SHA-256(d || next 64 hashes), from
// d = 32 zero bytes. Two sequences of 32-byte hashes of the same length give
// the same digest only if they are equal (short of a SHA-256 collision), so
// comparing the digest of the stored level with the digest of the level
// recomputed from the records compares every stored node with its recomputed
// value, without holding either level in memory. Memory: ~2 KiB per level.
// LevelDigests is a plain value; not thread-safe.
#ifndef CAIRN_LEDGER_INTERNAL_TREE_DIGEST_H_
#define CAIRN_LEDGER_INTERNAL_TREE_DIGEST_H_

#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "crypto/hash.h"
#include "crypto/status.h"
#include "ledger/store.h"

namespace cairn::ledger {

class LevelDigests {
 public:
  static constexpr size_t kFold = 64;  // node hashes per SHA-256 call

  // Appends the next node of `level` (hash: 32 bytes).
  void Add(uint8_t level, const uint8_t* hash);
  // Number of nodes added at `level`.
  uint64_t count(uint8_t level) const { return level < levels_.size() ? levels_[level].count : 0; }
  // The digest of every level added to so far, index = level.
  std::vector<crypto::Digest> Finish();

 private:
  struct Level {
    std::array<uint8_t, 32 + kFold * 32> buffer{};  // running digest, then pending hashes
    size_t fill = 32;
    uint64_t count = 0;
  };
  std::vector<Level> levels_;
};

// StoredTreeDigester reads the stored perfect nodes into a LevelDigests on a
// thread of its own, one scan iterator per level, while the log is still being
// read: Publish(n) says n records have been read, so every node (L, i) with
// (i + 1) << L <= n has been written (it rides in the batch of the record that
// completes it) and may be read now. Each cursor steps past a node only when
// the next node of its level is wanted, so a store whose iterators see later
// writes (MemStore) works too; with RocksDB every cursor is created after the
// log's iterator and so sees at least what it sees.
//
// Thread-safety: Publish from one thread (the log's reader), Finish from
// another; the digests are read only after Finish. Borrows the store.
class StoredTreeDigester {
 public:
  explicit StoredTreeDigester(const Store& store);
  ~StoredTreeDigester();  // stops the thread and joins it
  StoredTreeDigester(const StoredTreeDigester&) = delete;
  StoredTreeDigester& operator=(const StoredTreeDigester&) = delete;

  // `leaves` records have been read; `final`: no more will be.
  void Publish(uint64_t leaves, bool final);
  // Waits for the final size's nodes. true if every node (L, i), i < size >>
  // L, was present, in place and 32 bytes long; false at the first that was
  // not (the caller then looks for the node at fault the slow way). Errors:
  // the iterators' I/O errors. Call once, after Publish(..., true).
  Result<bool> Finish();
  LevelDigests& digests() { return digests_; }

 private:
  void Run();
  Result<bool> Advance(uint8_t level, uint64_t nodes);  // digest nodes [next_, nodes)

  const Store& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t published_ = 0;
  bool final_ = false;
  bool stop_ = false;
  Result<bool> result_ = true;

  std::array<std::unique_ptr<StoreIterator>, 64> cursors_;
  std::array<uint64_t, 64> next_{};  // nodes digested per level
  std::array<bool, 64> step_{};      // the cursor still sits on the last one
  LevelDigests digests_;
  std::thread thread_;
};

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_INTERNAL_TREE_DIGEST_H_
