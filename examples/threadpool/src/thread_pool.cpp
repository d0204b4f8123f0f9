// The pool's workers and its queue; see thread_pool.hpp for the invariants.
//
// THREADPOOL_SEED_IDLE_BUG plants a bug that such pools are known to ship with: wait_idle()
// waits for the queue to be empty but forgets the tasks that workers have taken and are still
// running, so it can return before the last task has finished. The tests of
// threadpool_seeded_tests must find it (tests/seeded_bug_test.cpp).
#include "threadpool/thread_pool.hpp"

#include <algorithm>
#include <exception>

namespace tp {

ThreadPool::ThreadPool(std::size_t workers) {
  if (workers == 0) throw std::invalid_argument("ThreadPool needs at least one worker");
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() { shutdown(); }

void ThreadPool::enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) throw std::logic_error("ThreadPool::submit after shutdown");
    queued_.push_back(std::move(task));
  }
  work_available_.notify_one();
}

void ThreadPool::worker_loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      work_available_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queued_.front());
      queued_.pop_front();
      ++running_;
    }
    task();  // a packaged_task: its exception goes to the future
    {
      std::lock_guard lock(mu_);
      --running_;
      ++completed_;
    }
    idle_.notify_all();
  }
}

void ThreadPool::wait_idle() {
  std::unique_lock lock(mu_);
#ifdef THREADPOOL_SEED_IDLE_BUG
  idle_.wait(lock, [&] { return queued_.empty(); });
#else
  idle_.wait(lock, [&] { return queued_.empty() && running_ == 0; });
#endif
}

void ThreadPool::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  work_available_.notify_all();
  for (std::thread& w : workers_)
    if (w.joinable()) w.join();
  std::lock_guard lock(mu_);
  workers_.clear();
}

std::size_t ThreadPool::completed() const {
  std::lock_guard lock(mu_);
  return completed_;
}

void ThreadPool::parallel_for(std::size_t begin, std::size_t end,
                              const std::function<void(std::size_t)>& body) {
  if (begin >= end) return;
  const std::size_t n = end - begin;
  const std::size_t chunks = std::min(n, size());
  std::vector<std::future<void>> parts;
  parts.reserve(chunks);
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t lo = begin + n * c / chunks, hi = begin + n * (c + 1) / chunks;
    parts.push_back(submit([lo, hi, &body] {
      for (std::size_t i = lo; i < hi; ++i) body(i);
    }));
  }
  std::exception_ptr first;
  for (auto& p : parts) {
    try {
      p.get();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace tp
