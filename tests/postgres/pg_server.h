// Test helper: a real PostgreSQL server of its own — a fresh cluster made by
// initdb in a directory under /tmp, started with pg_ctl on a free loopback
// port (its Unix socket in that directory too), password authentication
// (scram-sha-256) everywhere, the superuser "postgres" with a known password
// as the master. Stopped and deleted on destruction.
//
// The server runs as an unprivileged user: as root, the directory is given
// to the `postgres` system user (Debian's postgresql package makes it) and
// the binaries run through `runuser -u postgres --`; otherwise as ourselves.
// The binaries are the newest /usr/lib/postgresql/<major>/bin, or
// $CAIRN_PG_BINDIR. Without them Start() fails and says what to install: a
// test that needs PostgreSQL fails, it is never skipped.
//
// Checks go through libpq directly (not the rotator's wrapper), so they are
// an independent witness of who can log in.
#ifndef CAIRN_TESTS_POSTGRES_PG_SERVER_H_
#define CAIRN_TESTS_POSTGRES_PG_SERVER_H_

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "tests/testing/daemon_process.h"
#include "tests/testing/subprocess.h"

namespace cairn::testing {

class PgServer {
 public:
  static constexpr char kMasterUser[] = "postgres";
  static constexpr char kMasterPassword[] = "master-Pw-5b1c7e0d9a";

  PgServer() : port_(FreePort()) { RemoveStaleClusters(); }
  ~PgServer() {
    Stop("immediate");
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // Makes the cluster on the first call, then starts the server and waits
  // until it accepts connections. False with error() on failure.
  bool Start() {
    if (dir_.empty() && !Init()) return false;
    RunResult r = RunPg({bin("pg_ctl"), "-D", data_dir(), "-l", dir_ + "/server.log", "-w", "-t", "60", "start"});
    if (r.exit_code != 0) return Fail("pg_ctl start failed: " + r.out + r.err + ReadFile(dir_ + "/server.log"));
    running_ = true;
    return true;
  }

  // Stops the server (mode "fast" or "immediate"). True if it was stopped.
  bool Stop(const std::string& mode = "fast") {
    if (!running_) return true;
    RunResult r = RunPg({bin("pg_ctl"), "-D", data_dir(), "-m", mode, "-w", "-t", "60", "stop"});
    if (r.exit_code != 0) KillPostmaster();
    running_ = false;
    return true;
  }

  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  std::string log() const { return ReadFile(dir_ + "/server.log"); }

  // Whether `user` logs in with `password` over TCP.
  bool CanLogIn(const std::string& user, const std::string& password, std::string* why = nullptr) const {
    PGconn* conn = Connect(user, password);
    const bool ok = PQstatus(conn) == CONNECTION_OK;
    if (!ok && why != nullptr) *why = PQerrorMessage(conn);
    PQfinish(conn);
    return ok;
  }

  // Runs `sql` as the master. "" on success, else the server's message.
  std::string ExecAsMaster(const std::string& sql) const { return ExecAs(kMasterUser, kMasterPassword, sql); }

  // Runs `sql` as `user`. "" on success, else the server's message.
  std::string ExecAs(const std::string& user, const std::string& password, const std::string& sql) const {
    PGconn* conn = Connect(user, password);
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
      error = PQerrorMessage(conn);
    } else {
      PGresult* res = PQexec(conn, sql.c_str());
      const ExecStatusType status = PQresultStatus(res);
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQerrorMessage(conn);
      PQclear(res);
    }
    PQfinish(conn);
    return error;
  }

  // The first column of the first row of `sql` as the master ("" if none).
  std::string QueryAsMaster(const std::string& sql) const {
    PGconn* conn = Connect(kMasterUser, kMasterPassword);
    std::string value;
    if (PQstatus(conn) == CONNECTION_OK) {
      PGresult* res = PQexec(conn, sql.c_str());
      if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) value = PQgetvalue(res, 0, 0);
      PQclear(res);
    }
    PQfinish(conn);
    return value;
  }

  // AWS's RDS secret JSON for `user` on this server.
  std::string SecretJson(const std::string& user, const std::string& password, const std::string& extra = "") const {
    return R"({"engine":"postgres","host":")" + host() + R"(","port":)" + std::to_string(port_) +
           R"(,"username":")" + user + R"(","password":")" + password + R"(","dbname":"postgres")" + extra + "}";
  }

  // A new connection as `user` over TCP; the caller PQfinish()es it.
  PGconn* Connect(const std::string& user, const std::string& password) const {
    const std::string port = std::to_string(port_);
    const char* keywords[] = {"host", "port", "user", "password", "dbname", "connect_timeout", nullptr};
    const char* values[] = {"127.0.0.1", port.c_str(), user.c_str(), password.c_str(), "postgres", "5", nullptr};
    return PQconnectdbParams(keywords, values, 0);
  }

 private:
  std::string data_dir() const { return dir_ + "/data"; }
  std::string bin(const std::string& name) const { return bindir_ + "/" + name; }
  bool Fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  static bool AsRoot() { return ::geteuid() == 0; }

  // The newest /usr/lib/postgresql/<major>/bin with initdb and pg_ctl.
  static std::string FindBinDir() {
    if (const char* dir = std::getenv("CAIRN_PG_BINDIR"); dir != nullptr && *dir != '\0') return dir;
    std::string best;
    int best_major = -1;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::string bindir = entry.path().string() + "/bin";
      if (!std::filesystem::exists(bindir + "/initdb") || !std::filesystem::exists(bindir + "/pg_ctl")) continue;
      if (std::stoi(name) > best_major) {
        best_major = std::stoi(name);
        best = bindir;
      }
    }
    return best;
  }

  // Runs a server binary as the unprivileged user; what it prints goes to
  // <dir>/tool.log (not a pipe: the postmaster pg_ctl leaves behind would
  // hold a pipe open) and comes back in `out`. Only fds 0-2 are inherited.
  RunResult RunPg(std::vector<std::string> argv) const {
    if (AsRoot()) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    const std::string log_path = dir_ + "/tool.log";
    std::vector<std::string> env_strings = ChildEnvironment({{"LC_ALL", "C"}, {"PGPASSWORD", ""}, {"PGDATA", ""}});
    std::vector<char*> args = CStrings(argv);
    std::vector<char*> envp = CStrings(env_strings);
    const pid_t pid = ::fork();
    if (pid == 0) {  // async-signal-safe calls only (see subprocess.h)
      const int devnull = ::open("/dev/null", O_RDONLY);
      const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(devnull, 0);
      ::dup2(log, 1);
      ::dup2(log, 2);
      ::close_range(3, ~0U, 0);
      ::setsid();
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = ReadFile(log_path);
    return r;
  }

  bool Init() {
    bindir_ = FindBinDir();
    if (bindir_.empty()) {
      return Fail("PostgreSQL server binaries not found (no /usr/lib/postgresql/<major>/bin/initdb): "
                  "install Debian's postgresql package (bash tools/deps.sh) or set CAIRN_PG_BINDIR");
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "cairn-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return Fail("mkdtemp failed");
    dir_ = pattern;
    {
      std::ofstream pw(dir_ + "/pwfile");
      pw << kMasterPassword << "\n";
    }
    std::filesystem::create_directory(dir_ + "/sock");
    if (AsRoot()) {
      const passwd* pg = ::getpwnam("postgres");
      if (pg == nullptr) return Fail("running as root and there is no `postgres` user to run the server as");
      for (const std::string& path : {dir_, dir_ + "/pwfile", dir_ + "/sock"}) {
        if (::chown(path.c_str(), pg->pw_uid, pg->pw_gid) != 0) return Fail("chown " + path + " failed");
      }
    }
    RunResult r = RunPg({bin("initdb"), "-D", data_dir(), "-U", kMasterUser, "--pwfile=" + dir_ + "/pwfile",
                         "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"});
    if (r.exit_code != 0) return Fail("initdb failed: " + r.out + r.err);
    std::ofstream conf(data_dir() + "/postgresql.conf", std::ios::app);
    conf << "listen_addresses = '127.0.0.1'\n"
         << "port = " << port_ << "\n"
         << "unix_socket_directories = '" << dir_ << "/sock'\n"
         << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
         << "max_connections = 40\nshared_buffers = 16MB\n";
    return conf.good() ? true : Fail("cannot append to postgresql.conf");
  }

  // pg_ctl could not stop it: SIGKILL the postmaster named in postmaster.pid.
  void KillPostmaster() const {
    std::ifstream in(data_dir() + "/postmaster.pid");
    long pid = 0;
    if (in >> pid && pid > 1) ::kill(static_cast<pid_t>(pid), SIGKILL);
  }

  // Clusters left by killed test runs: a directory more than an hour old
  // whose postmaster is not running is removed (a running one belongs to
  // someone and is left alone).
  static void RemoveStaleClusters() {
    std::error_code ec;
    const auto now = std::filesystem::file_time_type::clock::now();
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ec)) {
      if (entry.path().filename().string().rfind("cairn-pg-", 0) != 0) continue;
      const auto age = now - std::filesystem::last_write_time(entry.path(), ec);
      if (ec || age < std::chrono::hours(1)) continue;
      std::ifstream in(entry.path() / "data" / "postmaster.pid");
      long pid = 0;
      if (in >> pid && pid > 1 && ::kill(static_cast<pid_t>(pid), 0) == 0) continue;
      std::filesystem::remove_all(entry.path(), ec);
    }
  }

  int port_;
  std::string dir_;
  std::string bindir_;
  std::string error_;
  bool running_ = false;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_POSTGRES_PG_SERVER_H_
