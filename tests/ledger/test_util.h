// Helpers shared by the ledger tests: temporary directories, record inputs,
// and a Store decorator that can be told to fail.
#ifndef CAIRN_TESTS_LEDGER_TEST_UTIL_H_
#define CAIRN_TESTS_LEDGER_TEST_UTIL_H_

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"
#include "ledger/ledger.h"
#include "ledger/store.h"
#include "ledger/verify.h"

namespace cairn::ledger::testing {

using cairn::testing::TempDir;

// A record input whose payload names `i`, so records are easy to tell apart.
inline RecordInput Input(uint64_t i, size_t payload_bytes = 40) {
  RecordInput in;
  in.time_unix_ms = 1700000000000 + static_cast<int64_t>(i);
  in.actor = {"user:alice", "LocalUser", "embedded:pid=1", "req-" + std::to_string(i), "test"};
  in.event_type = "SecretValueRead";
  in.payload = "payload " + std::to_string(i) + " ";
  in.payload.resize(std::max(payload_bytes, in.payload.size()), 'x');
  return in;
}

// Forwards every call to a store owned elsewhere, so a test can look at it
// after the Ledger that "owns" this wrapper is gone. Test decorators derive
// from it and override only what they watch or break.
class BorrowedStore : public Store {
 public:
  explicit BorrowedStore(Store& inner) : inner_(inner) {}
  // No copies: a decorator passed where a Store& is wanted must be wrapped, not
  // sliced into a copy that bypasses it (write Borrow(decorator)).
  BorrowedStore(const BorrowedStore&) = delete;
  BorrowedStore& operator=(const BorrowedStore&) = delete;
  Status Write(const WriteSet& writes, bool sync) override { return inner_.Write(writes, sync); }
  Status WriteDeferred(const WriteSet& writes) override { return inner_.WriteDeferred(writes); }
  Status Persist() override { return inner_.Persist(); }
  Result<std::optional<std::string>> Get(Family f, std::string_view key) const override {
    return inner_.Get(f, key);
  }
  std::unique_ptr<StoreIterator> NewIterator(Family f) const override {
    return inner_.NewIterator(f);
  }
  Status CompactFamily(Family f) override { return inner_.CompactFamily(f); }
  bool read_only() const override { return inner_.read_only(); }
  std::unique_ptr<Store> Snapshot() const override { return inner_.Snapshot(); }

 protected:
  Store& inner_;
};

// A BorrowedStore over `store`, whatever its dynamic type.
inline std::unique_ptr<Store> Borrow(Store& store) { return std::make_unique<BorrowedStore>(store); }

// Every key and value of family `f`, to compare two ledgers' stores.
// One put or delete, written alone and synced (tampering with a store).
inline void WriteOne(Store& store, Family f, std::string key, std::string value) {
  WriteSet w;
  w.Put(f, std::move(key), std::move(value));
  REQUIRE(store.Write(w, true).ok());
}
inline void DeleteOne(Store& store, Family f, std::string key) {
  WriteSet w;
  w.Delete(f, std::move(key));
  REQUIRE(store.Write(w, true).ok());
}

// The report blames `seq` with exactly `problem`.
inline void CheckBlames(const VerifyReport& r, uint64_t seq, const std::string& problem) {
  INFO(r.problem);
  CHECK_FALSE(r.ok);
  REQUIRE(r.first_bad_seq.has_value());
  CHECK(*r.first_bad_seq == seq);
  CHECK(r.problem == problem);
}

inline std::map<std::string, std::string> Contents(const Store& store, Family f) {
  std::map<std::string, std::string> out;
  auto it = store.NewIterator(f);
  for (it->SeekToFirst(); it->Valid(); it->Next()) out[std::string(it->key())] = std::string(it->value());
  return out;
}

// Owns `inner`; Write fails with Internal while fail_writes is set.
class FaultyStore final : public BorrowedStore {
 public:
  explicit FaultyStore(std::unique_ptr<Store> inner) : BorrowedStore(*inner), owned_(std::move(inner)) {}
  std::shared_ptr<std::atomic<bool>> fail_writes = std::make_shared<std::atomic<bool>>(false);

  Status Write(const WriteSet& writes, bool sync) override {
    if (fail_writes->load()) return InternalError("injected write failure");
    return inner_.Write(writes, sync);
  }

 private:
  std::unique_ptr<Store> owned_;
};

// Records every Write's size; while `hold` is set, a Write blocks (after
// counting itself as entered) until Release().
class GateStore final : public BorrowedStore {
 public:
  explicit GateStore(Store& inner) : BorrowedStore(inner) {}
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool hold = false;
    int entered = 0;
    std::vector<size_t> write_sizes;  // ops per Write, in order

    void Release() {
      std::lock_guard lock(mu);
      hold = false;
      cv.notify_all();
    }
    void WaitEntered(int n) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return entered >= n; });
    }
  };
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();

  Status Write(const WriteSet& writes, bool sync) override {
    {
      std::unique_lock lock(gate->mu);
      ++gate->entered;
      gate->write_sizes.push_back(writes.size());
      gate->cv.notify_all();
      gate->cv.wait(lock, [&] { return !gate->hold; });
    }
    return inner_.Write(writes, sync);
  }
};

}  // namespace cairn::ledger::testing

#endif  // CAIRN_TESTS_LEDGER_TEST_UTIL_H_
