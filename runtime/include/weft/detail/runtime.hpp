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
};
std::string_view wait_reason_name(WaitReason r) noexcept;

// The outcome of a park: woken by ready(), or killed because the iteration is being torn
// down (the caller must undo its enqueueing and then call exit_killed()).
enum class Wake : std::uint8_t { ready, killed };

using UnlockFn = void (*)(void*);

// True when the calling thread runs a goroutine under weft::explore or weft::run.
bool in_goroutine() noexcept;
// The running goroutine; throws std::logic_error outside a weft run.
G* current();
GoId id_of(const G* g) noexcept;

void spawn(std::unique_ptr<Callable> fn, std::string name, Location created_at);
// A visible operation is about to happen: the scheduler may run another goroutine first.
void visible(Location where);
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
