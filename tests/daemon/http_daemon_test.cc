// cairnd's HTTP gateway end to end: real `cairnd --dev --http-endpoint`
// processes, read over HTTP/1.1 keep-alive (cpp-httplib's client, each call
// signed with the gateway's own SigV4 signer and the dev admin's access key
// from <data dir>/dev-aws-credentials), SIGTERMed or SIGKILLed mid-loop and
// restarted. The HTTP calls go through the daemon's sequencer and finishers
// (Daemon::Impl::EnqueueHttp), so the invariant is the ZeroMQ one: a 200
// answer means its SecretValueRead event is durable. The ledger is read back
// with `cairn-audit export`; an answer is matched to its event by the
// x-amzn-RequestId it carried (the event's requestID). Secret values are
// compared, never printed.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <future>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "crypto/secure_buffer.h"
#include "gateway/sigv4.h"
#include "tests/daemon/daemon_fixture.h"
#include "tools/common/dev_credentials.h"

namespace cairn::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kSecretName[] = "http/db";
constexpr char kHttpAgent[] = "http-daemon-test/1";  // the HTTP clients' User-Agent
constexpr char kZmqAgent[] = "daemon-test/1";        // RunningDaemon::Connect's
constexpr char kJsonType[] = "application/x-amz-json-1.1";

// 40 bytes; compared, never printed.
std::string SecretValue() { return "http-daemon-test value 0123456789abcdef!"; }

using AwsCredentials = tools::DevAwsCredentials;

// The [default] profile `cairnd --dev` writes to <data dir>/dev-aws-credentials.
AwsCredentials ReadCredentials(const std::string& data_dir) {
  auto c = tools::ReadDevAwsCredentials(data_dir);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  return std::move(c).value();
}

// What one client thread saw. A "transport error" is a call without an HTTP
// answer (the daemon gone or going): no answer, no claim.
struct Tally {
  std::vector<std::string> ok_request_ids;  // x-amzn-RequestId of each 200 with the right value
  uint64_t wrong_value = 0;                 // a 200 whose SecretString was not the secret's
  uint64_t unavailable = 0;  // 503 ServiceUnavailable: the gateway is draining (Stop)
  uint64_t non_200 = 0;      // any other status
  int first_non_200 = 0;
  uint64_t transport_errors = 0;
  uint64_t read_errors = 0;  // of which: sent, but no whole answer came back
};

// An HTTP keep-alive client of the gateway reading kSecretName, each call
// signed afresh (X-Amz-Date is now).
class HttpReader {
 public:
  HttpReader(const std::string& host, const AwsCredentials& credentials)
      : host_(host), credentials_(credentials), client_("http://" + host) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);  // the body is a second write: Nagle would hold it for the delayed ACK
    client_.set_connection_timeout(1, 0);
    client_.set_read_timeout(10, 0);
    client_.set_write_timeout(5, 0);
  }

  // One signed GetSecretValue; true for a 200 with the secret's value.
  bool ReadOnce(Tally& tally) {
    const std::string body = std::string(R"({"SecretId":")") + kSecretName + "\"}";
    const std::string amz_date = AmzDateNow();
    const std::vector<std::pair<std::string, std::string>> signed_headers = {
        {"Content-Type", kJsonType}, {"Host", host_}, {"X-Amz-Date", amz_date},
        {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
    const gateway::HttpRequestView view{"POST", "/", "", signed_headers, body};
    const gateway::CredentialScope scope{credentials_.access_key_id, amz_date.substr(0, 8), credentials_.region,
                                         "secretsmanager"};
    const std::string authorization =
        gateway::SignRequest(view, {"content-type", "host", "x-amz-date", "x-amz-target"}, scope, amz_date,
                             crypto::AsBytes(credentials_.secret_access_key));
    httplib::Headers headers = {{"Host", host_},
                                {"X-Amz-Date", amz_date},
                                {"X-Amz-Target", "secretsmanager.GetSecretValue"},
                                {"User-Agent", kHttpAgent},
                                {"Authorization", authorization}};
    httplib::Result result = client_.Post("/", headers, body, kJsonType);
    if (!result) {
      ++tally.transport_errors;
      tally.read_errors += result.error() == httplib::Error::Read;
      // Refused at once while the daemon is down: 16 clients spinning on connect()
      // starve a draining cairnd of CPU on a loaded 2-core machine (exits took 6 s).
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return false;
    }
    if (result->status == 503 && result->body.find("ServiceUnavailable") != std::string::npos) {
      ++tally.unavailable;  // draining: the call was not carried out
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return false;
    }
    if (result->status != 200) {
      if (tally.non_200++ == 0) tally.first_non_200 = result->status;
      return false;
    }
    const nlohmann::json answer = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
    const bool right = answer.is_object() && answer.contains("SecretString") && answer["SecretString"].is_string() &&
                       answer["SecretString"].get<std::string>() == SecretValue();
    if (!right) {
      ++tally.wrong_value;
      return false;
    }
    tally.ok_request_ids.push_back(result->get_header_value("x-amzn-RequestId"));
    return true;
  }

 private:
  static std::string AmzDateNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
  }

  std::string host_;
  const AwsCredentials& credentials_;
  httplib::Client client_;
};

// `threads` HTTP readers in a closed loop until stop(); tallies merged at stop().
class HttpLoad {
 public:
  HttpLoad(const std::string& host, const AwsCredentials& credentials, int threads) : tallies_(threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, host, &credentials, t] {
        HttpReader reader(host, credentials);
        while (!stop_) {
          if (reader.ReadOnce(tallies_[t])) ++answered_;
        }
      });
    }
  }
  ~HttpLoad() { Stop(); }

  // Waits (up to 10 s) until `n` 200s have come back.
  bool WaitForAnswers(uint64_t n) const {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (answered_ < n && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return answered_ >= n;
  }
  // Stops and joins the threads; the merged tally.
  Tally Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
    Tally all;
    for (Tally& t : tallies_) {
      all.ok_request_ids.insert(all.ok_request_ids.end(), t.ok_request_ids.begin(), t.ok_request_ids.end());
      all.wrong_value += t.wrong_value;
      if (all.non_200 == 0) all.first_non_200 = t.first_non_200;
      all.non_200 += t.non_200;
      all.unavailable += t.unavailable;
      all.transport_errors += t.transport_errors;
      all.read_errors += t.read_errors;
    }
    return all;
  }

 private:
  std::vector<Tally> tallies_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> answered_{0};
};

// The SecretValueRead events of the ledger, by who made them.
struct ReadEvents {
  std::multiset<std::string> http_request_ids;  // signed with the HTTP key, from the HTTP clients
  uint64_t zmq = 0;                             // from RunningDaemon::Connect's clients
};

ReadEvents CountReads(const std::vector<nlohmann::json>& events, const std::string& http_key) {
  ReadEvents out;
  for (const nlohmann::json& e : events) {
    if (e.value("cairnEventType", "") != "SecretValueRead") continue;
    const nlohmann::json& who = e["userIdentity"];
    const bool http_key_used = who.is_object() && who.value("accessKeyId", "") == http_key;
    if (http_key_used && e.value("userAgent", "") == kHttpAgent) {
      out.http_request_ids.insert(e.value("requestID", ""));
    } else if (!http_key_used && e.value("userAgent", "") == kZmqAgent) {
      ++out.zmq;
    }
  }
  return out;
}

// How many 200s have no SecretValueRead event with their request id.
uint64_t AnswersWithoutEvent(const Tally& tally, const ReadEvents& events) {
  uint64_t missing = 0;
  for (const std::string& id : tally.ok_request_ids) missing += id.empty() || events.http_request_ids.count(id) == 0;
  return missing;
}

// The pid of our child running cairnd on `data_dir` (from /proc), or -1.
pid_t ChildCairnd(const std::string& data_dir) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return -1;
  pid_t found = -1;
  while (dirent* entry = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string state;
    pid_t ppid = 0;
    fields >> state >> ppid;
    if (ppid == ::getpid() && cmdline.find(" --data-dir " + data_dir + " ") != std::string::npos) {
      found = pid;
      break;
    }
  }
  ::closedir(proc);
  return found;
}

struct Stopped {
  int exit_code;
  double seconds;
};

// SIGTERM and wait; one that has not exited after `patience` is SIGKILLed
// (exit code 137) so a hang fails the test instead of stalling it.
Stopped TerminateWithin(DaemonProcess& daemon, std::chrono::seconds patience) {
  const pid_t pid = ChildCairnd(daemon.data_dir());
  const auto started = Clock::now();
  std::future<int> code = std::async(std::launch::async, [&daemon] { return daemon.Terminate(); });
  if (code.wait_for(patience) == std::future_status::timeout && pid > 0) ::kill(pid, SIGKILL);
  const int exit_code = code.get();
  return {exit_code, std::chrono::duration<double>(Clock::now() - started).count()};
}

// A `cairnd --dev` with its HTTP gateway on a free loopback port, and the
// secret the readers read.
struct HttpDaemon {
  std::string host = "127.0.0.1:" + std::to_string(FreePort());
  RunningDaemon d{std::vector<std::string>{"--http-endpoint", host}};
  AwsCredentials credentials = ReadCredentials(d.daemon.data_dir());

  HttpDaemon() {
    auto admin = d.Connect();
    auto created = admin->Execute(WithString(MakeRequest("CreateSecret", {{"Name", kSecretName}}), SecretValue()));
    REQUIRE(created.ok());
    INFO((created->ok() ? "" : created->error->code + ": " + created->error->message));
    REQUIRE(created->ok());
  }
};

// What the HTTP tally and the ledger's events say, for INFO.
std::string Describe(const Tally& tally, const ReadEvents& events) {
  std::ostringstream out;
  out << "200s " << tally.ok_request_ids.size() << ", HTTP SecretValueRead events " << events.http_request_ids.size()
      << ", 200s without their event " << AnswersWithoutEvent(tally, events) << ", wrong values "
      << tally.wrong_value << ", 503 while draining " << tally.unavailable << ", other non-200 " << tally.non_200 << " (first " << tally.first_non_200
      << "), transport errors " << tally.transport_errors << " (read errors " << tally.read_errors << ")";
  return out.str();
}

void CheckVerifies(const DaemonProcess& daemon) {
  RunResult verify = Run({ToolPath("cairn-audit"), "verify", "--data-dir", daemon.data_dir()});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
}

constexpr int kReaders = 16;

// 16 readers, SIGTERM once 200 answers came back, then a restart on the same
// data directory (the ledger must verify at its head to start).
struct TerminatedRun {
  Tally tally;
  Stopped stopped{};
  ReadEvents events;
};

TerminatedRun TerminateMidLoop(HttpDaemon& h) {
  TerminatedRun run;
  {
    HttpLoad load(h.host, h.credentials, kReaders);
    REQUIRE(load.WaitForAnswers(200));
    run.stopped = TerminateWithin(h.d.daemon, std::chrono::seconds(15));
    run.tally = load.Stop();
  }
  {
    const bool restarted = h.d.daemon.Start();  // on the same data directory
    INFO(h.d.daemon.log());
    REQUIRE(restarted);
  }
  run.events = CountReads(h.d.Export(), h.credentials.access_key_id);
  return run;
}

TEST_CASE("SIGTERM while 16 HTTP keep-alive clients read exits 0 promptly and answers every read it recorded",
          "[daemon][http]") {
  HttpDaemon h;
  const TerminatedRun run = TerminateMidLoop(h);
  const Tally& tally = run.tally;
  const ReadEvents& events = run.events;
  INFO("cairnd exit " << run.stopped.exit_code << " after " << run.stopped.seconds << " s");
  INFO(Describe(tally, events));
  CHECK(run.stopped.exit_code == 0);
  CHECK(run.stopped.seconds < 5.0);
  CHECK(ReadFile(h.d.daemon.data_dir() + ".log.1").find("\"msg\":\"stopped\"") != std::string::npos);
  CHECK(tally.ok_request_ids.size() >= 200);
  CHECK(tally.wrong_value == 0);
  CHECK(tally.non_200 == 0);
  CHECK(AnswersWithoutEvent(tally, events) == 0);
  // The calls in flight at SIGTERM are answered in full, as over ZeroMQ: no
  // event without its 200 (httplib's stop() used to cut the streamed answers
  // short, one per client, after their events were durable).
  CHECK(events.http_request_ids.size() == tally.ok_request_ids.size());
  CHECK(h.d.daemon.Terminate() == 0);
  CheckVerifies(h.d.daemon);
}

TEST_CASE("SIGKILL while 16 HTTP keep-alive clients read loses no answered read and the ledger verifies",
          "[daemon][http]") {
  HttpDaemon h;
  Tally tally;
  {
    HttpLoad load(h.host, h.credentials, kReaders);
    REQUIRE(load.WaitForAnswers(200));
    CHECK(h.d.daemon.Kill() == 128 + SIGKILL);
    tally = load.Stop();
  }
  {
    const bool restarted = h.d.daemon.Start();
    INFO(h.d.daemon.log());
    REQUIRE(restarted);
  }
  const ReadEvents events = CountReads(h.d.Export(), h.credentials.access_key_id);
  INFO(Describe(tally, events));
  CHECK(tally.ok_request_ids.size() >= 200);
  CHECK(tally.wrong_value == 0);
  CHECK(tally.non_200 == 0);
  CHECK(AnswersWithoutEvent(tally, events) == 0);
  // Durable but unanswered when the daemon died: at most the calls in flight, one per client.
  CHECK(events.http_request_ids.size() >= tally.ok_request_ids.size());
  CHECK(events.http_request_ids.size() <= tally.ok_request_ids.size() + kReaders);
  CHECK(h.d.daemon.Terminate() == 0);
  CheckVerifies(h.d.daemon);
}

TEST_CASE("HTTP and ZeroMQ reads at once all succeed and each transport's events match its successes",
          "[daemon][http]") {
  HttpDaemon h;
  constexpr int kPerTransport = 8;
  std::vector<std::unique_ptr<tools::Remote>> remotes;
  for (int c = 0; c < kPerTransport; ++c) remotes.push_back(h.d.Connect());
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> zmq_ok{0}, zmq_failed{0};
  std::mutex mu;
  std::vector<uint64_t> zmq_seqs;
  std::vector<std::thread> zmq_clients;
  Tally tally;
  {
    HttpLoad load(h.host, h.credentials, kPerTransport);
    for (auto& remote : remotes) {
      zmq_clients.emplace_back([&, r = remote.get()] {
        while (!stop) {
          auto got = r->Execute(MakeRequest("GetSecretValue", {{"SecretId", kSecretName}}));
          const bool right = got.ok() && got->ok() && got->values.size() == 1 &&
                             got->values[0].value.bytes.as_string_view() == SecretValue();
          if (!right) {
            ++zmq_failed;
            continue;
          }
          ++zmq_ok;
          std::lock_guard<std::mutex> lock(mu);
          zmq_seqs.push_back(got->seq);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    stop = true;
    for (auto& t : zmq_clients) t.join();
    tally = load.Stop();
  }
  const std::vector<nlohmann::json> ledger = h.d.Export();
  const ReadEvents events = CountReads(ledger, h.credentials.access_key_id);
  INFO(Describe(tally, events));
  INFO("ZeroMQ: successes " << zmq_ok << ", failures " << zmq_failed << ", SecretValueRead events " << events.zmq);
  CHECK(tally.ok_request_ids.size() > 0);
  CHECK(zmq_ok > 0);
  CHECK(tally.wrong_value + tally.non_200 + tally.transport_errors == 0);
  CHECK(zmq_failed == 0);
  CHECK(AnswersWithoutEvent(tally, events) == 0);
  CHECK(events.http_request_ids.size() == tally.ok_request_ids.size());
  CHECK(events.zmq == zmq_ok);
  uint64_t zmq_seq_not_a_zmq_read = 0;  // each ZeroMQ answer's seq holds a ZeroMQ client's read
  for (uint64_t seq : zmq_seqs) {
    zmq_seq_not_a_zmq_read += seq >= ledger.size() || ledger[seq].value("cairnEventType", "") != "SecretValueRead" ||
                              ledger[seq].value("userAgent", "") != kZmqAgent;
  }
  CHECK(zmq_seq_not_a_zmq_read == 0);
  CHECK(h.d.daemon.Terminate() == 0);
  CheckVerifies(h.d.daemon);
}

}  // namespace
}  // namespace cairn::testing
