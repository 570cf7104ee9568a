// policy_bench: iam::Evaluate calls/s for a realistic principal, beside the
// naive approach of parsing the JSON documents on every call.
//
//   policy_bench [--seconds=2] [--rounds=3]
//
// The principal has 10 identity policies of 10 statements each (action lists,
// ARN and name patterns, a resource-tag condition on most, one Deny per
// policy) and the secret has a 3-statement resource policy. Each round times,
// single-threaded and alternating so both see the same machine:
//   - compiled: Evaluate over a fixed mix of 64 requests (a third allowed late
//     in the scan, a third explicitly denied, a third implicitly denied after
//     every statement), policies compiled once;
//   - naive: the same mix, but every call first runs iam::Compile on all 11
//     documents (nlohmann::json parse + checks), then Evaluate: what a server
//     that keeps only the JSON would pay.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "projections/iam/policy.h"

namespace cairn::iam {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  double seconds = 2;
  int rounds = 3;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seconds=", 10) == 0)
      f.seconds = std::atof(argv[i] + 10);
    else if (std::strncmp(argv[i], "--rounds=", 9) == 0)
      f.rounds = std::atoi(argv[i] + 9);
    else {
      std::fprintf(stderr, "usage: policy_bench [--seconds=2] [--rounds=3]\n");
      std::exit(2);
    }
  }
  return f;
}

const char* const kActionSets[] = {
    R"(["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"])",
    R"(["secretsmanager:PutSecretValue","secretsmanager:UpdateSecret","secretsmanager:TagResource"])",
    R"("secretsmanager:List*")",
    R"(["secretsmanager:RotateSecret","secretsmanager:CancelRotateSecret"])",
    R"(["cairn:GetPolicy","cairn:ListPolicies"])",
};

// Policy p, statement s: team p's app s; statement 9 of each policy is a Deny.
std::string IdentityPolicy(int p) {
  std::string doc = R"({"Version":"2012-10-17","Statement":[)";
  for (int s = 0; s < 10; ++s) {
    const std::string team = "team" + std::to_string(p), app = "app" + std::to_string(s);
    if (s > 0) doc += ",";
    if (s == 9) {
      doc += R"({"Sid":"P)" + std::to_string(p) +
             R"(Deny","Effect":"Deny","Action":"secretsmanager:DeleteSecret",)"
             R"("Resource":"arn:aws:secretsmanager:*:111122223333:secret:)" +
             team + R"(/prod/*"})";
      continue;
    }
    doc += R"({"Sid":"P)" + std::to_string(p) + "S" + std::to_string(s) +
           R"(","Effect":"Allow","Action":)" + kActionSets[s % 5] +
           R"(,"Resource":["arn:aws:secretsmanager:us-east-1:111122223333:secret:)" + team + "/" +
           app + R"(/*",")" + team + "/" + app + R"(-legacy/*"])";
    if (s % 3 != 2) {
      doc +=
          R"(,"Condition":{"StringEquals":{"secretsmanager:ResourceTag/team":")" + team + R"("}})";
    }
    doc += "}";
  }
  return doc + "]}";
}

const char kResourcePolicy[] = R"({"Version":"2012-10-17","Statement":[
  {"Sid":"Auditors","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/auditor"},
   "Action":"secretsmanager:DescribeSecret","Resource":"*"},
  {"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"999988887777"},"Action":"secretsmanager:GetSecretValue",
   "Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}},
  {"Sid":"NoOutsiders","Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"secretsmanager:PutSecretValue",
   "Resource":"*"}]})";

struct Request {
  std::string action, arn, name;
  Tags tags;
};

// 64 requests: allowed by policy 9 (late in the scan), denied by a policy's
// Deny, or matching nothing.
std::vector<Request> Requests() {
  std::vector<Request> out;
  for (int i = 0; i < 64; ++i) {
    const int team = i % 10, app = i % 9;
    const std::string t = "team" + std::to_string(team);
    Request r;
    switch (i % 3) {
      case 0:  // allowed: policy `team`, statement `app` (with a matching tag)
        r.action = app % 5 == 0   ? "secretsmanager:GetSecretValue"
                   : app % 5 == 1 ? "secretsmanager:PutSecretValue"
                   : app % 5 == 2 ? "secretsmanager:ListSecretVersionIds"
                   : app % 5 == 3 ? "secretsmanager:RotateSecret"
                                  : "cairn:GetPolicy";
        r.name = t + "/app" + std::to_string(app) + "/db";
        r.tags = {{"team", t}, {"env", "dev"}};
        break;
      case 1:  // explicitly denied
        r.action = "secretsmanager:DeleteSecret";
        r.name = t + "/prod/db";
        r.tags = {{"team", t}};
        break;
      default:  // implicitly denied: right names, wrong tag or action
        r.action = i % 2 ? "secretsmanager:GetSecretValue" : "secretsmanager:RestoreSecret";
        r.name = t + "/app" + std::to_string(app) + "/db";
        r.tags = {{"team", "other"}};
        break;
    }
    r.arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:" + r.name + "-AbCdEf";
    out.push_back(std::move(r));
  }
  return out;
}

RequestContext ContextOf(const Request& r) {
  RequestContext ctx;
  ctx.action = r.action;
  ctx.resource = r.arn;
  ctx.principal_arn = "arn:aws:iam::111122223333:role/app-deployer";
  ctx.resource_tags = &r.tags;
  ctx.secret_name = r.name;
  ctx.source_ip = "10.0.0.5";
  ctx.current_time_ms = 1795392000000;
  return ctx;
}

std::shared_ptr<const CompiledPolicy> MustCompile(const std::string& doc, PolicyKind kind) {
  auto r = Compile(doc, {kind, "111122223333"});
  if (!r.ok()) {
    std::fprintf(stderr, "policy_bench: compile: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return *r;
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Tally {
  long calls = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  long verdicts[3] = {0, 0, 0};
};

// Runs `decide(i)` over the 64 requests in turn for `seconds`, `batch` calls between clock reads.
template <typename Decide>
void Time(double seconds, int batch, Tally* t, Decide decide) {
  const auto start = Clock::now();
  const double cpu_start = ThreadCpuSeconds();
  double elapsed = 0;
  do {
    for (int i = 0; i < batch; ++i) ++t->verdicts[static_cast<int>(decide((t->calls + i) % 64))];
    t->calls += batch;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  t->seconds += elapsed;
  t->cpu_seconds += ThreadCpuSeconds() - cpu_start;
}

}  // namespace
}  // namespace cairn::iam

int main(int argc, char** argv) {
  using namespace cairn::iam;
  const Flags flags = ParseFlags(argc, argv);
  std::vector<std::string> docs;
  for (int p = 0; p < 10; ++p) docs.push_back(IdentityPolicy(p));
  size_t bytes = 0;
  for (const auto& d : docs) bytes += d.size();
  const std::vector<Request> requests = Requests();
  std::vector<RequestContext> contexts;
  for (const Request& r : requests) contexts.push_back(ContextOf(r));

  std::vector<std::shared_ptr<const CompiledPolicy>> compiled;
  for (const auto& d : docs) compiled.push_back(MustCompile(d, PolicyKind::kIdentity));
  auto resource_compiled = MustCompile(kResourcePolicy, PolicyKind::kResource);
  std::vector<NamedPolicy> identity;
  for (size_t p = 0; p < compiled.size(); ++p) identity.push_back({"policy", compiled[p].get()});
  const NamedPolicy resource{"resource-policy", resource_compiled.get()};

  std::printf(
      "policy_bench: 10 identity policies x 10 statements (%zu bytes of JSON) + a 3-statement "
      "resource "
      "policy; 64 requests; %.1f s per side per round, %d rounds\n",
      bytes, flags.seconds, flags.rounds);
  Tally fast, naive;
  for (int round = 0; round < flags.rounds; ++round) {
    Time(flags.seconds, 64, &fast,
         [&](int i) { return Evaluate(identity, &resource, contexts[i]).verdict; });
    Time(flags.seconds / 4, 1, &naive, [&](int i) {
      std::vector<std::shared_ptr<const CompiledPolicy>> fresh;
      for (const auto& d : docs) fresh.push_back(MustCompile(d, PolicyKind::kIdentity));
      auto fresh_resource = MustCompile(kResourcePolicy, PolicyKind::kResource);
      std::vector<NamedPolicy> named;
      for (const auto& c : fresh) named.push_back({"policy", c.get()});
      const NamedPolicy rp{"resource-policy", fresh_resource.get()};
      return Evaluate(named, &rp, contexts[i]).verdict;
    });
  }
  // Rates per wall-clock second and per second of this thread's CPU time (the
  // machine is shared: the CPU figure is what the code costs).
  const double fast_rate = fast.calls / fast.seconds, naive_rate = naive.calls / naive.seconds;
  const double fast_cpu = fast.calls / fast.cpu_seconds,
               naive_cpu = naive.calls / naive.cpu_seconds;
  std::printf(
      "compiled: %12.0f Evaluate/s wall, %12.0f per CPU-s (%.0f ns/call CPU; allow %ld, explicit "
      "deny %ld, "
      "implicit deny %ld)\n",
      fast_rate, fast_cpu, 1e9 / fast_cpu, fast.verdicts[0], fast.verdicts[1], fast.verdicts[2]);
  std::printf(
      "naive:    %12.0f calls/s wall,    %12.0f per CPU-s (%.0f us/call CPU: Compile x11 + "
      "Evaluate)\n",
      naive_rate, naive_cpu, 1e6 / naive_cpu);
  std::printf("ratio:    %12.0fx wall, %.0fx CPU\n", fast_rate / naive_rate, fast_cpu / naive_cpu);
  return 0;
}
