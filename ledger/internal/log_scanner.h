// LogScanner: VerifyStore's reading half. A thread of its own walks the `log`
// family front to back (Store::NewScanIterator) and copies each (key, record
// bytes) into chunks of about 1024 records, which the caller takes in order
// while the next ones are read, so reading and hashing run on two cores.
// Record bytes in a chunk start at 8-byte aligned addresses (DecodeRecordLink
// reads them in place). After queueing each chunk the thread calls
// `on_read(count, last)`: count = records read so far, last = the scan is over.
//
// At most kChunks chunks are in flight, so memory is bounded (~2 MiB for
// 300-byte records). Thread-safety: one caller thread uses Next and Finish.
// Borrows the store, which must outlive the scanner.
#ifndef CAIRN_LEDGER_INTERNAL_LOG_SCANNER_H_
#define CAIRN_LEDGER_INTERNAL_LOG_SCANNER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto/status.h"
#include "ledger/store.h"

namespace cairn::ledger {

class LogChunk {
 public:
  size_t size() const { return entries_.size(); }
  std::string_view key(size_t i) const { return View(entries_[i].key, entries_[i].key_bytes); }
  std::string_view value(size_t i) const {
    return View(entries_[i].value, entries_[i].value_bytes);
  }

 private:
  friend class LogScanner;
  struct Entry {
    size_t key, key_bytes, value, value_bytes;  // offsets into arena_, in bytes
  };
  std::string_view View(size_t offset, size_t bytes) const {
    return {reinterpret_cast<const char*>(arena_.data()) + offset, bytes};
  }
  size_t Copy(std::string_view bytes);  // appends at an 8-aligned offset; returns it
  void Clear() {
    entries_.clear();
    used_ = 0;
  }

  std::vector<uint64_t> arena_;  // uint64_t: 8-aligned storage
  size_t used_ = 0;              // bytes of arena_ in use
  std::vector<Entry> entries_;
};

class LogScanner {
 public:
  static constexpr size_t kChunkRecords = 1024;
  static constexpr size_t kChunks = 8;

  LogScanner(const Store& store, std::function<void(uint64_t count, bool last)> on_read);
  ~LogScanner();  // stops the thread (it may be mid-scan) and joins it
  LogScanner(const LogScanner&) = delete;
  LogScanner& operator=(const LogScanner&) = delete;

  // The next chunk in key order, or nullptr after the last. The chunk is valid
  // until the next call; the previous one goes back to the reader.
  const LogChunk* Next();
  // Joins the reader. The scan's I/O error, if any.
  Status Finish();

 private:
  void Run();

  const Store& store_;
  std::function<void(uint64_t, bool)> on_read_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<LogChunk>> full_;  // read, waiting for the caller
  std::vector<std::unique_ptr<LogChunk>> free_;
  std::unique_ptr<LogChunk> current_;  // the caller's
  bool done_ = false;                  // the reader queued its last chunk
  bool stop_ = false;                  // the caller gave up
  Status status_;
  std::thread reader_;
};

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_INTERNAL_LOG_SCANNER_H_
