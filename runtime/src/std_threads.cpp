// std::thread as goroutines, this_thread::yield and sleep, and the virtual clocks (see
// std_shim.hpp for the shim's invariants).
//
// A thread started in a run is a goroutine running start(arg). Its pthread_t is a number no
// C library thread has (a tag in the top byte, the record's serial below it), so a join or
// detach of it is recognised, and pthread_self() in a goroutine answers the same way (its
// goroutine id under the tag), so std::this_thread::get_id() tells goroutines apart.
//
// Clocks: inside a run, CLOCK_MONOTONIC (steady_clock) reads kMonotonicBase plus the run's
// virtual time and CLOCK_REALTIME (system_clock) reads kRealtimeBase plus it; both are the
// same in every iteration and every replay.
#include <fmt/format.h>

#include <dlfcn.h>
#include <link.h>

#include <atomic>
#include <cstring>

#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "controlled.hpp"
#include "crash.hpp"
#include "hb.hpp"
#include "report.hpp"
#include "scheduler.hpp"
#include "std_shim.hpp"
#include "weft/detail/wait_queue.hpp"

namespace weft::detail {

thread_local constinit int shim::internal_depth = 0;

namespace {

constexpr std::uint64_t kThreadTag = 0xE5ull << 56;   // a run's thread: tag | serial
constexpr std::uint64_t kSelfTag = 0xE6ull << 56;     // pthread_self(): tag | goroutine id
constexpr std::int64_t kMonotonicBase = 1'000'000;    // seconds
constexpr std::int64_t kRealtimeBase = 1'767'225'600;  // 2026-01-01T00:00:00Z

// A thread started in the run. Lives until it has ended and is joined or detached, or until
// the iteration ends.
struct ThreadRec {
  GoId g = 0;  // the goroutine running it, once started
  bool done = false;
  bool detached = false;
  bool joining = false;
  void* ret = nullptr;
  WaitQueue joiners;
};

struct Threads {
  std::uint64_t next_serial = 1;
  std::map<std::uint64_t, std::unique_ptr<ThreadRec>> recs;  // by pthread_t
  std::map<GoId, std::uint64_t> by_goroutine;                // goroutine id -> pthread_t
};
thread_local Threads threads;

ControlledScheduler& controlled() { return *static_cast<ControlledScheduler*>(current_scheduler()); }

Duration to_duration(const timespec& t) {
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

// The run's thread body: start(arg), then the thread's end, which its join acquires.
// A std::thread's start argument is the thread's state (the callable and its arguments),
// which the start routine owns and destroys: if the goroutine is abandoned at teardown
// before it started, the body destroys the state instead, as the routine would have.
struct ThreadBody final : Callable {
  void* (*start)(void*);
  void* arg;
  std::uint64_t id;
  bool owns_std_state;
  bool started = false;
  ThreadBody(void* (*s)(void*), void* a, std::uint64_t i, bool state)
      : start(s), arg(a), id(i), owns_std_state(state) {}
  ThreadBody(const ThreadBody&) = delete;
  ThreadBody& operator=(const ThreadBody&) = delete;
  ~ThreadBody() override {
    if (!started && owns_std_state) delete static_cast<std::thread::_State*>(arg);
  }
  void invoke() override {
    started = true;
    if (auto it = threads.recs.find(id); it != threads.recs.end()) {
      it->second->g = current()->id;
      threads.by_goroutine[current()->id] = id;
    }
    void* r = start(arg);
    auto it = threads.recs.find(id);
    if (it == threads.recs.end()) return;
    ThreadRec& rec = *it->second;
    rec.ret = r;
    rec.done = true;
    hb::release(&rec);
    threads.by_goroutine.erase(rec.g);
    if (rec.detached) {
      threads.recs.erase(it);
      return;
    }
    std::vector<G*> wake;
    while (Waiter* w = rec.joiners.pop()) wake.push_back(w->g);
    for (G* g : wake) ready(g);
  }
};

const Location kThreadStart{"", "std::thread (pthread_create)", 0, 0};
const Location kJoin{"", "std::thread::join (pthread_join)", 0, 0};
const Location kYield{"", "std::this_thread::yield (sched_yield)", 0, 0};
const Location kExit{"", "pthread_exit", 0, 0};
const Location kSleep{"", "std::this_thread::sleep_for (nanosleep)", 0, 0};

// The address range of libgcc_s (the unwinder), found once.
struct Range {
  std::uintptr_t lo = 0, hi = 0;
};
Range find_unwinder() noexcept {
  Range r;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) -> int {
        if (!info->dlpi_name || !std::strstr(info->dlpi_name, "libgcc_s")) return 0;
        auto* range = static_cast<Range*>(out);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD) continue;
          const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr, hi = lo + ph.p_memsz;
          if (range->lo == 0 || lo < range->lo) range->lo = lo;
          if (hi > range->hi) range->hi = hi;
        }
        return 1;
      },
      &r);
  return r;
}
// Not a function-local static: its guard could wait through syscall(), which asks caller().
std::atomic<std::uintptr_t> unwinder_lo{0}, unwinder_hi{0};
bool in_unwinder(const void* ret) noexcept {
  std::uintptr_t lo = unwinder_lo.load(std::memory_order_acquire);
  if (lo == 0) {
    const Range r = find_unwinder();
    unwinder_hi.store(r.hi ? r.hi : 1, std::memory_order_relaxed);
    lo = r.lo ? r.lo : 1;
    unwinder_lo.store(lo, std::memory_order_release);
  }
  const auto a = reinterpret_cast<std::uintptr_t>(ret);
  return a >= lo && a < unwinder_hi.load(std::memory_order_relaxed);
}

}  // namespace

// ---- who is calling ----

namespace shim {

G* caller(const void* ret) noexcept {
  Scheduler* s = current_scheduler();
  // Under weft::run std code uses the OS primitives: answered before the virtual call. A
  // scheduler that is not parallel is the controlled one (no dynamic_cast, a string compare
  // that every std::mutex operation paid).
  if (!s || s->is_parallel() || in_event_sink || internal_depth > 0) return nullptr;
  G* g = s->current();
  if (!g || g->state != GState::running) return nullptr;
  if (in_unwinder(ret)) return nullptr;
  return g;
}

Internal::Internal() noexcept { ++internal_depth; }
Internal::~Internal() { --internal_depth; }

void abandon(G* self) {
  WaitQueue::unlink_all(self);
  current_scheduler()->abandon_killed();
  __builtin_unreachable();
}

void check_killed(G* self) {
  if (self->killed) abandon(self);
}

// ---- threads ----

// Whether pthread_create was called by std::thread's start (libstdc++'s
// std::thread::_M_start_thread, which std::jthread uses too): then `arg` is a
// std::thread::_State that the start routine deletes.
// dladdr scans libstdc++'s symbol table (microseconds): the answer for the last caller of
// each kind is kept, since std::thread always calls from the same place.
static bool from_std_thread_start(const void* caller) noexcept {
  static std::atomic<const void*> start{nullptr}, other{nullptr};
  if (!caller) return false;
  if (caller == start.load(std::memory_order_relaxed)) return true;
  if (caller == other.load(std::memory_order_relaxed)) return false;
  Dl_info info;
  const bool is_start =
      ::dladdr(caller, &info) && info.dli_sname &&
      std::strstr(info.dli_sname, "_ZNSt6thread15_M_start_thread") == info.dli_sname;
  (is_start ? start : other).store(caller, std::memory_order_relaxed);
  return is_start;
}

int thread_create(pthread_t* t, void* (*start)(void*), void* arg, const void* caller) {
  const std::uint64_t id = kThreadTag | threads.next_serial++;
  auto rec = std::make_unique<ThreadRec>();
  threads.recs.emplace(id, std::move(rec));
  *t = static_cast<pthread_t>(id);
  // The spawn is the visible operation (and the happens-before edge to the thread's start).
  spawn(std::make_unique<ThreadBody>(start, arg, id, from_std_thread_start(caller)),
        "std::thread", user_site(kThreadStart));
  return 0;
}

bool is_run_thread(pthread_t t) noexcept {
  const auto v = static_cast<std::uint64_t>(t);
  return (v >> 56) == (kThreadTag >> 56) || (v >> 56) == (kSelfTag >> 56);
}

int thread_join(G* self, pthread_t t, void** ret) {
  visible(kJoin);
  auto it = threads.recs.find(static_cast<std::uint64_t>(t));
  if (it == threads.recs.end()) return ESRCH;
  ThreadRec& rec = *it->second;
  if (rec.detached || rec.joining) return EINVAL;
  if (rec.g == self->id) return EDEADLK;
  rec.joining = true;
  while (!rec.done) wait_on(self, rec.joiners, WaitReason::thread_join, kJoin, 0, nullptr);
  hb::acquire(&rec);
  hb::sync_free(&rec);
  if (ret) *ret = rec.ret;
  threads.recs.erase(it);
  return 0;
}

void thread_exit(G* self, void* ret) {
  auto by = threads.by_goroutine.find(self->id);
  if (by == threads.by_goroutine.end()) {
    undefined_behavior(self,
                       "pthread_exit outside a thread started by pthread_create (weft cannot "
                       "end the body given to explore this way; return from it instead)",
                       kExit);
    abandon(self);
  }
  auto it = threads.recs.find(by->second);
  threads.by_goroutine.erase(by);
  if (it != threads.recs.end()) {
    ThreadRec& rec = *it->second;
    rec.ret = ret;
    rec.done = true;
    hb::release(&rec);
    if (rec.detached) {
      threads.recs.erase(it);
    } else {
      std::vector<G*> wake;
      while (Waiter* w = rec.joiners.pop()) wake.push_back(w->g);
      for (G* g : wake) ready(g);
    }
  }
  // The thread's frames are left as they are: their destructors do not run (glibc would
  // unwind them).
  current_scheduler()->abandon_killed();
  __builtin_unreachable();
}

int thread_detach(pthread_t t) {
  auto it = threads.recs.find(static_cast<std::uint64_t>(t));
  if (it == threads.recs.end()) return ESRCH;
  ThreadRec& rec = *it->second;
  if (rec.detached) return EINVAL;
  rec.detached = true;
  if (rec.done) threads.recs.erase(it);
  return 0;
}

pthread_t thread_self(G* self) noexcept {
  auto it = threads.by_goroutine.find(self->id);
  if (it != threads.by_goroutine.end()) return static_cast<pthread_t>(it->second);
  return static_cast<pthread_t>(kSelfTag | self->id);
}

bool wait_on(G* self, WaitQueue& q, WaitReason reason, const Location& where, clockid_t clk,
             const timespec* deadline) {
  struct Wait {
    Waiter w;
    bool timed_out = false;
  } wait;
  wait.w.g = self;
  ControlledScheduler& s = controlled();
  TimerEntry t;
  if (deadline) {
    timespec now{};
    if (!virtual_time(clk, &now)) virtual_time(CLOCK_MONOTONIC, &now);
    const Duration left = to_duration(*deadline) - to_duration(now);
    if (left <= Duration::zero()) return false;
    t.when = s.now() + left;
    t.fn = [](void* p) {
      auto* wt = static_cast<Wait*>(p);
      if (!wt->w.queued) return;  // woken already
      wt->w.queue->remove(&wt->w);
      wt->timed_out = true;
      ready(wt->w.g);
    };
    t.arg = &wait;
    s.add_timer(&t);
  }
  q.push(&wait.w);
  if (park(reason, where, nullptr, nullptr) == Wake::killed) {
    if (deadline) s.remove_timer(&t);
    abandon(self);
  }
  if (deadline) s.remove_timer(&t);
  return !wait.timed_out;
}

void undefined_behavior(G* self, const std::string& what, const Location& where) {
  controlled().fail_now(FailureKind::undefined_behavior,
                   fmt::format("undefined behavior: {}\n\n{}    at {}\n", what,
                               goroutine_dump(*self, true), format_location(where)));
}

void reset_threads() noexcept { threads = Threads{}; }

// ---- yield, sleep, clocks ----

void yield(G* self) {
  check_killed(self);  // a spinning loop would never park
  visible(kYield);
}

void sleep_for(G* self, const timespec& d) {
  visible(kSleep);
  const Duration dur = to_duration(d);
  if (dur <= Duration::zero()) return;
  ControlledScheduler& s = controlled();
  TimerEntry t;
  t.when = s.now() + dur;
  t.fn = [](void* g) { ready(static_cast<G*>(g)); };
  t.arg = self;
  s.add_timer(&t);
  if (park(WaitReason::sleep, kSleep, nullptr, nullptr) == Wake::killed) {
    s.remove_timer(&t);
    abandon(self);
  }
}

void sleep_until(G* self, clockid_t clk, const timespec& deadline) {
  timespec now{};
  virtual_time(clk, &now);
  Duration left = to_duration(deadline) - to_duration(now);
  if (left < Duration::zero()) left = Duration::zero();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
  sleep_for(self, timespec{static_cast<time_t>(secs.count()),
                           static_cast<long>((left - secs).count())});
}

bool virtual_time(clockid_t clk, timespec* out) noexcept {
  std::int64_t base = 0;
  switch (clk) {
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME: base = kMonotonicBase; break;
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI: base = kRealtimeBase; break;
    default: return false;
  }
  const Duration now = current_scheduler()->now();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now);
  out->tv_sec = static_cast<time_t>(base + secs.count());
  out->tv_nsec = static_cast<long>((now - secs).count());
  return true;
}

}  // namespace shim

void std_iteration_end() noexcept {
  shim::reset_futex();
  shim::reset_atomics();
  shim::reset_locals();
  shim::reset_sync();
  shim::reset_threads();
}

}  // namespace weft::detail
