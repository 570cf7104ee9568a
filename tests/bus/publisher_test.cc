#include <catch2/catch.hpp>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/publisher.h"

namespace cairn::bus {
namespace {

TEST_CASE("a subscriber receives [topic][seq][record] frames in order", "[bus]") {
  auto publisher = Publisher::Bind("tcp://127.0.0.1:*");
  REQUIRE(publisher.ok());
  zmq::context_t context;
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::rcvtimeo, 2000);
  sub.set(zmq::sockopt::subscribe, kRecordTopic);
  sub.connect((*publisher)->endpoint());
  // Slow joiner: publish a hello until the subscription has settled.
  std::vector<zmq::message_t> frames;
  for (int attempt = 0; attempt < 200; ++attempt) {
    REQUIRE((*publisher)->Publish(0, "hello").ok());
    sub.set(zmq::sockopt::rcvtimeo, 10);
    frames.clear();
    if (zmq::recv_multipart(sub, std::back_inserter(frames))) break;
  }
  REQUIRE(frames.size() == 3);
  sub.set(zmq::sockopt::rcvtimeo, 2000);
  for (uint64_t seq = 1; seq <= 3; ++seq) REQUIRE((*publisher)->Publish(seq, "record-" + std::to_string(seq)).ok());
  uint64_t expected = 1;
  while (expected <= 3) {
    frames.clear();
    REQUIRE(zmq::recv_multipart(sub, std::back_inserter(frames)));
    REQUIRE(frames.size() == 3);
    auto m = ParseRecordMessage(frames[0].to_string(), frames[1].to_string(), frames[2].to_string());
    REQUIRE(m.ok());
    if (m->seq == 0) continue;  // a late hello
    CHECK(m->topic == kRecordTopic);
    CHECK(m->seq == expected);
    CHECK(m->record == "record-" + std::to_string(expected));
    ++expected;
  }
}

TEST_CASE("binding an address in use is Unavailable", "[bus]") {
  auto first = Publisher::Bind("tcp://127.0.0.1:*");
  REQUIRE(first.ok());
  auto second = Publisher::Bind((*first)->endpoint());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == StatusCode::kUnavailable);
}

TEST_CASE("a seq frame that is not 8 bytes is DataLoss", "[bus]") {
  auto m = ParseRecordMessage(kRecordTopic, "1234567", "r");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().code() == StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cairn::bus
