// What bench/rotation_bench.cc drives a rotation with: a generic rotation
// handler served in process on the SDK (tools/common/rotation_handler.h), a
// pool of connections for setup and for starting many rotations at once, the
// baseline (one rotation's handler calls back to back on one connection), and
// the read-back of a ledger range that says what a run cost in calls and
// events and when its rotations finished.
#ifndef CAIRN_BENCH_INTERNAL_ROTATION_SIDE_H_
#define CAIRN_BENCH_INTERNAL_ROTATION_SIDE_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/internal/bench_util.h"
#include "crypto/random.h"
#include "ledger/record.h"
#include "service/api.h"
#include "tools/common/profile.h"
#include "tools/common/remote.h"
#include "tools/common/rotation_handler.h"

namespace cairn::bench {

inline constexpr char kHandlerName[] = "bench-rotator";
inline constexpr char kHandlerAgentPrefix[] = "cairn-rotation-handler/";  // the SDK's user agent
inline constexpr int kPasswordLength = 32;

// "" if the call reached the service and succeeded, else what went wrong.
inline std::string CallError(const Result<service::Response>& r) {
  if (!r.ok()) return r.status().ToString();
  if (!r->ok()) return r->error->code + ": " + r->error->message;
  return "";
}

inline service::Request RandomPasswordRequest() {
  service::Request r;
  r.operation = "GetRandomPassword";
  r.params = {{"PasswordLength", kPasswordLength}};
  return r;
}

// PutSecretValue of `value` as version `token` with AWSPENDING: createSecret's write.
inline service::Request PendingPutRequest(const std::string& secret_id, const std::string& token,
                                          crypto::SecureBuffer value) {
  service::Request r;
  r.operation = "PutSecretValue";
  r.params = {{"SecretId", secret_id},
              {"ClientRequestToken", token},
              {"VersionStages", service::Json::array({"AWSPENDING"})}};
  r.value = service::SecretValue{projections::ValueKind::kString, std::move(value)};
  return r;
}

inline service::Request RotateRequest(const std::string& secret_id) {
  service::Request r;
  r.operation = "RotateSecret";
  r.params = {{"SecretId", secret_id},
              {"ClientRequestToken", crypto::NewUuidV4(crypto::SystemRandom())},
              {"RotationLambdaARN", kHandlerName},
              {"RotationRules", {{"AutomaticallyAfterDays", 30}}}};
  return r;
}

// The generic step function: createSecret = GetRandomPassword, then
// PutSecretValue(AWSPENDING, ClientRequestToken = the run's token);
// setSecret and testSecret have no outside system to touch; finishSecret
// only reports success: the service moves AWSCURRENT itself when every step
// has succeeded (RotationSucceeded, service/rotation.h). Errors carry API
// error codes and messages only, never the password.
inline Status GenericRotationStep(const tools::RotationStep& step, tools::Remote& remote) {
  if (step.step != "createSecret") return Status::Ok();
  auto password = remote.Execute(RandomPasswordRequest());
  if (std::string e = CallError(password); !e.empty())
    return InternalError("GetRandomPassword: " + e);
  if (password->values.empty()) return InternalError("GetRandomPassword returned no password");
  auto put = remote.Execute(PendingPutRequest(step.secret_arn, step.token,
                                              std::move(password->values.front().value.bytes)));
  if (std::string e = CallError(put); !e.empty()) return InternalError("PutSecretValue: " + e);
  return Status::Ok();
}

// ServeRotationHandler(kHandlerName, GenericRotationStep) on its own thread,
// from construction until destruction. The profile is the bench's (the dev
// admin), which holds every right a handler needs.
class HandlerThread {
 public:
  explicit HandlerThread(tools::Profile profile) : log_(tools::LogLevel::kWarn) {
    options_.handler_name = kHandlerName;
    options_.profile = std::move(profile);
    options_.stop = &stop_;
    options_.log = &log_;
    thread_ = std::thread([this] {
      Status s = tools::ServeRotationHandler(options_, GenericRotationStep);
      if (!s.ok()) std::fprintf(stderr, "rotation handler stopped: %s\n", s.ToString().c_str());
    });
  }
  ~HandlerThread() {
    stop_ = true;
    thread_.join();
  }
  HandlerThread(const HandlerThread&) = delete;
  HandlerThread& operator=(const HandlerThread&) = delete;

 private:
  tools::Logger log_;
  tools::RotationHandlerOptions options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// `size` connections that run many independent calls at once.
class CallPool {
 public:
  std::string Connect(const tools::Profile& profile, size_t size, const std::string& user_agent) {
    while (remotes_.size() < size) {
      auto remote = tools::Remote::Connect(profile, user_agent);
      if (!remote.ok()) return remote.status().ToString();
      remotes_.push_back(std::move(remote).value());
    }
    return "";
  }
  // Calls make(i) for i in [0, count), spread over the connections; `seen`
  // gets each successful response (from several threads: it must be safe).
  // The first error, or "".
  std::string Each(size_t count, const std::function<service::Request(size_t)>& make,
                   const std::function<void(size_t, const service::Response&)>& seen = nullptr) {
    std::vector<std::string> errors(remotes_.size());
    std::vector<std::thread> threads;
    for (size_t t = 0; t < remotes_.size(); ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = t; i < count && errors[t].empty(); i += remotes_.size()) {
          auto r = remotes_[t]->Execute(make(i));
          errors[t] = CallError(r);
          if (errors[t].empty() && seen) seen(i, *r);
        }
      });
    }
    for (auto& t : threads) t.join();
    for (const std::string& e : errors) {
      if (!e.empty()) return e;
    }
    return "";
  }

 private:
  std::vector<std::unique_ptr<tools::Remote>> remotes_;
};

// What a range of the ledger holds, by who wrote it.
struct LedgerSummary {
  uint64_t records = 0;
  std::map<std::string, uint64_t> handler;  // the handler's calls, by event type
  std::map<std::string, uint64_t>
      service;  // the orchestrator's events (actor type Service), by type
  uint64_t handler_calls = 0, service_events = 0, rotate_calls = 0, app_reads = 0, other = 0;
  uint64_t succeeded = 0, step_failures = 0, runs_failed = 0;
  int64_t first_started_ms = 0, first_succeeded_ms = 0, last_succeeded_ms = 0;
};

// Reads [from, to) back through `admin` (ReadRecords) and sorts it: the
// handler by its user agent, RotateSecret calls by their RotationStarted
// event, the application's reads by `app_agent`.
inline Result<LedgerSummary> SummarizeLedger(tools::Remote& admin, uint64_t from, uint64_t to,
                                             const std::string& app_agent) {
  LedgerSummary s;
  while (from < to) {
    ASSIGN_OR_RETURN(
        auto page,
        admin.ReadRecords(from, static_cast<uint32_t>(std::min<uint64_t>(1000, to - from))));
    if (page.empty())
      return InternalError("ReadRecords returned an empty page at " + std::to_string(from));
    for (const bus::StoredRecord& r : page) {
      if (r.seq >= to) break;
      ASSIGN_OR_RETURN(ledger::RecordFields f, ledger::DecodeRecord(r.bytes));
      ++s.records;
      const std::string& type = f.event_type;
      if (f.actor.user_agent.rfind(kHandlerAgentPrefix, 0) == 0) {
        ++s.handler_calls;
        ++s.handler[type];
      } else if (f.actor.principal_type == "Service") {
        ++s.service_events;
        ++s.service[type];
      } else if (type == "RotationStarted") {
        ++s.rotate_calls;
        if (s.first_started_ms == 0) s.first_started_ms = f.time_unix_ms;
      } else if (type == "SecretValueRead" && f.actor.user_agent == app_agent) {
        ++s.app_reads;
      } else {
        ++s.other;
      }
      if (type == "RotationSucceeded") {
        ++s.succeeded;
        if (s.first_succeeded_ms == 0) s.first_succeeded_ms = f.time_unix_ms;
        s.last_succeeded_ms = f.time_unix_ms;
      }
      if (type == "RotationStepFailed") ++s.step_failures;
      if (type == "RotationFailed") ++s.runs_failed;
      from = r.seq + 1;
    }
  }
  return s;
}

inline constexpr const char* kRotationSteps[] = {"createSecret", "setSecret", "testSecret",
                                                 "finishSecret"};

// The baseline of bench/rotation_bench.cc: the handler's calls for one
// rotation, back to back on one connection.
struct Baseline {
  uint64_t sequences = 0, calls = 0, errors = 0;
  double seconds = 0;
  std::string first_error;

  double calls_per_second() const { return seconds > 0 ? calls / seconds : 0; }
  double per_minute() const { return seconds > 0 ? 60 * sequences / seconds : 0; }
};

// Round robin over `secrets`: a secret keeps at most 100 versions younger
// than a day, and every PutSecretValue makes one.
inline void RunBaseline(tools::Remote& remote, const std::vector<std::string>& secrets,
                        double seconds, Baseline* b) {
  auto fail = [b](const std::string& e) {
    if (b->errors++ == 0) b->first_error = e;
  };
  const auto start = Clock::now(), end = start + Secs(seconds);
  while (Clock::now() < end) {
    const std::string& secret = secrets[b->sequences % secrets.size()];
    const std::string token = crypto::NewUuidV4(crypto::SystemRandom());
    auto password = remote.Execute(RandomPasswordRequest());
    ++b->calls;
    if (std::string e = CallError(password); !e.empty() || password->values.empty()) {
      fail("GetRandomPassword: " + e);
      continue;
    }
    auto put = remote.Execute(
        PendingPutRequest(secret, token, std::move(password->values.front().value.bytes)));
    ++b->calls;
    if (std::string e = CallError(put); !e.empty()) fail("PutSecretValue: " + e);
    for (const char* step : kRotationSteps) {
      service::Request report;
      report.operation = "ReportRotationStep";
      report.params = {{"SecretId", secret},
                       {"ClientRequestToken", token},
                       {"Step", step},
                       {"Status", "Succeeded"}};
      auto r = remote.Execute(report);
      ++b->calls;
      if (!r.ok())
        fail("ReportRotationStep: " + r.status().ToString());
      else if (r->ok() || r->error->code != service::kInvalidRequest)
        fail("ReportRotationStep was not refused as expected");
    }
    ++b->sequences;
  }
  b->seconds += std::chrono::duration<double>(Clock::now() - start).count();
}

// "RandomPasswordGenerated 200, SecretValuePut 200, ..." for a table's footnote.
inline std::string Breakdown(const std::map<std::string, uint64_t>& counts) {
  std::string out;
  for (const auto& [type, n] : counts)
    out += (out.empty() ? "" : ", ") + type + " " + std::to_string(n);
  return out.empty() ? "none" : out;
}

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_INTERNAL_ROTATION_SIDE_H_
