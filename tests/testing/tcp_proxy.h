// A TCP relay on loopback for tests that cut connections: clients connect to
// port(), each connection is relayed to `target_port`, and Cut() closes every
// live connection at once (both sides see a reset or EOF, as when a network
// path drops). While refusing, new connections are accepted and closed at
// once. One thread polls everything; stopped and joined by the destructor.
#ifndef CAIRN_TESTS_TESTING_TCP_PROXY_H_
#define CAIRN_TESTS_TESTING_TCP_PROXY_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

namespace cairn::testing {

class TcpProxy {
 public:
  explicit TcpProxy(uint16_t target_port) : target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr = Loopback(0);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TcpProxy() {
    stop_ = true;
    thread_.join();
    for (auto& [a, b] : pairs_) {
      ::close(a);
      ::close(b);
    }
    ::close(listen_fd_);
  }
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const { return port_; }
  // Closes every relayed connection; with `refuse`, new ones too until Restore().
  void Cut(bool refuse) {
    refusing_ = refuse;
    cut_requested_ = true;
  }
  void Restore() { refusing_ = false; }
  int cuts() const { return cuts_.load(); }

 private:
  static sockaddr_in Loopback(uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  void Accept() {
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) return;
    if (refusing_) {
      ::close(client);
      return;
    }
    const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in target = Loopback(target_port_);
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
      ::close(upstream);
      ::close(client);
      return;
    }
    pairs_.emplace_back(client, upstream);
  }

  // Copies what is readable on `from` to `to`; false once either side is done.
  static bool Pump(int from, int to) {
    char buf[64 * 1024];
    const ssize_t n = ::read(from, buf, sizeof(buf));
    if (n <= 0) return false;
    for (ssize_t sent = 0; sent < n;) {
      const ssize_t w = ::write(to, buf + sent, static_cast<size_t>(n - sent));
      if (w <= 0) return false;
      sent += w;
    }
    return true;
  }

  void Loop() {
    while (!stop_) {
      if (cut_requested_.exchange(false)) {
        for (auto& [a, b] : pairs_) {
          ::shutdown(a, SHUT_RDWR);
          ::shutdown(b, SHUT_RDWR);
          ::close(a);
          ::close(b);
        }
        pairs_.clear();
        ++cuts_;
      }
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& [a, b] : pairs_) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) Accept();
      std::vector<std::pair<int, int>> alive;
      for (size_t i = 0; i < (fds.size() - 1) / 2; ++i) {
        const auto [a, b] = pairs_[i];
        bool ok = true;
        if (fds[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) ok = Pump(a, b);
        if (ok && (fds[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR))) ok = Pump(b, a);
        if (ok) {
          alive.emplace_back(a, b);
        } else {
          ::close(a);
          ::close(b);
        }
      }
      for (size_t i = (fds.size() - 1) / 2; i < pairs_.size(); ++i) alive.push_back(pairs_[i]);  // just accepted
      pairs_ = std::move(alive);
    }
  }

  const uint16_t target_port_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> refusing_{false};
  std::atomic<bool> cut_requested_{false};
  std::atomic<int> cuts_{0};
  std::vector<std::pair<int, int>> pairs_;  // (client, upstream); the loop thread's
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_TCP_PROXY_H_
