#include "output_memory.hpp"

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <cstring>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define PIXELPACT_HAVE_MMAP 1
#endif

namespace py = pybind11;

namespace pixelpact_python {

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

// PIXELPACT_CACHED_OUTPUTS, read once: a count from 0 to 64, or the default 2
// and a message saying why the value was not taken.
struct CacheSetting {
  std::size_t blocks = 2;
  std::string problem;
};

const CacheSetting& cache_setting() {
  static const CacheSetting setting = [] {
    CacheSetting s;
    const char* text = std::getenv("PIXELPACT_CACHED_OUTPUTS");
    if (!text || !*text) return s;
    bool digits = true;
    for (const char* c = text; *c && digits; ++c) digits = *c >= '0' && *c <= '9';
    const long value = digits && std::strlen(text) <= 2 ? std::strtol(text, nullptr, 10) : -1;
    if (value >= 0 && value <= 64) {
      s.blocks = static_cast<std::size_t>(value);
    } else {
      s.problem = std::string("PIXELPACT_CACHED_OUTPUTS='") + text +
                  "' is not an integer from 0 to 64: ignored, 2 released output blocks are kept";
    }
    return s;
  }();
  return setting;
}

// A new anonymous mapping of at least `bytes` starting on a 2 MiB boundary;
// false where the system has no mmap or refuses.
bool map_block(std::size_t bytes, Block& block) {
#if defined(PIXELPACT_HAVE_MMAP)
  const std::size_t capacity = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  const std::size_t length = capacity + kHugePage;  // room to align the start
  void* mapping = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) return false;
  const auto start = (reinterpret_cast<std::uintptr_t>(mapping) + kHugePage - 1) / kHugePage * kHugePage;
  block = Block{mapping, length, reinterpret_cast<void*>(start), capacity};
#if defined(MADV_HUGEPAGE)
  // Advice, as numpy gives it for large arrays: ignored where THP is off.
  madvise(block.data, capacity, MADV_HUGEPAGE);
#endif
  return true;
#else
  (void)bytes;
  (void)block;
  return false;
#endif
}

void unmap_block(const Block& block) {
#if defined(PIXELPACT_HAVE_MMAP)
  munmap(block.mapping, block.mapping_length);
#else
  (void)block;
#endif
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
    return map_block(bytes, block);
  }

  // Keeps a released block, newest first, dropping the oldest beyond the bounds.
  void give_back(const Block& block) {
    std::vector<Block> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cache_setting().blocks > 0 && block.capacity <= kMaxCachedBytes) {
        blocks_.insert(blocks_.begin(), block);
        cached_bytes_ += block.capacity;
      } else {
        dropped.push_back(block);
      }
      while (blocks_.size() > cache_setting().blocks || cached_bytes_ > kMaxCachedBytes) {
        dropped.push_back(blocks_.back());
        cached_bytes_ -= blocks_.back().capacity;
        blocks_.pop_back();
      }
    }
    for (const Block& b : dropped) unmap_block(b);
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
    for (const Block& b : dropped) unmap_block(b);
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

py::array new_output_array(const py::dtype& dtype, const std::vector<py::ssize_t>& shape) {
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
  return py::array(dtype, shape);
}

std::size_t release_cached_outputs() { return cache().release_all(); }

std::size_t cached_output_bytes() { return cache().cached_bytes(); }

const std::string& cache_setting_problem() { return cache_setting().problem; }

}  // namespace pixelpact_python
