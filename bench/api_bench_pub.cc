// api_bench's PUB fan-out: cairn's bus::Publisher with CURVE (ZAP through a
// BusContext KeyLookup, as cairnd's events socket) to N raw ZeroMQ SUB sockets,
// each in its own thread and its own ZeroMQ context (as separate subscriber
// processes would be), counting records: one per record message, or those a
// "cairn.batch" message carries when publishing in batches. See
// bench/internal/api_bench.h.
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <iterator>
#include <memory>
#include <optional>
#include <string_view>

#include "bench/internal/api_bench.h"
#include "bus/context.h"
#include "bus/curve.h"
#include "bus/publisher.h"

namespace cairn::bench {
namespace {

struct Subscriber {
  std::atomic<bool> joined{false};  // has seen a handshake heartbeat
  std::atomic<bool> done{false};    // has seen the end heartbeat
  std::atomic<uint64_t> received{0};  // records, single or in batches
  Clock::time_point last;           // of the last record message; the thread's until joined
  std::thread thread;
};

uint64_t SeqOf(const zmq::message_t& frame) {
  uint64_t seq = 0;
  for (size_t i = 0; i < frame.size() && i < 8; ++i) seq = (seq << 8) | frame.data<unsigned char>()[i];
  return seq;
}

void SubscriberLoop(Subscriber* s, const std::string& endpoint, const std::string& server_public,
                    const bus::CurveKeyPair& key, uint64_t end_seq, bool batches, const std::atomic<bool>* stop) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::sub);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvhwm, 100000);  // as bus::Follower
  socket.set(zmq::sockopt::curve_serverkey, server_public);
  socket.set(zmq::sockopt::curve_publickey, key.public_z85);
  socket.set(zmq::sockopt::curve_secretkey, key.secret_z85.as_string_view());
  // Batches: what a bus::Follower takes (batches, heartbeats, checkpoints).
  socket.set(zmq::sockopt::subscribe, std::string_view(batches ? bus::kServiceTopicPrefix : ""));
  socket.connect(endpoint);
  const std::string heartbeat = bus::kHeartbeatTopic, batch = bus::kBatchTopic;
  uint64_t received = 0;
  while (!stop->load() && !s->done.load()) {
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(50));
    std::vector<zmq::message_t> frames;
    while (zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      if (frames.size() == 3) {
        if (frames[0].size() == heartbeat.size() && frames[0].to_string_view() == heartbeat) {
          s->joined = true;
          if (SeqOf(frames[1]) == end_seq) {
            s->done = true;
            break;
          }
        } else if (!batches) {
          s->received.store(++received, std::memory_order_relaxed);
          s->last = Clock::now();
        } else if (frames[0].size() == batch.size() && frames[0].to_string_view() == batch) {
          auto split = bus::SplitBatch(frames[2].to_string_view());
          if (split.ok()) {  // a malformed batch counts as dropped
            received += split->size();
            s->received.store(received, std::memory_order_relaxed);
            s->last = Clock::now();
          }
        }
      }
      frames.clear();
    }
  }
}

// This process's thread ids.
std::vector<pid_t> Tids() {
  std::vector<pid_t> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    out.push_back(static_cast<pid_t>(std::stol(e.path().filename().string())));
  }
  return out;
}

double TaskCpuSeconds(pid_t tid) {
  std::string stat = ReadWholeFile("/proc/self/task/" + std::to_string(tid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return double(utime + stime) / sysconf(_SC_CLK_TCK);
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

uint64_t MinReceived(const std::vector<std::unique_ptr<Subscriber>>& subs) {
  uint64_t m = UINT64_MAX;
  for (const auto& s : subs) m = std::min(m, s->received.load(std::memory_order_relaxed));
  return m;
}

}  // namespace

FanoutResult RunFanout(const std::vector<std::string>& records, size_t subscribers, uint64_t total,
                       uint64_t window, size_t batch) {
  FanoutResult result;
  auto sub_key = bus::NewCurveKeyPair();
  auto server_key = bus::NewCurveKeyPair();
  if (!sub_key.ok() || !server_key.ok() || records.empty() || batch == 0) std::abort();
  const std::string accepted = sub_key->public_z85;
  const std::vector<pid_t> before = Tids();
  auto context = bus::BusContext::Create(
      [accepted](std::string_view key, std::string_view, std::string_view) -> std::optional<std::string> {
        if (key == accepted) return std::string("bench-subscriber");
        return std::nullopt;
      });
  if (!context.ok()) std::abort();
  bus::PublisherOptions options;
  options.endpoint = "tcp://127.0.0.1:" + std::to_string(FreePort());
  options.server_key = &*server_key;  // send_hwm: the daemon's default
  auto publisher = bus::Publisher::Bind(**context, options);
  if (!publisher.ok()) {
    std::fprintf(stderr, "publisher: %s\n", publisher.status().message().c_str());
    std::abort();
  }
  // The publisher's side: this thread and the threads its context started
  // (ZeroMQ's I/O thread, which does the CURVE encryption, reaper, ZAP).
  std::vector<pid_t> publisher_tids;
  for (pid_t t : Tids()) {
    if (std::find(before.begin(), before.end(), t) == before.end()) publisher_tids.push_back(t);
  }
  auto publisher_cpu = [&] {
    double cpu = ThreadCpuSeconds();
    for (pid_t t : publisher_tids) cpu += TaskCpuSeconds(t);
    return cpu;
  };
  const crypto::Digest zero{};
  const uint64_t end_seq = total + 1;  // the handshake heartbeats carry 0
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<Subscriber>> subs;
  for (size_t i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_unique<Subscriber>());
    Subscriber* s = subs.back().get();
    s->thread = std::thread(SubscriberLoop, s, (*publisher)->endpoint(), server_key->public_z85,
                            std::cref(*sub_key), end_seq, batch > 1, &stop);
  }
  // Slow joiners: heartbeats until every subscriber has one (its CURVE
  // handshake, ZAP and subscription are through).
  const auto join_deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < join_deadline) {
    bool all = true;
    for (const auto& s : subs) all &= s->joined.load();
    if (all) break;
    (void)(*publisher)->PublishHeartbeat(0, zero);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // A batch's records are copied into place (assign reuses the strings'
  // capacity): cairnd moves them out of its ledger reads instead.
  std::vector<std::string> batch_records;
  const double cpu0 = publisher_cpu();
  const auto t0 = Clock::now();
  for (uint64_t i = 0; i < total; i += batch) {
    if (window > 0 && i % 256 < batch) {  // about every 256 records
      while (i - std::min(i, MinReceived(subs)) > window) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    if (batch == 1) {
      if (!(*publisher)->Publish(i, records[i % records.size()]).ok()) ++result.publish_refused;
      continue;
    }
    batch_records.resize(std::min<uint64_t>(batch, total - i));
    for (size_t k = 0; k < batch_records.size(); ++k) batch_records[k].assign(records[(i + k) % records.size()]);
    if (!(*publisher)->PublishBatch(i, batch_records).ok()) ++result.publish_refused;
  }
  const auto t_published = Clock::now();
  result.publish_seconds = std::chrono::duration<double>(t_published - t0).count();
  // The end marker, repeated (a heartbeat can be dropped at the high-water
  // mark like any message) until every subscriber has it.
  const auto end_deadline = t_published + std::chrono::seconds(60);
  result.completed = false;
  while (Clock::now() < end_deadline) {
    bool all = true;
    for (const auto& s : subs) all &= s->done.load();
    if (all) {
      result.completed = true;
      break;
    }
    (void)(*publisher)->PublishHeartbeat(end_seq, zero);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.publisher_cpu_seconds = publisher_cpu() - cpu0;  // includes the end markers' wait (sleeping)
  stop = true;
  for (auto& s : subs) s->thread.join();
  result.min_delivered_per_s = 1e300;
  result.min_received = UINT64_MAX;
  for (const auto& s : subs) {
    const uint64_t n = s->received.load();
    const double secs = n > 0 ? std::chrono::duration<double>(s->last - t0).count() : 0;
    const double rate = secs > 0 ? n / secs : 0;
    result.min_delivered_per_s = std::min(result.min_delivered_per_s, rate);
    result.max_delivered_per_s = std::max(result.max_delivered_per_s, rate);
    result.min_received = std::min(result.min_received, n);
    result.deliveries += n;
    result.max_dropped = std::max(result.max_dropped, total - std::min(total, n));
  }
  publisher->reset();  // sockets before the context
  return result;
}

}  // namespace cairn::bench
