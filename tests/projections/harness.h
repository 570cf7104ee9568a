// A SecretsView fed with consecutive seqs and a test clock, plus readable
// renderings of labels and of the `state` family for assertions.
#ifndef CAIRN_TESTS_PROJECTIONS_HARNESS_H_
#define CAIRN_TESTS_PROJECTIONS_HARNESS_H_

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ledger/store.h"
#include "projections/secrets.h"
#include "tests/projections/event_builders.h"

namespace cairn::projections::testing {

inline constexpr int64_t kHourMs = 60 * 60 * 1000;
inline constexpr int64_t kDayMs = 24 * kHourMs;
inline constexpr int64_t kT0 = 1709658180000;  // 2024-03-05T17:03:00Z
inline constexpr char kArn[] =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
inline constexpr char kName[] = "prod/db";

class Harness {
 public:
  // Applies `e` at the next seq and the current time; `touched` holds what
  // this call appended.
  Status Apply(const EventBytes& e) {
    touched.clear();
    Status s = view.Apply(seq, now_ms, e.event(), &touched);
    ++seq;
    return s;
  }
  void Advance(int64_t ms) { now_ms += ms; }
  const Secret& secret(const std::string& arn = kArn) const { return *view.FindByArn(arn); }

  SecretsView view;
  uint64_t seq = 0;
  int64_t now_ms = kT0;
  std::vector<std::string> touched;
};

// Labels in creation order, as in the reference's table: "v1 [AWSPREVIOUS],
// v2 [AWSCURRENT]"; a deprecated version shows "[]".
inline std::string DescribeLabels(const Secret& secret) {
  std::vector<const Version*> versions;
  for (const auto& [id, v] : secret.versions) versions.push_back(&v);
  std::sort(versions.begin(), versions.end(),
            [](const Version* a, const Version* b) { return a->created_order < b->created_order; });
  std::string out;
  for (const Version* v : versions) {
    if (!out.empty()) out += ", ";
    out += v->version_id + " [";
    std::string stages;
    for (const std::string& s : v->stages) stages += (stages.empty() ? "" : ", ") + s;
    out += stages + "]";
  }
  return out;
}

// Every entry of the `state` family, in key order.
inline std::map<std::string, std::string> StateEntries(const ledger::Store& store) {
  std::map<std::string, std::string> out;
  auto it = store.NewIterator(ledger::Family::kState);
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace(it->key(), it->value());
  return out;
}

}  // namespace cairn::projections::testing

namespace Catch {
template <>
struct StringMaker<cairn::Status> {
  static std::string convert(const cairn::Status& s) { return s.ToString(); }
};
}  // namespace Catch

#endif  // CAIRN_TESTS_PROJECTIONS_HARNESS_H_
