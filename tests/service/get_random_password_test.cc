#include <catch2/catch.hpp>

#include "tests/service/harness.h"

namespace cairn::service::testing {
namespace {

TEST_CASE("GetRandomPassword returns a password out of band and logs only its length",
          "[service]") {
  Harness h;
  Decision d = h.Call("GetRandomPassword", Json::object());
  REQUIRE(ErrorCode(d) == "");
  CHECK(d.event_type == "RandomPasswordGenerated");
  CHECK(d.body == Json::object());
  REQUIRE(d.generated_password.has_value());
  CHECK(d.generated_password->size() == 32);
  CHECK(EventOf(d)->body_as_RandomPasswordGenerated()->length() == 32);
  std::string password(d.generated_password->as_string_view());
  CHECK(d.payload.find(password) == std::string::npos);
}

TEST_CASE("GetRandomPassword honours its options", "[service]") {
  Harness h;
  Decision d = h.Call("GetRandomPassword", {{"PasswordLength", 64},
                                            {"ExcludeNumbers", true},
                                            {"ExcludePunctuation", true},
                                            {"ExcludeUppercase", true},
                                            {"ExcludeCharacters", "abc"}});
  REQUIRE(ErrorCode(d) == "");
  std::string password(d.generated_password->as_string_view());
  CHECK(password.size() == 64);
  CHECK(password.find_first_not_of("defghijklmnopqrstuvwxyz") == std::string::npos);
  CHECK(ErrorCode(h.Call("GetRandomPassword", {{"PasswordLength", 4096}})) == "");
}

TEST_CASE("GetRandomPassword errors", "[service]") {
  Harness h;
  CHECK(ErrorCode(h.Call("GetRandomPassword", {{"PasswordLength", 4097}})) == kValidation);
  CHECK(ErrorCode(h.Call("GetRandomPassword", {{"PasswordLength", 0}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("GetRandomPassword", {{"PasswordLength", "8"}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("GetRandomPassword", {{"ExcludeNumbers", "yes"}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("GetRandomPassword", {{"ExcludeNumbers", true},
                                               {"ExcludePunctuation", true},
                                               {"ExcludeUppercase", true},
                                               {"ExcludeLowercase", true}})) == kInvalidParameter);
  CHECK(ErrorCode(h.Call("GetRandomPassword", {{"PasswordLength", 2}})) == kInvalidParameter);
}

}  // namespace
}  // namespace cairn::service::testing
