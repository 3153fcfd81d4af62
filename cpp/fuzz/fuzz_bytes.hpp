// Reading a fuzzer's input bytes as decisions: integers in a range, picks from a
// list, flags. Deterministic (the same bytes give the same decisions, so every
// corpus file replays exactly), and total: past the end every read returns the
// range's low end, so any byte string is a valid input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace pixelpact::fuzz {

class FuzzBytes {
 public:
  FuzzBytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  // An integer in [lo, hi] (inclusive), from as few bytes as the range needs.
  std::int64_t range(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    std::uint64_t value = 0;
    for (std::uint64_t seen = 0; seen < span && pos_ < size_; seen = (seen << 8) | 0xFF) {
      value = (value << 8) | data_[pos_++];
    }
    const std::uint64_t offset = span == UINT64_MAX ? value : value % (span + 1);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + offset);  // modular: no overflow
  }
  int pick(int count) { return static_cast<int>(range(0, count - 1)); }
  bool flag() { return range(0, 1) == 1; }
  std::uint8_t byte() { return static_cast<std::uint8_t>(range(0, 255)); }
  // A double from 8 raw bytes: any bit pattern, NaN and infinities included.
  double raw_double() {
    std::uint64_t bits = static_cast<std::uint64_t>(range(INT64_MIN, INT64_MAX));
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  std::size_t remaining() const { return size_ - pos_; }
  // The unread bytes (and consumes them).
  std::string rest() {
    std::string s(reinterpret_cast<const char*>(data_ + pos_), size_ - pos_);
    pos_ = size_;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// A deterministic pseudo-random byte stream (splitmix64) for image contents, so
// large images need not come from the fuzzer's bytes.
inline void fill_noise(std::uint8_t* p, std::size_t n, std::uint64_t seed) {
  for (std::size_t i = 0; i < n; ++i) {
    seed += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    p[i] = static_cast<std::uint8_t>(z ^ (z >> 31));
  }
}

// Stops the process loudly: libFuzzer records the input, the replay driver
// fails its ctest. Only the harnesses call it, never the library.
[[noreturn]] inline void fuzz_failure(const char* what, const std::string& detail) {
  std::fprintf(stderr, "pixelpact fuzz failure: %s\n%s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace pixelpact::fuzz
