// LeanClients: a wrk-like load generator for cairnd's ZeroMQ API. C clients,
// each its own DEALER socket with its own CURVE session (one TCP connection
// per client, as with a tools::Remote each), in a closed loop of audited
// GetSecretValue calls: one request in flight per client, the next sent when
// its reply arrives. A few loop threads drive all the sockets with epoll over
// each socket's ZMQ_FD, as wrk drives many connections from a few threads, so
// the load generator takes little of the 2 cores it shares with cairnd (zmq_poll
// asked the kernel about all 64 sockets at every wake: ~9% of the machine's
// samples); bus::Client (a thread per caller, blocking calls) measures the
// client library instead.
//
// Every reply is decoded with the FlatBuffers verifier (bus::DecodeResponse)
// and must answer its own request id with one value and no error; received
// frames are wiped. Request ids are unique per call: a random prefix per
// client and a counter.
#ifndef CAIRN_BENCH_INTERNAL_LEAN_CLIENTS_H_
#define CAIRN_BENCH_INTERNAL_LEAN_CLIENTS_H_

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "bench/internal/api_bench.h"
#include "bus/internal/wiped_message.h"
#include "bus/wire.h"
#include "crypto/random.h"
#include "tools/common/profile.h"
#include "tools/common/wire_convert.h"

namespace cairn::bench {

class LeanClients {
 public:
  LeanClients(tools::Profile profile, std::string user_agent, const service::Request& request)
      : profile_(std::move(profile)), context_(1) {
    service::Request copy;
    copy.operation = request.operation;
    copy.params = request.params;
    template_ = tools::RequestToWire(std::move(copy));
    template_.user_agent = std::move(user_agent);
    template_.deadline_ms = kDeadlineMs;
  }
  ~LeanClients() {
    clients_.clear();  // sockets before the context
    context_.close();
  }

  // Grows to `clients` connections, each warmed by one read (its handshake
  // done). "" or what went wrong.
  std::string Connect(size_t clients) {
    while (clients_.size() < clients) {
      auto c = std::make_unique<Conn>();
      c->socket = zmq::socket_t(context_, zmq::socket_type::dealer);
      c->socket.set(zmq::sockopt::linger, 0);
      c->socket.set(zmq::sockopt::curve_serverkey, profile_.server_public_key);
      c->socket.set(zmq::sockopt::curve_publickey, profile_.key.public_z85);
      const crypto::SecureBuffer& secret = profile_.key.secret_z85;
      c->socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
      c->socket.connect(profile_.api_endpoint);
      c->id_prefix = crypto::NewUuidV4(crypto::SystemRandom()).substr(0, 24);
      Send(*c);
      std::vector<zmq::pollitem_t> item = {{c->socket.handle(), 0, ZMQ_POLLIN, 0}};
      if (zmq::poll(item, std::chrono::milliseconds(kDeadlineMs)) == 0) {
        return "no reply from cairnd at " + profile_.api_endpoint + " within " + std::to_string(kDeadlineMs) + " ms";
      }
      if (std::string e = Receive(*c); !e.empty()) return e;
      clients_.push_back(std::move(c));
    }
    return "";
  }

  // The first `clients` connections in a closed loop for warm-up + `seconds`,
  // on `threads` loop threads; counts as RunSlice does (a call counts if its
  // reply comes inside the window). Waits for every reply in flight before
  // returning. A client whose call fails stops for the rest of the slice.
  void Run(double warmup, double seconds, size_t clients, size_t threads, Tally* tally) {
    clients = std::min(clients, clients_.size());
    threads = std::max<size_t>(1, std::min(threads, clients));
    const Clock::time_point start = Clock::now() + Secs(warmup), end = start + Secs(seconds);
    std::vector<Tally> part(threads);
    std::vector<std::thread> loops;
    for (size_t t = 0; t < threads; ++t) {
      loops.emplace_back([&, t] {
        std::vector<Conn*> mine;
        for (size_t i = t; i < clients; i += threads) mine.push_back(clients_[i].get());
        Loop(mine, start, end, &part[t]);
      });
    }
    for (auto& l : loops) l.join();
    for (const Tally& p : part) tally->AddCounts(p);
    tally->seconds += seconds;
  }

 private:
  static constexpr uint32_t kDeadlineMs = 10000;

  struct Conn {
    zmq::socket_t socket;
    std::string id_prefix;  // 24 characters of a UUID
    uint64_t counter = 0;
    std::string in_flight;  // the request id awaited
    Clock::time_point sent_at;
  };

  void Send(Conn& c) {
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), "%012" PRIx64, ++c.counter);
    bus::ApiRequestMsg request;
    request.request_id = c.id_prefix + suffix;
    request.operation = template_.operation;
    request.params_json = template_.params_json;
    request.deadline_ms = template_.deadline_ms;
    request.user_agent = template_.user_agent;
    c.in_flight = request.request_id;
    c.sent_at = Clock::now();
    c.socket.send(bus::internal::WipedMessage(bus::EncodeRequest(request)), zmq::send_flags::none);
  }

  // One reply for `c`: "" if it answers c's call with a value.
  static std::string Receive(Conn& c) {
    zmq::message_t frame;
    if (!c.socket.recv(frame, zmq::recv_flags::dontwait)) return "no reply frame";
    std::string error;
    if (frame.more()) error = "a reply of more than one frame";
    auto reply = bus::DecodeResponse(crypto::ByteView(frame.data<uint8_t>(), frame.size()));
    bus::internal::WipeMessage(frame);
    if (!error.empty()) return error;
    if (!reply.ok()) return "undecodable reply: " + reply.status().ToString();
    if (reply->request_id != c.in_flight) return "a reply to another request";
    if (!reply->error_code.empty()) return reply->error_code + ": " + reply->error_message;
    if (reply->values.size() != 1) return "GetSecretValue returned no value";
    return "";
  }

  // ZMQ_FD signals a change of the socket's state, not a message: after a
  // wake, and after every send, ZMQ_EVENTS says whether a reply is there (and
  // reading it rearms the fd), so each socket is drained until it says no.
  void Loop(const std::vector<Conn*>& mine, Clock::time_point start, Clock::time_point end, Tally* tally) {
    tally->latency_ms.reserve(1 << 18);
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) {
      tally->errors += mine.size();
      if (tally->first_error.empty()) tally->first_error = "epoll_create1 failed";
      return;
    }
    std::vector<bool> done(mine.size(), false);
    for (size_t i = 0; i < mine.size(); ++i) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(epoll, EPOLL_CTL_ADD, mine[i]->socket.get(zmq::sockopt::fd), &ev);
      Send(*mine[i]);
    }
    size_t waiting = mine.size();
    std::vector<epoll_event> ready(mine.size());
    auto drain = [&](size_t i) {
      Conn& c = *mine[i];
      while (!done[i] && (c.socket.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0) {
        std::string error = Receive(c);
        const auto t1 = Clock::now();
        if (tally->Count(std::move(error), c.sent_at, t1, start, end) && t1 < end) {
          Send(c);
        } else {
          done[i] = true;  // done for this slice: its fd no longer wakes the loop
          ::epoll_ctl(epoll, EPOLL_CTL_DEL, c.socket.get(zmq::sockopt::fd), nullptr);
          --waiting;
        }
      }
    };
    for (size_t i = 0; i < mine.size(); ++i) drain(i);  // replies that came before the first wait
    while (waiting > 0) {
      const int n = ::epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), static_cast<int>(kDeadlineMs));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        tally->errors += waiting;
        if (tally->first_error.empty()) tally->first_error = "no reply within " + std::to_string(kDeadlineMs) + " ms";
        break;
      }
      for (int k = 0; k < n; ++k) drain(ready[k].data.u64);
    }
    ::close(epoll);
  }

  tools::Profile profile_;
  zmq::context_t context_;
  bus::ApiRequestMsg template_;
  std::vector<std::unique_ptr<Conn>> clients_;
};

}  // namespace cairn::bench

#endif  // CAIRN_BENCH_INTERNAL_LEAN_CLIENTS_H_
