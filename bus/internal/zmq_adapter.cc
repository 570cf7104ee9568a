// The one place cppzmq's exceptions are caught and turned into Status values.
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/publisher.h"

namespace cairn::bus {

struct Publisher::Impl {
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::pub};
};

Publisher::Publisher(std::unique_ptr<Impl> impl, std::string endpoint)
    : impl_(std::move(impl)), endpoint_(std::move(endpoint)) {}

Publisher::~Publisher() = default;

Result<std::unique_ptr<Publisher>> Publisher::Bind(const std::string& endpoint) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->socket.set(zmq::sockopt::sndhwm, 100000);
    impl->socket.set(zmq::sockopt::linger, 1000);  // flush on close, bounded (never 0)
    impl->socket.bind(endpoint);
    std::string bound = impl->socket.get(zmq::sockopt::last_endpoint);
    return std::unique_ptr<Publisher>(new Publisher(std::move(impl), bound));
  } catch (const zmq::error_t& e) {
    if (e.num() == EADDRINUSE) return UnavailableError("cannot bind " + endpoint + ": address in use");
    return InvalidArgumentError("cannot bind " + endpoint + ": " + e.what());
  }
}

Status Publisher::Publish(uint64_t seq, std::string_view record_bytes) {
  char be[8];
  for (int i = 0; i < 8; ++i) be[i] = static_cast<char>(seq >> (56 - 8 * i));
  try {
    zmq::multipart_t message;
    message.addstr(kRecordTopic);
    message.addmem(be, sizeof(be));
    message.addmem(record_bytes.data(), record_bytes.size());
    if (!message.send(impl_->socket, static_cast<int>(zmq::send_flags::dontwait))) {
      return UnavailableError("publisher queue full at seq " + std::to_string(seq));
    }
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return UnavailableError(std::string("publish failed: ") + e.what());
  }
}

Result<RecordMessage> ParseRecordMessage(const std::string& topic, const std::string& seq,
                                         const std::string& record) {
  if (seq.size() != 8) return DataLossError("record message seq frame is not 8 bytes");
  RecordMessage m{topic, 0, record};
  for (unsigned char c : seq) m.seq = (m.seq << 8) | c;
  return m;
}

}  // namespace cairn::bus
