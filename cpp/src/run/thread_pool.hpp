// A process-wide pool of worker threads, created on first use and kept for the
// life of the process (so repeated batches pay no thread start-up).
#pragma once

#include <cstddef>
#include <functional>

namespace pixelpact::detail {

// Runs task(i) for i in [0, count) on up to `threads` threads (the caller is
// one of them) and returns when all are done. Tasks must not throw. Safe to call
// from several threads at once; each call waits only for its own tasks.
void parallel_for(std::size_t count, int threads, const std::function<void(std::size_t)>& task);

// Threads the machine offers (at least 1).
int hardware_threads() noexcept;

}  // namespace pixelpact::detail
