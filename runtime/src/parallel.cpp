// The parallel scheduler; see parallel.hpp for the model and its invariants.
//
// A goroutine leaves the CPU only at a park, a yield or its end. A park whose processor has
// a goroutine in runnext switches straight into it (next_direct says when: as long as
// find_runnable would pick runnext too); otherwise, and always at a yield or an end, the
// goroutine switches to its processor's g0, which picks the next one: find_runnable looks,
// in order, at due timers, (every 61st time) the global queue, runnext and the ring, the
// global queue, then spins stealing from the others, then parks. Whichever context resumes
// next on the processor first does what the leaving goroutine asked (after_switch).
//
// Thread-local state and migration: a goroutine may resume on another OS thread than the
// one it parked on. Nothing here keeps the address of a thread_local across a switch:
// this_proc() is out of line and opaque to the optimiser, and is called again after every
// switch back.
#include "parallel.hpp"

#include <fmt/format.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "report.hpp"
#include "weft/detail/wait_queue.hpp"
#include "weft/panic.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_PAR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_PAR_ASAN 1
#endif
#endif
#ifdef WEFT_PAR_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace weft::detail {

namespace {
thread_local Proc* tls_proc = nullptr;

// Out of line, with a compiler barrier, so the thread pointer is read again at each call
// (a goroutine that parked on one thread may be resumed on another).
[[gnu::noinline]] Proc* this_proc() noexcept {
  asm volatile("" ::: "memory");
  return tls_proc;
}
[[gnu::noinline]] void set_this_proc(Proc* p) noexcept {
  asm volatile("" ::: "memory");
  tls_proc = p;
}
// SpinLocks are not taken on the thread of a run's only processor (spinlock.hpp).
[[gnu::noinline]] void set_sole_processor(bool v) noexcept {
  asm volatile("" ::: "memory");
  tls_sole_processor = v;
}

// When a goroutine blocks (G::blocked_since), in time-stamp counter ticks: one instruction
// on every park, where a clock read costs a call through the clock_gettime interposer and
// the vDSO (8 ns here, as much as a third of a hand-off). Dumps convert ticks to time with
// the counter's rate measured over the run so far (the counter is constant-rate on every
// x86-64 this runs on: constant_tsc).
std::int64_t stamp() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return static_cast<std::int64_t>(__builtin_ia32_rdtsc());
#else
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
#endif
}

inline void cpu_relax() noexcept { __builtin_ia32_pause(); }

// How long an idle processor spins looking for work before it parks.
constexpr std::int64_t kSpinNs = 10'000;
// The watcher's naps (see parallel.hpp): the first, and the longest after doubling.
constexpr std::int64_t kNapMinNs = 50'000;
constexpr std::int64_t kNapMaxNs = 2'000'000;
// Dead goroutines a processor keeps for reuse before handing a batch to the global list.
constexpr std::size_t kLocalFreeMax = 64;
constexpr std::size_t kFreeBatch = 32;
// Consecutive runnext picks before the ring gets a turn (two goroutines handing a value
// back and forth must not starve the rest).
constexpr std::uint32_t kRunnextStreak = 64;
// A dump lists this many goroutines in full and counts the rest.
constexpr std::size_t kRunDumpListed = 100;

std::uint64_t xorshift(std::uint64_t& s) noexcept {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

std::string human_duration(std::int64_t ns) {
  if (ns < 0) ns = 0;
  if (ns >= 60'000'000'000) return fmt::format("{} minutes", ns / 60'000'000'000);
  if (ns >= 1'000'000'000) return fmt::format("{:.1f}s", static_cast<double>(ns) / 1e9);
  return fmt::format("{}ms", ns / 1'000'000);
}
}  // namespace

// ---- Parker ----

void Parker::post() {
  if (state_.exchange(1, std::memory_order_release) == -1)
    ::syscall(SYS_futex, &state_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

bool Parker::wait(std::optional<std::chrono::steady_clock::time_point> deadline) {
  int s = 0;
  if (!state_.compare_exchange_strong(s, -1, std::memory_order_acquire)) {
    state_.store(0, std::memory_order_relaxed);  // it was 1: consume the post
    return true;
  }
  struct timespec at {};
  if (deadline) {
    // steady_clock is CLOCK_MONOTONIC, FUTEX_WAIT_BITSET's clock for an absolute timeout.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        deadline->time_since_epoch())
                        .count();
    at.tv_sec = ns / 1'000'000'000;
    at.tv_nsec = ns % 1'000'000'000;
  }
  for (;;) {
    ::syscall(SYS_futex, &state_, FUTEX_WAIT_BITSET_PRIVATE, -1, deadline ? &at : nullptr,
              nullptr, FUTEX_BITSET_MATCH_ANY);
    if (state_.load(std::memory_order_acquire) == 1) {
      state_.store(0, std::memory_order_relaxed);
      return true;
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      int e = -1;
      if (state_.compare_exchange_strong(e, 0, std::memory_order_acquire)) return false;
      state_.store(0, std::memory_order_relaxed);  // posted just now
      return true;
    }
    // A spurious wake-up (a signal, or the word changed and changed back): sleep again.
  }
}

// ---- Construction ----

ParallelScheduler::ParallelScheduler(unsigned procs, StackPool& stacks, unsigned max_threads)
    : nprocs_(procs), max_threads_(max_threads), stacks_(stacks) {
  parallel_ = true;
  for (unsigned i = 0; i < procs; ++i) {
    auto p = std::make_unique<Proc>();
    p->id = i;
    p->sched = this;
    p->rng = 0x9e3779b97f4a7c15ull * (i + 1);
    p->seen_ticks.assign(procs, 0);
    p->seen_tail.assign(procs, 0);
    p->nap_ns = kNapMinNs;
    procs_.push_back(std::move(p));
  }
}

ParallelScheduler::~ParallelScheduler() = default;

G* ParallelScheduler::current() noexcept {
  Proc* p = this_proc();
  return p ? p->cur : nullptr;
}

G* run_current() noexcept { return this_proc()->cur; }

Wake run_park(WaitReason reason, const Location& where, UnlockFn unlock, void* arg) {
  Proc* p = this_proc();
  return p->sched->park_on(p, reason, where, unlock, arg);
}

void run_ready(G* g) {
  Proc* p = this_proc();
  p->sched->ready_on(p, g);
}

Duration ParallelScheduler::now() noexcept { return std::chrono::steady_clock::now() - start_; }

std::int64_t ParallelScheduler::now_ns() const noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              start_)
      .count();
}

std::size_t ParallelScheduler::choose(std::size_t n) {
  if (n < 2) return 0;
  Proc* p = this_proc();
  return static_cast<std::size_t>(xorshift(p->rng) % n);
}

// ---- Goroutines ----

GoId ParallelScheduler::next_id(Proc* p) {
  if (p->id_next == p->id_end) {
    constexpr GoId kBatch = 16;
    p->id_next = next_goid_.fetch_add(kBatch, std::memory_order_relaxed);
    p->id_end = p->id_next + kBatch;
  }
  return p->id_next++;
}

G* ParallelScheduler::new_g(Proc* p) {
  if (p->gfree.empty()) {
    gfree_lock_.lock();
    std::size_t n = std::min(gfree_.size(), kFreeBatch);
    p->gfree.insert(p->gfree.end(), gfree_.end() - static_cast<std::ptrdiff_t>(n), gfree_.end());
    gfree_.resize(gfree_.size() - n);
    gfree_lock_.unlock();
  }
  if (!p->gfree.empty()) {
    G* g = p->gfree.back();
    p->gfree.pop_back();
    return g;
  }
  auto* g = new G;
  std::lock_guard<std::mutex> lk(allg_mu_);
  allgs_.push_back(g);
  return g;
}

// A dead goroutine's stack stays with its processor for the next goroutine that starts
// there (a spawned goroutine binds a stack only when it first runs), unless it went deep
// (the pool then gives the deep pages back) or the processor has enough.
void ParallelScheduler::free_g(Proc* p, G* g) {
  if (g->stack.region) {
    const char* keep_from = static_cast<const char*>(g->stack.bottom) + g->stack.size -
                            std::min(g->stack.size, StackPool::kKeepResident);
    if (static_cast<const char*>(g->ctx.lowest_sp) < keep_from ||
        p->stacks.size() >= kLocalFreeMax)
      stacks_.put(g->stack, g->ctx.lowest_sp);
    else
      p->stacks.push_back(g->stack);
    g->stack = Stack{};
  }
  g->started = false;
  g->ncalls = 0;
  g->reason = WaitReason::none;
  p->gfree.push_back(g);
  if (p->gfree.size() > kLocalFreeMax) {
    gfree_lock_.lock();
    gfree_.insert(gfree_.end(), p->gfree.end() - kFreeBatch, p->gfree.end());
    gfree_lock_.unlock();
    p->gfree.resize(p->gfree.size() - kFreeBatch);
  }
}

// A new goroutine is work for another processor: wake one. A readied one (next) wakes
// nobody, even when it pushed the old runnext into the ring: the watcher takes what stays
// queued for a whole nap (parallel.hpp).
void ParallelScheduler::start(Proc* p, G* g, bool next) {
  runq_put(p, g, next);
  if (!next)
    wakep();
  else if (nprocs_ > 1)
    watch_runnext();
}

void ParallelScheduler::spawn(std::unique_ptr<Callable> fn, std::string name,
                              Location created_at) {
  Proc* p = this_proc();
  G* g = new_g(p);
  g->id = next_id(p);
  g->parent = p->cur ? p->cur->id : 0;
  g->name = std::move(name);
  g->created_at = created_at;
  g->fn = std::move(fn);
  g->state = GState::runnable;
  start(p, g, false);
}

void ParallelScheduler::spawn_from_timer(std::unique_ptr<Callable> fn, std::string name) {
  Proc* p = this_proc();
  G* g = new_g(p);
  g->id = next_id(p);
  g->parent = 0;
  g->name = std::move(name);
  g->created_at = Location{};
  g->fn = std::move(fn);
  g->state = GState::runnable;
  start(p, g, false);
}

void ParallelScheduler::fiber_entry(void* arg) {
  G* g = static_cast<G*>(arg);
  auto* self = static_cast<ParallelScheduler*>(current_scheduler());
  try {
    g->fn->invoke();
    g->fn.reset();
  } catch (const Panic& e) {
    self->die(panic_report(*g, e.what(), e.where()));
  } catch (const CheckFailure& e) {
    self->die(check_report(*g, e.what(), e.where()));
  } catch (const std::exception& e) {
    self->die(exception_report(*g, e.what()));
  } catch (...) {
    self->die(exception_report(*g, "unknown exception"));
  }
  Proc* p = this_proc();
  p->after = Proc::After::exit;
  p->prev = g;
  switch_final(g->ctx, p->g0);
}

// g leaves the CPU; whoever resumes next on this processor marks it blocked and runs
// unlock(arg) (after_switch). When runnext holds a goroutine that find_runnable would pick
// anyway, g switches straight into it: one context switch instead of two, and no pass
// through the scheduler loop.
Wake ParallelScheduler::park(WaitReason reason, Location where, UnlockFn unlock, void* arg) {
  return park_on(this_proc(), reason, where, unlock, arg);
}

Wake ParallelScheduler::park_on(Proc* p, WaitReason reason, const Location& where,
                                UnlockFn unlock, void* arg) {
  G* g = p->cur;
  g->reason = reason;
  g->blocked_at = where;
  g->last_op = where;
  p->after = Proc::After::park;
  p->prev = g;
  p->unlock = unlock;
  p->unlock_arg = arg;
  if (G* next = next_direct(p)) {
    next->state = GState::running;
    p->cur = next;
    p->ticks.store(p->ticks.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    switch_to(g->ctx, next->ctx);
  } else {
    switch_to(g->ctx, p->g0);
  }
  // Resumed, perhaps on another processor: by its g0, or by a goroutine that parked there
  // and left its own after_switch to us.
  p = this_proc();
  if (p->after != Proc::After::none) after_switch(p);
  g->reason = WaitReason::none;
  return Wake::ready;
}

// What find_runnable would return at once, without its other work: runnext, unless the run
// is stopping, the global queue has its every-61st turn, or runnext has had its streak (the
// ring's turn). Due timers are left to g0 too: the streak bound sends every 64th pick
// through it, so a timer waits a few hand-offs at most.
G* ParallelScheduler::next_direct(Proc* p) noexcept {
  if (p->runnext_streak >= kRunnextStreak || (p->schedtick + 1) % 61 == 0) return nullptr;
  if (stopping_.load(std::memory_order_relaxed)) return nullptr;
  G* g = take_runnext(p);
  if (!g) return nullptr;
  ++p->schedtick;
  ++p->runnext_streak;
  return g;
}

G* ParallelScheduler::take_runnext(Proc* p) noexcept {
  G* g = p->runnext.load(std::memory_order_relaxed);
  if (!g) return nullptr;
  if (nprocs_ == 1) {  // no thief, no watcher: only this thread touches runnext
    p->runnext.store(nullptr, std::memory_order_relaxed);
    return g;
  }
  return p->runnext.compare_exchange_strong(g, nullptr, std::memory_order_acquire) ? g : nullptr;
}

// weft::blocking's first step (parallel_blocking.cpp): to g0, which hands g to a worker.
void ParallelScheduler::leave_for_blocking(G* g) {
  Proc* p = this_proc();
  p->after = Proc::After::blocking;
  p->prev = g;
  switch_to(g->ctx, p->g0);
}

void ParallelScheduler::yield(Location where) {
  Proc* p = this_proc();
  G* g = p->cur;
  g->last_op = where;
  p->after = Proc::After::yield;
  p->prev = g;
  switch_to(g->ctx, p->g0);
}

void ParallelScheduler::ready(G* g) { ready_on(this_proc(), g); }

void ParallelScheduler::ready_on(Proc* p, G* g) {
  if (g->state != GState::blocked) return;
  g->state = GState::runnable;
  runq_put(p, g, true);
  if (nprocs_ > 1) watch_runnext();  // (start's rule for a readied goroutine)
}

void ParallelScheduler::exit_killed() {
  // Nothing is torn down under weft::run: goroutines alive when main returns are abandoned.
  std::fputs("weft: exit_killed() under weft::run (a runtime bug)\n", stderr);
  std::abort();
}

void ParallelScheduler::fail_now(FailureKind, std::string report) { die(report); }

// Runs right after p->prev left the CPU, on the context that resumed next on p: g0, or the
// goroutine a park switched to directly (only after park then).
void ParallelScheduler::after_switch(Proc* p) {
  G* g = p->prev;
  const Proc::After what = p->after;
  p->prev = nullptr;
  p->after = Proc::After::none;
  switch (what) {
    case Proc::After::park: {
      g->blocked_since = stamp();
      g->state = GState::blocked;
      UnlockFn unlock = p->unlock;
      void* arg = p->unlock_arg;
      p->unlock = nullptr;
      if (unlock) unlock(arg);  // from here on, a waker may resume g anywhere
      break;
    }
    case Proc::After::yield:
      g->state = GState::runnable;
      global_put(&g, 1);
      break;
    case Proc::After::exit:
      g->state = GState::dead;
      if (g == main_) {
        stop_all();
      } else {
        free_g(p, g);
      }
      break;
    case Proc::After::blocking:
      g->blocked_since = stamp();
      g->state = GState::blocked;
      nblocking_.fetch_add(1, std::memory_order_seq_cst);
      submit_blocking(g);  // from here on, a worker may run it
      break;
    case Proc::After::none:
      break;
  }
}

void ParallelScheduler::execute(Proc* p, G* g) {
  if (!g->started) {
    if (!p->stacks.empty()) {
      g->stack = p->stacks.back();
      p->stacks.pop_back();
#ifdef WEFT_PAR_ASAN
      // The previous goroutine's frames left ASan's poisoning behind.
      __asan_unpoison_memory_region(g->stack.bottom, g->stack.size);
#endif
    } else {
      try {
        g->stack = stacks_.get();
      } catch (const StackLimitReached& why) {
        die(fmt::format("fatal error: could not reserve a goroutine stack: {}\n\n{}{}\n",
                        why.limit, goroutine_dump(*g, false), why.remedy));
      }
    }
    fiber_make(g->ctx, g->stack, &fiber_entry, g);
    g->started = true;
  }
  g->state = GState::running;
  p->cur = g;
  p->ticks.store(p->ticks.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  switch_to(p->g0, g->ctx);
  // The goroutine that came back (g, or one g or its successors parked into) is p->prev.
  p->cur = nullptr;
  after_switch(p);
}

void ParallelScheduler::proc_main(Proc* p) {
  set_this_proc(p);
  Scheduler* outer = current_scheduler();
  set_current_scheduler(this);
  if (nprocs_ == 1) set_sole_processor(true);
  while (G* g = find_runnable(p)) execute(p, g);
  set_sole_processor(false);
  set_current_scheduler(outer);
  set_this_proc(nullptr);
}

// ---- Run queues ----

bool ParallelScheduler::runq_put(Proc* p, G* g, bool next) {
  if (next) {
    G* old;
    if (nprocs_ == 1) {  // only this thread touches runnext (take_runnext)
      old = p->runnext.load(std::memory_order_relaxed);
      p->runnext.store(g, std::memory_order_relaxed);
    } else {
      // seq_cst: pairs with park_proc's and leave_watch's (see watch_runnext).
      old = p->runnext.exchange(g, std::memory_order_seq_cst);
    }
    if (!old) return false;
    g = old;  // the previous runnext goes to the ring
  }
  for (;;) {
    std::uint32_t h = p->head.load(std::memory_order_acquire);
    std::uint32_t t = p->tail.load(std::memory_order_relaxed);
    if (t - h < Proc::kRing) {
      p->ring[t % Proc::kRing].store(g, std::memory_order_relaxed);
      p->tail.store(t + 1, std::memory_order_release);
      return true;
    }
    if (runq_put_slow(p, g, h, t)) return true;
  }
}

// The ring is full: move half of it, and g, to the global queue.
bool ParallelScheduler::runq_put_slow(Proc* p, G* g, std::uint32_t h, std::uint32_t t) {
  constexpr std::uint32_t n = Proc::kRing / 2;
  if (t - h != Proc::kRing) return false;
  std::array<G*, n + 1> batch;
  for (std::uint32_t i = 0; i < n; ++i)
    batch[i] = p->ring[(h + i) % Proc::kRing].load(std::memory_order_relaxed);
  if (!p->head.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return false;
  batch[n] = g;
  global_put(batch.data(), batch.size());
  return true;
}

G* ParallelScheduler::runq_get(Proc* p) {
  if (p->runnext_streak < kRunnextStreak) {
    if (G* next = take_runnext(p)) {
      ++p->runnext_streak;
      return next;
    }
  }
  p->runnext_streak = 0;
  for (;;) {
    std::uint32_t h = p->head.load(std::memory_order_acquire);
    std::uint32_t t = p->tail.load(std::memory_order_relaxed);
    if (t == h) break;
    G* g = p->ring[h % Proc::kRing].load(std::memory_order_relaxed);
    if (p->head.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel)) return g;
  }
  return take_runnext(p);  // the streak's end
}

// Takes half of victim's ring into into's ring from into_tail on (not yet published).
std::uint32_t ParallelScheduler::runq_grab(Proc* victim, Proc* into, std::uint32_t into_tail,
                                           bool steal_next) {
  for (;;) {
    std::uint32_t h = victim->head.load(std::memory_order_acquire);
    std::uint32_t t = victim->tail.load(std::memory_order_acquire);
    std::uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (steal_next) {
        G* next = victim->runnext.load(std::memory_order_acquire);
        if (next) {
          if (!victim->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel))
            continue;
          into->ring[into_tail % Proc::kRing].store(next, std::memory_order_relaxed);
          return 1;
        }
      }
      return 0;
    }
    if (n > Proc::kRing / 2) continue;  // h and t read at different moments
    for (std::uint32_t i = 0; i < n; ++i)
      into->ring[(into_tail + i) % Proc::kRing].store(
          victim->ring[(h + i) % Proc::kRing].load(std::memory_order_relaxed),
          std::memory_order_relaxed);
    if (victim->head.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return n;
  }
}

G* ParallelScheduler::runq_steal(Proc* p, Proc* victim, bool steal_next) {
  std::uint32_t t = p->tail.load(std::memory_order_relaxed);
  std::uint32_t n = runq_grab(victim, p, t, steal_next);
  if (n == 0) return nullptr;
  --n;
  G* g = p->ring[(t + n) % Proc::kRing].load(std::memory_order_relaxed);
  if (n > 0) p->tail.store(t + n, std::memory_order_release);
  return g;
}

G* ParallelScheduler::steal_work(Proc* p, bool steal_next) {
  const unsigned start_at = static_cast<unsigned>(xorshift(p->rng) % nprocs_);
  for (unsigned i = 0; i < nprocs_; ++i) {
    Proc* victim = procs_[(start_at + i) % nprocs_].get();
    if (victim == p) continue;
    if (G* g = runq_steal(p, victim, steal_next)) return g;
  }
  return nullptr;
}

void ParallelScheduler::global_put(G* const* gs, std::size_t n) {
  gq_lock_.lock();
  gq_.insert(gq_.end(), gs, gs + n);
  gq_size_.store(gq_.size(), std::memory_order_release);
  gq_lock_.unlock();
}

// Takes a fair share of the global queue: one to run, the rest into p's ring.
G* ParallelScheduler::global_get(Proc* p) {
  if (gq_size_.load(std::memory_order_acquire) == 0) return nullptr;
  gq_lock_.lock();
  std::size_t n = std::min<std::size_t>(gq_.size(), gq_.size() / nprocs_ + 1);
  n = std::min<std::size_t>(n, Proc::kRing / 2);
  G* first = nullptr;
  if (n > 0) {
    first = gq_.front();
    gq_.pop_front();
    // Into the ring's free slots only (head only grows meanwhile), so nothing overflows
    // back into the global queue whose lock is held.
    std::uint32_t t = p->tail.load(std::memory_order_relaxed);
    const std::uint32_t used = t - p->head.load(std::memory_order_acquire);
    const std::size_t room = Proc::kRing - used;
    for (std::size_t i = 1; i < n && i <= room; ++i, ++t) {
      p->ring[t % Proc::kRing].store(gq_.front(), std::memory_order_relaxed);
      gq_.pop_front();
    }
    p->tail.store(t, std::memory_order_release);
  }
  gq_size_.store(gq_.size(), std::memory_order_release);
  gq_lock_.unlock();
  return first;
}

bool ParallelScheduler::has_work(bool local) const noexcept {
  if (gq_size_.load(std::memory_order_acquire) > 0) return true;
  for (const auto& q : procs_) {
    if (!local) break;
    if (q->runnext.load(std::memory_order_acquire)) return true;
    if (q->tail.load(std::memory_order_acquire) != q->head.load(std::memory_order_acquire))
      return true;
  }
  return ntimers_.load(std::memory_order_acquire) > 0 &&
         earliest_.load(std::memory_order_acquire) <= now_ns();
}

// ---- Finding work, spinning, parking ----

G* ParallelScheduler::find_runnable(Proc* p) {
  for (;;) {
    if (stopping_.load(std::memory_order_relaxed)) return nullptr;
    fire_timers(p);
    G* g = nullptr;
    if (++p->schedtick % 61 == 0) g = global_get(p);
    if (!g) g = runq_get(p);
    if (!g) g = global_get(p);
    if (g) {
      // A processor woken by wakep comes back spinning: it stops counting as a spinner
      // before it runs anything, or later work would not wake another processor.
      reset_spinning(p);
      return g;
    }
    if (nprocs_ > 1) {
      // Spin: at most half of the busy processors do, the rest park at once.
      if (!p->spinning) {
        const int busy = static_cast<int>(nprocs_) - npidle_.load(std::memory_order_relaxed);
        if (2 * nspinning_.load(std::memory_order_relaxed) < busy) {
          p->spinning = true;
          nspinning_.fetch_add(1, std::memory_order_seq_cst);
        }
      }
      if (p->spinning) {
        const std::int64_t began = now_ns();
        unsigned backoff = 1;
        for (;;) {
          if (stopping_.load(std::memory_order_relaxed)) return nullptr;
          const std::int64_t spun = now_ns() - began;
          G* g = steal_work(p, false);  // runnext is the watcher's (parallel.hpp)
          if (!g) g = global_get(p);
          if (!g) {
            fire_timers(p);
            g = runq_get(p);
          }
          if (g) {
            reset_spinning(p);
            return g;
          }
          if (spun > kSpinNs) break;
          for (unsigned i = 0; i < backoff; ++i) cpu_relax();
          if (backoff < 64) backoff *= 2;
        }
      }
    }
    bool stuck = false;
    if (!park_proc(p, &stuck)) return nullptr;
    if (stuck) {
      if (G* g = steal_work(p, true)) {
        reset_spinning(p);
        return g;
      }
    }
  }
}

// A spinning processor found work: if it was the last spinner, another one goes looking,
// in case there is more.
void ParallelScheduler::reset_spinning(Proc* p) {
  if (!p->spinning) return;
  p->spinning = false;
  if (nspinning_.fetch_sub(1, std::memory_order_seq_cst) == 1) wakep();
}

// Work appeared: wake a parked processor, unless one is spinning already (it will find it).
void ParallelScheduler::wakep() {
  if (nprocs_ == 1) return;  // the one processor made the work itself: it is awake
  wake_from_outside();
}

void ParallelScheduler::wake_from_outside() {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with park_proc's
  if (npidle_.load(std::memory_order_relaxed) == 0) return;
  if (nspinning_.load(std::memory_order_relaxed) != 0) return;
  int expected = 0;
  if (!nspinning_.compare_exchange_strong(expected, 1, std::memory_order_seq_cst)) return;
  Proc* q = pop_idle();
  if (!q) {
    nspinning_.fetch_sub(1, std::memory_order_seq_cst);
    return;
  }
  q->spinning = true;  // it inherits the count taken above
  q->parker.post();
}

Proc* ParallelScheduler::pop_idle() {
  std::lock_guard<std::mutex> lk(idle_mu_);
  if (idle_.empty()) return nullptr;
  Proc* q = idle_.back();
  idle_.pop_back();
  q->in_idle = false;
  npidle_.fetch_sub(1, std::memory_order_seq_cst);
  return q;
}

// Takes p off the idle list; false if a waker already did (and posted its parker).
bool ParallelScheduler::leave_idle(Proc* p) {
  std::lock_guard<std::mutex> lk(idle_mu_);
  if (!p->in_idle) return false;
  std::erase(idle_, p);
  p->in_idle = false;
  npidle_.fetch_sub(1, std::memory_order_seq_cst);
  return true;
}

bool ParallelScheduler::park_proc(Proc* p, bool* stuck) {
  {
    std::lock_guard<std::mutex> lk(idle_mu_);
    idle_.push_back(p);
    p->in_idle = true;
    npidle_.fetch_add(1, std::memory_order_seq_cst);
  }
  if (p->spinning) {
    p->spinning = false;
    nspinning_.fetch_sub(1, std::memory_order_seq_cst);
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with wakep's
  if (stopping_.load(std::memory_order_acquire)) return false;
  if (has_work(false)) {
    if (!leave_idle(p)) p->parker.wait(std::nullopt);  // a waker's post is on its way
    return true;
  }
  // Another processor runs goroutines or has some queued: watch it, unless another idle
  // one does. (Watching only while something is queued would stop and restart the watcher,
  // a futex wake each time, at every hand-off: runnext is empty half the time.)
  bool watching = false;
  if (others_busy(p)) {
    Proc* none = nullptr;
    watching = watcher_.compare_exchange_strong(none, p, std::memory_order_seq_cst);
    if (watching) look(p);
  }
  std::optional<std::chrono::steady_clock::time_point> timer;
  if (ntimers_.load(std::memory_order_acquire) > 0) {
    timer = start_ + std::chrono::nanoseconds(earliest_.load(std::memory_order_acquire));
  } else if (!watching) {
    check_deadlock();
  }
  for (;;) {
    auto deadline = timer;
    bool nap = false;
    if (watching) {
      const auto wake_at = std::chrono::steady_clock::now() + std::chrono::nanoseconds(p->nap_ns);
      if (!deadline || wake_at < *deadline) {
        deadline = wake_at;
        nap = true;
      }
    }
    if (p->parker.wait(deadline)) break;  // a waker took p off the idle list
    if (stopping_.load(std::memory_order_acquire)) break;
    if (nap && !has_work(false)) {
      if (queue_stuck(p)) {
        *stuck = true;
      } else {
        if (others_busy(p)) {
          p->nap_ns = std::min(p->nap_ns * 2, kNapMaxNs);
          continue;  // the owners are switching goroutines: nap on
        }
        // Nothing to watch: park for good (or until the timer), unless the deadlock
        // check ends the run.
        leave_watch(p);
        watching = false;
        if (!timer) check_deadlock();
        continue;
      }
    }
    // Due work (a timer, a globally queued goroutine, a stuck one): leave the idle list.
    if (!leave_idle(p)) p->parker.wait(std::nullopt);  // a waker's post is on its way
    break;
  }
  if (watching) leave_watch(p);
  p->nap_ns = kNapMinNs;
  return !stopping_.load(std::memory_order_acquire);
}

bool ParallelScheduler::others_busy(const Proc* p) const noexcept {
  return npidle_.load(std::memory_order_seq_cst) < static_cast<int>(nprocs_) || any_queued(p);
}

bool ParallelScheduler::any_queued(const Proc* p) const noexcept {
  for (const auto& q : procs_) {
    if (q.get() == p) continue;
    if (q->runnext.load(std::memory_order_seq_cst)) return true;
    if (q->tail.load(std::memory_order_seq_cst) != q->head.load(std::memory_order_seq_cst))
      return true;
  }
  return false;
}

void ParallelScheduler::look(Proc* p) noexcept {
  for (const auto& q : procs_) {
    p->seen_ticks[q->id] = q->ticks.load(std::memory_order_relaxed);
    p->seen_tail[q->id] = q->tail.load(std::memory_order_acquire);
  }
}

// Stuck: a runnext whose processor has not switched goroutines since the last look, or a
// ring whose goroutines queued at the last look are not all gone.
bool ParallelScheduler::queue_stuck(Proc* p) noexcept {
  bool stuck = false;
  for (const auto& q : procs_) {
    if (q.get() == p) continue;
    const std::uint32_t ticks = q->ticks.load(std::memory_order_relaxed);
    if (ticks == p->seen_ticks[q->id] && q->runnext.load(std::memory_order_acquire))
      stuck = true;
    const std::uint32_t head = q->head.load(std::memory_order_acquire);
    if (static_cast<std::int32_t>(head - p->seen_tail[q->id]) < 0 &&
        q->tail.load(std::memory_order_acquire) != head)
      stuck = true;
  }
  look(p);
  return stuck;
}

// A goroutine was just put in an empty runnext: if processors are idle and none watches,
// wake one (it becomes the watcher when it finds nothing else to do).
void ParallelScheduler::watch_runnext() {
  if (watcher_.load(std::memory_order_seq_cst) != nullptr) return;
  if (npidle_.load(std::memory_order_seq_cst) == 0) return;
  wakep();
}

// p stops watching (it found work, or nothing is left to watch): if a runnext is set and
// another processor is idle, wake one to take over.
void ParallelScheduler::leave_watch(Proc* p) {
  Proc* me = p;
  if (!watcher_.compare_exchange_strong(me, nullptr, std::memory_order_seq_cst)) return;
  if (any_queued(p) && npidle_.load(std::memory_order_seq_cst) > 0) wakep();
}

// Called by a processor about to park with no timer pending: if every processor is idle
// and no work is queued, no goroutine can ever be readied again.
void ParallelScheduler::check_deadlock() {
  {
    std::lock_guard<std::mutex> lk(idle_mu_);
    if (npidle_.load(std::memory_order_seq_cst) != static_cast<int>(nprocs_)) return;
    // A goroutine in a blocking call will be back on the global queue once it returns
    // (counted out only after it is queued, so one of these two tests sees it).
    if (nblocking_.load(std::memory_order_seq_cst) > 0) return;
    if (stopping_.load(std::memory_order_acquire) || has_work() ||
        ntimers_.load(std::memory_order_acquire) > 0)
      return;
  }
  die("fatal error: all goroutines are asleep - deadlock!\n");
}

// Main has returned: every processor stops at its next scheduling point.
void ParallelScheduler::stop_all() {
  stopping_.store(true, std::memory_order_seq_cst);
  std::vector<Proc*> wake;
  {
    std::lock_guard<std::mutex> lk(idle_mu_);
    wake.swap(idle_);
    for (Proc* q : wake) q->in_idle = false;
    npidle_.store(0, std::memory_order_seq_cst);
  }
  for (Proc* q : wake) q->parker.post();
}

// ---- Timers ----

namespace {
// Set on the thread that fires timers while it holds the heap's lock: callbacks re-arm
// (a ticker) or stop timers without taking it again.
thread_local bool tls_firing = false;
[[gnu::noinline]] bool firing() noexcept {
  asm volatile("" ::: "memory");
  return tls_firing;
}
[[gnu::noinline]] void set_firing(bool v) noexcept {
  asm volatile("" ::: "memory");
  tls_firing = v;
}
}  // namespace

void ParallelScheduler::publish_earliest() {
  earliest_.store(timers_.empty() ? INT64_MAX : timers_.front()->when.count(),
                  std::memory_order_release);
  ntimers_.store(timers_.size(), std::memory_order_release);
}

void ParallelScheduler::add_timer(TimerEntry* t) {
  const bool locked = !firing();
  if (locked) timer_mu_.lock();
  timers_.push(t);
  const bool first = timers_.front() == t;
  publish_earliest();
  if (locked) timer_mu_.unlock();
  if (first) wakep();  // a parked processor's deadline may now be too late
}

bool ParallelScheduler::remove_timer(TimerEntry* t) {
  const bool locked = !firing();
  if (locked) timer_mu_.lock();
  const bool was = timers_.remove(t);
  if (was) publish_earliest();
  if (locked) timer_mu_.unlock();
  return was;
}

void ParallelScheduler::fire_timers(Proc*) {
  if (ntimers_.load(std::memory_order_acquire) == 0) return;
  const std::int64_t now = now_ns();
  if (earliest_.load(std::memory_order_acquire) > now) return;
  if (!timer_mu_.try_lock()) return;  // another processor is firing them
  set_firing(true);
  while (!timers_.empty() && timers_.front()->when.count() <= now) {
    TimerEntry* t = timers_.pop();
    publish_earliest();
    t->fn(t->arg);
  }
  publish_earliest();
  set_firing(false);
  timer_mu_.unlock();
}

// ---- Dumps and fatal errors ----

std::string ParallelScheduler::dump() {
  std::vector<G*> gs;
  {
    std::lock_guard<std::mutex> lk(allg_mu_);
    for (G* g : allgs_)
      if (g->state != GState::dead) gs.push_back(g);
  }
  std::sort(gs.begin(), gs.end(), [](const G* a, const G* b) { return a->id < b->id; });
  // Stamp ticks to nanoseconds at the rate the counter ran since the run started.
  const std::int64_t now = stamp();
  const double ns_per_tick =
      now > start_stamp_ ? static_cast<double>(now_ns()) / static_cast<double>(now - start_stamp_)
                         : 1.0;
  std::string s;
  const std::size_t listed = std::min(gs.size(), kRunDumpListed);
  for (std::size_t i = 0; i < listed; ++i) {
    const G& g = *gs[i];
    std::string waited =
        g.state == GState::blocked
            ? human_duration(static_cast<std::int64_t>(
                  static_cast<double>(now - g.blocked_since) * ns_per_tick))
            : std::string();
    s += goroutine_dump(g, false, waited) + "\n";
  }
  if (gs.size() > listed) {
    std::map<std::string, std::size_t> groups;
    for (std::size_t i = listed; i < gs.size(); ++i) {
      const G& g = *gs[i];
      ++groups[g.state == GState::blocked ? std::string(wait_reason_name(g.reason))
                                          : std::string(state_name(g.state))];
    }
    s += fmt::format("... and {} more goroutines, not listed:\n", gs.size() - listed);
    for (const auto& [what, n] : groups) s += fmt::format("    {:>8}  [{}]\n", n, what);
  }
  return s;
}

void ParallelScheduler::die(const std::string& report) {
  if (dying_.exchange(true)) {
    for (;;) ::pause();  // another thread is writing its report and ending the process
  }
  std::string text = report;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += '\n';
  text += dump();
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  std::_Exit(2);
}

// ---- The run ----

int ParallelScheduler::run(Callable& body) {
  struct BodyRef final : Callable {
    Callable& body;
    explicit BodyRef(Callable& b) : body(b) {}
    void invoke() override { body.invoke(); }
  };
  start_ = std::chrono::steady_clock::now();
  start_stamp_ = stamp();
  Proc* p0 = procs_[0].get();
  main_ = new_g(p0);
  main_->id = next_id(p0);
  main_->fn = std::make_unique<BodyRef>(body);
  main_->created_at = Location{"", "main", 0, 0};
  main_->state = GState::runnable;
  runq_put(p0, main_, false);
  for (unsigned i = 1; i < nprocs_; ++i) {
    Proc* p = procs_[i].get();
    p->thread = std::thread([this, p] { proc_main(p); });
  }
  proc_main(p0);
  for (unsigned i = 1; i < nprocs_; ++i) procs_[i]->thread.join();
  close_blocking();

  // Main has returned and every processor has stopped: nothing runs any more. Timers that
  // did not fire are dropped; goroutines still alive are abandoned where they stopped.
  while (!timers_.empty()) {
    TimerEntry* t = timers_.pop();
    if (t->drop) t->drop(t->arg);
  }
  publish_earliest();
  std::vector<G*> gs;
  {
    std::lock_guard<std::mutex> lk(allg_mu_);
    gs.swap(allgs_);
  }
  // A goroutine still inside a blocking call is left to it: its worker returns into its
  // stack and closure whenever the call ends, so those stay (leaked, like the worker).
  const auto in_call = [](const G* g) {
    return g->state == GState::blocked && g->reason == WaitReason::blocking_call;
  };
  std::erase_if(gs, in_call);
  for (G* g : gs)
    if (g->state != GState::dead && g->started) WaitQueue::unlink_all(g);
  for (G* g : gs) {
    try {
      g->fn.reset();
    } catch (...) {
    }
  }
  for (auto& p : procs_) {
    for (const Stack& st : p->stacks) stacks_.put(st, static_cast<char*>(st.bottom) + st.size);
    p->stacks.clear();
  }
  for (G* g : gs) {
    if (g->stack.region) {
      if (g->state != GState::dead && g->started)
        stacks_.bury(g->stack, g->ctx.lowest_sp);
      else
        stacks_.put(g->stack, g->ctx.lowest_sp);
    }
    delete g;
  }
  return 0;
}

}  // namespace weft::detail
