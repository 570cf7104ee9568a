// Evaluate's contract beyond the matrix: it allocates nothing, skips null
// policies, and treats unset request members as missing keys.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>

#include "projections/iam/policy.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

#if defined(__SANITIZE_ADDRESS__)
#define CAIRN_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CAIRN_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef CAIRN_COUNTS_ALLOCATIONS
#define CAIRN_COUNTS_ALLOCATIONS 1
#endif

#if CAIRN_COUNTS_ALLOCATIONS
// Counts allocations made while g_counting is set (this test binary only).
// Not under ASan: its own operator new serves some callers there, and the
// pairs would not match.
namespace {
void* CountedAlloc(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
}  // namespace
void* operator new(std::size_t size) { return CountedAlloc(size); }
void* operator new[](std::size_t size) { return CountedAlloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace cairn::iam {
namespace {

constexpr char kEveryCondition[] = R"({"Version":"2012-10-17","Statement":[
  {"Sid":"Deny","Effect":"Deny","Action":"secretsmanager:DeleteSecret","Resource":"*"},
  {"Sid":"Read","Effect":"Allow","Action":["secretsmanager:Get*","secretsmanager:Describe*"],
   "Resource":["arn:aws:secretsmanager:*:111122223333:secret:dev/*","prod/*"],
   "Condition":{
     "StringEqualsIgnoreCase":{"secretsmanager:ResourceTag/env":["DEV","prod"]},
     "StringLike":{"secretsmanager:Name":"*/db*"},
     "NumericLessThanIfExists":{"aws:PrincipalTag/level":10},
     "DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"},
     "DateGreaterThan":{"aws:PrincipalTag/since":"2020-01-01"},
     "Bool":{"aws:PrincipalTag/active":"true"},
     "Null":{"aws:RequestTag/x":"true"},
     "IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},
     "ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:*"},
     "ForAllValues:StringLike":{"aws:TagKeys":["env","team*"]}}}]})";

TEST_CASE("evaluate allocates nothing, whatever it decides", "[iam][evaluate]") {
  auto policy = Compile(kEveryCondition, {PolicyKind::kIdentity, ""});
  REQUIRE(policy.ok());
  const NamedPolicy named[] = {{"p", policy->get()}};
  const Tags principal_tags = {
      {"level", "3"}, {"since", "2024-05-01T00:00:00Z"}, {"active", "true"}};
  const Tags resource_tags = {{"env", "dev"}};
  const std::vector<std::string> tag_keys = {"env", "team-a"};
  RequestContext ctx;
  ctx.action = "secretsmanager:GetSecretValue";
  ctx.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/db-AbCdEf";
  ctx.principal_arn = "arn:aws:iam::111122223333:user/alice";
  ctx.principal_tags = &principal_tags;
  ctx.resource_tags = &resource_tags;
  ctx.secret_name = "dev/db";
  ctx.tag_keys = &tag_keys;
  ctx.source_ip = "2001:db8::7";
  ctx.current_time_ms = 1795392000000;
  Decision decisions[3];
  g_allocations = 0;
  g_counting = true;
  decisions[0] = Evaluate(named, nullptr, ctx);
  ctx.action = "secretsmanager:DeleteSecret";
  decisions[1] = Evaluate(named, nullptr, ctx);
  ctx.action = "secretsmanager:GetSecretValue";
  ctx.source_ip = "192.0.2.1";
  decisions[2] = Evaluate(named, nullptr, ctx);
  g_counting = false;
  if (CAIRN_COUNTS_ALLOCATIONS) CHECK(g_allocations == 0);
  // The probe itself sees an allocation.
  g_counting = true;
  auto probe = std::make_unique<int>(1);
  g_counting = false;
  if (CAIRN_COUNTS_ALLOCATIONS) CHECK(g_allocations == 1);
  CHECK(decisions[0].verdict == Verdict::kAllow);
  CHECK(decisions[0].statement == "Read");
  CHECK(decisions[1].verdict == Verdict::kExplicitDeny);
  CHECK(decisions[2].verdict == Verdict::kImplicitDeny);
}

TEST_CASE("evaluate skips named policies without a compiled policy", "[iam][evaluate]") {
  auto admin =
      Compile(R"({"Statement":{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}})", {});
  REQUIRE(admin.ok());
  const NamedPolicy named[] = {{"missing", nullptr}, {"admin", admin->get()}};
  const NamedPolicy resource{"resource-policy", nullptr};
  RequestContext ctx;
  ctx.action = "cairn:ReadAuditLog";
  ctx.resource = "*";
  const Decision d = Evaluate(named, &resource, ctx);
  CHECK(d.verdict == Verdict::kAllow);
  CHECK(d.policy_name == "admin");
  CHECK(d.statement == "All");
  CHECK(Evaluate({}, nullptr, ctx).verdict == Verdict::kImplicitDeny);
}

TEST_CASE("a compiled policy outlives its document and is shared across threads",
          "[iam][evaluate]") {
  std::shared_ptr<const CompiledPolicy> policy;
  {
    std::string doc =
        R"({"Statement":{"Sid":"Dev","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"dev/*"}})";
    policy = *Compile(doc, {});
    doc.assign(doc.size(), 'x');
  }
  const NamedPolicy named[] = {{"dev", policy.get()}};
  std::atomic<int> allowed{0};
  auto work = [&] {
    RequestContext ctx;
    ctx.action = "secretsmanager:GetSecretValue";
    ctx.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/a-AbCdEf";
    ctx.secret_name = "dev/a";
    for (int i = 0; i < 1000; ++i)
      allowed += Evaluate(named, nullptr, ctx).verdict == Verdict::kAllow;
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  CHECK(allowed == 2000);
}

}  // namespace
}  // namespace cairn::iam
