// threadpool — a fixed-size pool of std::threads behind one work queue, written the way such
// pools usually are (std::mutex, std::condition_variable, std::future), with nothing of
// weft in it: its tests (tests/) run it unmodified under weft::explore.
//
//   tp::ThreadPool pool(4);
//   std::future<int> f = pool.submit([] { return 6 * 7; });
//   pool.parallel_for(0, n, [&](std::size_t i) { out[i] = work(i); });
//   pool.wait_idle();          // every task submitted so far has finished
//   pool.shutdown();           // runs what is queued, then joins the workers (also ~ThreadPool)
//
// Invariants (guarded by mu_):
//  - queued_ holds the tasks not yet taken; running_ counts the tasks being run;
//  - after shutdown() begins, submit() throws and the workers exit once queued_ is empty;
//  - wait_idle() returns only when queued_ is empty and running_ is 0.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace tp {

class ThreadPool {
 public:
  explicit ThreadPool(std::size_t workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues f; the future gets its result or its exception. Throws std::logic_error after
  // shutdown() has begun.
  template <class F>
  auto submit(F f) -> std::future<std::invoke_result_t<F>> {
    using R = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
    std::future<R> result = task->get_future();
    enqueue([task] { (*task)(); });
    return result;
  }

  // Runs body(i) for every i in [begin, end), split into one chunk per worker, and returns
  // when all have run. The first exception a chunk throws is rethrown here.
  void parallel_for(std::size_t begin, std::size_t end,
                    const std::function<void(std::size_t)>& body);

  // Blocks until every task submitted so far has finished.
  void wait_idle();
  // Runs the queued tasks, then stops and joins the workers. Idempotent.
  void shutdown();

  std::size_t size() const noexcept { return workers_.size(); }
  // Tasks submitted and finished so far.
  std::size_t completed() const;

 private:
  void enqueue(std::function<void()> task);
  void worker_loop();

  mutable std::mutex mu_;
  std::condition_variable work_available_;  // a task was queued, or shutdown began
  std::condition_variable idle_;            // queued_ and running_ may both be zero now
  std::deque<std::function<void()>> queued_;
  std::size_t running_ = 0;
  std::size_t completed_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace tp
