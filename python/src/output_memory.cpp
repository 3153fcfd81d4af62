#include "output_memory.hpp"

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace py = pybind11;

namespace pixelpact_python {

#if defined(__linux__)
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// One anonymous mapping; `data` is its first 2 MiB boundary, `capacity` the
// bytes usable from there.
struct Block {
  void* mapping = nullptr;
  std::size_t mapping_length = 0;
  void* data = nullptr;
  std::size_t capacity = 0;
};

std::size_t blocks_kept() {
  static const std::size_t kept = [] {
    const char* text = std::getenv("PIXELPACT_CACHED_OUTPUTS");
    if (!text || !*text) return std::size_t{2};
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return (*end == '\0' && value >= 0 && value <= 64) ? static_cast<std::size_t>(value) : std::size_t{2};
  }();
  return kept;
}

class BlockCache {
 public:
  // A cached block that fits `bytes` without wasting more than half of itself,
  // or a new mapping; false if the system refuses the mapping.
  bool take(std::size_t bytes, Block& block) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      std::size_t best = blocks_.size();
      for (std::size_t i = 0; i < blocks_.size(); ++i) {
        const std::size_t c = blocks_[i].capacity;
        if (c >= bytes && c / 2 <= bytes && (best == blocks_.size() || c < blocks_[best].capacity)) best = i;
      }
      if (best != blocks_.size()) {
        block = blocks_[best];
        blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(best));
        cached_bytes_ -= block.capacity;
        return true;
      }
    }
    const std::size_t capacity = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    const std::size_t length = capacity + kHugePage;  // room to align the start
    void* mapping = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) return false;
    const auto start = (reinterpret_cast<std::uintptr_t>(mapping) + kHugePage - 1) / kHugePage * kHugePage;
    block = Block{mapping, length, reinterpret_cast<void*>(start), capacity};
    // Advice, as numpy gives it for large arrays: ignored where THP is off.
    madvise(block.data, capacity, MADV_HUGEPAGE);
    return true;
  }

  // Keeps a released block, newest first, dropping the oldest beyond the bounds.
  void give_back(const Block& block) {
    std::vector<Block> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (blocks_kept() > 0 && block.capacity <= kMaxCachedBytes) {
        blocks_.insert(blocks_.begin(), block);
        cached_bytes_ += block.capacity;
      } else {
        dropped.push_back(block);
      }
      while (blocks_.size() > blocks_kept() || cached_bytes_ > kMaxCachedBytes) {
        dropped.push_back(blocks_.back());
        cached_bytes_ -= blocks_.back().capacity;
        blocks_.pop_back();
      }
    }
    for (const Block& b : dropped) munmap(b.mapping, b.mapping_length);
  }

  std::size_t release_all() {
    std::vector<Block> dropped;
    std::size_t bytes = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      dropped.swap(blocks_);
      bytes = cached_bytes_;
      cached_bytes_ = 0;
    }
    for (const Block& b : dropped) munmap(b.mapping, b.mapping_length);
    return bytes;
  }

  std::size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_bytes_;
  }

 private:
  std::mutex mutex_;
  std::vector<Block> blocks_;
  std::size_t cached_bytes_ = 0;
};

// Never destroyed: arrays released while the interpreter shuts down still find it.
BlockCache& cache() {
  static BlockCache* instance = new BlockCache();
  return *instance;
}

}  // namespace
#endif

py::array new_output_array(const py::dtype& dtype, const std::vector<py::ssize_t>& shape) {
#if defined(__linux__)
  std::size_t bytes = static_cast<std::size_t>(dtype.itemsize());
  for (py::ssize_t d : shape) bytes *= static_cast<std::size_t>(d);
  Block block;
  if (bytes >= kMinCachedBytes && cache().take(bytes, block)) {
    Block* owned = nullptr;
    try {
      owned = new Block(block);
      py::capsule owner(owned, [](void* p) {
        auto* b = static_cast<Block*>(p);
        cache().give_back(*b);
        delete b;
      });
      owned = nullptr;  // the capsule owns it now
      return py::array(dtype, shape, std::vector<py::ssize_t>{}, block.data, owner);
    } catch (...) {
      if (owned) {
        delete owned;
        cache().give_back(block);
      }
      throw;
    }
  }
#endif
  return py::array(dtype, shape);
}

std::size_t release_cached_outputs() {
#if defined(__linux__)
  return cache().release_all();
#else
  return 0;
#endif
}

std::size_t cached_output_bytes() {
#if defined(__linux__)
  return cache().cached_bytes();
#else
  return 0;
#endif
}

}  // namespace pixelpact_python
