// tools/common/remote.h's CallRefusingErrors and reply-member readers, which
// cairn-replica, cairn-audit and `cairn --verify-receipt` share: each AWS
// error of a real cairnd becomes the Status its callers act on, worded per tool.
#include <catch2/catch.hpp>

#include "tests/daemon/daemon_fixture.h"
#include "tools/common/remote.h"

namespace cairn::testing {
namespace {

constexpr tools::RefusalWording kWording{"the test's peer", "it needs cairn:Everything"};

TEST_CASE("CallRefusingErrors turns a real cairnd's AWS errors into Statuses", "[daemon][remote]") {
  RunningDaemon d;
  d.Call({"create-secret", "--name", "remote/db", "--secret-string", "v1"});
  const std::string bare = d.tmp.sub("bare.profile");
  d.Call({"principal", "create", "--name", "bare", "--profile-out", bare});  // no policy
  auto admin = d.Connect();
  auto no_rights = d.Connect(RunningDaemon::kDeadlineMs, bare);

  SECTION("a reply passes through") {
    auto r = tools::CallRefusingErrors(*admin, "DescribeSecret", {{"SecretId", "remote/db"}}, kWording);
    INFO("cairnd's log:\n" << d.daemon.log());
    REQUIRE(r.ok());
    CHECK(r->body.value("Name", "") == "remote/db");
  }
  SECTION("AccessDenied is PermissionDenied, with the rights the tool needs") {
    auto r = tools::CallRefusingErrors(*no_rights, "DescribeSecret", {{"SecretId", "remote/db"}}, kWording);
    INFO("cairnd's log:\n" << d.daemon.log());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kPermissionDenied);
    CHECK_THAT(r.status().message(),
               Catch::StartsWith("the test's peer refused DescribeSecret (AccessDeniedException: ") &&
                   Catch::EndsWith("; it needs cairn:Everything"));
  }
  SECTION("any other refusal is FailedPrecondition, naming the error") {
    auto r = tools::CallRefusingErrors(*admin, "DescribeSecret", {{"SecretId", "remote/none"}}, kWording);
    INFO("cairnd's log:\n" << d.daemon.log());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kFailedPrecondition);
    CHECK_THAT(r.status().message(),
               Catch::StartsWith("the test's peer refused DescribeSecret (ResourceNotFoundException: "));
  }
}

TEST_CASE("a reply member of the wrong type or missing is DataLoss naming the reply", "[remote]") {
  const service::Json body = service::Json::parse(R"({"Name": "db", "Size": 3, "Negative": -1})");  // as a reply parses
  auto name = tools::StringMember(body, "cairnd's Test", "Name");
  REQUIRE(name.ok());
  CHECK(*name == "db");
  auto size = tools::CountMember(body, "cairnd's Test", "Size");
  REQUIRE(size.ok());
  CHECK(*size == 3);
  auto missing = tools::StringMember(body, "cairnd's Test", "Other");
  CHECK(missing.status().code() == StatusCode::kDataLoss);
  CHECK(missing.status().message() == "cairnd's Test reply has no string Other");
  CHECK(tools::StringMember(body, "cairnd's Test", "Size").status().code() == StatusCode::kDataLoss);
  auto negative = tools::CountMember(body, "cairnd's Test", "Negative");
  CHECK(negative.status().code() == StatusCode::kDataLoss);
  CHECK(negative.status().message() == "cairnd's Test reply has no count Negative");
}

}  // namespace
}  // namespace cairn::testing
