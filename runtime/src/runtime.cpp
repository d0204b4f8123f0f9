// The runtime's entry points: each forwards to the scheduler that runs on this OS thread.
#include <fmt/format.h>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <thread>

#include "hb.hpp"
#include "report.hpp"
#include "race.hpp"
#include "scheduler.hpp"
#include "weft/go.hpp"
#include "weft/instr.hpp"

namespace weft::detail {

thread_local constinit Scheduler* tls_scheduler = nullptr;
thread_local constinit bool tls_run_unobserved = false;
thread_local constinit bool tls_sole_processor = false;

namespace {
std::atomic<Scheduler*> the_run{nullptr};

constexpr const char* kOutsideWhat =
    "a thread that runs no goroutine (weft::blocking's function, or a thread the program "
    "started) while weft::run runs";
constexpr const char* kOutsideCan =
    "only operations that never wait work there (close, cancel, a send that finds a "
    "receiver or room, a receive that finds a value, try_send/try_recv, unlock, "
    "WaitGroup::done, Cond::signal); wait in a goroutine instead";
}  // namespace

Scheduler* run_in_progress() noexcept { return the_run.load(std::memory_order_acquire); }
void set_run_in_progress(Scheduler* s) noexcept { the_run.store(s, std::memory_order_seq_cst); }

namespace {
// OutsideOps holding the run in progress (one run at a time: one count).
std::atomic<int> outside_ops{0};
}  // namespace

// Dekker-style with end_run_in_progress: either the end sees this count, or this sees the
// run cleared (both seq_cst).
bool OutsideOp::enter() noexcept {
  outside_ops.fetch_add(1, std::memory_order_seq_cst);
  if (the_run.load(std::memory_order_seq_cst) != nullptr) return true;
  outside_ops.fetch_sub(1, std::memory_order_release);
  return false;
}

void OutsideOp::leave() noexcept { outside_ops.fetch_sub(1, std::memory_order_release); }

void end_run_in_progress() noexcept {
  the_run.store(nullptr, std::memory_order_seq_cst);
  // Operations of other threads never wait (those that would throw), so this is short.
  while (outside_ops.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  std::atomic_thread_fence(std::memory_order_acquire);  // their effects, before the teardown
}

Scheduler& sched() {
  Scheduler* s = tls_scheduler;
  if (!s || !s->current()) {
    if (!s && run_in_progress())
      throw std::logic_error(fmt::format(
          "weft: a goroutine operation (go, sleep, yield, or one that waits) was called on "
          "{}; {}",
          kOutsideWhat, kOutsideCan));
    throw std::logic_error(
        "weft: goroutine operations need a weft run; call them inside weft::explore(...) or "
        "weft::run(...)");
  }
  return *s;
}

G* current_or_outside() {
  Scheduler* s = tls_scheduler;
  if (s) {
    if (G* g = s->current()) return g;
  } else {
    const OutsideOp op;
    if (Scheduler* run = run_in_progress()) {
      let_outside_in(run);
      return nullptr;
    }
  }
  return sched().current();  // throws: not in a goroutine
}

void outside_cannot_wait(WaitReason reason, Location where) {
  throw std::logic_error(fmt::format("weft: {} at {} must wait, on {}; {}",
                                     wait_reason_name(reason), format_location(where),
                                     kOutsideWhat, kOutsideCan));
}

thread_local constinit bool in_event_sink = false;
constinit bool outside_observed_flag = false;

thread_local constinit AccessView* access_view = nullptr;
thread_local constinit RaceSink* access_race = nullptr;
thread_local constinit RaceSink* run_race = nullptr;
#ifdef WEFT_ACCESS_TSAN
// A call, so the thread pointer is read again each time (weft/detail/access.hpp).
[[gnu::noinline]] AccessView* access_view_here() noexcept {
  asm volatile("" ::: "memory");
  return access_view;
}
#endif

Scheduler* current_scheduler() noexcept { return tls_scheduler; }
void set_current_scheduler(Scheduler* s) noexcept {
  tls_scheduler = s;
  tls_run_unobserved = s != nullptr && s->is_parallel() && s->race() == nullptr;
  RaceSink* race = s != nullptr ? s->direct_race() : nullptr;
  access_view = race != nullptr ? race->view() : nullptr;
  // Under weft::run the view is each processor's (ParallelScheduler::proc_main sets it), and
  // a miss goes to run_race (record_annotated) or through record_access to access_direct,
  // which bind it; access_race is for the explore view's direct entry only.
  access_race = access_view != nullptr ? race : nullptr;
  run_race = race != nullptr && s->is_parallel() ? race : nullptr;
}

bool in_goroutine() noexcept { return tls_scheduler && tls_scheduler->current(); }
G* current() {
  Scheduler* s = tls_scheduler;
  G* g = s ? (s->is_parallel() ? run_current() : s->current()) : nullptr;
  if (!g) return sched().current();  // throws: not in a goroutine
  return g;
}
GoId id_of(const G* g) noexcept { return g ? g->id : 0; }

void spawn(std::unique_ptr<Callable> fn, std::string name, Location created_at) {
  sched().spawn(std::move(fn), std::move(name), created_at);
}
void visible(Location where) { visible(where, OpKind::none, nullptr); }
void visible(Location where, OpKind kind, const void* obj) {
  Scheduler* s = tls_scheduler;
  if (s) {
    if (s->is_parallel()) return;  // not a scheduling point there
    if (G* g = s->current()) {     // (one lookup: sched() would ask again)
      g->pending = kind;
      g->pending_obj = obj;
      s->visible(where);
      return;
    }
  } else {
    const OutsideOp op;
    if (Scheduler* run = run_in_progress()) {  // a thread of the run that runs no goroutine
      let_outside_in(run);
      return;
    }
  }
  sched();  // throws: not in a goroutine
}
void note_lock_held(const void* mutex, bool exclusive, Location where) {
  Scheduler* s = tls_scheduler;
  if (s && !s->is_parallel()) s->lock_held(mutex, exclusive, where);
}
void note_lock_dropped(const void* mutex) {
  Scheduler* s = tls_scheduler;
  if (s && !s->is_parallel()) s->lock_dropped(mutex);
}
bool op_pins_channel() noexcept {
  Scheduler* s = tls_scheduler;
  return !s || !s->is_parallel();
}
void polled(bool probe) {
  if (!tls_scheduler && run_in_progress()) return;  // no goroutine here: nothing to tell
  sched().polled(probe);
}
Wake park(WaitReason reason, Location where, UnlockFn unlock, void* arg) {
  Scheduler* s = tls_scheduler;
  if (s && s->is_parallel()) return run_park(reason, where, unlock, arg);  // goroutines only
  return sched().park(reason, where, unlock, arg);
}
// Timers ready goroutines from the scheduler loop, where no goroutine is current; a thread
// with no scheduler of its own readies through the run in progress (run_in_progress).
void ready(G* g) {
  Scheduler* s = tls_scheduler;
  if (!s) {
    // A thread with no scheduler of its own (the operation that woke g holds the run).
    const OutsideOp op;
    s = run_in_progress();
    // The run has ended, or is ending and waits for this operation: g was abandoned with
    // it (main returned), and stays asleep.
    if (!s) return;
    let_outside_in(s);
    return s->ready(g);  // ParallelScheduler::ready: the global queue
  }
  if (s->is_parallel()) return run_ready(g);
  s->ready(g);
}
void exit_killed() {
  sched().exit_killed();
  __builtin_unreachable();
}
std::size_t choose(std::size_t n) {
  if (!tls_scheduler && run_in_progress()) {
    // A select on a thread of the run that runs no goroutine: a choice of its own.
    thread_local std::uint64_t rng =
        0x9e3779b97f4a7c15ull ^ std::hash<std::thread::id>{}(std::this_thread::get_id());
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n < 2 ? 0 : static_cast<std::size_t>(rng % n);
  }
  return sched().choose(n);
}
EventSink* events() noexcept {
  Scheduler* s = tls_scheduler;
  if (s == nullptr) return outside_events();  // null unless a weft::run detects races
  // Under weft::run the race detector is the only sink (null with detection off): no
  // virtual call on that path.
  if (s->is_parallel()) return s->race();
  return s->events();
}

void record_access(const void* addr, std::size_t size, AccessKind kind, Location where) {
  Scheduler* s = tls_scheduler;
  if (!s) return record_outside(addr, size, kind, where);  // (if a weft::run detects races)
  G* g = s->current();
  if (!g) return;
  if (RaceSink* race = s->direct_race()) {
    race->access_direct(*g, addr, size, kind, where);
    return;
  }
  // A scheduling point whether or not anyone records the access: race detection and
  // access scheduling are separate options.
  g->pending = kind == AccessKind::read ? OpKind::read : OpKind::write;
  g->pending_obj = addr;
  s->access_point(where);
  if (EventSink* ev = s->events()) ev->access(g->id, addr, size, kind, where);
}

}  // namespace weft::detail

namespace weft {

GoId goid() { return detail::current()->id; }

// The controlled scheduler notes the poll and the pending operation (ControlledScheduler::
// yield); the parallel one requeues the caller.
void yield(std::source_location where) { detail::sched().yield(Location::from(where)); }

}  // namespace weft

namespace weft::instr::detail {

thread_local constinit void* active = nullptr;
#ifdef WEFT_ACCESS_TSAN
[[gnu::noinline]] void* active_here() noexcept {
  asm volatile("" ::: "memory");
  return active;
}
#endif

void record(const void* addr, std::size_t size, AccessKind kind, const Site& site) {
  weft::detail::record_access(addr, size, kind,
                              Location{site.file, site.function, site.line, site.column});
}

namespace {
// The last component of a qualified name: a virtual call names Base::f, the frame Derived::f.
std::string_view last_component(const char* name) {
  std::string_view n = name ? name : "";
  const std::size_t colon = n.rfind("::");
  return colon == std::string_view::npos ? n : n.substr(colon + 2);
}
}  // namespace

void enter(const Site& fn) {
  weft::detail::Scheduler* s = weft::detail::current_scheduler();
  weft::detail::G* g = s ? s->current() : nullptr;
  if (!g) return;
  EventSink* ev = s->events();
  if (!ev) return;
  const Location here{fn.file, fn.function, fn.line, fn.column};
  if (g->ncalls > 0 && g->ncalls <= g->calls.size()) {
    weft::detail::G::CallMark& top = g->calls[g->ncalls - 1];
    const auto* call = static_cast<const Site*>(top.site);
    if (!top.taken && last_component(call->callee) == last_component(fn.function)) {
      top.taken = true;
      ev->func_enter_from(g->id, here, Location{call->file, call->function, call->line,
                                                call->column});
      return;
    }
  }
  ev->func_enter(g->id, here);
}

void push_call(const Site& at) {
  weft::detail::Scheduler* s = weft::detail::current_scheduler();
  weft::detail::G* g = s ? s->current() : nullptr;
  if (!g) return;
  if (g->ncalls < g->calls.size()) g->calls[g->ncalls] = {&at, false};
  ++g->ncalls;
}

void pop_call() {
  weft::detail::Scheduler* s = weft::detail::current_scheduler();
  weft::detail::G* g = s ? s->current() : nullptr;
  if (g && g->ncalls > 0) --g->ncalls;
}

void exit() {
  weft::detail::Scheduler* s = weft::detail::current_scheduler();
  if (!s || !s->current()) return;
  if (EventSink* ev = s->events()) ev->func_exit(s->current()->id);
}

}  // namespace weft::instr::detail
