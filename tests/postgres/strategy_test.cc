// The PostgreSQL rotator's steps against a real PostgreSQL server
// (pg_server.h); only the secret store is an in-memory twin of Cairn's.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/postgres/pg_server.h"
#include "tools/cairn_rotate_postgres/strategy.h"

namespace cairn::testing {
namespace {

using tools::rotate_postgres::RotatorOptions;
using tools::rotate_postgres::RunRotationStep;
using tools::rotate_postgres::SecretStore;

constexpr char kApp[] = "prod/pg/app";
constexpr char kMaster[] = "prod/pg/master";
constexpr char kToken[] = "11111111-2222-3333-4444-555555555555";
constexpr char kOldPassword[] = "old-Pw-7c41d2e9b0f3";

// Versions with labels and values, as Secrets Manager keeps them.
class MemoryStore {
 public:
  struct Version {
    std::set<std::string> stages;
    std::optional<std::string> value;
  };

  void Put(const std::string& id, const std::string& version, std::optional<std::string> value,
           const std::set<std::string>& stages) {
    for (const std::string& stage : stages) {
      for (auto& [_, v] : secrets_[id]) v.stages.erase(stage);
    }
    Version& v = secrets_[id][version];
    if (value) v.value = std::move(value);
    v.stages.insert(stages.begin(), stages.end());
  }
  // What Cairn's RotationSucceeded does: AWSCURRENT to `token`, AWSPREVIOUS
  // to the old current, AWSPENDING removed.
  void Finish(const std::string& id, const std::string& token) {
    for (auto& [version_id, v] : secrets_[id]) {
      if (v.stages.count("AWSCURRENT") != 0) {
        v.stages.erase("AWSCURRENT");
        Put(id, version_id, std::nullopt, {"AWSPREVIOUS"});
      }
    }
    secrets_[id][token].stages.erase("AWSPENDING");
    Put(id, token, std::nullopt, {"AWSCURRENT"});
  }
  std::optional<std::string> Value(const std::string& id, const std::string& stage) const {
    for (const auto& [_, v] : secrets_.at(id)) {
      if (v.stages.count(stage) != 0) return v.value;
    }
    return std::nullopt;
  }
  int puts() const { return puts_; }
  const std::vector<std::pair<int64_t, std::string>>& password_requests() const { return password_requests_; }

  SecretStore Store() {
    SecretStore s;
    s.get_secret_value = [this](const std::string& id, const std::string& version_id,
                                const std::string& stage) -> Result<crypto::SecureBuffer> {
      auto secret = secrets_.find(id);
      if (secret == secrets_.end()) return NotFoundError("no secret " + id);
      for (const auto& [vid, v] : secret->second) {
        if ((!version_id.empty() && vid != version_id) || v.stages.count(stage) == 0) continue;
        if (!v.value) break;
        return crypto::SecureBuffer::FromString(*v.value);
      }
      return NotFoundError("no value for " + stage);
    };
    s.put_secret_value = [this](const std::string& id, const std::string& token, const crypto::SecureBuffer& value,
                                const std::vector<std::string>& stages) -> Status {
      ++puts_;
      auto& versions = secrets_[id];
      if (versions.count(token) != 0 && versions[token].value &&
          *versions[token].value != value.as_string_view()) {
        return FailedPreconditionError("version " + token + " already has another value");
      }
      Put(id, token, std::string(value.as_string_view()), {stages.begin(), stages.end()});
      return Status::Ok();
    };
    s.get_random_password = [this](int64_t length, const std::string& exclude) -> Result<crypto::SecureBuffer> {
      password_requests_.emplace_back(length, exclude);
      std::string pw = "Gen" + std::to_string(++generated_) + "x";
      while (pw.size() < static_cast<size_t>(length)) pw += static_cast<char>('a' + (pw.size() * 7 + generated_) % 26);
      return crypto::SecureBuffer::FromString(pw);
    };
    return s;
  }

 private:
  std::map<std::string, std::map<std::string, Version>> secrets_;
  int puts_ = 0;
  int generated_ = 0;
  std::vector<std::pair<int64_t, std::string>> password_requests_;
};

std::string Field(const std::string& json, const std::string& name) {
  return nlohmann::json::parse(json).at(name).get<std::string>();
}

struct Fixture {
  PgServer pg;
  MemoryStore memory;
  SecretStore store;
  RotatorOptions options;

  Fixture() {
    INFO(pg.error());
    REQUIRE(pg.Start());
    REQUIRE(pg.ExecAsMaster(std::string("CREATE ROLE app WITH LOGIN PASSWORD '") + kOldPassword + "'") == "");
    store = memory.Store();
  }
  // The secret and its rotation's empty AWSPENDING version, as RotateSecret leaves them.
  void SingleUserSecret() {
    memory.Put(kApp, "v1", pg.SecretJson("app", kOldPassword), {"AWSCURRENT"});
    memory.Put(kApp, kToken, std::nullopt, {"AWSPENDING"});
  }
  void AlternatingSecret() {
    memory.Put(kMaster, "m1",
               pg.SecretJson(PgServer::kMasterUser, PgServer::kMasterPassword, R"(,"rotation_strategy":"single")"),
               {"AWSCURRENT"});
    memory.Put(kApp, "v1", pg.SecretJson("app", kOldPassword, R"(,"masterarn":"prod/pg/master")"), {"AWSCURRENT"});
    memory.Put(kApp, kToken, std::nullopt, {"AWSPENDING"});
  }
  Status Step(const std::string& step, const std::string& token = kToken) {
    return RunRotationStep(step, kApp, token, store, options);
  }
  std::string Pending() const { return memory.Value(kApp, "AWSPENDING").value_or(""); }
};

void RequireOk(const Status& status) {
  INFO(status.message());
  REQUIRE(status.ok());
}

}  // namespace

TEST_CASE("single-user rotation: the new password logs in and the old one no longer does", "[postgres][single]") {
  Fixture f;
  f.SingleUserSecret();
  RequireOk(f.Step("createSecret"));
  const std::string pending = f.Pending();
  REQUIRE(Field(pending, "username") == "app");
  const std::string new_password = Field(pending, "password");
  CHECK(new_password != kOldPassword);
  REQUIRE(f.memory.password_requests().size() == 1);
  CHECK(f.memory.password_requests()[0].first == 32);
  CHECK(f.memory.password_requests()[0].second == "/@\"'\\");
  CHECK(Field(pending, "host") == "127.0.0.1");  // the rest of AWSCURRENT's JSON is kept

  CHECK(f.pg.CanLogIn("app", kOldPassword));
  RequireOk(f.Step("setSecret"));
  RequireOk(f.Step("testSecret"));
  RequireOk(f.Step("finishSecret"));
  CHECK(f.pg.CanLogIn("app", new_password));
  CHECK_FALSE(f.pg.CanLogIn("app", kOldPassword));
  // The server stored a SCRAM verifier, not the password.
  const std::string stored = f.pg.QueryAsMaster("SELECT rolpassword FROM pg_authid WHERE rolname = 'app'");
  CHECK(stored.rfind("SCRAM-SHA-256$", 0) == 0);
  CHECK(stored.find(new_password) == std::string::npos);
}

TEST_CASE("createSecret leaves a pending value that exists alone", "[postgres][single]") {
  Fixture f;
  f.SingleUserSecret();
  RequireOk(f.Step("createSecret"));
  const std::string first = f.Pending();
  RequireOk(f.Step("createSecret"));
  CHECK(f.Pending() == first);
  CHECK(f.memory.puts() == 1);
}

TEST_CASE("single-user setSecret is idempotent", "[postgres][single]") {
  Fixture f;
  f.SingleUserSecret();
  RequireOk(f.Step("createSecret"));
  RequireOk(f.Step("setSecret"));
  RequireOk(f.Step("setSecret"));  // the pending credentials already log in
  RequireOk(f.Step("testSecret"));
  CHECK(f.pg.CanLogIn("app", Field(f.Pending(), "password")));
}

TEST_CASE("single-user setSecret logs in with AWSPREVIOUS when AWSCURRENT no longer works", "[postgres][single]") {
  Fixture f;
  f.memory.Put(kApp, "v0", f.pg.SecretJson("app", kOldPassword), {"AWSPREVIOUS"});
  f.memory.Put(kApp, "v1", f.pg.SecretJson("app", "a-current-password-never-set"), {"AWSCURRENT"});
  f.memory.Put(kApp, kToken, std::nullopt, {"AWSPENDING"});
  RequireOk(f.Step("createSecret"));
  RequireOk(f.Step("setSecret"));
  CHECK(f.pg.CanLogIn("app", Field(f.Pending(), "password")));
}

TEST_CASE("single-user setSecret refuses a pending version for another user", "[postgres][single]") {
  Fixture f;
  f.memory.Put(kApp, "v1", f.pg.SecretJson("app", kOldPassword), {"AWSCURRENT"});
  f.memory.Put(kApp, kToken, f.pg.SecretJson("postgres", "pending-Pw-for-another-user"), {"AWSPENDING"});
  const Status status = f.Step("setSecret");
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("is not the current one") != std::string::npos);
  CHECK(f.pg.CanLogIn(PgServer::kMasterUser, PgServer::kMasterPassword));
  CHECK(f.pg.CanLogIn("app", kOldPassword));
}

TEST_CASE("alternating rotation: the clone is created and both users keep logging in", "[postgres][alternating]") {
  Fixture f;
  REQUIRE(f.pg.ExecAsMaster("CREATE TABLE orders (id int); INSERT INTO orders VALUES (7); "
                            "GRANT SELECT ON orders TO app") == "");
  f.AlternatingSecret();
  RequireOk(f.Step("createSecret"));
  REQUIRE(Field(f.Pending(), "username") == "app_clone");
  REQUIRE(Field(f.Pending(), "masterarn") == kMaster);
  const std::string clone_password = Field(f.Pending(), "password");
  RequireOk(f.Step("setSecret"));
  RequireOk(f.Step("setSecret"));  // idempotent
  RequireOk(f.Step("testSecret"));
  RequireOk(f.Step("finishSecret"));
  CHECK(f.pg.CanLogIn("app", kOldPassword));
  CHECK(f.pg.CanLogIn("app_clone", clone_password));
  // The clone has the original's rights through membership.
  CHECK(f.pg.QueryAsMaster("SELECT pg_has_role('app_clone', 'app', 'MEMBER')") == "t");
  CHECK(f.pg.ExecAs("app_clone", clone_password, "SELECT id FROM orders") == "");

  SECTION("the next rotation switches back to the original user") {
    f.memory.Finish(kApp, kToken);
    const std::string token2 = "22222222-3333-4444-5555-666666666666";
    f.memory.Put(kApp, token2, std::nullopt, {"AWSPENDING"});
    RequireOk(f.Step("createSecret", token2));
    REQUIRE(Field(f.Pending(), "username") == "app");
    const std::string app_password = Field(f.Pending(), "password");
    RequireOk(f.Step("setSecret", token2));
    RequireOk(f.Step("testSecret", token2));
    CHECK(f.pg.CanLogIn("app", app_password));
    CHECK_FALSE(f.pg.CanLogIn("app", kOldPassword));
    CHECK(f.pg.CanLogIn("app_clone", clone_password));  // AWSCURRENT until finishSecret
  }
}

TEST_CASE("alternating rotation without a master secret fails createSecret and puts nothing", "[postgres][alternating]") {
  Fixture f;
  f.memory.Put(kApp, "v1", f.pg.SecretJson("app", kOldPassword, R"(,"rotation_strategy":"alternating")"),
               {"AWSCURRENT"});
  f.memory.Put(kApp, kToken, std::nullopt, {"AWSPENDING"});
  const Status status = f.Step("createSecret");
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("createSecret: alternating rotation needs a master secret") == 0);
  CHECK(f.memory.puts() == 0);

  SECTION("--master-secret supplies it") {
    f.memory.Put(kMaster, "m1", f.pg.SecretJson(PgServer::kMasterUser, PgServer::kMasterPassword), {"AWSCURRENT"});
    f.options.master_secret = kMaster;
    RequireOk(f.Step("createSecret"));
    RequireOk(f.Step("setSecret"));
    CHECK(f.pg.CanLogIn("app_clone", Field(f.Pending(), "password")));
  }
}

TEST_CASE("PostgreSQL stopped: setSecret fails with a clear reason holding no password", "[postgres]") {
  Fixture f;
  bool alternating = GENERATE(false, true);
  INFO((alternating ? "alternating" : "single"));
  if (alternating) {
    f.AlternatingSecret();
  } else {
    f.SingleUserSecret();
  }
  RequireOk(f.Step("createSecret"));
  const std::string new_password = Field(f.Pending(), "password");
  REQUIRE(f.pg.Stop());
  const Status status = f.Step("setSecret");
  INFO(status.message());
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().rfind("setSecret: ", 0) == 0);
  CHECK(status.message().find("could not connect to 127.0.0.1:" + std::to_string(f.pg.port()) + " as app") !=
        std::string::npos);
  CHECK(status.message().find(new_password) == std::string::npos);
  CHECK(status.message().find(kOldPassword) == std::string::npos);
  CHECK(status.message().find(PgServer::kMasterPassword) == std::string::npos);
  CHECK(status.message().find("password=") == std::string::npos);

  // Once PostgreSQL is back the same step succeeds.
  REQUIRE(f.pg.Start());
  RequireOk(f.Step("setSecret"));
  RequireOk(f.Step("testSecret"));
}

TEST_CASE("a secret value that is not the rotator's JSON fails the step with a reason and changes nothing",
          "[postgres][bad-input]") {
  MemoryStore memory;  // no server: the value is refused before any login
  const SecretStore store = memory.Store();
  const std::string secret_text = "Sekr1t-in-a-bad-value";
  std::string value;
  std::string reason;
  SECTION("not JSON") {
    value = "{\"password\": \"" + secret_text + "\", oops";
    reason = "the secret value is not JSON";
  }
  SECTION("not an object") {
    value = "[\"" + secret_text + "\"]";
    reason = "is not a JSON object";
  }
  SECTION("no password") {
    value = R"({"engine":"postgres","host":"127.0.0.1","username":"app"})";
    reason = "has no member \"password\"";
  }
  SECTION("another engine") {
    value = R"({"engine":"mysql","host":"127.0.0.1","username":"app","password":")" + secret_text + "\"}";
    reason = "member \"engine\" is not \"postgres\"";
  }
  SECTION("a port that is not a number") {
    value = R"({"engine":"postgres","host":"127.0.0.1","port":"54x","username":"app","password":")" +
            secret_text + "\"}";
    reason = "member \"port\" is not a port number";
  }
  SECTION("an unknown strategy") {
    value = R"({"engine":"postgres","host":"127.0.0.1","username":"app","password":")" + secret_text +
            R"(","rotation_strategy":"sideways"})";
    reason = "member \"rotation_strategy\" is neither";
  }
  SECTION("a username too long for PostgreSQL") {
    value = R"({"engine":"postgres","host":"127.0.0.1","username":")" + std::string(64, 'u') +
            R"(","password":")" + secret_text + "\"}";
    reason = "member \"username\" is longer than 63 bytes";
  }
  memory.Put(kApp, "v1", value, {"AWSCURRENT"});
  memory.Put(kApp, kToken, std::nullopt, {"AWSPENDING"});
  const Status status = RunRotationStep("createSecret", kApp, kToken, store, RotatorOptions{});
  INFO(status.message());
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().rfind("createSecret: AWSCURRENT: ", 0) == 0);
  CHECK(status.message().find(reason) != std::string::npos);
  CHECK(status.message().find(secret_text) == std::string::npos);
  CHECK(memory.puts() == 0);
  CHECK_FALSE(memory.Value(kApp, "AWSPENDING").has_value());
}

TEST_CASE("a malformed pending value fails setSecret and leaves the role as it was", "[postgres][bad-input]") {
  Fixture f;
  f.memory.Put(kApp, "v1", f.pg.SecretJson("app", kOldPassword), {"AWSCURRENT"});
  f.memory.Put(kApp, kToken, R"({"engine":"postgres","username":"app","password":"pending-Pw-no-host"})",
               {"AWSPENDING"});
  const Status status = f.Step("setSecret");
  INFO(status.message());
  REQUIRE_FALSE(status.ok());
  CHECK(status.message() == "setSecret: the AWSPENDING version: the secret value has no member \"host\"");
  CHECK(f.pg.CanLogIn("app", kOldPassword));
  CHECK_FALSE(f.pg.CanLogIn("app", "pending-Pw-no-host"));
}

TEST_CASE("testSecret fails when the pending credentials do not log in", "[postgres]") {
  Fixture f;
  f.SingleUserSecret();
  RequireOk(f.Step("createSecret"));  // setSecret never ran
  const Status status = f.Step("testSecret");
  INFO(status.message());
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().rfind("testSecret: cannot log in with the pending credentials: could not connect to", 0) ==
        0);
  CHECK(status.message().find("password authentication failed") != std::string::npos);
  CHECK(status.message().find(Field(f.Pending(), "password")) == std::string::npos);
}

TEST_CASE("an unknown step is refused", "[postgres]") {
  const SecretStore store;
  const Status status = RunRotationStep("rotateEverything", kApp, kToken, store, RotatorOptions{});
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK(status.message() == "unknown rotation step \"rotateEverything\"");
}

}  // namespace cairn::testing
