// The bridge from the runtime's event stream to the race detector (detector/), and the
// failure it raises: a data race or lock-order inversion fails the explored iteration at
// the access that revealed it, so the replay token ends exactly there.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <type_traits>
#include <vector>

#include "fiber.hpp"
#include "scheduler.hpp"
#include "suppress.hpp"
#include "weft/detail/access.hpp"
#include "weft/detector/detector.hpp"
#include "weft/events.hpp"

namespace weft::detail {

// Goroutine ids pass from the runtime's events to the detector unconverted: the two
// definitions (weft/events.hpp, weft/detector/report.hpp) must name one type.
static_assert(std::is_same_v<GoId, det::GoId>, "weft::GoId and weft::det::GoId must agree");
// Access kinds pass by a cast (to_det below): the two enums must list the same kinds in
// the same order.
static_assert(static_cast<det::Access>(AccessKind::read) == det::Access::read &&
                  static_cast<det::Access>(AccessKind::write) == det::Access::write &&
                  static_cast<det::Access>(AccessKind::update) == det::Access::update &&
                  static_cast<det::Access>(AccessKind::atomic_read) == det::Access::atomic_read &&
                  static_cast<det::Access>(AccessKind::atomic_write) == det::Access::atomic_write &&
                  static_cast<det::Access>(AccessKind::atomic_update) == det::Access::atomic_update,
              "weft::AccessKind and weft::det::Access must agree");
constexpr det::Access to_det(AccessKind k) noexcept { return static_cast<det::Access>(k); }

// The inline access path reads the detector's SameEpochView through its mirror AccessView
// (weft/detail/access.hpp): the two must have the same layout and constants.
static_assert(std::is_standard_layout_v<det::SameEpochView> &&
              std::is_standard_layout_v<AccessView> &&
              sizeof(det::SameEpochView) == sizeof(AccessView) &&
              offsetof(det::SameEpochView, owner) == offsetof(AccessView, owner) &&
              offsetof(det::SameEpochView, tag) == offsetof(AccessView, tag) &&
              offsetof(det::SameEpochView, hits) == offsetof(AccessView, hits) &&
              offsetof(det::SameEpochView, cells) == offsetof(AccessView, cells) &&
              offsetof(det::SameEpochView, ways) == offsetof(AccessView, ways),
              "AccessView must mirror det::SameEpochView");
static_assert(std::is_same_v<decltype(det::SameEpochView::tag), decltype(AccessView::tag)> &&
                  std::is_same_v<det::ShadowWord, std::uint64_t>,
              "AccessView's field types must be the detector's");
static_assert(sizeof(det::SameEpochView::Way) == sizeof(AccessView::Way) &&
              offsetof(det::SameEpochView::Way, key) == offsetof(AccessView::Way, key) &&
              offsetof(det::SameEpochView::Way, words) == offsetof(AccessView::Way, words),
              "AccessView::Way must mirror det::SameEpochView::Way");
static_assert(sizeof(det::CellArenaView) == sizeof(AccessView::Cells) &&
                  offsetof(det::CellArenaView, chunks) == offsetof(AccessView::Cells, chunks),
              "AccessView::Cells must mirror det::CellArenaView");
static_assert(det::SameEpochView::kPageShift == AccessView::kPageShift &&
                  det::SameEpochView::kWays == AccessView::kWays &&
                  det::SameEpochView::kSoleWrite == AccessView::kSoleWrite &&
                  det::CellArenaView::kChunkShift == AccessView::kChunkShift &&
                  det::CellArenaView::kCellBytes == AccessView::kCellBytes,
              "AccessView's constants must be the detector's");

class RaceSink;
// The race detector of the run on this thread when it alone observes accesses (the sink
// behind detail::access_view) under weft::explore, else null; set with the thread's
// scheduler. (Under weft::run a miss goes through record_access to access_direct.)
extern thread_local constinit RaceSink* access_race;
// Under weft::run: the race detector of the run on this processor's thread (whose own view
// detail::access_view is), else null; set with the thread's scheduler.
extern thread_local constinit RaceSink* run_race;

class RaceSink final : public EventSink {
 public:
  // Under weft::explore (the default) the controlled scheduler's one thread feeds it and a
  // report fails the iteration. Under weft::run (RunReports) several processors' threads
  // feed it at once: the detector then takes its own lock around every event (its cost),
  // and each distinct report is printed to stderr as it is found (see report_run).
  struct RunReports {
    // End the process with kRaceExitStatus after the first report (Go's halt_on_error=1);
    // otherwise keep running and let run() return kRaceExitStatus at the end.
    bool halt = false;
  };
  static constexpr int kRaceExitStatus = 66;  // Go's and ThreadSanitizer's
  RaceSink(Suppressions suppressions, const StackPool* stacks);
  RaceSink(Suppressions suppressions, const StackPool* stacks, RunReports run);
  // Reports printed under weft::run so far.
  std::size_t run_reports() const noexcept {
    return run_reported_.load(std::memory_order_relaxed);
  }

  void iteration_begin() override;
  void go_start(const GoroutineDesc& d) override;
  void go_end(GoId g) override;
  void acquire(GoId g, const void* a) override;
  void release(GoId g, const void* a) override;
  void release_store(GoId g, const void* a) override;
  void sync_free(const void* a) override;
  void lock_acquired(GoId g, const void* m, bool exclusive, const Location& where) override;
  void lock_try_acquired(GoId g, const void* m, bool exclusive, const Location& where) override;
  void lock_released(GoId g, const void* m) override;
  void access(GoId g, const void* addr, std::size_t n, AccessKind k, const Location& w) override;
  void free_range(const void* addr, std::size_t n) override;
  // `delete` by g (memory.cpp): access() of a write of the block, then free_range(), in
  // one pass (Detector::write_then_free).
  void write_then_free(GoId g, const void* addr, std::size_t n, const Location& w);
  void func_enter(GoId g, const Location& f) override;
  void func_enter_from(GoId g, const Location& f, const Location& call) override;
  void func_exit(GoId g) override;

  // The access path when the detector alone observes accesses (record_access calls it
  // directly, see Scheduler::direct_race): an access that repeats one already recorded in
  // the same epoch ends at the detector's same-epoch check; anything else is checked in full.
  // Then the detector's view is bound to g, so g's next repeats end inline, before any call
  // (weft/detail/access.hpp).
  void access_direct(const G& g, const void* addr, std::size_t n, AccessKind k,
                     const Location& w);
  // Under weft::run: an access by g (instr::detail::active on this processor's thread) that
  // the inline check missed: the detector's check without its lock, then with it, through
  // this thread's view (record_annotated's path; access_direct for record_access's).
  void access_run(const G& g, const void* addr, std::size_t n, AccessKind k,
                  const std::source_location& w);
  // An access by the goroutine the detector's view is bound to (view()->owner is
  // instr::detail::active): the detector's direct entry (Detector::access_owned), for
  // record_annotated when the inline same-epoch check missed.
  void access_owned(const void* addr, std::size_t n, AccessKind k, std::source_location w);
  // g is about to run on the controlled scheduler (ControlledScheduler::enter): the view is
  // bound to it now, so its accesses that repeat one of its current epoch end inline from the
  // first one on, instead of the first taking the rebinding path (access_direct).
  void bind(const G& g) {
    if (view_->owner == &g) return;
    SinkCallGuard guard;
    det_.bind_view(g.id, &g);
  }
  // A Mutex's (or RWMutex writer's) lock and unlock when the detector alone observes the
  // run (Scheduler::direct_race): acquire then lock_acquired, and release_store then
  // lock_released, each pair in one call (sync.cpp, through hb::mutex_locked/unlocking).
  // Inline: the controlled scheduler calls them on every Mutex lock and unlock.
  void mutex_locked(GoId g, const void* m, const Location& where) {
    bool reported;
    {
      SinkCallGuard guard;
      reported = det_.mutex_locked(g, m, loc(where));
    }
    if (reported) check();
  }
  void mutex_unlocking(GoId g, const void* m) {
    SinkCallGuard guard;
    det_.mutex_unlocking(g, m);
  }
  // The detector's same-epoch view, as the inline access path sees it (detail::access_view);
  // under weft::run none (null): each processor's thread has its own (add_thread_view).
  AccessView* view() noexcept {
    return run_ ? nullptr : reinterpret_cast<AccessView*>(det_.view());
  }
  // Under weft::run: a view for one processor's thread (det::Detector::add_thread_view).
  // access_direct binds it to the goroutine whose access it checks on that thread.
  AccessView* add_thread_view() {
    SinkCallGuard guard;
    return reinterpret_cast<AccessView*>(det_.add_thread_view());
  }

  det::DetectorStats stats() const {
    SinkCallGuard guard;
    return det_.stats();
  }

  // A goroutine's stack is going back to the pool: forget what was recorded on it.
  void stack_released(const Stack& s);

  // ExploreOptions::lock_order = warn: lock-order inversions go to `f` (lock_order_steer.hpp)
  // instead of failing the iteration; data races still fail it.
  void divert_lock_order(std::function<void(Failure)> f) { divert_lock_order_ = std::move(f); }

 private:
  static det::Loc loc(const Location& l) { return {l.file, l.function, l.line, l.column}; }
  bool suppressed(const det::Report& r) const;
  // Fails the iteration on the first unsuppressed report (called when the detector says an
  // event added one); under weft::run prints each instead (report_run).
  void check();
  void report_run(std::vector<det::Report> reports);
  // Notes an access inside the pool's stacks (stack_released then clears the stack's shadow).
  void note_stack(const void* addr) noexcept {
    if (stacks_ && stacks_->may_contain(addr) && !stack_accessed_.load(std::memory_order_relaxed))
      stack_accessed_.store(true, std::memory_order_relaxed);
  }

  // Fed only from the controlled scheduler's thread: constructed with caller_serialises;
  // under weft::run (run_) it locks itself.
  det::Detector det_;
  det::SameEpochView* const view_ = det_.view();  // stable for the detector's lifetime
  Suppressions suppressions_;
  const StackPool* stacks_;
  // An access fell inside the pool's stacks this iteration (relaxed: under weft::run any
  // processor may set it; stack_released reads it on the processor that frees a stack, and
  // an access to a stack another goroutine is still using is that goroutine's).
  std::atomic<bool> stack_accessed_{false};
  bool run_ = false;   // fed by weft::run: reports are printed (report_run)
  bool halt_ = false;  // RunReports::halt
  std::atomic<std::size_t> run_reported_{0};
  std::function<void(Failure)> divert_lock_order_;
};

}  // namespace weft::detail
