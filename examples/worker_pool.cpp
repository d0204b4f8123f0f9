// Worker pools.
//
// A fixed number of workers take jobs from one buffered channel and put results on
// another. Closing the jobs channel tells the workers there is no more work: each one's
// range loop ends once the queue is drained. A WaitGroup counts the workers, and a
// goroutine closes the results channel when all have returned, so the consumer can simply
// range over the results. The pool bounds concurrency at three, however many jobs there are.
#include <array>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::worker_pool {

namespace {

struct Result {
  int job = 0;
  int worker = 0;
  int output = 0;
};

constexpr int kJobs = 8;
constexpr int kWorkers = 3;

}  // namespace

void run() {
  auto jobs = weft::make_chan<int>(kJobs);
  auto results = weft::make_chan<Result>(kJobs);
  weft::WaitGroup wg;
  for (int w = 1; w <= kWorkers; ++w) {
    wg.add(1);
    weft::go([jobs, results, &wg, w] {
      for (int job : jobs) results.send({job, w, job * 2});
      wg.done();
    });
  }
  weft::go([results, &wg] {
    wg.wait();
    results.close();
  });

  for (int j = 0; j < kJobs; ++j) jobs.send(j);
  jobs.close();

  std::array<int, kJobs> done_count{};
  for (const Result& r : results) {
    weft::check(r.output == r.job * 2, "a worker computed the wrong output");
    weft::check(r.worker >= 1 && r.worker <= kWorkers, "a result from outside the pool");
    ++done_count[r.job];
  }
  for (int n : done_count) weft::check(n == 1, "every job is done exactly once");
}

}  // namespace weft_examples::worker_pool
