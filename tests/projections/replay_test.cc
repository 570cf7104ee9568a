// Replay determinism (DESIGN.md invariant 3): applying a long event sequence
// and persisting after every record yields byte-identical `state` entries to
// applying it in one go, and to loading mid-way and carrying on.
#include <algorithm>
#include <catch2/catch.hpp>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "projections/labels.h"
#include "projections/principals.h"
#include "tests/projections/harness.h"
#include "tests/projections/principal_events.h"

namespace cairn::projections::testing {
namespace {

struct Record {
  uint64_t seq;
  int64_t time_ms;
  EventBytes bytes;
};

// Generates valid-looking traffic from a fixed seed: each event is chosen from
// the state a model view reached so far, the way the service decides.
class TrafficGenerator {
 public:
  explicit TrafficGenerator(uint64_t seed) : rng_(seed) {}

  std::vector<Record> Generate(int count) {
    std::vector<Record> records;
    Add(records, kOk.LedgerInitialized("ledger-r", "us-east-1", "123456789012", "mk"));
    while (static_cast<int>(records.size()) < count) {
      now_ += Pick(0, 3 * kHourMs);
      Add(records, Next());
    }
    return records;
  }

 private:
  int64_t Pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(int percent) { return Pick(1, 100) <= percent; }

  void Add(std::vector<Record>& records, EventBytes e) {
    const uint64_t seq = records.size();
    REQUIRE(model_.Apply(seq, now_, e.event(), nullptr).ok());
    records.push_back({seq, now_, std::move(e)});
  }

  const Secret* RandomSecret(bool live_only) {
    std::vector<const Secret*> candidates;
    for (const auto& [arn, s] : model_.secrets()) {
      if (!live_only || !s.scheduled_for_deletion()) candidates.push_back(&s);
    }
    // The hot secret gets enough writes to pass 100 versions and be pruned.
    if (live_only && Chance(50)) {
      if (const Secret* hot = model_.FindByArn(hot_arn_)) return hot;
    }
    return candidates.empty() ? nullptr : candidates[Pick(0, candidates.size() - 1)];
  }

  std::string RandomVersion(const Secret& s) {
    auto it = s.versions.begin();
    std::advance(it, Pick(0, s.versions.size() - 1));
    return it->first;
  }

  EventBytes Next() {
    const int64_t roll = Pick(0, 99);
    const Secret* s = RandomSecret(/*live_only=*/roll < 80);
    if (s == nullptr || roll >= 95) return Create();
    if (roll < 40) return PutValue(*s);
    if (roll < 48) return Stage(*s);
    if (roll < 52)
      return kOk.Tagged(s->arn, {{"k" + std::to_string(Pick(0, 3)), std::to_string(now_)}});
    if (roll < 55) return kOk.Untagged(s->arn, {"k" + std::to_string(Pick(0, 3))});
    if (roll < 58) return kOk.MetadataUpdated(s->arn, "d" + std::to_string(now_), std::nullopt);
    if (roll < 65 && !s->versions.empty()) return kOk.ValueRead(s->arn, RandomVersion(*s));
    if (roll < 70) return Events("ResourceNotFoundException").Put(s->arn, {"failed"});
    if (roll < 75) return kOk.Described(s->arn);
    if (roll < 78 && s->arn != hot_arn_)
      return kOk.DeletionScheduled(s->arn, now_ + Pick(0, 2) * 7 * kDayMs, 7);
    if (roll < 80 && !s->versions.empty()) return kOk.BatchRead({s->arn}, {RandomVersion(*s)});
    if (!s->scheduled_for_deletion())
      return kOk.Listed(static_cast<uint32_t>(model_.secrets().size()));
    if (*s->deletion_date_ms <= now_) return kOk.Purged(s->arn);
    return Chance(30) ? kOk.Restored(s->arn) : kOk.Listed(1);
  }

  EventBytes Create() {
    const std::string name = "app/" + std::to_string(next_name_++);
    const std::string arn =
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-RNDabc";
    if (hot_arn_.empty()) hot_arn_ = arn;
    std::optional<VersionSpec> version;
    if (Chance(80)) version = VersionSpec{NewId()};
    TagList tags;
    if (Chance(50)) tags = {{"owner", name}};
    return kOk.Created(arn, name, version, tags);
  }

  EventBytes PutValue(const Secret& s) {
    if (const Version* pending = s.VersionWithStage(kAwsPending);
        pending != nullptr && pending->kind == ValueKind::kNone && Chance(70)) {
      return kOk.Put(s.arn, {pending->version_id, {kAwsPending}});  // fill the placeholder
    }
    if (!s.versions.empty() && Chance(10)) return kOk.Placeholder(s.arn, NewId());
    static const std::vector<std::vector<std::string>> kStageChoices = {
        {kAwsCurrent}, {kAwsCurrent}, {kAwsCurrent},
        {kAwsPending}, {"blue"},      {kAwsCurrent, kAwsPending}};
    std::vector<std::string> stages = kStageChoices[Pick(0, kStageChoices.size() - 1)];
    if (s.VersionWithStage(kAwsCurrent) == nullptr) stages.push_back(kAwsCurrent);
    const std::string id = NewId();
    return kOk.Put(s.arn, {id, stages, ValueKind::kString, 1, Pruned(s, id, stages)});
  }

  // What the service computes: the rules on a preview copy with the version added.
  std::vector<std::string> Pruned(const Secret& s, const std::string& id,
                                  const std::vector<std::string>& stages) {
    Secret preview = s;
    Version v;
    v.version_id = id;
    v.created_ms = now_;
    v.created_order = preview.next_version_order;
    preview.versions.emplace(id, v);
    AttachStagesToNewVersion(preview, id, stages);
    return VersionsToPrune(preview, now_);
  }

  EventBytes Stage(const Secret& s) {
    if (s.versions.empty()) return kOk.Described(s.arn);
    static const std::vector<std::string> kStages = {kAwsCurrent, kAwsPending, "blue", "green"};
    const std::string stage = kStages[Pick(0, kStages.size() - 1)];
    const Version* holder = s.VersionWithStage(stage);
    const std::string from = holder != nullptr ? holder->version_id : "";
    std::string to = RandomVersion(s);
    if (stage != kAwsCurrent && Chance(30)) to = "";  // just remove it
    return kOk.StageUpdated(s.arn, stage, from, to);
  }

  std::string NewId() { return "ver-" + std::to_string(next_id_++); }

  const Events kOk;
  std::mt19937_64 rng_;
  SecretsView model_;
  int64_t now_ = kT0;
  std::string hot_arn_;  // never deleted
  int next_name_ = 0;
  int next_id_ = 0;
};

// Applies `records[begin, end)` to `view`, writing the touched entries to
// `store` after each one.
void ApplyIncrementally(SecretsView& view, ledger::Store& store, const std::vector<Record>& records,
                        size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    std::vector<std::string> touched;
    const Record& r = records[i];
    Status s = view.Apply(r.seq, r.time_ms, r.bytes.event(), &touched);
    INFO("seq " << r.seq << ": " << s.ToString());
    REQUIRE(s.ok());
    ledger::WriteSet ws;
    view.WriteTouched(touched, ws);
    REQUIRE(store.Write(ws, false).ok());
  }
}

}  // namespace

TEST_CASE("incremental and one-pass replay give byte-identical state", "[projections][replay]") {
  const std::vector<Record> records = TrafficGenerator(20240305).Generate(3000);

  SecretsView incremental;
  auto incremental_store = ledger::NewMemStore();
  ApplyIncrementally(incremental, *incremental_store, records, 0, records.size());

  SecretsView one_pass;
  std::vector<std::string> all_touched;
  for (const Record& r : records)
    REQUIRE(one_pass.Apply(r.seq, r.time_ms, r.bytes.event(), &all_touched).ok());
  auto one_pass_store = ledger::NewMemStore();
  ledger::WriteSet ws;
  one_pass.WriteTouched(all_touched, ws);
  REQUIRE(one_pass_store->Write(ws, false).ok());

  const auto entries = StateEntries(*incremental_store);
  CHECK(entries == StateEntries(*one_pass_store));
  CHECK(incremental.secrets() == one_pass.secrets());

  // The sequence must have exercised what it is meant to test.
  uint64_t most_pruned = 0;
  for (const auto& [arn, s] : one_pass.secrets()) {
    most_pruned = std::max(most_pruned, s.next_version_order - s.versions.size());
  }
  CHECK(most_pruned > 10);  // the hot secret passed 100 versions and was pruned
  CHECK(std::set<std::string>(all_touched.begin(), all_touched.end()).size() >
        one_pass.secrets().size());  // some secrets were purged

  Result<SecretsView> loaded = SecretsView::Load(*incremental_store);
  REQUIRE(loaded.ok());
  CHECK(loaded->secrets() == one_pass.secrets());
  CHECK(loaded->applied_seq() == records.size());
}

TEST_CASE("loading mid-way and carrying on gives the same state as one pass",
          "[projections][replay]") {
  const std::vector<Record> records = TrafficGenerator(7).Generate(1500);
  const size_t half = records.size() / 2;

  SecretsView straight;
  auto straight_store = ledger::NewMemStore();
  ApplyIncrementally(straight, *straight_store, records, 0, records.size());

  SecretsView first_half;
  auto resumed_store = ledger::NewMemStore();
  ApplyIncrementally(first_half, *resumed_store, records, 0, half);
  Result<SecretsView> resumed = SecretsView::Load(*resumed_store);
  REQUIRE(resumed.ok());
  REQUIRE(resumed->applied_seq() == half);
  ApplyIncrementally(*resumed, *resumed_store, records, half, records.size());

  CHECK(StateEntries(*resumed_store) == StateEntries(*straight_store));
}

// Both views as the engine keeps them: every record applied to each, the
// entries both touched written after each record.
struct BothViews {
  SecretsView secrets;
  PrincipalsView principals;

  void Apply(const Record& r, ledger::Store& store) {
    std::vector<std::string> touched;
    std::vector<std::string> touched_principals;
    INFO("seq " << r.seq);
    REQUIRE(secrets.Apply(r.seq, r.time_ms, r.bytes.event(), &touched).ok());
    REQUIRE(principals.Apply(r.seq, r.time_ms, r.bytes.event(), &touched_principals).ok());
    ledger::WriteSet ws;
    secrets.WriteTouched(touched, ws);
    principals.WriteTouched(touched_principals, ws);
    REQUIRE(store.Write(ws, false).ok());
  }
};

// Secret traffic with principals enrolled (and refused) along the way.
std::vector<Record> TrafficWithPrincipals(uint64_t seed, int count) {
  std::vector<Record> records = TrafficGenerator(seed).Generate(count);
  std::mt19937_64 rng(seed);
  std::vector<Record> mixed;
  int next = 0;
  for (Record& r : records) {
    const int64_t time_ms = r.time_ms;
    mixed.push_back({mixed.size(), time_ms, std::move(r.bytes)});
    if (mixed.size() > 1 && rng() % 10 == 0 && next < 60) {
      const bool refused = rng() % 4 == 0;
      PrincipalSpec p{"p" + std::to_string(next), KeyZ85(next),
                      rng() % 2 ? kPrincipalUser : kPrincipalService, rng() % 3 == 0,
                      {{"n", std::to_string(next)}}};
      if (!refused) ++next;
      mixed.push_back({mixed.size(), time_ms,
                       PrincipalCreated(p, refused ? "AccessDeniedException" : "")});
      mixed.push_back({mixed.size(), time_ms, PrincipalsListed(static_cast<uint32_t>(next))});
    }
  }
  return mixed;
}

TEST_CASE("principals replayed with the secrets give byte-identical state, resumed or not",
          "[projections][replay][principals]") {
  const std::vector<Record> records = TrafficWithPrincipals(99, 800);
  const size_t half = records.size() / 2;

  BothViews straight;
  auto straight_store = ledger::NewMemStore();
  for (const Record& r : records) straight.Apply(r, *straight_store);

  BothViews resumed;
  auto resumed_store = ledger::NewMemStore();
  for (size_t i = 0; i < half; ++i) resumed.Apply(records[i], *resumed_store);
  Result<SecretsView> secrets = SecretsView::Load(*resumed_store);
  Result<PrincipalsView> principals = PrincipalsView::Load(*resumed_store);
  REQUIRE(secrets.ok());
  REQUIRE(principals.ok());
  CHECK(principals->principals() == resumed.principals.principals());
  resumed = BothViews{std::move(secrets).value(), std::move(principals).value()};
  for (size_t i = half; i < records.size(); ++i) resumed.Apply(records[i], *resumed_store);

  const auto entries = StateEntries(*straight_store);
  CHECK(StateEntries(*resumed_store) == entries);
  CHECK(resumed.principals.principals() == straight.principals.principals());
  size_t principal_entries = 0;
  for (const auto& [key, value] : entries) principal_entries += key.rfind("principal/", 0) == 0;
  CHECK(principal_entries == straight.principals.principals().size());
  CHECK(principal_entries > 10);  // the stream enrolled enough to mean something
}

}  // namespace cairn::projections::testing
