#include "projections/replay.h"

#include "ledger/ledger.h"
#include "ledger/record.h"
#include "schema/events_generated.h"

namespace cairn::projections {

Result<ReplayResult> Replay(const ledger::Store& store, const ReplayLimit& limit) {
  ReplayResult result;
  auto mem = ledger::NewMemStore();
  Status failure;
  bool before_genesis = false;
  Status s = ledger::ForEachRecord(store, 0, [&](std::string_view, std::string_view bytes) {
    auto record = ledger::DecodeRecord(bytes);
    if (!record.ok()) {
      failure = record.status();
      return false;
    }
    if (limit.until_seq && record->seq >= *limit.until_seq) return false;
    if (limit.until_unix_ms && record->time_unix_ms > *limit.until_unix_ms) {
      before_genesis = record->seq == 0;
      return false;
    }
    flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(record->payload.data()),
                                   record->payload.size());
    if (!schema::VerifyEventBuffer(verifier)) {
      failure = DataLossError("seq " + std::to_string(record->seq) + ": payload is not a valid event");
      return false;
    }
    const schema::Event& event = *schema::GetEvent(record->payload.data());
    Views::Touched touched;
    failure = result.views.Apply(record->seq, record->time_unix_ms, event, &touched);
    if (!failure.ok()) return false;
    ledger::WriteSet writes;  // as the engine writes them (service/engine.cc)
    result.views.WriteTouched(touched, writes);
    failure = mem->Write(writes, /*sync=*/false);
    if (!failure.ok()) return false;
    ++result.records;
    result.last_time_unix_ms = record->time_unix_ms;
    return true;
  });
  RETURN_IF_ERROR(s);
  RETURN_IF_ERROR(failure);
  if (before_genesis) return InvalidArgumentError("the requested time is before the ledger's genesis record");
  auto it = mem->NewIterator(ledger::Family::kState);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    result.state_entries[std::string(it->key())] = std::string(it->value());
  }
  return result;
}

}  // namespace cairn::projections
