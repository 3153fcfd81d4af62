#include "image/scratch.hpp"

#include <string>

#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {

Scratch::Scratch(std::int64_t max_bytes) : buffers_(thread_buffers()), max_bytes_(max_bytes) {}

Scratch::~Scratch() {
  std::size_t kept = 0;
  for (Buffer& b : buffers_) {
    if (b.size > kScratchKeptPerThread - kept) {
      b.data.reset();
      b.size = 0;
    } else {
      kept += b.size;
    }
  }
}

std::uint8_t* Scratch::take(std::size_t bytes) {
  if (max_bytes_ > 0 && bytes > static_cast<std::uint64_t>(max_bytes_)) {
    throw Error(ErrorCode::InvalidArgument, "",
                "this image needs an intermediate buffer of " + std::to_string(bytes) +
                    " bytes, more than the limit of " + std::to_string(max_bytes_) +
                    " (PipelineOptions::max_intermediate_bytes)");
  }
  if (next_ == buffers_.size()) buffers_.emplace_back();
  Buffer& b = buffers_[next_++];
  if (b.size < bytes) {
    b.data.reset();  // the old buffer goes before the new one comes
    b.size = 0;
    b.data.reset(new std::uint8_t[bytes]);
    b.size = bytes;
  }
  return b.data.get();
}

std::vector<Scratch::Buffer>& Scratch::thread_buffers() {
  thread_local std::vector<Buffer> buffers;
  return buffers;
}

}  // namespace pixelpact::detail
