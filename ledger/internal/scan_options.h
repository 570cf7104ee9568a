// The RocksDB settings of a whole-family scan (Store::NewScanIterator), in one
// place so that bench/proof_bench.cc gives its raw baseline the very same.
#ifndef CAIRN_LEDGER_INTERNAL_SCAN_OPTIONS_H_
#define CAIRN_LEDGER_INTERNAL_SCAN_OPTIONS_H_

#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>

namespace cairn::ledger {

// One pass, front to back: read ahead in large steps and do not churn the
// block cache with blocks nobody reads twice. Checksums stay on.
inline rocksdb::ReadOptions ScanReadOptions() {
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  options.readahead_size = 4 << 20;
  return options;
}

// While one lives on a thread, RocksDB's per-thread perf counters (PerfLevel)
// are off there: nothing in Cairn reads them, and they cost a thread-local
// lookup per step of a long scan and per key of a write (a replica's page is
// tens of thousands of memtable inserts). RocksStore's writes, reads and scan
// iterators each hold one. Nested ones are fine (the outermost restores the
// level it found). Not to be moved to another thread.
class PerfCountersOff {
 public:
  PerfCountersOff() {
    if (depth()++ == 0) {
      saved() = rocksdb::GetPerfLevel();
      rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    }
  }
  ~PerfCountersOff() {
    if (--depth() == 0) rocksdb::SetPerfLevel(saved());
  }
  PerfCountersOff(const PerfCountersOff&) = delete;
  PerfCountersOff& operator=(const PerfCountersOff&) = delete;

 private:
  static int& depth() {
    thread_local int d = 0;
    return d;
  }
  static rocksdb::PerfLevel& saved() {
    thread_local rocksdb::PerfLevel level = rocksdb::PerfLevel::kEnableCount;
    return level;
  }
};

}  // namespace cairn::ledger

#endif  // CAIRN_LEDGER_INTERNAL_SCAN_OPTIONS_H_
