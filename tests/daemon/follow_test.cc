#include <catch2/catch.hpp>

#include <functional>
#include <set>

#include "bus/context.h"
#include "bus/follower.h"
#include "bus/publisher.h"
#include "ledger/checkpoint.h"

#include <zmq.hpp>
#include <zmq_addon.hpp>
#include "tests/daemon/daemon_fixture.h"

namespace cairn::testing {
namespace {

TEST_CASE("cairn audit tail --json replays from a seq and prints the lines cairn-audit export prints",
          "[daemon]") {
  RunningDaemon d;
  // Values no other field can hold by chance: a bare "v1" once turned up in
  // the output and failed the check below (the secret's ARN ends in six
  // random letters and digits, which can spell it).
  const std::string first = "tail-test-secret-value-one";
  const std::string second = "tail-test-secret-value-two";
  d.Call({"create-secret", "--name", "tail/db", "--secret-string", first});
  d.Call({"get-secret-value", "--secret-id", "tail/db"});
  d.Call({"put-secret-value", "--secret-id", "tail/db", "--secret-string", second});
  const size_t n = d.Export().size();
  RunResult tail = d.Cairn({"audit", "tail", "--json", "--from-seq", "0", "--count", std::to_string(n)});
  INFO(tail.err);
  REQUIRE(tail.exit_code == 0);
  // The tail's own ReadRecords calls are events too, after the first n.
  const std::vector<nlohmann::json> exported = d.Export();
  std::istringstream lines(tail.out);
  size_t seq = 0;
  for (std::string line; std::getline(lines, line); ++seq) {
    REQUIRE(seq < exported.size());
    CHECK(nlohmann::json::parse(line) == exported[seq]);
  }
  CHECK(seq == n);
  CHECK(tail.out.find(first) == std::string::npos);
  CHECK(tail.out.find(second) == std::string::npos);
}

TEST_CASE("a follower that joins late and lives through a daemon restart sees every record once, in order",
          "[daemon]") {
  RunningDaemon d;
  for (int i = 0; i < 5; ++i) d.Call({"create-secret", "--name", "f/" + std::to_string(i), "--secret-string", "v"});
  auto profile = tools::ReadProfile(d.daemon.profile());
  REQUIRE(profile.ok());
  auto remote = d.Connect();
  auto context = bus::BusContext::Create(nullptr);
  REQUIRE(context.ok());
  bus::FollowerOptions options;
  options.events_endpoint = profile->events_endpoint;
  options.server_public_z85 = profile->server_public_key;
  options.client_key = bus::CurveKeyPair{profile->key.public_z85, profile->key.secret_z85.Clone()};
  options.from_seq = 0;
  tools::Remote* fetcher = remote.get();
  auto follower = bus::Follower::Start(**context, std::move(options), [fetcher](uint64_t from, uint32_t max) {
    return fetcher->ReadRecords(from, max);
  });
  REQUIRE(follower.ok());
  std::vector<uint64_t> seen;
  auto drain_until = [&](uint64_t count) {
    for (int idle = 0; seen.size() < count && idle < 100;) {
      auto record = (*follower)->Next(100);
      if (!record.ok()) {
        REQUIRE(record.status().code() == StatusCode::kUnavailable);
        ++idle;
        continue;
      }
      seen.push_back(record->seq);
    }
  };
  drain_until(d.Export().size());
  d.daemon.Kill();
  REQUIRE(d.daemon.Start());
  for (int i = 5; i < 10; ++i) d.Call({"create-secret", "--name", "f/" + std::to_string(i), "--secret-string", "v"});
  const size_t total = d.Export().size();
  drain_until(total);
  REQUIRE(seen.size() >= total);
  for (size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == i);
}

// A SUB socket on the events endpoint for checkpoint messages only, with the profile's keys.
zmq::socket_t SubscribeCheckpoints(zmq::context_t& context, const tools::Profile& profile) {
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::curve_serverkey, profile.server_public_key);
  sub.set(zmq::sockopt::curve_publickey, profile.key.public_z85);
  sub.set(zmq::sockopt::curve_secretkey, std::string(profile.key.secret_z85.as_string_view()));
  sub.set(zmq::sockopt::subscribe, bus::kCheckpointTopic);
  sub.set(zmq::sockopt::rcvtimeo, 200);
  sub.connect(profile.events_endpoint);
  return sub;
}

// Calls `act` until a checkpoint message arrives (at most 50 times); the message verified.
ledger::Checkpoint AwaitCheckpoint(zmq::socket_t& sub, const RunningDaemon& d, const std::function<void(int)>& act) {
  RunResult pubkey = Run({ToolPath("cairn-audit"), "pubkey", "--data-dir", d.daemon.data_dir()});
  REQUIRE(pubkey.exit_code == 0);
  auto verifier = ledger::ParseVerifierKey(pubkey.out.substr(0, pubkey.out.find('\n')));
  REQUIRE(verifier.ok());
  std::vector<zmq::message_t> frames;
  for (int i = 0; i < 50 && frames.empty(); ++i) {
    act(i);
    (void)zmq::recv_multipart(sub, std::back_inserter(frames));
  }
  REQUIRE(frames.size() == 3);
  auto message = bus::ParseRecordMessage(frames[0].to_string(), frames[1].to_string(), frames[2].to_string());
  REQUIRE(message.ok());
  REQUIRE(message->checkpoint());
  auto checkpoint = ledger::OpenSignedCheckpoint(message->record, *verifier);
  INFO(message->record);
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->size == message->seq);
  return *checkpoint;
}

TEST_CASE("each signed checkpoint is published on the events socket and verifies under the ledger's key",
          "[daemon]") {
  RunningDaemon d({"--checkpoint-ms", "50"});
  auto profile = tools::ReadProfile(d.daemon.profile());
  REQUIRE(profile.ok());
  zmq::context_t context;
  zmq::socket_t sub = SubscribeCheckpoints(context, *profile);
  ledger::Checkpoint checkpoint = AwaitCheckpoint(sub, d, [&](int i) {
    d.Call({"create-secret", "--name", "cp/" + std::to_string(i), "--secret-string", "v"});
  });
  CHECK(checkpoint.size >= 3);
}

TEST_CASE("a checkpoint signed for a GetCheckpoint call is published too", "[daemon]") {
  RunningDaemon d({"--checkpoint-ms", "86400000", "--checkpoint-records", "100000000"});
  auto profile = tools::ReadProfile(d.daemon.profile());
  REQUIRE(profile.ok());
  zmq::context_t context;
  zmq::socket_t sub = SubscribeCheckpoints(context, *profile);
  ledger::Checkpoint checkpoint = AwaitCheckpoint(sub, d, [&](int) {
    d.Call({"--verify-receipt", "list-secrets"});  // asks for a checkpoint covering its own event
  });
  CHECK(checkpoint.size >= 3);
}

TEST_CASE("the checkpoint after the last record of a burst is published at once, not with the next record",
          "[daemon]") {
  // Heartbeats 20 s apart: before the fix the publisher slept half of that
  // unless a record came, and a checkpoint signed meanwhile waited with it.
  RunningDaemon d({"--checkpoint-ms", "50", "--heartbeat-ms", "20000"});
  auto profile = tools::ReadProfile(d.daemon.profile());
  REQUIRE(profile.ok());
  zmq::context_t context;
  zmq::socket_t sub = SubscribeCheckpoints(context, *profile);
  (void)AwaitCheckpoint(sub, d, [&](int i) {  // the subscription is live
    d.Call({"create-secret", "--name", "warm/" + std::to_string(i), "--secret-string", "v"});
  });
  d.Call({"create-secret", "--name", "last", "--secret-string", "v"});
  const uint64_t head = d.Export().size();  // read-only: no record of its own
  uint64_t covered = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (covered < head && std::chrono::steady_clock::now() < deadline) {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(sub, std::back_inserter(frames)) || frames.size() != 3) continue;
    auto message = bus::ParseRecordMessage(frames[0].to_string(), frames[1].to_string(), frames[2].to_string());
    REQUIRE(message.ok());
    if (message->checkpoint()) covered = std::max(covered, message->seq);
  }
  CHECK(covered >= head);
}

}  // namespace
}  // namespace cairn::testing
