#include "bus/context.h"

#include <string>

#include "bus/internal/context_impl.h"
#include "bus/internal/zmq_status.h"

namespace cairn::bus {

BusContext::BusContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BusContext::~BusContext() {
  // Stop the ZAP thread before the context terminates (Impl's member order
  // does the same; this makes it explicit).
  impl_->zap.reset();
}

Result<std::unique_ptr<BusContext>> BusContext::Create(KeyLookup lookup, int io_threads) {
  if (io_threads < 1) return InvalidArgumentError("ZeroMQ I/O threads must be at least 1, not " + std::to_string(io_threads));
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>();
    impl->context.set(zmq::ctxopt::io_threads, io_threads);  // before any socket: they start with the first
  } catch (const zmq::error_t& e) {
    return internal::ZmqStatus(e, "creating the ZeroMQ context");
  }
  if (lookup) {
    ASSIGN_OR_RETURN(impl->zap, internal::ZapHandler::Start(impl->context, std::move(lookup)));
  }
  return std::unique_ptr<BusContext>(new BusContext(std::move(impl)));
}

Refusals BusContext::TakeRefusals() {
  if (!impl_->zap) return {};
  return impl_->zap->TakeRefusals();
}

}  // namespace cairn::bus
