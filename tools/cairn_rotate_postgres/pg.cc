#include "tools/cairn_rotate_postgres/pg.h"

#include <libpq-fe.h>

#include <cstring>
#include <utility>

namespace cairn::tools::pg {
namespace {

std::string FirstLine(const char* text) {
  std::string s = text == nullptr ? "" : text;
  s = s.substr(0, s.find('\n'));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s.empty() ? "unknown error" : s;
}

// A copy of `bytes` with a terminating NUL, for libpq's C strings.
crypto::SecureBuffer CString(std::string_view bytes) {
  crypto::SecureBuffer out(bytes.size() + 1);
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

const char* AsCString(const crypto::SecureBuffer& b) { return reinterpret_cast<const char*>(b.data()); }

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

std::string Redact(std::string text, const std::vector<std::string_view>& secrets) {
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "[redacted]");
    }
  }
  return text;
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectParams& params,
                                                     const crypto::SecureBuffer& password) {
  const std::string port = std::to_string(params.port);
  const std::string timeout = std::to_string(params.connect_timeout_s);
  crypto::SecureBuffer pass = CString(password.as_string_view());
  // No conninfo string: nothing that holds the password can be echoed back.
  const char* keywords[] = {"host", "port", "user", "password", "dbname", "connect_timeout",
                            "application_name", nullptr};
  const char* values[] = {params.host.c_str(), port.c_str(), params.user.c_str(), AsCString(pass),
                          params.dbname.c_str(), timeout.c_str(), "cairn-rotate-postgres", nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/0);
  if (conn == nullptr) return InternalError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string reason = Redact(FirstLine(PQerrorMessage(conn)), {password.as_string_view()});
    PQfinish(conn);
    return UnavailableError("could not connect to " + params.host + ":" + port + " as " + params.user +
                            ": " + reason);
  }
  return std::unique_ptr<Connection>(new Connection(conn, params));
}

Connection::~Connection() { PQfinish(conn_); }

std::string Connection::LastError() const { return FirstLine(PQerrorMessage(conn_)); }

Result<Rows> Connection::Query(std::string_view sql, const std::vector<std::string>& params,
                               const std::vector<std::string_view>& redact) {
  const std::string statement(sql);
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  ResultPtr res(PQexecParams(conn_, statement.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0));
  if (res == nullptr) return InternalError(Redact(LastError(), redact));
  const ExecStatusType status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
    const char* message = PQresultErrorField(res.get(), PG_DIAG_MESSAGE_PRIMARY);
    const std::string text = message != nullptr ? FirstLine(message) : LastError();
    return InternalError(Redact(std::string(state != nullptr ? state : "?????") + ": " + text, redact));
  }
  Rows rows;
  for (int r = 0; r < PQntuples(res.get()); ++r) {
    std::vector<std::string>& row = rows.emplace_back();
    for (int c = 0; c < PQnfields(res.get()); ++c) row.emplace_back(PQgetvalue(res.get(), r, c));
  }
  return rows;
}

Status Connection::Exec(std::string_view sql, const std::vector<std::string_view>& redact) {
  Result<Rows> rows = Query(sql, {}, redact);
  return rows.ok() ? Status::Ok() : rows.status();
}

Result<std::string> Connection::QuoteIdentifier(std::string_view name) {
  char* quoted = PQescapeIdentifier(conn_, name.data(), name.size());
  if (quoted == nullptr) return InvalidArgumentError("cannot quote identifier: " + LastError());
  std::string out = quoted;
  PQfreemem(quoted);
  return out;
}

Result<crypto::SecureBuffer> Connection::QuoteLiteral(std::string_view value) {
  char* quoted = PQescapeLiteral(conn_, value.data(), value.size());
  if (quoted == nullptr) return InvalidArgumentError("cannot quote a literal: " + LastError());
  crypto::SecureBuffer out = crypto::SecureBuffer::FromString(quoted);
  crypto::SecureWipe(quoted, std::strlen(quoted));
  PQfreemem(quoted);
  return out;
}

Result<crypto::SecureBuffer> Connection::EncryptPassword(std::string_view user,
                                                         const crypto::SecureBuffer& password) {
  const crypto::SecureBuffer pass = CString(password.as_string_view());
  const std::string name(user);
  char* verifier = PQencryptPasswordConn(conn_, AsCString(pass), name.c_str(), nullptr);
  if (verifier == nullptr) return InternalError("cannot encrypt the password: " + LastError());
  crypto::SecureBuffer out = crypto::SecureBuffer::FromString(verifier);
  crypto::SecureWipe(verifier, std::strlen(verifier));
  PQfreemem(verifier);
  return out;
}

}  // namespace cairn::tools::pg
