// A thin RAII wrapper over libpq for the PostgreSQL rotator: one connection,
// opened with a timeout, closed on destruction; statements with $n
// parameters; identifiers and literals quoted by libpq for the statements
// that take none (CREATE/ALTER ROLE).
//
// Secrets never reach an error message: a connection is opened from
// keyword/value arrays (no conninfo string is ever built, so none can be
// echoed), a failed connection is reported as "could not connect to
// <host>:<port> as <user>: <the first line of libpq's message>", and a
// statement that carries a secret passes it in `redact`, whose occurrences
// are cut from the server's error text. Passwords are sent to the server
// only as SCRAM verifiers computed here (EncryptPassword), so the plaintext
// never appears in a statement or a server log.
//
// A Connection is used by one thread at a time.
#ifndef CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_PG_H_
#define CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_PG_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secure_buffer.h"
#include "crypto/status.h"

struct pg_conn;  // libpq's PGconn

namespace cairn::tools::pg {

struct ConnectParams {
  std::string host;  // a host name, an address, or a Unix socket directory ("/...")
  int port = 5432;
  std::string user;
  std::string dbname = "postgres";
  int connect_timeout_s = 5;
};

// The rows of a result, every value as text ("" for NULL).
using Rows = std::vector<std::vector<std::string>>;

class Connection {
 public:
  // Unavailable "could not connect to <host>:<port> as <user>: <reason>" if
  // the server refuses or cannot be reached within the timeout. `password`
  // is only borrowed for the call.
  static Result<std::unique_ptr<Connection>> Open(const ConnectParams& params,
                                                  const crypto::SecureBuffer& password);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (with $1.. bound to `params`, passed as text) and returns its
  // rows. Internal "<SQLSTATE>: <server message>" on failure, with every
  // non-empty string of `redact` replaced by "[redacted]".
  Result<Rows> Query(std::string_view sql, const std::vector<std::string>& params = {},
                     const std::vector<std::string_view>& redact = {});
  Status Exec(std::string_view sql, const std::vector<std::string_view>& redact = {});

  // "name" with embedded quotes doubled (PQescapeIdentifier).
  Result<std::string> QuoteIdentifier(std::string_view name);
  // 'value' quoted for this connection (PQescapeLiteral), in a wiped buffer.
  Result<crypto::SecureBuffer> QuoteLiteral(std::string_view value);
  // The verifier ALTER ROLE ... PASSWORD should store for (user, password),
  // in the server's password_encryption (PQencryptPasswordConn).
  Result<crypto::SecureBuffer> EncryptPassword(std::string_view user, const crypto::SecureBuffer& password);

  const ConnectParams& params() const { return params_; }

 private:
  Connection(pg_conn* conn, ConnectParams params) : conn_(conn), params_(std::move(params)) {}
  // The connection's last error, first line only.
  std::string LastError() const;

  pg_conn* conn_;
  ConnectParams params_;
};

// `text` with every non-empty string of `secrets` replaced by "[redacted]".
std::string Redact(std::string text, const std::vector<std::string_view>& secrets);

}  // namespace cairn::tools::pg

#endif  // CAIRN_TOOLS_CAIRN_ROTATE_POSTGRES_PG_H_
