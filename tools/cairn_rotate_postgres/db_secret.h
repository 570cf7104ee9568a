// The secret value a PostgreSQL rotator expects: the JSON of AWS's RDS
// templates,
//   {"engine":"postgres","host":"db.example","port":5432,"username":"app",
//    "password":"...","dbname":"shop","masterarn":"prod/pg/master",
//    "rotation_strategy":"single"|"alternating"}
// with port (default 5432), dbname (default "postgres"), masterarn and
// rotation_strategy optional; any other member is kept as it is.
// ParseDbSecret refuses anything else with a reason that names the member,
// never a value (not even a JSON parser's excerpt of the text).
#ifndef CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_DB_SECRET_H_
#define CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_DB_SECRET_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"
#include "tools/cairn_rotate_postgres/pg.h"

namespace cairn::tools::rotate_postgres {

inline constexpr size_t kMaxRoleNameBytes = 63;  // PostgreSQL's NAMEDATALEN - 1

struct DbSecret {
  std::string host;
  int port = 5432;
  std::string username;
  crypto::SecureBuffer password;
  std::string dbname = "postgres";
  std::string masterarn;          // "" if none
  std::string rotation_strategy;  // "", "single" or "alternating"
  // The members as given, in their order, with "password" emptied: what
  // SerializeDbSecret writes back around the typed fields above.
  nlohmann::ordered_json doc;

  DbSecret Clone() const;
  pg::ConnectParams ConnectParams(int connect_timeout_s) const;
};

// FailedPrecondition "the secret value is not ..." / "member <m> ...".
Result<DbSecret> ParseDbSecret(std::string_view json_text);

// The JSON of `secret`: its doc with username and password set from the
// typed fields (the members a rotation changes), in a wiped buffer.
crypto::SecureBuffer SerializeDbSecret(const DbSecret& secret);

// The alternating strategy's other user: "<user>_clone", or "<user>" for
// "<user>_clone". InvalidArgument if it would exceed 63 bytes.
Result<std::string> AlternateUsername(const std::string& username);

}  // namespace cairn::tools::rotate_postgres

#endif  // CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_DB_SECRET_H_
