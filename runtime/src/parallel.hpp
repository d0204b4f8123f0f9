// The parallel scheduler (weft::run): Go's G/M/P model. `procs` processors (Proc, Go's P),
// each bound to one OS thread for the whole run (the calling thread runs the first), run
// goroutines (G) in parallel; real time.
//
// Where a runnable goroutine waits:
//  - a processor's `runnext` slot: the goroutine a channel or sync operation on that
//    processor just readied, run next (a hand-off keeps both sides on one core);
//  - its bounded lock-free ring (Go's runq): the owner pushes at the tail, the owner and
//    thieves take from the head with a CAS; a full ring moves half of itself to the global
//    queue;
//  - the global queue (a locked deque): overflow, yields, and fairness (every 61st pick).
// An idle processor spins briefly, stealing half of a random victim's ring, then parks on
// its Parker. Work that appears in a ring or the global queue wakes one parked processor
// only when none is spinning (wakep), and a spinner that finds work wakes another if it was
// the last spinner, so work never waits for a parked processor while another spins, and a
// burst of work fans out one processor at a time.
//
// A readied goroutine wakes nobody: it goes to runnext (pushing the previous one into the
// ring), and its waker usually blocks within a few operations (a channel hand-off) and then
// switches straight into it on the same processor, with no system call, no pass through the
// scheduler loop and no cache line crossing cores. With one processor nobody else touches
// runnext, so that hand-off is plain loads and stores.
// Spinners do not take runnext either. Instead one idle processor, the watcher, parks with
// a timeout (a nap, doubling from kNapMinNs up to kNapMaxNs while nothing is stuck, for as
// long as another processor is busy) and on each timeout takes the runnext of a processor
// that has not switched goroutines (its `ticks` unchanged) for the whole nap, or half of a
// ring whose goroutines queued at its last look are still there: a goroutine readied behind
// one that computes for long still runs in parallel, after at most a nap (Go's sysmon
// preempts after 10 ms). A ready() wakes an idle processor only when there is no watcher,
// and a watcher that leaves wakes one if goroutines are queued. Spawning wakes as before.
//
// Spawning: go() takes a record (G) from its processor's free list and builds the body in
// the record itself when it fits (G::body_slot), so a spawn allocates nothing and takes no
// lock; the record gets a stack only when it first runs, the last dead goroutine's stack of
// that processor (still in cache). A goroutine that ends looks for the next one itself, and
// if that one has not started it runs its body right there, on the same stack, in the same
// context: a run of short goroutines makes no context switch at all. A spawn that fills its
// processor's ring yields the spawner, so the processor runs what it queued (a loop of a million go() calls reuses a
// few hundred records and one stack instead of making a million of each).
//
// Invariants:
//  - a G is in at most one of {a processor's cur or handoff, a runnext slot, a ring, the
//    global queue, blocked in some wait queue or timer}; cur is the G whose fiber runs on
//    that processor (null on g0, and while an ending goroutine looks for the next one);
//  - park's unlock step runs after the goroutine's context is saved and its state is
//    `blocked`, on the context that resumes next on the same processor: g0, or the started
//    goroutine (from runnext or the ring) the park switched to directly (one switch instead
//    of two, see park; every way back into a goroutine calls resumed()); so a waker that
//    takes the same lock may resume it on any processor at once;
//  - nspinning_ counts the processors with spinning == true; npidle_ counts those in idle_
//    (in_idle == true), both changed under idle_mu_ or by the owner processor only; a
//    processor in idle_ is not spinning (it clears its flag in the section that lists it),
//    so the flag a waker sets on the one it pops stands for the waker's count alone;
//  - a processor parks only after publishing itself idle and then finding no work
//    (Dekker-style with wakep's fence), so a wake-up is never lost;
//  - while some processor's runnext holds a goroutine and another processor is idle, a
//    watcher exists or is being woken (ready's seq_cst exchange and watcher_ load pair with
//    park_proc's npidle_/watcher_ updates and runnext loads), so runnext is never stranded
//    behind a goroutine that does not block;
//  - timers live in per-processor heaps: a timer goes to the heap of the processor that
//    armed it (a ticker re-armed by its own callback stays in the heap it fired from), and
//    TimerEntry::heap_owner names the heap while it is pending, written under that heap's
//    lock. Every processor fires the due timers of every heap at each scheduling point
//    (try-locking the heap: its owner may be busy in a goroutine that never blocks, or
//    parked), and an idle processor parks until the earliest timer of all heaps;
//  - a callback runs with its heap's lock held and Proc::firing naming its timer, so
//    remove_timer() returning false means the callback has run or is not going to: a
//    remover that finds the timer in no heap waits out a callback in progress;
//  - a timer armed earlier than every parked processor's deadline (Proc::parked_until) wakes
//    one idle processor (it parks again until the new earliest); parked_until is INT64_MAX
//    from before a processor publishes itself idle until it has read the heaps (Dekker-style
//    with add_timer's fence), so an arm is never missed;
//  - stack compaction (stack_compact.hpp): a goroutine that parks while compaction is on
//    and may be compacted (not a sleeper, whose timer entry another processor fires) is
//    marked parked (G::stack_state) before park's unlock step, while no waker can reach it;
//    after the unlock step the processor's g0 compacts it if no waker has made it current
//    since (make_current claims it back from parked with a CAS, or brings its bytes back).
//    With one processor and no other thread in (no weft::blocking call, no thread of the
//    program's own let in) every waker runs on this thread and compaction is the one-thread
//    kind; otherwise, from the start or from the first such event (which brings every stack
//    back first and drops the proxies), it is the shared kind, through the userfaultfd
//    (without one, compaction ends for the run there, or never starts with several
//    processors), whose waiter proxies park makes before the unlock step, under the
//    queues' locks;
//  - a thread with no processor (the program's own, a blocking call's worker) touches the
//    run only inside an OutsideOp (scheduler.hpp): run() clears run_in_progress once every
//    processor has stopped and waits for those in progress before it tears anything down, so
//    a wake-up from such a thread either comes before that (the run is whole) or finds no
//    run and is dropped (ready()); with race detection such a thread's events and accesses
//    go to the detector under outside_identity();
//  - the fields a dump reads while other processors run the goroutine (state, reason,
//    blocked_at, blocked_since) are written with store_shared (goroutine.hpp), and a record
//    becomes runnable with a release store (publish) after its identity is written;
//  - weft::blocking(f): the goroutine leaves its processor (state blocked, reason
//    blocking_call, counted in nblocking_) and f runs on its own stack on a worker thread
//    of the BlockingPool, never on a processor's thread, so processors stay bound to their
//    threads; when f returns the worker puts the goroutine on the global queue. The
//    processors' threads plus the pool's workers never exceed max_threads.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "scheduler.hpp"
#include "timer_heap.hpp"
#include "weft/detail/access.hpp"
#include "weft/detail/spinlock.hpp"

namespace weft::detail {

// Parks one OS thread: a post() before the wait() is not lost (posts before a wait merge
// into one). One thread waits; any may post. A futex word, so a post to a thread that is
// not asleep is one atomic exchange, and only a post to a sleeping one is a system call.
class Parker {
 public:
  void post();
  // Waits for a post, or until `deadline`; true if posted (the post is consumed).
  bool wait(std::optional<std::chrono::steady_clock::time_point> deadline);

 private:
  // 0: nothing; 1: posted; -1: the waiter sleeps (or is about to). Posters only store 1;
  // only the waiter moves it away from 1.
  std::atomic<int> state_{0};
};

// An OS thread that runs the calls of weft::blocking, one at a time: it switches into the
// goroutine, which runs the call on its own stack and switches back.
struct BlockingWorker {
  Parker parker;
  FiberCtx native;    // the worker thread's own context while a goroutine runs on it
  G* job = nullptr;   // the goroutine whose call it runs; guarded by BlockingPool::mu
  std::thread thread;
};

// The workers of one run. Shared by the scheduler and each worker thread: a call still in
// progress when the run ends keeps its worker (and the pool) alive until it returns.
struct BlockingPool {
  std::mutex mu;
  std::condition_variable returned;  // returning fell to zero
  std::vector<std::unique_ptr<BlockingWorker>> all;  // guarded by mu
  std::vector<BlockingWorker*> idle;                  // guarded by mu
  int returning = 0;    // guarded by mu: workers handing a goroutine back to the scheduler
  bool closed = false;  // guarded by mu: the run is over
};

// A logical processor (Go's P) and the OS thread bound to it.
struct Proc {
  static constexpr std::uint32_t kRing = 256;

  unsigned id = 0;
  class ParallelScheduler* sched = nullptr;  // the run it belongs to (run_park, run_ready)
  FiberCtx g0;       // the processor's own context, on its OS thread's stack
  G* cur = nullptr;  // the goroutine running, or null while g0 runs
  // What g0 runs next: found by a goroutine as it ended (start_here), or a goroutine a park
  // took from the ring that has not started yet (next_direct).
  G* handoff = nullptr;
  // What the goroutine that just left the CPU (prev) asks of the context that resumes next
  // on this processor, g0 or (a park switching straight into it) a goroutine: after_switch.
  enum class After : std::uint8_t { none, park, yield, exit, blocking } after = After::none;
  G* prev = nullptr;
  UnlockFn unlock = nullptr;
  void* unlock_arg = nullptr;

  // The run queue: head is taken by the owner and by thieves (CAS), tail written by the
  // owner only; slots are atomics so a thief's read of a slot being rewritten is defined.
  alignas(64) std::atomic<std::uint32_t> head{0};
  // Goroutines this processor has started running (a watcher compares it across a nap).
  std::atomic<std::uint32_t> ticks{0};
  alignas(64) std::atomic<std::uint32_t> tail{0};
  std::atomic<G*> runnext{nullptr};
  std::array<std::atomic<G*>, kRing> ring{};

  // Owned by this processor's thread, but for `spinning`, which a waker that takes p off the
  // idle list sets (handing p its count of nspinning_) while p itself may still be in
  // park_proc: atomic, relaxed (idle_mu_ orders p's clearing before the pop, the parker's
  // post the waker's store before p reads it again).
  alignas(64) std::atomic<bool> spinning{false};
  std::uint32_t schedtick = 0;
  std::uint32_t runnext_streak = 0;  // consecutive runnext picks (fairness)
  std::uint32_t direct_streak = 0;   // consecutive direct switches since g0 looked (next_direct)
  std::uint64_t rng = 0;
  std::vector<G*> gfree;          // dead goroutines' records, for the next spawn (LIFO: hot)
  std::vector<Stack> stacks;      // their stacks, for the next goroutine that starts here
  GoId id_next = 0, id_end = 0;

  // As the watcher: each processor's ticks when last looked at, and the next nap's length.
  std::vector<std::uint32_t> seen_ticks;
  std::vector<std::uint32_t> seen_tail;
  std::int64_t nap_ns = 0;
  // As a spinner (may_take_lone): each processor's ticks when its ring was last seen
  // holding one goroutine, and since when (-1: not seen so); when p last took such a
  // goroutine (-1: judged since), and its quiet time from lone goroutines.
  std::vector<std::uint32_t> lone_ticks;
  std::vector<std::int64_t> lone_since;
  std::int64_t lone_taken_at = -1;
  std::int64_t lone_quiet_ns = 0;
  std::int64_t lone_quiet_until = 0;

  bool in_idle = false;  // guarded by ParallelScheduler::idle_mu_
  Parker parker;
  // With race detection: this processor's same-epoch view in the detector
  // (det::Detector::add_thread_view), which detail::access_view points at on its thread.
  // Written by this thread only, but for what the detector keeps true under its lock.
  AccessView* race_view = nullptr;
  std::thread thread;

  // Timers armed on this processor (see the invariants in the file comment).
  alignas(64) SpinLock timer_lock;
  TimerHeap timers;                                  // guarded by timer_lock
  // What the other processors read (each scheduling point), apart from the lock's line.
  alignas(64) std::atomic<std::int64_t> timer_earliest{INT64_MAX};  // first `when`, ns
  std::atomic<TimerEntry*> firing{nullptr};          // whose callback runs under timer_lock
  // While parked: the deadline it sleeps until (INT64_MAX: none, or not known yet).
  std::atomic<std::int64_t> parked_until{INT64_MAX};
};

// The goroutine whose weft::blocking call runs on this thread (a worker), or null.
G* blocking_call_here() noexcept;

class ParallelScheduler final : public Scheduler {
 public:
  // `max_threads`: the most OS threads the run may use (its processors' and the workers of
  // weft::blocking); more is a fatal error.
  ParallelScheduler(unsigned procs, StackPool& stacks, unsigned max_threads);
  ~ParallelScheduler() override;

  // Runs `body` as the main goroutine; returns once it has returned and every processor
  // has stopped. Ends the process (status 2) on a deadlock or an escaped panic.
  int run(Callable& body);

  G* current() noexcept override;
  // The goroutine on the calling thread, or nullptr; async-signal-safe (the crash handler's).
  static const G* running_here() noexcept;
  void spawn(std::unique_ptr<Callable> fn, std::string name, Location created_at) override;
  void spawn_from_timer(std::unique_ptr<Callable> fn, std::string name) override;
  // go()'s allocation-free path (detail::spawn_reserve): a record from the processor's
  // pool for the caller to build the body in, queued by commit (or given back by cancel).
  SpawnSlot reserve();
  void commit(G* g, Callable* body, std::string&& name, Location created_at);
  void cancel(G* g) noexcept;
  void visible(Location) override {}
  void yield(Location where) override;
  Wake park(WaitReason reason, Location where, UnlockFn unlock, void* arg) override;
  void ready(G* g) override;
  // A thread with no processor is about to touch goroutine state (a channel, a sync object):
  // with one processor, that processor first stops running without locks (it acknowledges
  // at its next pass through the scheduler loop; spinlock.hpp), for the rest of the run.
  void let_outside_in();
  // park and ready on the calling thread's processor p (run_park, run_ready).
  Wake park_on(Proc* p, WaitReason reason, const Location& where, UnlockFn unlock, void* arg);
  void ready_on(Proc* p, G* g);
  [[noreturn]] void exit_killed() override;
  std::size_t choose(std::size_t n) override;
  // The race detector (RunOptions::detect_races), or null; set before run().
  // The detector alone observes accesses here (direct_race): each processor checks its
  // goroutines' repeats inline through a view of its own (Proc::race_view).
  void detect_races(RaceSink* race) noexcept { race_sink_ = direct_race_ = race; }
  EventSink* events() noexcept override;
  void access_point(Location) override {}
  [[noreturn]] void fail_now(FailureKind kind, std::string report) override;
  Duration now() noexcept override;
  void add_timer(TimerEntry* t) override;
  bool remove_timer(TimerEntry* t) override;

  // Stack compaction from `live` goroutines alive (0: never); see the invariants. run.cpp
  // sets it, before run(), when the fault handler that restores a touched stack is in place.
  void compact_stacks_from(std::size_t live) noexcept;

  // weft::blocking: runs fn(arg) on a worker thread while this goroutine's processor runs
  // others; returns (or rethrows what fn threw) on whichever processor picks it up next.
  void blocking(void (*fn)(void*), void* arg, Location where);

  // With race detection, on a thread with no processor (holding an OutsideOp): the identity
  // its events and accesses have in the detector. On a weft::blocking worker, the goroutine
  // whose call it runs (the call is that goroutine's code); on any other thread, the
  // thread's own, made at its first event of this run: a root, or a child of the goroutine
  // (or thread) that started it (note_thread_start), whose clock it copies.
  GoId outside_identity();
  // This run (runs are numbered in the process).
  std::uint64_t serial() const noexcept { return serial_; }

  // Every goroutine not yet dead but `shown` (one the report above it shows already): id,
  // name, state, wait reason and for how long.
  std::string dump(GoId shown = 0);
  // Writes `report` and the dump (without `shown`) to stderr and ends the process with
  // status 2 (once: a second caller waits for the first to end it).
  [[noreturn]] void die(const std::string& report, GoId shown = 0);

 private:
  static void fiber_entry(void* arg);
  void run_body(G* g);
  G* start_here(Proc* p, G* g);
  void proc_main(Proc* p);
  G* find_local(Proc* p);
  G* find_runnable(Proc* p);
  void execute(Proc* p, G* g);
  void make_current(Proc* p, G* g);
  void after_switch(Proc* p);
  // Every goroutine's first step once switched back into (after park, yield, a blocking
  // call): runs the after_switch a park that switched straight into it left behind.
  void resumed();
  // The goroutine a park may switch to directly, without g0 (see park), or null.
  G* next_direct(Proc* p) noexcept;
  // Takes the head of p's ring (its owner, or a thief), or null if it is empty.
  G* ring_take(Proc* p) noexcept;
  // Takes p's runnext (its owner only); null if empty or a thief took it first.
  G* take_runnext(Proc* p) noexcept;
  G* new_g(Proc* p);
  void set_name(G& g, std::string&& name);
  void refill_gfree(Proc* p);
  void free_g(Proc* p, G* g);
  void launch(Proc* p, G* g);
  GoId next_id(Proc* p);
  void start(Proc* p, G* g, bool next);

  // Run queues.
  // True when g (or the runnext it displaced) went to the ring or the global queue.
  bool runq_put(Proc* p, G* g, bool next);
  bool runq_put_slow(Proc* p, G* g, std::uint32_t h, std::uint32_t t);
  G* runq_get(Proc* p);
  std::uint32_t runq_grab(Proc* victim, Proc* into, std::uint32_t into_tail, bool steal_next);
  G* runq_steal(Proc* p, Proc* victim, bool steal_next);
  // now >= 0: a spinner's steal (lone_stuck applies); -1: take whatever is there.
  G* steal_work(Proc* p, bool steal_next, std::int64_t now = -1);
  bool may_take_lone(Proc* p, Proc* victim, std::int64_t now, bool* lone) noexcept;
  void judge_lone_steal(Proc* p, std::int64_t now) noexcept;
  void global_put(G* const* gs, std::size_t n);
  G* global_get(Proc* p);
  // Work queued: in the global queue, due timers, and unless !local the processors' rings
  // and runnext slots.
  bool has_work(bool local = true) const noexcept;

  // weft::blocking's workers (parallel_blocking.cpp).
  void leave_for_blocking(G* g);
  void submit_blocking(G* g);
  void end_blocking(G* g);
  // ready(g) on a thread with no processor (a blocking call's worker, a thread of the
  // program's own): g goes to the global queue and an idle processor is woken (Go's
  // injectglist).
  void ready_from_outside(G* g);

  void close_blocking();
  static void worker_main(std::shared_ptr<BlockingPool> pool, BlockingWorker* w,
                          ParallelScheduler* s);

  // Idle processors.
  void wakep();
  // wakep for work that a thread other than a processor's made (a blocking call's worker).
  void wake_from_outside();
  void reset_spinning(Proc* p);
  Proc* pop_idle();
  bool leave_idle(Proc* p);
  // Parks p until work appears; false when the run is stopping. *stuck: p woke as the
  // watcher because some processor's runnext is stuck (steal it).
  bool park_proc(Proc* p, bool* stuck);
  // The runnext slots and rings of processors other than p: any goroutine queued; any
  // stuck since the last look (see queue_stuck); look() records what the next compares.
  bool any_queued(const Proc* p) const noexcept;
  // Some processor other than p (idle itself) is running or has goroutines queued.
  bool others_busy(const Proc* p) const noexcept;
  bool queue_stuck(Proc* p) noexcept;
  void look(Proc* p) noexcept;
  void watch_runnext();
  void leave_watch(Proc* p);
  void check_deadlock();
  void stop_all();

  // Stack compaction.
  bool compaction_due(const Proc* p) const noexcept;
  void maybe_compact(Proc* p, G* g);
  // Another thread will touch goroutine state beside the one processor: every stack back,
  // and from now on shared compaction (or none without the userfaultfd).
  void share_compaction();

  // Timers: one heap per processor, each ordered by (when, seq).
  void fire_timers(Proc* p);
  // Fires q's timers due at `now` unless another thread holds its heap.
  void fire_due(Proc* q, std::int64_t now);
  static void publish_earliest(Proc* q) noexcept;
  // The earliest pending timer of all heaps, INT64_MAX if none.
  std::int64_t earliest_timer() const noexcept;
  bool timer_due() const noexcept;
  // A timer due at `when` was armed: wake an idle processor unless a parked one wakes by then.
  void wake_for_timer(std::int64_t when);
  std::int64_t now_ns() const noexcept;

  const unsigned nprocs_;
  const unsigned max_threads_;
  const std::uint64_t serial_;
  StackPool& stacks_;
  std::vector<std::unique_ptr<Proc>> procs_;
  std::chrono::steady_clock::time_point start_;
  std::int64_t start_stamp_ = 0;  // stamp() (parallel.cpp) at start_
  G* main_ = nullptr;
  std::atomic<bool> stopping_{false};
  // One processor running without locks (set before the run is published; cleared by the
  // processor once a thread with no processor asked, outside_wants_in_).
  std::atomic<bool> sole_{false};
  std::atomic<bool> outside_wants_in_{false};
  std::atomic<GoId> next_goid_{1};

  alignas(64) std::atomic<int> nspinning_{0};
  std::atomic<int> npidle_{0};
  std::atomic<Proc*> watcher_{nullptr};  // the idle processor that naps watching runnext
  std::mutex idle_mu_;
  std::vector<Proc*> idle_;  // guarded by idle_mu_

  alignas(64) RawSpinLock gq_lock_;  // taken by blocking calls' workers too
  std::deque<G*> gq_;  // guarded by gq_lock_
  std::atomic<std::size_t> gq_size_{0};

  RawSpinLock gfree_lock_;
  std::vector<G*> gfree_;  // guarded by gfree_lock_

  std::mutex allg_mu_;
  // Every G made in this run, dead ones included, in slabs of kGSlab (parallel.cpp); a
  // record not yet spawned, or dead, has state dead. Guarded by allg_mu_.
  std::vector<G*> gslabs_;

  std::atomic<bool> dying_{false};

  // Stack compaction: the threshold (0: off; set before the run, changed only while one
  // processor runs alone, by it), whether other threads may touch goroutine state (same),
  // whether the goroutines blocked before the threshold was reached were compacted too, and
  // goroutines ended (live = ids handed out - ended; every processor adds).
  std::size_t compact_from_ = 0;
  bool compact_shared_ = false;
  std::atomic<bool> compact_swept_{false};
  std::atomic<std::uint64_t> nended_{0};

  // Goroutines inside weft::blocking (not a deadlock while any is).
  alignas(64) std::atomic<int> nblocking_{0};
  std::shared_ptr<BlockingPool> pool_ = std::make_shared<BlockingPool>();
};

}  // namespace weft::detail
