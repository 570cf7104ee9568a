// A FlatBuffers allocator that wipes every block it gives back, so a builder
// that held a secret value leaves no copy of it in freed memory. Stateless;
// one instance may serve any number of builders on any threads.
#ifndef CAIRN_BUS_INTERNAL_WIPING_ALLOCATOR_H_
#define CAIRN_BUS_INTERNAL_WIPING_ALLOCATOR_H_

#include <flatbuffers/flatbuffers.h>

#include <memory>

#include "crypto/secure_buffer.h"

namespace cairn::bus::internal {

class WipingAllocator final : public flatbuffers::Allocator {
 public:
  uint8_t* allocate(size_t size) override { return std::allocator<uint8_t>().allocate(size); }

  void deallocate(uint8_t* p, size_t size) override {
    crypto::SecureWipe(p, size);
    std::allocator<uint8_t>().deallocate(p, size);
  }

  // Growing copies the live regions to a new block and wipes the old one.
  uint8_t* reallocate_downward(uint8_t* old_p, size_t old_size, size_t new_size, size_t in_use_back,
                               size_t in_use_front) override {
    uint8_t* new_p = allocate(new_size);
    memcpy_downward(old_p, old_size, new_p, new_size, in_use_back, in_use_front);
    deallocate(old_p, old_size);
    return new_p;
  }
};

}  // namespace cairn::bus::internal

#endif  // CAIRN_BUS_INTERNAL_WIPING_ALLOCATOR_H_
