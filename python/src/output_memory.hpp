// Memory of the output arrays the bindings create themselves (pipe(img),
// pipe.batch and run_encoded without out=).
//
// The first write to freshly mapped memory is a page fault in which the kernel
// zeroes the page; for a 64-image batch of 224x224 float32 tensors (38 MiB)
// that zeroing cost as much as a quarter of the batch and did not get faster
// with more threads (docs/performance.md). Arrays of kMinCachedBytes and more
// therefore come from a small cache of blocks that earlier arrays released: a
// loop that drops each batch before (or just after) making the next reuses
// memory that is already mapped. At most PIXELPACT_CACHED_OUTPUTS blocks
// (default 2, 0 turns the cache off) and kMaxCachedBytes in total are kept;
// release_cached_outputs() returns them to the system. Where there is no mmap,
// large outputs are numpy's own arrays.
#pragma once

#include <pybind11/numpy.h>

#include <cstddef>
#include <string>
#include <vector>

namespace pixelpact_python {

constexpr std::size_t kMinCachedBytes = std::size_t{4} << 20;
constexpr std::size_t kMaxCachedBytes = std::size_t{1} << 30;

// A new C-contiguous array, uninitialised (it may hold an earlier array's bytes).
pybind11::array new_output_array(const pybind11::dtype& dtype, const std::vector<pybind11::ssize_t>& shape);

// Unmaps every cached block; returns the bytes released.
std::size_t release_cached_outputs();

// Bytes held in cached blocks now.
std::size_t cached_output_bytes();

// Why PIXELPACT_CACHED_OUTPUTS was not taken (the default is then in force), or "".
const std::string& cache_setting_problem();

}  // namespace pixelpact_python
