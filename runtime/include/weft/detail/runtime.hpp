// The runtime's internal entry points that weft's public templates call. Not for users:
// names and signatures here may change at any time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "weft/events.hpp"

namespace weft::detail {

struct G;

// A goroutine's body, type-erased.
struct Callable {
  virtual ~Callable() = default;
  virtual void invoke() = 0;
};

// Why a goroutine is blocked; names follow Go's goroutine dumps.
enum class WaitReason : std::uint8_t {
  none,
  chan_send,
  chan_receive,
  chan_send_nil,
  chan_receive_nil,
  select,
  select_no_cases,
  sleep,
  mutex_lock,
  rwmutex_lock,
  rwmutex_rlock,
  waitgroup_wait,
  cond_wait,
  once_do,
  timer_wait,
  // std::thread code under explore (runtime/src/std_shim.hpp)
  thread_join,
  std_mutex_lock,
  std_shared_mutex_lock,
  std_cond_wait,
  std_call_once,
  futex_wait,  // atomic wait, latch, barrier, semaphore, future
  // weft::run: in weft::blocking(f), f running on a thread of its own
  blocking_call,
};
std::string_view wait_reason_name(WaitReason r) noexcept;

// The outcome of a park: woken by ready(), or killed because the iteration is being torn
// down (the caller must undo its enqueueing and then call exit_killed()).
enum class Wake : std::uint8_t { ready, killed };

using UnlockFn = void (*)(void*);

// True when the calling thread runs a goroutine under weft::explore or weft::run.
bool in_goroutine() noexcept;
// Set while this thread is a processor of weft::run with race detection off: nothing
// observes a sync operation there (no scheduling point, no detector), so the uncontended
// forms may be inlined into the caller (weft::Mutex). Kept by set_current_scheduler.
extern thread_local constinit bool tls_run_unobserved;
// The running goroutine; throws std::logic_error outside a weft run.
G* current();
GoId id_of(const G* g) noexcept;

void spawn(std::unique_ptr<Callable> fn, std::string name, Location created_at);
// weft::run's allocation-free spawn (go.hpp's spawn_body): spawn_reserve takes a goroutine
// record from the running processor's pool; the caller builds the body in `slot` (at most
// kInlineBodyBytes, aligned to kInlineBodyAlign) and hands both to spawn_commit, or to
// spawn_cancel if building it threw. Anywhere else (weft::explore, outside a goroutine)
// spawn_reserve answers {nullptr, nullptr} and the caller uses spawn().
struct SpawnSlot {
  G* g = nullptr;
  void* slot = nullptr;
};
inline constexpr std::size_t kInlineBodyBytes = 64;
inline constexpr std::size_t kInlineBodyAlign = 16;
SpawnSlot spawn_reserve();
void spawn_commit(G* g, Callable* body, std::string&& name, Location created_at);
void spawn_cancel(G* g) noexcept;
// What a goroutine is about to do at a scheduling point (its pending operation), with the
// object it acts on: the strategies' conflict test (strategy.hpp) compares them.
enum class OpKind : std::uint8_t {
  none,  // not known: conflicts with nothing
  spawn,
  chan_send,
  chan_recv,
  chan_close,
  select,  // against several channels: conflicts with every channel operation
  lock,
  unlock,
  rlock,
  runlock,
  wait_group,
  once,
  cond,
  atomic_load,
  atomic_store,  // also read-modify-writes
  sleep,
  yield,
  read,
  write,  // also read-modify-writes
};

// A visible operation is about to happen: the scheduler may run another goroutine first.
void visible(Location where);
// Whether a channel operation must keep its channel alive from its start (OpRef): under
// weft::explore another goroutine may run at the operation's visible() and drop the last
// handle. Under weft::run nothing runs in between on this processor, and the caller's
// handle keeps the channel alive, so the two atomic operations are saved. A send or receive
// blocked under weft::run needs no pin either: only its channel can wake it, through a
// handle, and a channel deleted with waiters unlinks them (they stay blocked, as a Go
// goroutine on an unreachable channel). A blocked select is pinned (select.cpp): another
// channel can wake it, and it then unlinks itself from all of them.
bool op_pins_channel() noexcept;
// The same, naming the operation (`kind` on `obj`) the goroutine performs next.
void visible(Location where, OpKind kind, const void* obj);
// The running goroutine polled: it took a select's default or a try operation failed
// (`probe`), or it yielded; it may spin until someone else acts (strategies then let
// others run). Only probes let virtual time pass (controlled.hpp).
void polled(bool probe = true);
// Block the current goroutine until ready(g). `unlock(arg)` runs once the goroutine is
// committed to parking, so a waker that takes the same lock sees it parked.
Wake park(WaitReason reason, Location where, UnlockFn unlock, void* arg);
void ready(G* g);
// Leave a goroutine that is being torn down: unwinds it (or, if that is unsafe because an
// exception is already in flight, abandons its stack). Never returns.
[[noreturn]] void exit_killed();
// A nondeterministic choice in [0, n) made by the strategy (n >= 1).
std::size_t choose(std::size_t n);
// The event sink of the current run, or nullptr.
EventSink* events() noexcept;
// A plain memory access by the running goroutine: a scheduling point (if the run explores
// accesses), then recorded. Does nothing outside a goroutine or without a sink.
void record_access(const void* addr, std::size_t size, AccessKind kind, Location where);

}  // namespace weft::detail
