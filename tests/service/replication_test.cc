#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

// Cairn keeps a ledger in one region: the replication operations check their
// members like AWS, resolve the secret, then refuse — and each is an event.
TEST_CASE("The replication operations refuse with InvalidRequestException on an existing secret", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  const std::vector<std::pair<std::string, Json>> calls = {
      {"ReplicateSecretToRegions", {{"SecretId", "db"}, {"AddReplicaRegions", {{{"Region", "eu-west-1"}}}}}},
      {"RemoveRegionsFromReplication", {{"SecretId", "db"}, {"RemoveReplicaRegions", {"eu-west-1"}}}},
      {"StopReplicationToReplica", {{"SecretId", "db"}}},
  };
  for (const auto& [op, params] : calls) {
    Decision d = h.Call(op, params);
    INFO(op);
    CHECK(ErrorCode(d) == "InvalidRequestException");
    CHECK(d.event_type == "OperationFailed");
    CHECK(d.error->message.find("region") != std::string::npos);
  }
}

TEST_CASE("The replication operations check their members before the secret", "[service]") {
  Harness h;
  h.Create("db", "v1", 1);
  CHECK(ErrorCode(h.Call("ReplicateSecretToRegions", {{"SecretId", "db"}})) == "InvalidParameterException");
  CHECK(ErrorCode(h.Call("ReplicateSecretToRegions",
                         {{"SecretId", "db"}, {"AddReplicaRegions", {{{"Region", "Mars"}}}}})) ==
        "InvalidParameterException");
  CHECK(ErrorCode(h.Call("ReplicateSecretToRegions",
                         {{"SecretId", "db"}, {"AddReplicaRegions", {{{"KmsKeyId", "k"}}}}})) ==
        "InvalidParameterException");
  CHECK(ErrorCode(h.Call("RemoveRegionsFromReplication", {{"SecretId", "db"}, {"RemoveReplicaRegions", {"eu_west"}}})) ==
        "InvalidParameterException");
  CHECK(ErrorCode(h.Call("RemoveRegionsFromReplication", {{"SecretId", "db"}})) != "");
}

TEST_CASE("The replication operations answer ResourceNotFoundException for a missing secret", "[service]") {
  Harness h;
  CHECK(ErrorCode(h.Call("ReplicateSecretToRegions",
                         {{"SecretId", "nope"}, {"AddReplicaRegions", {{{"Region", "eu-west-1"}}}}})) ==
        "ResourceNotFoundException");
  CHECK(ErrorCode(h.Call("StopReplicationToReplica", {{"SecretId", "nope"}})) == "ResourceNotFoundException");
}

}  // namespace
}  // namespace cairn::service::testing
