#include "tools/cairn_rotate_postgres/strategy.h"

#include <memory>
#include <utility>
#include <vector>

#include "tools/cairn_rotate_postgres/pg.h"

namespace cairn::tools::rotate_postgres {
namespace {

constexpr char kCurrent[] = "AWSCURRENT";
constexpr char kPending[] = "AWSPENDING";
constexpr char kPrevious[] = "AWSPREVIOUS";

using ConnectionPtr = std::unique_ptr<pg::Connection>;

// One step's run: the calls it makes and the passwords it has read, which
// are cut from its error text before it leaves.
class StepRun {
 public:
  StepRun(const std::string& secret_id, const std::string& token, const SecretStore& store,
          const RotatorOptions& options)
      : secret_id_(secret_id), token_(token), store_(store), options_(options) {}

  Status CreateSecret();
  Status SetSecret();
  Status TestSecret();

  // `status` with every password this run read cut from its message.
  Status Scrubbed(const Status& status) const;

 private:
  // GetSecretValue + ParseDbSecret; `what` names the version in errors.
  Result<DbSecret> Load(const std::string& secret_id, const std::string& version_id, const std::string& stage,
                        const std::string& what);
  Result<ConnectionPtr> Open(const DbSecret& secret) const {
    return pg::Connection::Open(secret.ConnectParams(options_.connect_timeout_s), secret.password);
  }
  Status SetSingle(const DbSecret& pending, const DbSecret& current);
  Status SetAlternating(const DbSecret& pending, const DbSecret& current);
  // ALTER ROLE (or, if `create`, CREATE ROLE ... LOGIN) `user` with the
  // verifier of `password`.
  Status SetPassword(pg::Connection& conn, const std::string& user, const crypto::SecureBuffer& password,
                     bool create);

  const std::string& secret_id_;
  const std::string& token_;
  const SecretStore& store_;
  const RotatorOptions& options_;
  std::vector<crypto::SecureBuffer> seen_;
};

Status SameServer(const DbSecret& pending, const DbSecret& current) {
  if (pending.host != current.host || pending.port != current.port) {
    return FailedPreconditionError("the pending version names another host or port than AWSCURRENT");
  }
  return Status::Ok();
}

Status StepRun::Scrubbed(const Status& status) const {
  if (status.ok()) return status;
  std::vector<std::string_view> secrets;
  for (const crypto::SecureBuffer& s : seen_) secrets.push_back(s.as_string_view());
  return Status(status.code(), pg::Redact(status.message(), secrets));
}

Result<DbSecret> StepRun::Load(const std::string& secret_id, const std::string& version_id,
                               const std::string& stage, const std::string& what) {
  Result<crypto::SecureBuffer> value = store_.get_secret_value(secret_id, version_id, stage);
  if (!value.ok()) return value.status().WithContext("reading " + what);
  Result<DbSecret> secret = ParseDbSecret(value->as_string_view());
  if (!secret.ok()) return secret.status().WithContext(what);
  seen_.push_back(secret->password.Clone());
  return secret;
}

Status StepRun::CreateSecret() {
  ASSIGN_OR_RETURN(DbSecret current, Load(secret_id_, "", kCurrent, "AWSCURRENT"));
  Result<crypto::SecureBuffer> existing = store_.get_secret_value(secret_id_, token_, kPending);
  if (existing.ok()) {  // made by an earlier run of this step: it must still be usable
    Result<DbSecret> pending = ParseDbSecret(existing->as_string_view());
    return pending.ok() ? Status::Ok() : pending.status().WithContext("the AWSPENDING version");
  }
  if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status().WithContext("reading the AWSPENDING version");
  }
  ASSIGN_OR_RETURN(Strategy strategy, StrategyFor(current, options_));
  if (strategy == Strategy::kAlternating) {
    ASSIGN_OR_RETURN(current.username, AlternateUsername(current.username));
  }
  Result<crypto::SecureBuffer> password =
      store_.get_random_password(options_.password_length, options_.exclude_characters);
  if (!password.ok()) return password.status().WithContext("GetRandomPassword");
  current.password = std::move(password).value();
  seen_.push_back(current.password.Clone());
  return store_.put_secret_value(secret_id_, token_, SerializeDbSecret(current), {kPending});
}

Status StepRun::SetSecret() {
  ASSIGN_OR_RETURN(DbSecret pending, Load(secret_id_, token_, kPending, "the AWSPENDING version"));
  ASSIGN_OR_RETURN(DbSecret current, Load(secret_id_, "", kCurrent, "AWSCURRENT"));
  ASSIGN_OR_RETURN(Strategy strategy, StrategyFor(pending, options_));
  return strategy == Strategy::kSingle ? SetSingle(pending, current) : SetAlternating(pending, current);
}

Status StepRun::SetSingle(const DbSecret& pending, const DbSecret& current) {
  if (pending.username != current.username) {
    return FailedPreconditionError("single-user rotation: the pending username \"" + pending.username +
                                   "\" is not the current one \"" + current.username + "\"");
  }
  RETURN_IF_ERROR(SameServer(pending, current));
  if (Open(pending).ok()) return Status::Ok();  // set by an earlier run
  Result<ConnectionPtr> conn = Open(current);
  if (!conn.ok()) {
    Result<DbSecret> previous = Load(secret_id_, "", kPrevious, "AWSPREVIOUS");
    if (previous.ok() && previous->username == current.username && SameServer(*previous, current).ok()) {
      Result<ConnectionPtr> with_previous = Open(*previous);
      if (with_previous.ok()) conn = std::move(with_previous);
    }
  }
  if (!conn.ok()) {
    return conn.status().WithContext("cannot log in with the pending, current or previous credentials");
  }
  return SetPassword(**conn, pending.username, pending.password, /*create=*/false);
}

Status StepRun::SetAlternating(const DbSecret& pending, const DbSecret& current) {
  ASSIGN_OR_RETURN(std::string alternate, AlternateUsername(current.username));
  if (pending.username != alternate) {
    return FailedPreconditionError("alternating rotation: the pending username \"" + pending.username +
                                   "\" is not \"" + alternate + "\"");
  }
  RETURN_IF_ERROR(SameServer(pending, current));
  if (Open(pending).ok()) return Status::Ok();  // set by an earlier run
  // As AWS's template: the credential being rotated must be a real one (no
  // confused deputy changing roles it was never given).
  Result<ConnectionPtr> as_current = Open(current);
  if (!as_current.ok()) return as_current.status().WithContext("cannot log in with the current credentials");
  as_current->reset();
  const std::string master_id = !current.masterarn.empty() ? current.masterarn : options_.master_secret;
  ASSIGN_OR_RETURN(DbSecret master, Load(master_id, "", kCurrent, "the master secret " + master_id));
  Result<ConnectionPtr> opened = Open(master);
  if (!opened.ok()) return opened.status().WithContext("cannot log in with the master secret " + master_id);
  pg::Connection& conn = **opened;
  // One transaction: the role is created, granted and given its password, or
  // nothing is (closing the connection on an error rolls it back).
  RETURN_IF_ERROR(conn.Exec("BEGIN"));
  ASSIGN_OR_RETURN(pg::Rows rows, conn.Query("SELECT 1 FROM pg_roles WHERE rolname = $1", {pending.username}));
  RETURN_IF_ERROR(SetPassword(conn, pending.username, pending.password, /*create=*/rows.empty()));
  if (pending.username == current.username + "_clone") {
    // The clone has the original's rights through membership (idempotent).
    ASSIGN_OR_RETURN(std::string original, conn.QuoteIdentifier(current.username));
    ASSIGN_OR_RETURN(std::string clone, conn.QuoteIdentifier(pending.username));
    RETURN_IF_ERROR(conn.Exec("GRANT " + original + " TO " + clone).WithContext("GRANT"));
  }
  return conn.Exec("COMMIT");
}

Status StepRun::SetPassword(pg::Connection& conn, const std::string& user, const crypto::SecureBuffer& password,
                            bool create) {
  ASSIGN_OR_RETURN(std::string role, conn.QuoteIdentifier(user));
  ASSIGN_OR_RETURN(crypto::SecureBuffer verifier, conn.EncryptPassword(user, password));
  ASSIGN_OR_RETURN(crypto::SecureBuffer literal, conn.QuoteLiteral(verifier.as_string_view()));
  const char* verb = create ? "CREATE ROLE " : "ALTER ROLE ";
  std::string sql = verb + role + (create ? " WITH LOGIN PASSWORD " : " WITH PASSWORD ");
  sql.append(literal.as_string_view());
  const Status status = conn.Exec(sql, {password.as_string_view(), verifier.as_string_view()});
  crypto::SecureWipe(sql);
  return status.WithContext(create ? "CREATE ROLE " + user : "ALTER ROLE " + user);
}

Status StepRun::TestSecret() {
  ASSIGN_OR_RETURN(DbSecret pending, Load(secret_id_, token_, kPending, "the AWSPENDING version"));
  Result<ConnectionPtr> conn = Open(pending);
  if (!conn.ok()) return conn.status().WithContext("cannot log in with the pending credentials");
  Result<pg::Rows> now = (*conn)->Query("SELECT NOW()");
  return now.ok() ? Status::Ok() : now.status().WithContext("SELECT NOW()");
}

}  // namespace

Result<Strategy> StrategyFor(const DbSecret& secret, const RotatorOptions& options) {
  const bool master_known = !secret.masterarn.empty() || !options.master_secret.empty();
  if (secret.rotation_strategy == "single") return Strategy::kSingle;
  if (secret.rotation_strategy == "alternating") {
    if (!master_known) {
      return FailedPreconditionError(
          "alternating rotation needs a master secret: the secret has no \"masterarn\" and no --master-secret "
          "was given");
    }
    return Strategy::kAlternating;
  }
  return master_known ? Strategy::kAlternating : Strategy::kSingle;
}

Status RunRotationStep(const std::string& step, const std::string& secret_id, const std::string& token,
                       const SecretStore& store, const RotatorOptions& options) {
  StepRun run(secret_id, token, store, options);
  Status status;
  if (step == "createSecret") {
    status = run.CreateSecret();
  } else if (step == "setSecret") {
    status = run.SetSecret();
  } else if (step == "testSecret") {
    status = run.TestSecret();
  } else if (step == "finishSecret") {
    status = Status::Ok();  // Cairn moves the labels (RotationSucceeded)
  } else {
    return InvalidArgumentError("unknown rotation step \"" + step + "\"");
  }
  return run.Scrubbed(status).WithContext(step);
}

}  // namespace cairn::tools::rotate_postgres
