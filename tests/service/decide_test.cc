// Properties of every Decision: one verified event, the audit record, the
// redaction of request parameters, and no plaintext anywhere but the keys.
#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

constexpr char kMarker[] = "Pl41nt3xt-M4rker-Value";

// A session touching every operation, with successes and failures.
std::vector<Decision> Session(Harness& h) {
  std::vector<Decision> out;
  auto call = [&](const std::string& op, Json params, std::optional<SecretValue> v = std::nullopt) {
    out.push_back(h.Call(op, std::move(params), std::move(v)));
  };
  call(
      "CreateSecret",
      {{"Name", "m"}, {"ClientRequestToken", Token(1)}, {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}},
      StringValue(kMarker));
  call("CreateSecret", {{"Name", "m"}, {"ClientRequestToken", Token(1)}},
       StringValue(kMarker));  // replay
  call("CreateSecret", {{"Name", "m"}, {"ClientRequestToken", Token(1)}},
       BinaryValue(kMarker));  // conflict
  call("PutSecretValue",
       {{"SecretId", "m"},
        {"ClientRequestToken", Token(2)},
        {"RotationToken", std::string(40, 'r')}},
       BinaryValue(std::string(kMarker) + "-2"));
  call("PutSecretValue", {{"SecretId", "m"}, {"ClientRequestToken", Token(2)}},
       StringValue(kMarker));  // conflict
  call("UpdateSecret", {{"SecretId", "m"}, {"ClientRequestToken", Token(3)}, {"Description", "d"}},
       StringValue(std::string(kMarker) + "-3"));
  call("UpdateSecret", {{"SecretId", "m"}, {"SecretString", kMarker}}, StringValue(kMarker));
  call("GetSecretValue", {{"SecretId", "m"}});
  call("GetSecretValue", {{"SecretId", "nope"}});
  call("BatchGetSecretValue", {{"SecretIdList", {"m", "nope"}}});
  call("DescribeSecret", {{"SecretId", "m"}});
  call("ListSecrets", Json::object());
  call("ListSecretVersionIds", {{"SecretId", "m"}, {"IncludeDeprecated", true}});
  call("UpdateSecretVersionStage",
       {{"SecretId", "m"}, {"VersionStage", "x"}, {"MoveToVersionId", Token(1)}});
  call("TagResource", {{"SecretId", "m"}, {"Tags", {{{"Key", "k2"}, {"Value", "v"}}}}});
  call("UntagResource", {{"SecretId", "m"}, {"TagKeys", {"k"}}});
  call("GetRandomPassword", Json::object());
  call("DeleteSecret", {{"SecretId", "m"}});
  call("GetSecretValue", {{"SecretId", "m"}});
  call("RestoreSecret", {{"SecretId", "m"}});
  call("DeleteSecret", {{"SecretId", "m"}, {"ForceDeleteWithoutRecovery", true}});
  call("RotateSecret", {{"SecretId", "m"}});
  return out;
}

TEST_CASE("every decision carries exactly one verified event whose type names its body",
          "[service]") {
  Harness h;
  for (const Decision& d : Session(h)) {
    const schema::Event* e = EventOf(d);
    INFO(d.event_type << " " << ErrorCode(d));
    CHECK(d.event_type == schema::EnumNameBody(e->body_type()));
    CHECK(flatbuffers::BufferHasIdentifier(d.payload.data(), "CRNE"));
    REQUIRE(e->audit() != nullptr);
    CHECK(Str(e->audit()->event_category()) == "AwsApiCall");
    if (d.error.has_value()) {
      CHECK(d.event_type == "OperationFailed");
      CHECK(Str(e->audit()->error_code()) == d.error->code);
      CHECK(Str(e->audit()->error_message()) == d.error->message);
      CHECK(d.key_writes.empty());
      CHECK(d.to_open.empty());
      CHECK(d.body == Json::object());
    } else {
      CHECK(d.event_type != "OperationFailed");
      CHECK(Str(e->audit()->error_code()).empty());
    }
  }
  CHECK(h.payloads.size() == h.seq);
}

TEST_CASE("no event, response body or error message contains a plaintext value", "[service]") {
  Harness h;
  std::vector<Decision> session = Session(h);
  for (const Decision& d : session) {
    CHECK(d.payload.find(kMarker) == std::string::npos);
    CHECK(d.body.dump().find(kMarker) == std::string::npos);
    CHECK(ErrorMessage(d).find(kMarker) == std::string::npos);
    for (const ledger::WriteOp& op : d.key_writes.ops())
      CHECK(op.value.find(kMarker) == std::string::npos);
  }
  for (const std::string& payload : h.decisions) CHECK(payload.find(kMarker) == std::string::npos);
}

TEST_CASE("the audit names the action, the resource and whether the call only read", "[service]") {
  Harness h;
  std::string arn = h.Create("m", "v", 1).body["ARN"];
  auto audit = [&](const std::string& op, Json params) {
    Decision d = h.Call(op, std::move(params));
    return std::make_tuple(Str(EventOf(d)->audit()->action()), Str(EventOf(d)->audit()->resource()),
                           EventOf(d)->audit()->read_only());
  };
  CHECK(audit("GetSecretValue", {{"SecretId", "m"}}) ==
        std::make_tuple("GetSecretValue", arn, true));
  CHECK(audit("GetSecretValue", {{"SecretId", "nope"}}) ==
        std::make_tuple("GetSecretValue", "nope", true));
  CHECK(audit("DescribeSecret", {{"SecretId", "m"}}) ==
        std::make_tuple("DescribeSecret", arn, true));
  CHECK(std::get<2>(audit("ListSecrets", Json::object())));
  CHECK(std::get<2>(audit("ListSecretVersionIds", {{"SecretId", "m"}})));
  CHECK(std::get<2>(audit("BatchGetSecretValue", {{"SecretIdList", {"m"}}})));
  CHECK(std::get<2>(audit("GetRandomPassword", Json::object())));
  CHECK(audit("TagResource", {{"SecretId", "m"}, {"Tags", Json::array()}}) ==
        std::make_tuple("TagResource", arn, false));
  auto created = audit("CreateSecret", {{"Name", "n"}});
  CHECK(created == std::make_tuple("CreateSecret", h.SecretNamed("n").arn, false));
  CHECK(audit("CreateSecret", {{"Name", "bad name"}}) ==
        std::make_tuple("CreateSecret", "bad name", false));
}

TEST_CASE("request parameters are logged in lowerCamelCase without values or unknown members",
          "[service]") {
  Harness h;
  Decision d = h.Call("CreateSecret",
                      {{"Name", "m"},
                       {"ClientRequestToken", Token(1)},
                       {"Tags", {{{"Key", "k"}, {"Value", "v"}}}},
                       {"Unmodelled", "dropped"}},
                      StringValue(kMarker));
  REQUIRE(ErrorCode(d) == "");
  std::string params = Str(EventOf(d)->audit()->request_parameters());
  CHECK(params == R"({"name":"m","clientRequestToken":")" + Token(1) +
                      R"(","tags":[{"key":"k","value":"v"}]})");

  Decision put = h.Call("PutSecretValue",
                        {{"SecretId", "m"},
                         {"ClientRequestToken", Token(2)},
                         {"RotationToken", std::string(40, 'r')},
                         {"VersionStages", {"AWSCURRENT"}}},
                        StringValue("v"));
  REQUIRE(ErrorCode(put) == "");
  CHECK(Str(EventOf(put)->audit()->request_parameters()) ==
        R"({"secretId":"m","clientRequestToken":")" + Token(2) +
            R"(","versionStages":["AWSCURRENT"]})");

  Decision leaked = h.Call("UpdateSecret", {{"SecretId", "m"}, {"SecretString", kMarker}});
  CHECK(ErrorCode(leaked) == kInvalidParameter);
  CHECK(Str(EventOf(leaked)->audit()->request_parameters()) == R"({"secretId":"m"})");
}

TEST_CASE("an operation Cairn does not support is InvalidRequestException", "[service]") {
  Harness h;
  Decision d = h.Call("SyncSecretToVault", {{"SecretId", "m"}, {"VaultArn", "arn"}});
  CHECK(ErrorCode(d) == kInvalidRequest);
  CHECK(ErrorMessage(d) == "Cairn does not support operation SyncSecretToVault yet");
  CHECK(Str(EventOf(d)->audit()->action()) == "SyncSecretToVault");
  CHECK(Str(EventOf(d)->audit()->request_parameters()) == "{}");
}

TEST_CASE("request parameters that are not a JSON object are InvalidParameterException",
          "[service]") {
  Harness h;
  CHECK(ErrorCode(h.Call("ListSecrets", Json::array())) == kInvalidParameter);
}

TEST_CASE("KeyEntryKey and ValueContext join the ARN and the version id with a newline",
          "[service]") {
  CHECK(KeyEntryKey("arn:x", "v1") == "arn:x\nv1");
  CHECK(ValueContext("arn:x", "v1") == "arn:x\nv1");
}

TEST_CASE("the keys entry holds the big-endian KEK version and the wrapped DEK", "[service]") {
  Harness h;
  Decision d = h.Create("m", "v", 1);
  REQUIRE(d.key_writes.size() == 1);
  const ledger::WriteOp& op = d.key_writes.ops()[0];
  CHECK(op.family == ledger::Family::kKeys);
  CHECK(op.key == KeyEntryKey(d.body["ARN"].get<std::string>(), Token(1)));
  CHECK(op.value.substr(0, 4) == std::string("\0\0\0\1", 4));
  CHECK(op.value.size() > 4 + 32);
}

}  // namespace
}  // namespace cairn::service::testing
