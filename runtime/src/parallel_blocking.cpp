// weft::blocking under weft::run: a blocking call runs on a worker thread, so the
// goroutine's processor keeps running the others (Go's entersyscall/handoffp, turned
// around: the processor stays on its thread and the goroutine moves to another).
//
// One call, step by step:
//  1. the goroutine switches to its processor's g0 (After::blocking); g0, once the
//     goroutine's context is saved, counts it in nblocking_ and hands it to an idle worker,
//     or starts a new one (at most max_threads threads in all: the processors' and the
//     workers'), then picks the next goroutine;
//  2. the worker switches into the goroutine, which runs the call on its own stack (an
//     exception is caught there, so it never unwinds across a switch);
//  3. the goroutine switches back to the worker, which puts itself on the idle list first
//     (so a goroutine that makes blocking calls one after another reuses it), then queues
//     the goroutine on the global queue and wakes a processor;
//  4. a processor resumes the goroutine, which rethrows what the call threw, if anything.
//
// When the run ends, idle workers are joined; a worker still inside a call is detached and
// keeps the pool, its goroutine's record and stack alive: when the call returns it finds
// the pool closed and its thread ends without touching the scheduler.
#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <system_error>
#include <thread>

#include "parallel.hpp"
#include "report.hpp"

namespace weft::detail {

namespace {

// What a goroutine in weft::blocking hands its worker (through G::sched_data).
struct BlockingCall {
  void (*fn)(void*);
  void* arg;
  std::exception_ptr error;
};

thread_local BlockingWorker* tls_worker = nullptr;
thread_local G* tls_worker_call = nullptr;  // the goroutine whose call runs here, or null

// Out of line, as this_proc(): the goroutine reads it after a switch that moved it to the
// worker's thread.
[[gnu::noinline]] BlockingWorker* this_worker() noexcept {
  asm volatile("" ::: "memory");
  return tls_worker;
}

}  // namespace

void ParallelScheduler::blocking(void (*fn)(void*), void* arg, Location where) {
  G* g = current();
  BlockingCall call{fn, arg, nullptr};
  g->sched_data = reinterpret_cast<std::uintptr_t>(&call);
  store_shared(g->reason, WaitReason::blocking_call);
  store_shared(g->blocked_at, where);
  g->last_op = where;
  leave_for_blocking(g);  // step 1
  // Step 2: on the worker's thread, which has no processor.
  BlockingWorker* w = this_worker();
  try {
    call.fn(call.arg);
  } catch (...) {
    call.error = std::current_exception();
  }
  switch_to(g->ctx, w->native);
  // Step 4: back on a processor (perhaps switched into by a park there: see resumed).
  resumed();
  store_shared(g->reason, WaitReason::none);
  g->sched_data = 0;
  if (call.error) std::rethrow_exception(call.error);
}

[[gnu::noinline]] G* blocking_call_here() noexcept {
  asm volatile("" ::: "memory");
  return tls_worker_call;
}

void ParallelScheduler::submit_blocking(G* g) {
  BlockingWorker* w = nullptr;
  {
    std::lock_guard<std::mutex> lk(pool_->mu);
    if (!pool_->idle.empty()) {
      w = pool_->idle.back();
      pool_->idle.pop_back();
      w->job = g;
    } else if (nprocs_ + pool_->all.size() < max_threads_) {
      pool_->all.push_back(std::make_unique<BlockingWorker>());
      w = pool_->all.back().get();
      w->job = g;
      try {
        w->thread = std::thread(&ParallelScheduler::worker_main, pool_, w, this);
      } catch (const std::system_error& e) {
        die(fmt::format("fatal error: could not start an OS thread for weft::blocking "
                        "(goroutine {}): {}\nLower RunOptions::max_threads below the "
                        "system's limit, or raise that limit (ulimit -u).\n",
                        g->id, e.what()));
      }
    }
  }
  if (!w)
    die(fmt::format(
        "fatal error: thread exhaustion: goroutine {} needs an OS thread for weft::blocking, "
        "and the run already uses {} ({} processors and {} blocking calls in progress), "
        "its limit (RunOptions::max_threads)\nRaise RunOptions::max_threads, or make fewer "
        "blocking calls at once (a worker pool of goroutines in front of them).\n",
        g->id, max_threads_, nprocs_, max_threads_ - nprocs_));
  w->parker.post();
}

// On the worker's thread (step 3).
void ParallelScheduler::end_blocking(G* g) {
  store_shared(g->state, GState::runnable);
  global_put(&g, 1);
  nblocking_.fetch_sub(1, std::memory_order_seq_cst);  // after it is queued: check_deadlock
  wake_from_outside();
}

// Also what a wake-up from any thread with no processor does: f of a blocking call that
// closes a channel, cancels a context, unlocks a Mutex; a thread of the program's own.
void ParallelScheduler::let_outside_in() {
  if (!sole_.load(std::memory_order_acquire)) return;
  outside_wants_in_.store(true, std::memory_order_seq_cst);
  // A processor that has stopped (main returned) never acknowledges, and runs nothing any
  // more: the caller goes on without it (and the run's end waits for the caller's operation).
  for (int spins = 0; sole_.load(std::memory_order_acquire) &&
                      !stopping_.load(std::memory_order_acquire);
       ++spins) {
    wake_from_outside();  // a parked processor comes round to acknowledge
    if (spins < 100)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

void let_outside_in(Scheduler* run) {
  static_cast<ParallelScheduler*>(run)->let_outside_in();
}

void ParallelScheduler::ready_from_outside(G* g) {
  global_put(&g, 1);
  wake_from_outside();
}

void ParallelScheduler::worker_main(std::shared_ptr<BlockingPool> pool, BlockingWorker* w,
                                    ParallelScheduler* s) {
  tls_worker = w;
  for (;;) {
    w->parker.wait(std::nullopt);
    G* g = nullptr;
    {
      std::lock_guard<std::mutex> lk(pool->mu);
      if (pool->closed) return;
      g = w->job;
    }
    if (!g) continue;
    tls_worker_call = g;
    switch_to(w->native, g->ctx);
    tls_worker_call = nullptr;
    // The call returned and the goroutine's context is saved.
    {
      std::lock_guard<std::mutex> lk(pool->mu);
      if (pool->closed) return;  // the run is over: s is gone, g is left as it is
      w->job = nullptr;
      pool->idle.push_back(w);
      ++pool->returning;
    }
    s->end_blocking(g);
    {
      std::lock_guard<std::mutex> lk(pool->mu);
      if (--pool->returning == 0 && pool->closed) pool->returned.notify_all();
    }
  }
}

// After every processor stopped: no call starts any more.
void ParallelScheduler::close_blocking() {
  std::vector<BlockingWorker*> join;
  {
    std::unique_lock<std::mutex> lk(pool_->mu);
    pool_->closed = true;
    pool_->returned.wait(lk, [&] { return pool_->returning == 0; });
    for (auto& w : pool_->all) {
      if (w->job)
        w->thread.detach();  // inside a call (or about to begin one it will not run)
      else
        join.push_back(w.get());
    }
  }
  for (BlockingWorker* w : join) {
    w->parker.post();
    w->thread.join();
  }
}

// The entry point of weft::blocking (run.hpp).
void run_blocking(void (*fn)(void*), void* arg, Location where) {
  Scheduler* s = current_scheduler();
  if (!s || !s->is_parallel() || !s->current()) {
    fn(arg);  // outside weft::run (or nested in a blocking call): nothing to hand over
    return;
  }
  static_cast<ParallelScheduler*>(s)->blocking(fn, arg, where);
}

}  // namespace weft::detail
