// The Scheduler interface of ARCHITECTURE.md: every visible operation goes through it.
// Two implementations: the controlled scheduler (weft::explore, controlled.hpp) and the
// parallel one (weft::run, parallel.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "goroutine.hpp"
#include "weft/detail/runtime.hpp"
#include "weft/events.hpp"
#include "weft/failure.hpp"

namespace weft::detail {

using Duration = std::chrono::nanoseconds;

// A pending timer: when it fires, fn(arg) runs on the scheduler (it usually readies a G).
struct TimerEntry {
  Duration when{0};
  std::uint64_t seq = 0;
  void (*fn)(void*) = nullptr;
  void* arg = nullptr;
  void (*drop)(void*) = nullptr;  // called instead of fn if the run ends before it fires
  std::size_t heap_index = static_cast<std::size_t>(-1);  // position in the heap, or -1
  // The parallel scheduler: the processor whose heap holds it, or -1 (not pending, or being
  // fired). Written under that heap's lock; read without it to find the lock to take.
  std::atomic<int> heap_owner{-1};
  bool pending() const noexcept { return heap_index != static_cast<std::size_t>(-1); }
};

class RaceSink;

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // The race detector of this run, or null with detection off.
  RaceSink* race() const noexcept { return race_sink_; }
  // The race detector, when it alone observes memory accesses and they are not scheduling
  // points: record_access() then hands an access straight to it (the access fast path),
  // without the EventSink dispatch. Null otherwise.
  RaceSink* direct_race() const noexcept { return direct_race_; }

  // The parallel scheduler: visible operations are not scheduling points, and its only
  // event sink is the race detector, when RunOptions::detect_races is on (race()). The
  // runtime's entry points test this first, without a virtual call.
  bool is_parallel() const noexcept { return parallel_; }

  virtual G* current() noexcept = 0;
  virtual void spawn(std::unique_ptr<Callable> fn, std::string name, Location created_at) = 0;
  // Starts a goroutine from a timer callback, as Go's time.AfterFunc does: it has no parent
  // and runs when the scheduler picks it, so what it does interleaves with everyone else.
  virtual void spawn_from_timer(std::unique_ptr<Callable> fn, std::string name) = 0;
  virtual void visible(Location where) = 0;
  // weft::yield (Go's runtime.Gosched): let another goroutine run. The controlled scheduler
  // tells the strategy of the poll and makes it a scheduling point; the parallel
  // scheduler, which does not preempt at visible operations, requeues the caller.
  virtual void yield(Location where) = 0;
  virtual Wake park(WaitReason reason, Location where, UnlockFn unlock, void* arg) = 0;
  virtual void ready(G* g) = 0;
  [[noreturn]] virtual void exit_killed() = 0;
  // Leaves a goroutine that is being torn down without unwinding its stack (std_shim.hpp:
  // unwinding std code could destroy a joinable std::thread). Never returns.
  [[noreturn]] virtual void abandon_killed() {
    exit_killed();
    __builtin_unreachable();
  }
  virtual std::size_t choose(std::size_t n) = 0;
  // The controlled scheduler's point stamp: one more at each scheduling point, never reused
  // by another point of this process (a thread's stamps carry its own top bits), so a
  // stamp left in an object by an earlier iteration or another thread is never mistaken
  // for one of this iteration's. 0 under the parallel scheduler, which has no points.
  virtual std::uint64_t point_stamp() const noexcept { return 0; }
  // An unlock under the controlled scheduler, which is not a scheduling point (see
  // "Unlocks are not scheduling points" in controlled.hpp): notes where the running
  // goroutine is and returns the point stamp, for the lock to keep (released_since_point).
  virtual std::uint64_t unlocking(Location /*where*/) { return 0; }
  // Under the controlled scheduler, for a try-lock of a free lock last released at stamp
  // `released_at`: whether it fails all the same because it is ordered before that release
  // (a choice, when the release came after the running goroutine reached its scheduling
  // point; false otherwise).
  virtual bool fails_before_release(std::uint64_t /*released_at*/) { return false; }
  // The running goroutine polled (see detail::polled); only the controlled scheduler cares.
  virtual void polled(bool /*probe*/) {}
  virtual EventSink* events() noexcept = 0;

  // A memory access is about to happen (instrumented code, Shared, race::*): a scheduling
  // point if the run explores at memory granularity.
  virtual void access_point(Location where) = 0;
  // Fails the run now, from inside the running goroutine (a race found at an access).
  virtual void fail_now(FailureKind kind, std::string report) = 0;
  // The same with the failure as data (weft::Failure); a scheduler that keeps only text
  // takes its report.
  virtual void fail_now(Failure f) { fail_now(f.kind, std::move(f.report)); }
  // The running goroutine took / gave back a lock (reports say who holds what, and where
  // it was taken); only the controlled scheduler keeps them.
  virtual void lock_held(const void* /*mutex*/, bool /*exclusive*/, Location /*where*/) {}
  virtual void lock_dropped(const void* /*mutex*/) {}

  // Time since the run started (virtual under the controlled scheduler).
  virtual Duration now() noexcept = 0;
  virtual void add_timer(TimerEntry* t) = 0;
  // Returns true if the timer was pending (and is no longer).
  virtual bool remove_timer(TimerEntry* t) = 0;

 protected:
  RaceSink* race_sink_ = nullptr;
  RaceSink* direct_race_ = nullptr;
  bool parallel_ = false;
};

// Set while this thread is inside an event sink: memory the sink itself frees is not a
// program access (and must not re-enter the sink).
extern thread_local constinit bool in_event_sink;
struct SinkCallGuard {
  bool saved = in_event_sink;
  SinkCallGuard() noexcept { in_event_sink = true; }
  ~SinkCallGuard() { in_event_sink = saved; }
  SinkCallGuard(const SinkCallGuard&) = delete;
  SinkCallGuard& operator=(const SinkCallGuard&) = delete;
};

// The scheduler running on this OS thread, or nullptr outside weft runs.
Scheduler* current_scheduler() noexcept;
// The same, inline, for the operations' fast paths. A goroutine may resume on another OS
// thread after it parks: read it once at an operation's start, never after a park.
extern thread_local constinit Scheduler* tls_scheduler;
// Whether the goroutine calling runs under weft::run (no event sink, no scheduling points).
inline bool running_parallel() noexcept {
  Scheduler* s = tls_scheduler;
  return s != nullptr && s->is_parallel();
}
// Whether nobody listens to happens-before events although a goroutine runs: weft::run
// without race detection. Channel code skips computing the hooks' arguments then (under
// weft::explore, and under weft::run with detect_races, the hooks run and test events()).
inline bool hb_unobserved() noexcept { return tls_run_unobserved; }  // (kept with tls_scheduler)
// The scheduler of the running goroutine; throws std::logic_error outside a goroutine.
Scheduler& sched();

// weft::run's current, park and ready (parallel.cpp) for the runtime's entry points and hot
// paths, once running_parallel() said so: no virtual dispatch, no in-goroutine check.
G* run_current() noexcept;
Wake run_park(WaitReason reason, const Location& where, UnlockFn unlock, void* arg);
void run_ready(G* g);
// wait_in under weft::run, for a caller that read running_parallel() at its start: links w
// into q and parks on this thread's processor directly (no goroutine is ever killed there).
bool run_wait(WaitQueue& q, Waiter& w, SpinLock& lk, WaitReason reason, const Location& where)
    WEFT_RELEASE(lk);
// detail::visible(where, kind, obj) under the controlled scheduler `s` (!s.is_parallel(),
// already looked up) in a goroutine or not: the same scheduling point, called directly
// (controlled.cpp), for the primitives' uncontended paths.
void controlled_visible(Scheduler& s, const Location& where, OpKind kind, const void* obj);
// The weft::run in progress in this process (one at a time; run.cpp sets it), or null.
// A thread that runs no goroutine while it runs — weft::blocking's function on its worker,
// a thread the program started itself — reaches the run through it: operations that never
// wait work there (close, cancel, a send that finds a receiver or room, a receive that finds
// a value, unlock, WaitGroup::done, Cond::signal, timers), and a goroutine they wake is put
// on the global queue (ParallelScheduler::ready). One that would wait throws
// std::logic_error (outside_cannot_wait).
Scheduler* run_in_progress() noexcept;
// Called by such a thread before it touches goroutine state: a run with one processor stops
// running without locks first (ParallelScheduler::let_outside_in).
void let_outside_in(Scheduler* run);
void set_run_in_progress(Scheduler* s) noexcept;
// One operation of such a thread (a thread with no scheduler of its own, tls_scheduler
// null): from its start to its end it holds the run in progress, if any, so that the run
// is not torn down under it. The end of a run (end_run_in_progress) clears run_in_progress
// and then waits until no operation holds it any more: an operation in progress then
// finishes against a whole run (a goroutine it wakes from then on is not woken: it was
// abandoned with the run, ready() drops the wake), and one that starts after the clear
// finds no run. Nested holds count; on a goroutine's or a processor's thread it holds
// nothing. Holding costs two atomic read-modify-writes of one shared word.
class OutsideOp {
 public:
  // `maybe`: false on a path known to run on a scheduler's thread (then nothing is read).
  explicit OutsideOp(bool maybe = true) noexcept {
    if (maybe && tls_scheduler == nullptr) [[unlikely]]
      held_ = enter();
  }
  ~OutsideOp() {
    if (held_) leave();
  }
  OutsideOp(const OutsideOp&) = delete;
  OutsideOp& operator=(const OutsideOp&) = delete;
  // Whether it holds a run (one was in progress when it started).
  bool held() const noexcept { return held_; }

 private:
  static bool enter() noexcept;
  static void leave() noexcept;
  bool held_ = false;
};
// The scheduler this thread works on: its own, or the run in progress (hold an OutsideOp
// first on a thread with none). A timer armed by another scheduler (an earlier run's) is
// not in this one's heaps: compare before removing it.
inline Scheduler* scheduler_here() noexcept {
  Scheduler* s = tls_scheduler;
  return s != nullptr ? s : run_in_progress();
}
// Race detection under weft::run on threads with no scheduler (parallel.cpp): the event
// sink that events() gives them (null unless a run with race detection is in progress);
// an access of theirs (record_access); and the edge from the goroutine or thread that
// starts a thread to that thread's first event (std_interpose.cpp: thread_start_edge on
// the starting thread says who, note_thread_start on the new one records it).
EventSink* outside_events() noexcept;
void record_outside(const void* addr, std::size_t size, AccessKind kind, const Location& where);
bool thread_start_edge(GoId* parent, std::uint64_t* run);
void note_thread_start(GoId parent, std::uint64_t run) noexcept;
// A thread started so ends (its end released at `key`, its pthread_t), and one was joined
// (its end acquired by the joiner, and `key`'s clock dropped).
void note_thread_end(const void* key);
void note_thread_joined(const void* key);
// The run's end, once its processors have stopped (ParallelScheduler::run): run_in_progress
// becomes null, then this waits for every OutsideOp that holds the run to end.
void end_run_in_progress() noexcept;
// The running goroutine; null on such a thread of the run in progress; throws
// std::logic_error anywhere else (outside any weft run, or on a processor's own context).
G* current_or_outside();
// Throws the std::logic_error of an operation that must wait (`reason`, at `where`), called
// on a thread that runs no goroutine (current_or_outside() returned null).
[[noreturn]] void outside_cannot_wait(WaitReason reason, Location where);
void set_current_scheduler(Scheduler* s) noexcept;

// The goroutine running an operation, read once at its start (par: running_parallel()); null
// on a thread of the run that runs no goroutine, where the operation works unless it must
// wait; throws outside a goroutine and a run.
inline G* op_goroutine(bool par) {
  G* g = par ? run_current() : nullptr;
  return g ? g : current_or_outside();
}

}  // namespace weft::detail
