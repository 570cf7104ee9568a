// A ledger on a MemStore that appends events with the views' entries in the
// record's batch, as the engine's StageDecision does: for tests that compare
// the live `state` family with a replay of the log.
#ifndef CAIRN_TESTS_PROJECTIONS_LIVE_LEDGER_H_
#define CAIRN_TESTS_PROJECTIONS_LIVE_LEDGER_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "ledger/ledger.h"
#include "projections/views.h"
#include "tests/projections/event_builders.h"

namespace cairn::projections::testing {

struct LiveLedger {
  // `actor` signs every appended record.
  explicit LiveLedger(ledger::Actor actor) : actor(std::move(actor)) {
    auto store = ledger::NewMemStore();
    store_ = store.get();
    auto opened = ledger::Ledger::Open(std::move(store));
    REQUIRE(opened.ok());
    ledger = std::move(opened).value();
  }
  void Append(const EventBytes& e, int64_t time_ms) {
    ledger::RecordInput input;
    input.time_unix_ms = time_ms;
    input.actor = actor;
    input.event_type = schema::EnumNameBody(e.event().body_type());
    input.payload = e.bytes();
    auto appended = ledger->Append(
        {std::move(input)},
        [&](const std::vector<ledger::Appended>& staged, ledger::WriteSet& out) -> Status {
          Views::Touched touched;
          RETURN_IF_ERROR(views.Apply(staged[0].seq, time_ms, e.event(), &touched));
          views.WriteTouched(touched, out);
          return Status::Ok();
        });
    INFO(appended.status().ToString());
    REQUIRE(appended.ok());
  }
  const ledger::Store& store() const { return *store_; }

  ledger::Actor actor;
  Views views;
  std::unique_ptr<ledger::Ledger> ledger;
  ledger::Store* store_ = nullptr;  // owned by the ledger
};

}  // namespace cairn::projections::testing

#endif  // CAIRN_TESTS_PROJECTIONS_LIVE_LEDGER_H_
