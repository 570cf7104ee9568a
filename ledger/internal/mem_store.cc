// The in-memory twin of the RocksDB store: one ordered map per family under one
// mutex. Same contract as RocksStore (tests/ledger/store_conformance_test.cc),
// except that nothing survives the process and iterators see writes made after
// they were created (each step re-seeks under the lock; there is no snapshot).
// Snapshot() copies every family into a new, read-only MemStore.
#include <array>
#include <map>
#include <mutex>

#include "ledger/internal/meta_format.h"
#include "ledger/store.h"

namespace cairn::ledger {
namespace {

using FamilyMap = std::map<std::string, std::string, std::less<>>;

struct MemData {
  mutable std::mutex mu;
  std::array<FamilyMap, kFamilyCount> families;
};

class MemIterator final : public StoreIterator {
 public:
  MemIterator(std::shared_ptr<const MemData> data, Family f) : data_(std::move(data)), f_(f) {}

  void Seek(std::string_view key) override {
    std::lock_guard lock(data_->mu);
    Load(map().lower_bound(key));
  }
  void SeekToFirst() override {
    std::lock_guard lock(data_->mu);
    Load(map().begin());
  }
  void SeekToLast() override {
    std::lock_guard lock(data_->mu);
    Load(map().empty() ? map().end() : std::prev(map().end()));
  }
  bool Valid() const override { return valid_; }
  void Next() override {
    if (!valid_) return;
    std::lock_guard lock(data_->mu);
    Load(map().upper_bound(key_));
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  Status status() const override { return Status::Ok(); }

 private:
  const FamilyMap& map() const { return data_->families[static_cast<int>(f_)]; }
  void Load(FamilyMap::const_iterator it) {
    valid_ = it != map().end();
    if (valid_) {
      key_ = it->first;
      value_ = it->second;
    }
  }

  std::shared_ptr<const MemData> data_;
  Family f_;
  bool valid_ = false;
  std::string key_;
  std::string value_;
};

class MemStore final : public Store {
 public:
  MemStore() : data_(std::make_shared<MemData>()) {
    data_->families[static_cast<int>(Family::kMeta)][kMetaFormat] = std::string(kStoreFormat);
  }
  // A read-only store over `data`, which nobody writes any more.
  explicit MemStore(std::shared_ptr<MemData> data) : data_(std::move(data)), read_only_(true) {}

  Status Write(const WriteSet& writes, bool sync) override {
    if (read_only_) return UnavailableError("a snapshot of the in-memory store is read-only");
    std::lock_guard lock(data_->mu);
    for (const WriteOp& op : writes.ops()) {
      FamilyMap& m = data_->families[static_cast<int>(op.family)];
      if (op.is_delete) {
        m.erase(op.key);
      } else {
        m.insert_or_assign(op.key, op.value);
      }
    }
    return Status::Ok();
  }

  // In memory nothing is durable: deferred or not is the same.
  Status WriteDeferred(const WriteSet& writes) override { return Write(writes, /*sync=*/false); }
  Status Persist() override {
    return read_only_ ? UnavailableError("a snapshot of the in-memory store is read-only") : Status::Ok();
  }

  Result<std::optional<std::string>> Get(Family f, std::string_view key) const override {
    std::lock_guard lock(data_->mu);
    const FamilyMap& m = data_->families[static_cast<int>(f)];
    auto it = m.find(key);
    if (it == m.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  std::unique_ptr<StoreIterator> NewIterator(Family f) const override {
    return std::make_unique<MemIterator>(data_, f);
  }

  Status CompactFamily(Family) override {
    if (read_only_) return UnavailableError("a snapshot of the in-memory store is read-only");
    return Status::Ok();
  }
  bool read_only() const override { return read_only_; }

  std::unique_ptr<Store> Snapshot() const override {
    if (read_only_) return std::make_unique<MemStore>(data_);  // nothing changes it: share
    auto copy = std::make_shared<MemData>();
    {
      std::lock_guard lock(data_->mu);
      copy->families = data_->families;
    }
    return std::make_unique<MemStore>(std::move(copy));
  }

 private:
  std::shared_ptr<MemData> data_;  // shared so iterators may outlive the store
  bool read_only_ = false;         // a snapshot
};

}  // namespace

std::unique_ptr<Store> NewMemStore() { return std::make_unique<MemStore>(); }

}  // namespace cairn::ledger
