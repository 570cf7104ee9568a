// The four rotation steps for PostgreSQL, AWS's two strategies
// (SecretsManagerRDSPostgreSQLRotationSingleUser / ...MultiUser):
//
//   single       one role; setSecret changes its password (ALTER ROLE), so
//                the old password stops working at once.
//   alternating  two roles, <user> and <user>_clone, used in turn; setSecret
//                logs in with the master secret, creates the clone the first
//                time (LOGIN, member of <user>, so it has <user>'s rights)
//                and sets the pending role's password, so the current
//                credentials keep working until the next rotation.
//
// The strategy is the secret's "rotation_strategy"; absent, "alternating" if
// a master secret is known (the secret's "masterarn", else
// RotatorOptions::master_secret) and "single" otherwise.
//
// Steps (each idempotent: it may run again after a crash):
//   createSecret  nothing if the pending version (token, AWSPENDING) has a
//                 value; else AWSCURRENT's JSON with a GetRandomPassword
//                 password (and, alternating, the other username), put with
//                 ClientRequestToken = token and VersionStages [AWSPENDING].
//   setSecret     nothing if the pending credentials log in; single: log in
//                 with AWSCURRENT (else AWSPREVIOUS) and ALTER ROLE ...
//                 PASSWORD; alternating: check AWSCURRENT logs in, then as
//                 the master CREATE ROLE / ALTER ROLE in one transaction.
//   testSecret    log in with the pending credentials and SELECT NOW().
//   finishSecret  nothing against the database: Cairn's RotationSucceeded
//                 moves AWSCURRENT/AWSPREVIOUS.
// Passwords reach PostgreSQL only as SCRAM verifiers (pg.h).
//
// A failed step returns "<step>: <reason>": which secret or login failed and
// libpq's first line of explanation, never a password (every password the
// step read is cut from the text as a last guard). A value that is not the
// JSON the rotator expects fails the step before anything is changed.
#ifndef CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_STRATEGY_H_
#define CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_STRATEGY_H_

#include <cstdint>
#include <string>

#include "crypto/status.h"
#include "tools/cairn_rotate_postgres/db_secret.h"
#include "tools/cairn_rotate_postgres/secret_store.h"

namespace cairn::tools::rotate_postgres {

enum class Strategy { kSingle, kAlternating };

struct RotatorOptions {
  std::string master_secret;  // SecretId of the master secret for secrets without "masterarn"
  int64_t password_length = 32;
  std::string exclude_characters = "/@\"'\\";
  int connect_timeout_s = 5;
};

// The strategy for `secret` (see above). FailedPrecondition for
// "alternating" with no master secret known.
Result<Strategy> StrategyFor(const DbSecret& secret, const RotatorOptions& options);

// Runs `step` of the rotation `token` of `secret_id`. InvalidArgument for an
// unknown step.
Status RunRotationStep(const std::string& step, const std::string& secret_id, const std::string& token,
                       const SecretStore& store, const RotatorOptions& options);

}  // namespace cairn::tools::rotate_postgres

#endif  // CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_STRATEGY_H_
