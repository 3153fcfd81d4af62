// Scratch memory: the intermediate images of one call, from buffers each thread
// keeps between calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace pixelpact::detail {

// Per-thread buffers reused across calls: no allocation once a thread has run
// the largest image it will see, up to kScratchKeptPerThread bytes; whatever
// exceeds that is freed when the call's Scratch goes away. Buffers are handed out
// in call order. One Scratch per call and thread.
class Scratch {
 public:
  // max_bytes: the largest buffer one take() may ask for (0 = no limit);
  // PipelineOptions::max_intermediate_bytes.
  explicit Scratch(std::int64_t max_bytes);
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch();

  // A buffer of at least `bytes` bytes, valid until this Scratch is destroyed.
  // Throws Error(InvalidArgument) beyond max_bytes, before allocating.
  std::uint8_t* take(std::size_t bytes);

 private:
  struct Buffer {
    std::unique_ptr<std::uint8_t[]> data;
    std::size_t size = 0;
  };
  static std::vector<Buffer>& thread_buffers();
  std::vector<Buffer>& buffers_;
  std::int64_t max_bytes_;
  std::size_t next_ = 0;
};

}  // namespace pixelpact::detail
