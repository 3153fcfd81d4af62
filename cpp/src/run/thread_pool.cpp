#include "run/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace pixelpact::detail {
namespace {

// One parallel_for call. Workers and the caller claim indices with an atomic
// counter; the caller returns once every index has completed. A worker that
// reaches the job late finds no index left and never touches `task`, so the
// job (shared by the queue) may outlive the call safely.
struct Job {
  std::size_t count = 0;
  const std::function<void(std::size_t)>* task = nullptr;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;

  void work() {
    for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      (*task)(i);
      if (done.fetch_add(1) + 1 == count) {
        std::lock_guard<std::mutex> lock(mutex);
        finished.notify_all();
      }
    }
  }
};

class Pool {
 public:
  void run(const std::shared_ptr<Job>& job, int helpers) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (static_cast<int>(workers_) < helpers) {
        std::thread([this] { loop(); }).detach();
        ++workers_;
      }
      for (int i = 0; i < helpers; ++i) queue_.push_back(job);
    }
    wake_.notify_all();
    job->work();
    std::unique_lock<std::mutex> lock(job->mutex);
    job->finished.wait(lock, [&] { return job->done.load() == job->count; });
  }

 private:
  void loop() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job->work();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::size_t workers_ = 0;
};

Pool& pool() {
  static Pool* instance = new Pool();  // never destroyed: detached workers use it until exit
  return *instance;
}

}  // namespace

int hardware_threads() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void parallel_for(std::size_t count, int threads, const std::function<void(std::size_t)>& task) {
  if (count == 0) return;
  const std::size_t wanted = static_cast<std::size_t>(std::max(threads, 1));
  const int helpers = static_cast<int>(std::min(count, wanted)) - 1;
  auto job = std::make_shared<Job>();
  job->count = count;
  job->task = &task;
  if (helpers <= 0) {
    job->work();
    return;
  }
  pool().run(job, helpers);
}

}  // namespace pixelpact::detail
