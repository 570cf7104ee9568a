// The AWS JSON 1.1 translation, over the bodies the real clients sent
// (tests/gateway/fixtures/aws-wire) and hand-made edge cases.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "crypto/hash.h"
#include "gateway/aws_json.h"

namespace cairn::gateway {
namespace {

using Json = service::Json;

struct Captured {
  std::string path;
  std::string target;
  std::string body;
};

std::vector<Captured> CapturedRequests() {
  std::vector<Captured> out;
  const auto root = std::filesystem::path(CAIRN_SOURCE_DIR) / "tests/gateway/fixtures/aws-wire/requests";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".http") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string raw = ss.str();
    const size_t end = raw.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    Captured c{entry.path().string(), "", raw.substr(end + 4)};
    std::istringstream headers(raw.substr(0, end));
    for (std::string line; std::getline(headers, line);) {
      std::string lower = line;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower.rfind("x-amz-target:", 0) == 0) {
        c.target = line.substr(line.find(':') + 1);
        c.target.erase(0, c.target.find_first_not_of(' '));
        if (!c.target.empty() && c.target.back() == '\r') c.target.pop_back();
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

TEST_CASE("The model has 23 operations and targets name them exactly", "[gateway]") {
  CHECK(ModelOperations().size() == 23);
  std::set<std::string_view> unique(ModelOperations().begin(), ModelOperations().end());
  CHECK(unique.size() == 23);
  CHECK(OperationFromTarget("secretsmanager.GetSecretValue") == "GetSecretValue");
  CHECK(OperationFromTarget("secretsmanager.BatchGetSecretValue") == "BatchGetSecretValue");
  CHECK_FALSE(OperationFromTarget("secretsmanager.getsecretvalue").has_value());
  CHECK_FALSE(OperationFromTarget("secretsmanager.CreatePrincipal").has_value());  // Cairn's own: not over HTTP
  CHECK_FALSE(OperationFromTarget("kms.Decrypt").has_value());
  CHECK_FALSE(OperationFromTarget("secretsmanager.").has_value());
  CHECK_FALSE(OperationFromTarget("").has_value());
}

TEST_CASE("Every body the real clients sent parses, with values moved out of the params", "[gateway]") {
  const std::vector<Captured> requests = CapturedRequests();
  REQUIRE(requests.size() >= 50);
  for (const Captured& c : requests) {
    INFO(c.path);
    std::optional<std::string> op = OperationFromTarget(c.target);
    REQUIRE(op.has_value());
    service::Request r = ParseRequestBody(*op, c.body);
    CHECK_FALSE(r.decode_error.has_value());
    CHECK(r.operation == *op);
    CHECK(r.params.is_object());
    CHECK_FALSE(r.params.contains("SecretString"));
    CHECK_FALSE(r.params.contains("SecretBinary"));
    const Json sent = Json::parse(c.body);
    CHECK(r.value.has_value() == (sent.contains("SecretString") || sent.contains("SecretBinary")));
    if (sent.contains("SecretBinary")) {
      REQUIRE(r.value.has_value());
      CHECK(r.value->kind == projections::ValueKind::kBinary);
      CHECK(crypto::Base64Encode(r.value->bytes.view()) == sent["SecretBinary"].get<std::string>());
    }
    if (sent.contains("SecretString")) {
      REQUIRE(r.value.has_value());
      CHECK(r.value->kind == projections::ValueKind::kString);
      CHECK(std::string(r.value->bytes.as_string_view()) == sent["SecretString"].get<std::string>());
    }
  }
}

TEST_CASE("Bodies that cannot be decoded become decode errors, not exceptions", "[gateway]") {
  for (const std::string& body : std::vector<std::string>{"{", "[]", "\"x\"", "null", "{\"SecretString\": 5}", "{\"SecretBinary\": \"***\"}",
                                 "{\"SecretBinary\": {}}", std::string("{\"a\":\"\xff\"}")}) {
    INFO(body);
    service::Request r = ParseRequestBody("CreateSecret", body);
    REQUIRE(r.decode_error.has_value());
    CHECK(r.decode_error->code == "SerializationException");
    CHECK_FALSE(r.value.has_value());
  }
  // An empty body reads as {} (operations without members).
  service::Request empty = ParseRequestBody("ListSecrets", "");
  CHECK_FALSE(empty.decode_error.has_value());
  CHECK(empty.params == Json::object());
  // A null value member is no member.
  CHECK_FALSE(ParseRequestBody("PutSecretValue", R"({"SecretId":"a","SecretString":null})").value.has_value());
}

TEST_CASE("Both value members leave a marker the service refuses, never the second value", "[gateway]") {
  service::Request r = ParseRequestBody("PutSecretValue", R"({"SecretId":"a","SecretString":"one","SecretBinary":"dHdv"})");
  REQUIRE(r.value.has_value());
  CHECK(r.value->kind == projections::ValueKind::kString);
  REQUIRE(r.params.contains("SecretBinary"));
  CHECK(r.params["SecretBinary"] == "");
}

TEST_CASE("Answers splice values in and errors carry __type", "[gateway]") {
  service::Response password;
  password.values.push_back({0, service::SecretValue{projections::ValueKind::kString,
                                                     crypto::SecureBuffer::FromString("pw")}});
  CHECK(RenderResponseBody("GetRandomPassword", password).as_string_view() == R"({"RandomPassword":"pw"})");
  service::Response binary;
  binary.body = {{"ARN", "a"}, {"Name", "n"}, {"VersionId", "v"}, {"VersionStages", {"AWSCURRENT"}}};
  binary.values.push_back({0, service::SecretValue{projections::ValueKind::kBinary,
                                                   crypto::SecureBuffer::FromString(std::string("\x00\xff", 2))}});
  CHECK(RenderResponseBody("GetSecretValue", binary).as_string_view() ==
        R"({"ARN":"a","Name":"n","VersionId":"v","SecretBinary":"AP8=","VersionStages":["AWSCURRENT"]})");
  CHECK(RenderResponseBody("TagResource", service::Response{}).as_string_view() == "{}");
  CHECK(ErrorBody({400, "ResourceNotFoundException", "gone"}) ==
        R"({"__type":"ResourceNotFoundException","Message":"gone"})");
  CHECK(FromApiError({"InternalServiceError", "x"}).status == 500);
  CHECK(FromApiError({"AccessDeniedException", "x"}).status == 400);
}

}  // namespace
}  // namespace cairn::gateway
