#include "projections/replay.h"

#include <set>
#include <utility>

#include "ledger/ledger.h"
#include "ledger/record.h"
#include "schema/events_generated.h"

namespace cairn::projections {
namespace {

// Every key any Apply touched, each once: the state entries to write at the end.
struct TouchedUnion {
  std::set<std::string> secrets;
  std::set<std::string> principals;
  std::set<PolicyKey> policies;

  // Moves `t`'s keys in and leaves it empty for the next record.
  void Add(Views::Touched& t) {
    for (auto& k : t.secrets) secrets.insert(std::move(k));
    for (auto& k : t.principals) principals.insert(std::move(k));
    for (auto& k : t.policies) policies.insert(std::move(k));
    t.secrets.clear();
    t.principals.clear();
    t.policies.clear();
  }
  Views::Touched Take() {
    Views::Touched t;
    t.secrets.assign(std::make_move_iterator(secrets.begin()), std::make_move_iterator(secrets.end()));
    t.principals.assign(std::make_move_iterator(principals.begin()), std::make_move_iterator(principals.end()));
    t.policies.assign(policies.begin(), policies.end());
    return t;
  }
};

}  // namespace

// The engine writes each record's touched entries in that record's batch
// (service/engine.cc). Replay needs only the state after the last record, so it
// writes every touched entry once, at the end, from the final views: the same
// WriteTouched, the same entries (an entry's last write is the view's value at
// its last touch, which is its final value), without encoding an entry and the
// info per record. The log is read with the store's scan iterator (read-ahead,
// block cache left alone), as VerifyStore reads it.
Result<ReplayResult> Replay(const ledger::Store& store, const ReplayLimit& limit) {
  ASSIGN_OR_RETURN(ledger::Base base, ledger::ReadBase(store));
  if (base.seq > 0) {
    return FailedPreconditionError("this ledger holds the records from seq " + std::to_string(base.seq) +
                                   " on (a replica started from a snapshot): its state cannot be replayed from "
                                   "its log; replay the primary's, or a ledger kept from genesis");
  }
  ReplayResult result;
  Status failure;
  bool before_genesis = false;
  Views::Touched touched;
  TouchedUnion all_touched;
  std::unique_ptr<ledger::StoreIterator> it = store.NewScanIterator(ledger::Family::kLog);
  for (it->Seek(ledger::SeqKey(0)); it->Valid(); it->Next()) {
    auto record = ledger::DecodeRecord(it->value());
    if (!record.ok()) {
      failure = record.status();
      break;
    }
    if (limit.until_seq && record->seq >= *limit.until_seq) break;
    if (limit.until_unix_ms && record->time_unix_ms > *limit.until_unix_ms) {
      before_genesis = record->seq == 0;
      break;
    }
    flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(record->payload.data()),
                                   record->payload.size());
    if (!schema::VerifyEventBuffer(verifier)) {
      failure = DataLossError("seq " + std::to_string(record->seq) + ": payload is not a valid event");
      break;
    }
    const schema::Event& event = *schema::GetEvent(record->payload.data());
    failure = result.views.Apply(record->seq, record->time_unix_ms, event, &touched);
    if (!failure.ok()) break;
    all_touched.Add(touched);
    ++result.records;
    result.last_time_unix_ms = record->time_unix_ms;
  }
  RETURN_IF_ERROR(it->status());
  RETURN_IF_ERROR(failure);
  if (before_genesis) return InvalidArgumentError("the requested time is before the ledger's genesis record");
  if (result.records == 0) return result;  // the engine writes no state before the genesis record
  ledger::WriteSet writes;
  result.views.WriteTouched(all_touched.Take(), writes);
  auto mem = ledger::NewMemStore();  // applies the ops in order: a later op on a key wins
  RETURN_IF_ERROR(mem->Write(writes, /*sync=*/false));
  auto state = mem->NewIterator(ledger::Family::kState);
  for (state->SeekToFirst(); state->Valid(); state->Next()) {
    result.state_entries[std::string(state->key())] = std::string(state->value());
  }
  return result;
}

}  // namespace cairn::projections
