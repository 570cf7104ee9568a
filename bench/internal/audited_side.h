// The audited read both api_bench.cc and http_bench.cc measure over ZeroMQ:
// one secret (bench/api-bench-db) and C closed-loop clients, each with its own
// tools::Remote (own CURVE connection), calling GetSecretValue on a cairnd.
// Every call appends a SecretValueRead event durably before the value leaves.
#ifndef CAIRN_BENCH_INTERNAL_AUDITED_SIDE_H_
#define CAIRN_BENCH_INTERNAL_AUDITED_SIDE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crypto/random.h"
#include "service/api.h"
#include "tools/common/profile.h"
#include "tools/common/remote.h"

namespace cairn::bench {

inline constexpr char kSecretName[] = "bench/api-bench-db";

inline service::Request GetRequest() {
  service::Request r;
  r.operation = "GetSecretValue";
  r.params = {{"SecretId", kSecretName}};
  return r;
}

// CreateSecret of kSecretName with a JSON string value of about `value_bytes`.
inline service::Request CreateRequest(size_t value_bytes) {
  service::Request r;
  r.operation = "CreateSecret";
  r.params = {{"Name", kSecretName}, {"ClientRequestToken", crypto::NewUuidV4(crypto::SystemRandom())}};
  std::string value = R"({"username":"app","password":")";
  value.append(value_bytes > value.size() + 2 ? value_bytes - value.size() - 2 : 0, 'p');
  value += "\"}";
  r.value = service::SecretValue{projections::ValueKind::kString, crypto::SecureBuffer::FromString(value)};
  return r;
}

// "" for a GetSecretValue answer carrying its value, else what went wrong.
inline std::string CheckRead(const service::Response& r) {
  if (!r.ok()) return r.error->code + ": " + r.error->message;
  if (r.values.size() != 1) return "GetSecretValue returned no value";
  return "";
}

// cairnd over CURVE, one tools::Remote per client thread, or, with
// `max_connections` set, client thread t on connection t % max_connections
// (bus::Client keeps many calls in flight on one connection, as an
// application's threads sharing one client do). Op(t) is called from client
// thread t only; Connect between slices.
class AuditedSide {
 public:
  AuditedSide(tools::Profile profile, std::string user_agent, size_t max_connections = 0)
      : profile_(std::move(profile)),
        user_agent_(std::move(user_agent)),
        max_connections_(max_connections) {}
  // Grows to `clients` connections (at most max_connections), each warmed by one read.
  std::string Connect(size_t clients) {
    if (max_connections_ > 0) clients = std::min(clients, max_connections_);
    while (remotes_.size() < clients) {
      auto remote = tools::Remote::Connect(profile_, user_agent_);
      if (!remote.ok()) return remote.status().ToString();
      remotes_.push_back(std::move(remote).value());
      if (std::string e = Op(remotes_.size() - 1); !e.empty()) return e;  // handshake done, warm
    }
    return "";
  }
  std::string Op(size_t t) {
    auto r = remotes_[t % remotes_.size()]->Execute(request_);
    if (!r.ok()) return r.status().ToString();
    last_seq_.store(r->seq, std::memory_order_relaxed);
    return CheckRead(*r);
  }
  tools::Remote& admin() { return *remotes_.at(0); }
  uint64_t last_seq() const { return last_seq_.load(); }

 private:
  tools::Profile profile_;
  std::string user_agent_;
  size_t max_connections_;
  service::Request request_ = GetRequest();
  std::vector<std::unique_ptr<tools::Remote>> remotes_;
  std::atomic<uint64_t> last_seq_{0};
};

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_INTERNAL_AUDITED_SIDE_H_
