// Ledger::StageVerbatim with leaf hashes the caller computed (a DR replica's
// follower hashes each record once): the same ledger as hashing here, and a
// hash that is not its record's is refused through the links.
#include <catch2/catch.hpp>
#include <map>

#include "ledger/ledger.h"
#include "ledger/record.h"
#include "test_util.h"

namespace cairn::ledger {
namespace {

using testing::Contents;
using testing::Input;

std::unique_ptr<Ledger> MustOpen(std::unique_ptr<Store> store) {
  Result<std::unique_ptr<Ledger>> l = Ledger::Open(std::move(store));
  INFO(l.status().ToString());
  REQUIRE(l.ok());
  return std::move(l).value();
}

std::vector<std::string> Records(size_t n) {
  auto primary = MustOpen(NewMemStore());
  for (uint64_t i = 0; i < n; ++i) REQUIRE(primary->Append({Input(i)}).ok());
  std::vector<std::string> out;
  for (uint64_t seq = 0; seq < n; ++seq) {
    Result<std::string> bytes = ReadRecord(primary->store(), seq);
    REQUIRE(bytes.ok());
    out.push_back(*bytes);
  }
  return out;
}

std::vector<crypto::Digest> Leaves(const std::vector<std::string>& records) {
  std::vector<crypto::Digest> out;
  for (const std::string& r : records) out.push_back(RecordLeafHash(r));
  return out;
}

TEST_CASE("StageVerbatim with the callers leaf hashes writes the same ledger as hashing itself", "[ledger][replication]") {
  const std::vector<std::string> records = Records(23);
  auto hashing = MustOpen(NewMemStore());
  auto given = MustOpen(NewMemStore());
  for (size_t from = 0; from < records.size(); from += 7) {
    std::vector<std::string> page(records.begin() + from, records.begin() + std::min(records.size(), from + 7));
    auto a = hashing->StageVerbatim(page);
    auto b = given->StageVerbatim(page, Leaves(page));
    INFO(b.status().ToString());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE(hashing->Await(*a).ok());
    REQUIRE(given->Await(*b).ok());
  }
  CHECK(given->durable_head().last_leaf == hashing->durable_head().last_leaf);
  for (Family f : {Family::kLog, Family::kTree, Family::kMeta}) {
    CHECK(Contents(given->store(), f) == Contents(hashing->store(), f));
  }
}

TEST_CASE("StageVerbatim refuses leaf hashes that are not the records own, and stages nothing", "[ledger][replication]") {
  const std::vector<std::string> records = Records(5);
  auto replica = MustOpen(NewMemStore());
  REQUIRE(replica->Await(*replica->StageVerbatim({records[0]}, Leaves({records[0]}))).ok());
  const Head before = replica->staged_head();
  const std::vector<std::string> page = {records[1], records[2], records[3]};

  SECTION("a wrong hash inside the page: the next record does not link to it") {
    std::vector<crypto::Digest> leaves = Leaves(page);
    leaves[1][0] ^= 0x01;
    auto ticket = replica->StageVerbatim(page, leaves);
    REQUIRE_FALSE(ticket.ok());
    CHECK(ticket.status().code() == StatusCode::kDataLoss);
    CHECK(ticket.status().message().find("replicated record 3 does not link") != std::string::npos);
  }
  SECTION("a wrong hash for the last record: hashed again") {
    std::vector<crypto::Digest> leaves = Leaves(page);
    leaves[2][31] ^= 0x80;
    auto ticket = replica->StageVerbatim(page, leaves);
    REQUIRE_FALSE(ticket.ok());
    CHECK(ticket.status().code() == StatusCode::kInvalidArgument);
  }
  SECTION("the hashes of other records, in order") {
    auto ticket = replica->StageVerbatim({records[1], records[3]}, Leaves({records[1], records[2]}));
    REQUIRE_FALSE(ticket.ok());
  }
  SECTION("one hash too few") {
    auto ticket = replica->StageVerbatim(page, Leaves({records[1], records[2]}));
    REQUIRE_FALSE(ticket.ok());
    CHECK(ticket.status().code() == StatusCode::kInvalidArgument);
  }
  CHECK(replica->staged_head().next_seq == before.next_seq);
  CHECK(replica->staged_head().last_leaf == before.last_leaf);
  // Still usable with the right hashes.
  auto ok = replica->StageVerbatim(page, Leaves(page));
  REQUIRE(ok.ok());
  REQUIRE(replica->Await(*ok).ok());
  CHECK(replica->durable_head().last_leaf == RecordLeafHash(records[3]));
}

}  // namespace
}  // namespace cairn::ledger
