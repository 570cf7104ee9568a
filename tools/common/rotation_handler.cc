// ServeRotationHandler: one thread that takes step requests from the events
// socket (a bus::Follower from the head, keeping the RotationStepRequested
// records for our handler) and from a ListRotations poll, runs each
// (token, step, attempt) once, and reports it.
#include "tools/common/rotation_handler.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "bus/context.h"
#include "bus/follower.h"
#include "ledger/record.h"
#include "schema/events_generated.h"

namespace cairn::tools {
namespace {

using Clock = std::chrono::steady_clock;
// token, step, attempt, deadline (s): a resumed run keeps its token and counts
// attempts from 1 again, so the deadline tells its requests from the last run's.
using StepKey = std::tuple<std::string, std::string, uint32_t, int64_t>;

constexpr char kUserAgent[] = "cairn-rotation-handler/0.2.0";
constexpr char kStepRequested[] = "RotationStepRequested";
constexpr size_t kRememberedSteps = 10000;  // (token, step, attempt) keys kept for dedupe
constexpr int kSliceMs = 100;               // how often a wait looks at *stop
constexpr int64_t kReportRetryMs = 5 * 60 * 1000;

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// "arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf" -> "<name>".
std::string NameOfArn(const std::string& arn) {
  const size_t at = arn.find(":secret:");
  if (at == std::string::npos) return arn;
  std::string name = arn.substr(at + 8);
  if (name.size() > 7 && name[name.size() - 7] == '-') name.resize(name.size() - 7);
  return name;
}

// The step a stored record requests of `handler`, if it is one.
std::optional<RotationStep> StepOfRecord(const std::string& bytes, const std::string& handler) {
  if (bytes.find(kStepRequested) == std::string::npos) return std::nullopt;  // cheap: most records are not
  auto record = ledger::DecodeRecord(bytes);
  if (!record.ok() || record->event_type != kStepRequested) return std::nullopt;
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(record->payload.data()), record->payload.size());
  if (!schema::VerifyEventBuffer(verifier)) return std::nullopt;
  const auto* body = schema::GetEvent(record->payload.data())->body_as_RotationStepRequested();
  if (body == nullptr || body->handler() == nullptr || body->handler()->str() != handler) return std::nullopt;
  RotationStep step;
  step.secret_arn = body->arn() ? body->arn()->str() : "";
  step.secret_name = NameOfArn(step.secret_arn);
  step.token = body->token() ? body->token()->str() : "";
  step.step = body->step() ? body->step()->str() : "";
  step.attempt = body->attempt();
  step.deadline_ms = body->deadline_unix_ms();
  return step;
}

// An AWS date (epoch seconds, fractional) as Unix ms; 0 if absent.
int64_t DateMs(const service::Json& entry, const char* member) {
  if (!entry.contains(member) || !entry[member].is_number()) return 0;
  return static_cast<int64_t>(entry[member].get<double>() * 1000.0);
}

// A step waiting its turn, and where it was learnt of ("events" or "poll").
struct Queued {
  RotationStep step;
  const char* via;
};

class Handler {
 public:
  Handler(const RotationHandlerOptions& options, const RotationStepFn& fn, std::unique_ptr<Remote> remote)
      : options_(options), fn_(fn), remote_(std::move(remote)) {}

  // The head is read before each poll that starts the follower: a request
  // recorded before the head is in the poll's answer, one after it comes
  // from the follower (its gap reads), so none falls between the two.
  Status Serve() {
    std::optional<uint64_t> head = ProbeHead();
    RETURN_IF_ERROR(Poll(/*first=*/true));
    StartFollower(head);
    auto next_poll = Clock::now() + std::chrono::milliseconds(options_.poll_ms);
    while (!Stopped()) {
      if (!queue_.empty()) {
        Queued next = std::move(queue_.front());
        queue_.pop_front();
        RunAndReport(next.step, next.via);
        continue;
      }
      if (Clock::now() >= next_poll) {
        head = follower_ || follower_refused_ ? std::nullopt : ProbeHead();
        (void)Poll(/*first=*/false);
        StartFollower(head);
        next_poll = Clock::now() + std::chrono::milliseconds(options_.poll_ms);
        continue;
      }
      WaitForRequests(next_poll);
    }
    return Status::Ok();
  }

 private:
  bool Stopped() const { return options_.stop != nullptr && options_.stop->load(); }

  void Log(LogLevel level, std::string_view msg, nlohmann::ordered_json fields) {
    if (options_.log != nullptr) options_.log->Log(level, msg, std::move(fields));
  }

  // The ledger's head, where the follower starts: only requests made from
  // then on are taken from the bus, the ones before come from the poll. As
  // `cairn audit tail` finds the head. Without cairn:ReadAuditLog (the
  // follower's gap reads) or cairn:SubscribeEvents the handler lives on the
  // poll alone; nullopt then, and while cairnd is unreachable.
  std::optional<uint64_t> ProbeHead() {
    service::Request probe;
    probe.operation = "ReadRecords";
    probe.params = {{"FromSeq", std::numeric_limits<int64_t>::max()}, {"MaxRecords", 1}};
    auto head = remote_->Execute(probe);
    if (!head.ok()) return std::nullopt;  // tried again at the next poll
    if (!head->ok()) {
      // Refused: asking again would only add a refusal to the ledger every poll.
      follower_refused_ = true;
      Log(LogLevel::kWarn, "not following the events (needs cairn:ReadAuditLog); polling ListRotations",
          {{"error", head->error->code}, {"poll_ms", options_.poll_ms}});
      return std::nullopt;
    }
    return head->body.value("HeadSeq", uint64_t{0});
  }

  void StartFollower(std::optional<uint64_t> from_seq) {
    if (!from_seq) return;
    if (options_.before_follow) options_.before_follow();
    if (!context_) {
      auto context = bus::BusContext::Create(nullptr);
      if (!context.ok()) return Log(LogLevel::kWarn, "no events context", {{"error", context.status().message()}});
      context_ = std::move(context).value();
    }
    bus::FollowerOptions follow;
    follow.events_endpoint = options_.profile.events_endpoint;
    follow.server_public_z85 = options_.profile.server_public_key;
    follow.client_key = bus::CurveKeyPair{options_.profile.key.public_z85, options_.profile.key.secret_z85.Clone()};
    follow.from_seq = *from_seq;
    Remote* remote = remote_.get();
    auto follower = bus::Follower::Start(*context_, std::move(follow), [remote](uint64_t seq, uint32_t max) {
      return remote->ReadRecords(seq, max);
    });
    if (!follower.ok()) {
      return Log(LogLevel::kWarn, "cannot follow the events; polling ListRotations",
                 {{"error", follower.status().message()}});
    }
    follower_ = std::move(follower).value();
    Log(LogLevel::kDebug, "following the events", {{"from_seq", follower_->next_seq()}});
  }

  // Takes requests from the bus until `until`, one arrives, or stop.
  void WaitForRequests(Clock::time_point until) {
    while (queue_.empty() && !Stopped() && Clock::now() < until) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      const int slice = static_cast<int>(std::clamp<int64_t>(left, 1, kSliceMs));
      if (!follower_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(slice));
        continue;
      }
      auto record = follower_->Next(slice);
      if (!record.ok()) {
        if (record.status().code() == StatusCode::kUnavailable) continue;
        Log(LogLevel::kWarn, "the events follower stopped; restarting it at the next poll",
            {{"error", record.status().message()}});
        follower_.reset();
        continue;
      }
      if (auto step = StepOfRecord(record->bytes, options_.handler_name)) Enqueue(std::move(*step), "events");
    }
  }

  // ListRotations(Handler): the steps requested and not yet reported.
  Status Poll(bool first) {
    service::Request request;
    request.operation = "ListRotations";
    request.params = {{"Handler", options_.handler_name}};
    auto response = remote_->Execute(request);
    if (!response.ok()) {
      if (first && response.status().code() == StatusCode::kPermissionDenied) return response.status();
      Log(LogLevel::kWarn, "ListRotations failed; retrying", {{"error", response.status().message()}});
      return Status::Ok();
    }
    if (!response->ok()) {
      const std::string text = "ListRotations refused: " + response->error->code + ": " + response->error->message;
      if (first && response->error->code == service::kAccessDenied) return PermissionDeniedError(text);
      Log(LogLevel::kWarn, "ListRotations refused", {{"error", response->error->code}});
      return Status::Ok();
    }
    for (const service::Json& entry : response->body.value("Rotations", service::Json::array())) {
      if (entry.value("State", "") != "InProgress" || !entry.value("StepRequested", false)) continue;
      RotationStep step;
      step.secret_arn = entry.value("ARN", "");
      step.secret_name = entry.value("Name", "");
      step.token = entry.value("ClientRequestToken", "");
      step.step = entry.value("Step", "");
      step.attempt = entry.value("Attempt", uint32_t{1});
      step.deadline_ms = DateMs(entry, "StepDeadline");
      Enqueue(std::move(step), "poll");
    }
    return Status::Ok();
  }

  static StepKey KeyOf(const RotationStep& step) {
    return StepKey{step.token, step.step, step.attempt, step.deadline_ms / 1000};
  }

  void Enqueue(RotationStep step, const char* via) {
    const StepKey key = KeyOf(step);
    if (done_.count(key) != 0) return;
    for (const Queued& queued : queue_) {
      if (KeyOf(queued.step) == key) return;
    }
    queue_.push_back(Queued{std::move(step), via});
  }

  void Remember(const RotationStep& step) {
    StepKey key = KeyOf(step);
    if (!done_.insert(key).second) return;
    order_.push_back(std::move(key));
    if (order_.size() > kRememberedSteps) {
      done_.erase(order_.front());
      order_.pop_front();
    }
  }

  nlohmann::ordered_json Ids(const RotationStep& step) const {
    return {{"secret", step.secret_arn}, {"token", step.token}, {"step", step.step}, {"attempt", step.attempt}};
  }

  void RunAndReport(const RotationStep& step, const char* via) {
    Remember(step);
    if (step.deadline_ms > 0 && NowUnixMs() > step.deadline_ms) {
      Log(LogLevel::kInfo, "step past its deadline; not run (the service retries it)", Ids(step));
      return;
    }
    auto fields = Ids(step);
    fields["via"] = via;
    Log(LogLevel::kInfo, "running step", std::move(fields));
    const auto started = Clock::now();
    const Status outcome = fn_(step, *remote_);
    if (Stopped() && !outcome.ok()) return;  // interrupted, not failed: it runs again after a restart
    fields = Ids(step);
    fields["ok"] = outcome.ok();
    if (!outcome.ok()) fields["reason"] = outcome.message();
    fields["millis"] = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    Log(LogLevel::kInfo, "step done", fields);
    Report(step, outcome);
  }

  // Retried while cairnd is unreachable, until the step's deadline (after it
  // the report would be refused; kReportRetryMs if unknown) or stop.
  void Report(const RotationStep& step, const Status& outcome) {
    service::Request request;
    request.operation = "ReportRotationStep";
    request.params = {{"SecretId", step.secret_arn}, {"ClientRequestToken", step.token}, {"Step", step.step},
                      {"Status", outcome.ok() ? "Succeeded" : "Failed"}};
    if (!outcome.ok()) request.params["Message"] = outcome.message().substr(0, 1024);
    const int64_t give_up_ms = step.deadline_ms > 0 ? step.deadline_ms : NowUnixMs() + kReportRetryMs;
    int delay_ms = 200;
    while (true) {
      auto response = remote_->Execute(request);
      if (response.ok() && response->ok()) return;
      if (response.ok()) {
        const bool refused = response->error->code == service::kInvalidRequest;
        auto fields = Ids(step);
        fields["error"] = response->error->code;
        fields["message"] = response->error->message;
        if (refused) return Log(LogLevel::kInfo, "report refused (late or superseded); dropped", fields);
        return Log(LogLevel::kWarn, "report refused", fields);
      }
      if (Stopped() || NowUnixMs() > give_up_ms) {
        auto fields = Ids(step);
        fields["error"] = response.status().message();
        return Log(LogLevel::kWarn, "could not report the step", fields);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      delay_ms = std::min(delay_ms * 2, 2000);
    }
  }

  const RotationHandlerOptions& options_;
  const RotationStepFn& fn_;
  std::unique_ptr<Remote> remote_;
  std::unique_ptr<bus::BusContext> context_;
  std::unique_ptr<bus::Follower> follower_;  // destroyed before context_
  bool follower_refused_ = false;
  std::deque<Queued> queue_;
  std::set<StepKey> done_;
  std::deque<StepKey> order_;
};

}  // namespace

Status ServeRotationHandler(const RotationHandlerOptions& options, const RotationStepFn& fn) {
  if (options.handler_name.empty()) return InvalidArgumentError("a rotation handler needs a handler name");
  if (!fn) return InvalidArgumentError("a rotation handler needs a step function");
  ASSIGN_OR_RETURN(auto remote, Remote::Connect(options.profile, kUserAgent));
  Handler handler(options, fn, std::move(remote));
  return handler.Serve();
}

}  // namespace cairn::tools
