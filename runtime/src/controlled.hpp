// The controlled scheduler: one OS thread, one goroutine at a time, a Strategy decision at
// every visible operation, virtual time.
//
// Invariants:
//  - exactly one of {the scheduler loop, one goroutine} runs at any moment; `cur_` is the
//    goroutine running, or nullptr while the loop runs;
//  - runq_ holds every runnable goroutine, each once, ordered by id: cur_ too while it runs
//    (a decision at its scheduling point changes no queue unless it blocks or ends; the
//    strategy's watcher is told it ran, RunQueue::requeued); spinning_queued_ counts the
//    queued goroutines other than cur_ that spin on a probe;
//  - the clock moves only when nothing is runnable or every runnable goroutine is spinning
//    on a probe (kSpinStreak empty select-defaults or failed try operations in a row, each
//    within two visible operations of the last), to the earliest pending timer;
//  - the goroutine that runs is never compacted (stack_compact.hpp): enter() brings its
//    stack back first, and a goroutine is compacted only once another one runs;
//  - every choice with two or more options goes to the strategy and into schedule_, and
//    nothing else influences the run, so (strategy, seed) or the schedule replays it exactly.
//
// Unlocks are not scheduling points. A release commutes to the left with any other
// goroutine's operation but a try-lock of the same lock (Lipton's reduction: a lock that
// another goroutine tries to take while it is held only queues that goroutine, which the
// release then wakes to compete again), so running others at the unlock reaches no order of
// critical sections that the point before the releasing goroutine's next operation does
// not. What it would reach besides is a try-lock that fails inside a critical section with
// no scheduling point in it; that outcome is kept as a choice at the try-lock instead: a
// try-lock that finds its lock free, last released after the trying goroutine reached its
// scheduling point, may fail as if it had run before that release (fails_before_release).
// A critical section of one goroutine is thus one step, as Go runs it on one processor,
// instead of a decision at each end that preempts holders and makes the others queue.
#pragma once

#include <optional>
#include <vector>

#include "held_locks.hpp"
#include "identity.hpp"
#include "main_guard.hpp"
#include "race.hpp"
#include "scheduler.hpp"
#include "strategy.hpp"
#include "timer_heap.hpp"
#include "weft/explore.hpp"

namespace weft::detail {

struct IterationOutcome {
  std::optional<Failure> failure;
  std::uint64_t steps = 0;
  std::uint64_t decisions = 0;
  ScheduleLog schedule;
  // FNV-1a over the choices (each + 1), so equal choice sequences hash equal whatever
  // strategy made them (ExploreResult::distinct_schedules).
  std::uint64_t schedule_hash = 0xcbf29ce484222325ull;
  std::size_t peak_goroutines = 0;  // the most goroutines alive at once
};

class ControlledScheduler final : public Scheduler {
 public:
  ControlledScheduler(Strategy& strategy, StackPool& stacks, EventSink* sink,
                      RaceSink* race, const ExploreOptions& options);
  ~ControlledScheduler() override;

  // Runs one iteration with `body` as the main goroutine.
  IterationOutcome run(Callable& body);

  G* current() noexcept override { return cur_; }
  void spawn(std::unique_ptr<Callable> fn, std::string name, Location created_at) override;
  void spawn_from_timer(std::unique_ptr<Callable> fn, std::string name) override;
  void visible(Location where) override;
  // visible() without copying the location again (controlled_visible).
  void visible_at(const Location& where);
  void yield(Location where) override;
  void access_point(Location where) override;
  void fail_now(FailureKind kind, std::string report) override;
  void fail_now(Failure f) override;
  void lock_held(const void* mutex, bool exclusive, Location where) override;
  void lock_dropped(const void* mutex) override;
  Wake park(WaitReason reason, Location where, UnlockFn unlock, void* arg) override;
  void ready(G* g) override;
  [[noreturn]] void exit_killed() override;
  [[noreturn]] void abandon_killed() override;
  std::size_t choose(std::size_t n) override;
  std::uint64_t point_stamp() const noexcept override { return stamp_; }
  std::uint64_t unlocking(Location where) override {
    if (cur_) cur_->last_op = where;
    return stamp_;
  }
  bool fails_before_release(std::uint64_t released_at) override;
  // hb::mutex_locked / hb::mutex_unlocking (hb.hpp): a Mutex's edges and lock record.
  void mutex_locked(const void* mutex, const Location& where) {
    G& g = *cur_;
    held_.acquired(g, mutex, true, where);
    if (direct_race_) {
      direct_race_->mutex_locked(g.id, mutex, where);
    } else if (sink_) {
      sink_->acquire(g.id, mutex);
      sink_->lock_acquired(g.id, mutex, true, where);
    }
  }
  std::uint64_t mutex_unlocking(const void* mutex, const Location& where) {
    G& g = *cur_;
    g.last_op = where;
    if (direct_race_) {
      direct_race_->mutex_unlocking(g.id, mutex);
    } else if (sink_) {
      sink_->release_store(g.id, mutex);
      sink_->lock_released(g.id, mutex);
    }
    held_.released(g.id, mutex);
    return stamp_;
  }
  void polled(bool probe) override;
  EventSink* events() noexcept override { return sink_; }
  Duration now() noexcept override { return clock_; }
  void add_timer(TimerEntry* t) override;
  bool remove_timer(TimerEntry* t) override;

  // The choices made so far in this iteration (crash and hang reports encode them).
  const ScheduleLog& schedule_so_far() const noexcept { return out_.schedule; }

  // Once this many goroutines are alive, a goroutine that blocks has its stack compacted
  // (stack_compact.hpp), and so has every one already blocked then; 0: never. explore()
  // sets it when compaction can work in this process.
  void compact_stacks_from(std::size_t live) noexcept { compact_from_ = live; }

  // Called by a goroutine's fiber when its function has returned or thrown.
  [[noreturn]] void finish(G* g);
  void fail(FailureKind kind, std::string report);
  void fail(Failure f);

 private:
  static void fiber_entry(void* arg);
  G* create(std::unique_ptr<Callable> fn, std::string name, Location created_at, GoId parent,
            std::uint64_t identity);
  bool enter(G* g);
  void stack_refused(G* g, const StackLimitReached& why);
  void out_of_memory(const G& g) noexcept;
  void resume(G* g);
  void switch_direct(G* self, G* next);
  void release(G* g);
  std::size_t pick(const RunQueue& runnable, const G* current);
  bool everyone_polls(const G* self) const;
  // runq_.insert that also counts the queued goroutines spinning on a probe (one that
  // does not run cannot change whether it spins); off_cpu(self): the running goroutine,
  // still runnable, is about to give the thread up, and counts as queued from then on.
  void enqueue(G* g);
  void off_cpu(G* self);
  // Takes g out of the run queue if it is there: it blocks or ends.
  void unqueue(G* g);
  void record(std::size_t choice);
  bool fire_timers();
  void teardown();
  void abandon(G* g);
  void check_leaks();
  void switch_to_scheduler();
  Failure dump(FailureKind kind, std::string message, const std::vector<G*>& gs) const;
  // A decision is a step at which the strategy chose (once per step, even when a select
  // also picks a case there), so decisions <= steps always.
  void count_decision() noexcept {
    if (last_decision_step_ == out_.steps && out_.decisions > 0) return;
    last_decision_step_ = out_.steps;
    ++out_.decisions;
  }
  std::vector<G*> live_sorted() const;
  void want_compacted(G* self);
  void compact_off_cpu(const G* next);


  Strategy& strategy_;
  StackPool& stacks_;
  EventSink* sink_;
  RaceSink* race_;
  const ExploreOptions& options_;
  // Whether instrumented accesses call in (instr::detail::active set): someone records
  // them, or they are scheduling points.
  const bool accesses_call_in_;

  FiberCtx loop_ctx_;
  G* cur_ = nullptr;
  G* next_ = nullptr;  // chosen at a visible operation, run next by the loop
  G* main_ = nullptr;
  bool main_done_ = false;
  bool tearing_down_ = false;
  bool advance_clock_ = false;  // set by a goroutine for the loop: fire the next timers
  std::vector<G*> live_;  // every goroutine not yet released; sched_data = index
  RunQueue runq_;
  std::size_t spinning_queued_ = 0;  // goroutines in runq_ spinning on a probe (spins_on_probe)
  GoId next_id_ = 1;
  IdentityMinter identities_;  // stable identities of this iteration's goroutines
  Duration clock_{0};
  TimerHeap timers_;
  std::uint64_t teardown_steps_ = 0;
  // The point stamp (Scheduler::point_stamp): this thread's, carried from one iteration to
  // the next (tls_point_stamp) so that it only ever grows.
  std::uint64_t stamp_;
  IterationOutcome out_;
  std::uint64_t last_decision_step_ = 0;  // the step of the latest decision
  // A resource-limit failure whose report could not be formatted (no memory left): it is
  // written after the teardown has freed memory, naming this goroutine.
  GoId unformatted_limit_ = 0;
  MainStackGuard main_stack_guard_;
  HeldLocks held_;  // the locks each goroutine holds, for reports
  // Stack compaction: the threshold (0: off), whether the goroutines blocked before it was
  // reached were queued too, and the goroutines to compact once they are off the CPU.
  std::size_t compact_from_ = 0;
  bool compact_swept_ = false;
  std::vector<G*> compact_pending_;
};

}  // namespace weft::detail
