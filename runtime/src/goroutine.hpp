// The goroutine record (G) that both schedulers run.
//
// Invariants:
//  - state == running for exactly the goroutine whose fiber is on the CPU (per processor);
//  - state == blocked implies `reason` != none and `blocked_at` says where it blocked;
//  - a dead G's stack has been returned to the pool and its body destroyed (fn and body
//    null).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fiber.hpp"
#include "weft/detail/runtime.hpp"
#include "weft/detail/spinlock.hpp"
#include "weft/events.hpp"

namespace weft::detail {

// The fields of a goroutine record that weft::run's dump (ParallelScheduler::dump: fatal
// errors, SIGQUIT, weft::dump_goroutines) reads while other processors run the goroutine:
// under weft::run they are written through these, relaxed atomic stores (plain stores on
// x86-64 and AArch64: no fence on park, ready or switch), and the dump reads them with
// relaxed loads, so that neither side's access is a data race and no field is torn.
template <class T>
inline void store_shared(T& field, T v) noexcept {
  std::atomic_ref<T>(field).store(v, std::memory_order_relaxed);
}
template <class T>
inline T load_shared(const T& field) noexcept {
  return std::atomic_ref<T>(const_cast<T&>(field)).load(std::memory_order_relaxed);
}
// A Location field by field (each part whole; the four may mix two locations' parts only
// while the goroutine is changing it, which a dump of a blocked goroutine never sees).
inline void store_shared(Location& field, const Location& v) noexcept {
  store_shared(field.file, v.file);
  store_shared(field.function, v.function);
  store_shared(field.line, v.line);
  store_shared(field.column, v.column);
}
inline Location load_shared(const Location& field) noexcept {
  return Location{load_shared(field.file), load_shared(field.function), load_shared(field.line),
                  load_shared(field.column)};
}

enum class GState : std::uint8_t { runnable, running, blocked, dead };
const char* state_name(GState s) noexcept;

// Where a goroutine's stack stands with respect to compaction (stack_compact.hpp, which
// gives the transitions). Only `parked` and `back` stacks may be compacted under
// weft::run; `compacting` and `restoring` are held by the one thread doing it.
enum class StackState : std::uint8_t { active, parked, compacting, compacted, restoring, back };

struct G {
  GoId id = 0;
  GoId parent = 0;
  // Stable across iterations (identity.hpp); 0 under the parallel scheduler.
  std::uint64_t identity = 0;
  std::string name;
  Location created_at;
  GState state = GState::runnable;
  WaitReason reason = WaitReason::none;
  Location blocked_at;
  // The last visible operation it reached (crash and hang reports name it). While it waits
  // at a scheduling point that is its pending operation, whose kind and object are these.
  Location last_op;
  OpKind pending = OpKind::none;
  const void* pending_obj = nullptr;
  // Visible operations reached; the count when a probe (select default, failed try) last
  // came back empty (~0: never), and how many did in a row, each within a couple of
  // operations of the previous one: a goroutine with a long streak is spinning on a probe.
  std::uint64_t ops = 0;
  // Under the controlled scheduler: the point stamp (Scheduler::point_stamp) at which it
  // last reached a scheduling point.
  std::uint64_t at_point = 0;
  // A try-lock that failed as if before a release (Scheduler::fails_before_release): the
  // point it was ordered from, and the goroutine's `ops` then. A try-lock at its very next
  // operation may be ordered from that point too (up to a bound, controlled.cpp).
  std::uint64_t failed_from = 0;
  std::uint64_t failed_at_ops = ~std::uint64_t{0};
  std::uint32_t failed_streak = 0;  // how many in a row failed that way
  std::uint64_t polled_at = ~std::uint64_t{0};
  std::uint32_t poll_streak = 0;
  // The body: on the heap in `fn`, or (weft::run, go.hpp's spawn_body) built in place in
  // body_slot, with `body` pointing at it until it has run and been destroyed.
  std::unique_ptr<Callable> fn;
  Callable* body = nullptr;
  Stack stack;
  FiberCtx ctx;
  bool started = false;
  // Teardown: the iteration is over; park() answers Wake::killed and yields are no-ops.
  bool killed = false;
  // Left without unwinding (Scheduler::abandon_killed): its stack is buried, not reused, so
  // what its frames own stays reachable for LeakSanitizer.
  bool abandoned = false;
  // Stack compaction (stack_compact.hpp): queued to be compacted once off the CPU, and the
  // saved bytes while compacted (or until it runs again).
  bool compact_pending = false;
  struct CompactedStack* compacted = nullptr;
  std::atomic<StackState> stack_state{StackState::active};
  // The waiters of this goroutine that are linked into wait queues (via Waiter::g_next);
  // guarded by waiters_lock for a select's (they sit in several channels' queues whose wakers
  // may unlink them at once on different processors); any other waiter is alone, under its queue's lock.
  struct Waiter* waiters = nullptr;
  SpinLock waiters_lock;
  // When it last blocked, in the parallel scheduler's cheap clock (its processor's time-stamp
  // counter, ParallelScheduler::stamp): its dumps say how long a goroutine has been waiting.
  std::int64_t blocked_since = 0;
  // Calls of instrumented functions this goroutine has begun (weft::instr::Call), innermost
  // last; a callee's frame takes the innermost one that names it. Deeper nesting than the
  // array holds is counted but not kept.
  struct CallMark {
    const void* site = nullptr;  // const weft::instr::Site*
    bool taken = false;
  };
  std::array<CallMark, 8> calls{};
  std::uint32_t ncalls = 0;
  // While blocked in a select: each case's channel (its creation site) and direction, in
  // case order, for deadlock and leak dumps. Stale once it returns (read only while
  // reason == select).
  struct SelectWait {
    Location channel_made_at;
    bool send = false;
  };
  std::vector<SelectWait> select_waits;
  // Scheduler-private bookkeeping.
  std::uint64_t sched_data = 0;
  // Room for a small body (see `body`), last: only go() and the goroutine itself touch it.
  alignas(kInlineBodyAlign) unsigned char body_slot[kInlineBodyBytes];
};

}  // namespace weft::detail
