// Unmodified std::thread / std::mutex / std::condition_variable code under weft::explore.
//
// libstdc++ implements its threads, mutexes, condition variables, shared mutexes and
// call_once on the pthread functions, and its clocks and sleeps on clock_gettime and
// nanosleep. weft defines those functions itself (std_interpose.cpp), so every call from the
// program and from libstdc++.so comes here first. A call made by a goroutine of a controlled
// run (the caller below) is served by the functions of this header, on goroutines and the
// scheduler's park/ready protocol; every other call (outside any run, from a real thread,
// from weft's own runtime or an event sink) goes to the C library unchanged.
//
// Invariants:
//  - the pthread objects themselves are never written inside a run (except a pthread_once
//    control, which is marked done as the C library would): what a goroutine holds or waits
//    for is kept in side tables keyed by the object's address, so an object initialised
//    before the run works in it and is untouched after it;
//  - a side-table entry exists only while it is held or waited for (a mutex, an rwlock), has
//    waiters (a condition variable, a futex word) or its thread is not yet joined; all of
//    them are dropped when the iteration ends (std_iteration_end), so one iteration's
//    leftovers never reach the next;
//  - every call that can block or wake is a visible operation, but a mutex's or a
//    read-write lock's unlock (which is not a scheduling point, controlled.hpp; its stamp
//    is kept until the lock is taken exclusively again, for a try_lock that may come
//    before it), and each reports its happens-before edges: unlock -> next lock, thread
//    start (the spawn) and end -> join, signal/broadcast -> the wait it wakes, the end of a
//    once's routine -> every later pthread_once on it, FUTEX_WAKE -> the FUTEX_WAIT it
//    wakes;
//  - a std::thread whose goroutine never started (abandoned at teardown) has its state (the
//    callable and its arguments, a std::thread::_State its start routine would own) destroyed
//    with the goroutine's body, so nothing it captured leaks;
//  - a goroutine killed at teardown is abandoned where it stands, never unwound: unwinding
//    would destroy joinable std::thread objects (std::terminate) and leave noexcept
//    destructors that join or unlock by exception.
#pragma once

#include <pthread.h>
#include <time.h>

#include <cstdint>
#include <string>

#include "weft/detail/runtime.hpp"

namespace weft::detail {

struct G;
class WaitQueue;

namespace shim {

// The running goroutine when the calling code should be served by the shim: inside a
// weft::explore iteration, in a goroutine that runs (not the scheduler loop, not a goroutine
// in the middle of a switch), outside event sinks and weft's own internal sections, and not
// called from the unwinder (libgcc_s locks its frame tables while an exception propagates:
// that is no synchronisation of the program's). `ret` is the interposed function's return
// address.
G* caller(const void* ret) noexcept;

// How many Internal scopes (below) the calling thread is in.
extern thread_local constinit int internal_depth;

// Marks weft's own use of the C library's synchronisation inside a goroutine (the stack
// pool, crash handlers, the allocator weft forwards malloc to): the calls in its scope go
// to the C library.
struct Internal {
  Internal() noexcept;
  ~Internal();
  Internal(const Internal&) = delete;
  Internal& operator=(const Internal&) = delete;
};

// Threads (std_threads.cpp).
// `caller` is pthread_create's return address: from std::thread's own start, `arg` is the
// thread's state (std::thread::_State), destroyed here if the thread never starts.
// The user's file:line of the std call being made (std_site.cpp): the innermost frame of
// the calling stack outside the C++ library and weft, described as "<fallback.function> in
// <the user's function>"; `fallback` itself when that is unknown (no debug information).
// Symbolised once per call site per process, not once per call.
Location user_site(const Location& fallback);
int thread_create(pthread_t* t, void* (*start)(void*), void* arg, const void* caller);
int thread_join(G* self, pthread_t t, void** ret);
int thread_detach(pthread_t t);
// Ends a thread started in the run with result ret, without unwinding it.
[[noreturn]] void thread_exit(G* self, void* ret);
pthread_t thread_self(G* self) noexcept;
// True if t names a thread started in this run (the others go to the C library).
bool is_run_thread(pthread_t t) noexcept;
void yield(G* self);
// Sleeps until the virtual deadline (nanoseconds of the clock `clk`).
void sleep_until(G* self, clockid_t clk, const timespec& deadline);
void sleep_for(G* self, const timespec& d);
// The virtual time of clock `clk`; false for a clock that stays real (CPU time).
bool virtual_time(clockid_t clk, timespec* out) noexcept;

// Mutexes, read-write locks, condition variables, once (std_sync.cpp). A deadline is an
// absolute time of `clk`; null waits without limit.
int mutex_lock(G* self, pthread_mutex_t* m, bool try_only, clockid_t clk, const timespec* deadline);
int mutex_unlock(G* self, pthread_mutex_t* m);
int mutex_destroy(pthread_mutex_t* m);
int rwlock_lock(G* self, pthread_rwlock_t* l, bool exclusive, bool try_only, clockid_t clk,
                const timespec* deadline);
int rwlock_unlock(G* self, pthread_rwlock_t* l);
int cond_wait(G* self, pthread_cond_t* c, pthread_mutex_t* m, clockid_t clk,
              const timespec* deadline);
int cond_wake(G* self, pthread_cond_t* c, bool all);
int cond_destroy(pthread_cond_t* c);
int once(G* self, pthread_once_t* o, void (*init)());
// FUTEX_WAIT / FUTEX_WAKE on a word (std_futex.cpp): what libstdc++'s atomic waits,
// std::latch, std::barrier, std::counting_semaphore and std::future block on.
long futex(G* self, std::uint32_t* word, int op, std::uint32_t val, const timespec* timeout,
           std::uint32_t val3);

// Parks self on q (a side table's queue) until a waker pops it (true) or, with a deadline
// (absolute, of clock clk), until the deadline passes first (false). A killed goroutine is
// abandoned here.
bool wait_on(G* self, WaitQueue& q, WaitReason reason, const Location& where, clockid_t clk,
             const timespec* deadline);
// Fails the iteration with a report of undefined behaviour by self (kind
// undefined_behavior); returns if the iteration goes on (it never does: the goroutine is
// abandoned when the teardown resumes it).
void undefined_behavior(G* self, const std::string& what, const Location& where);

// Per-file side tables, dropped at the end of an iteration.
void reset_threads() noexcept;
void reset_sync() noexcept;
void reset_futex() noexcept;
void reset_atomics() noexcept;  // std_atomic.cpp
void reset_locals() noexcept;   // std_local.cpp
// g has ended: its copies of thread_locals are destroyed (std_local.cpp).
void end_goroutine_locals(const G* g) noexcept;

// Abandons the calling goroutine, killed at teardown, without unwinding it.
[[noreturn]] void abandon(G* self);
// Abandons it now if it is being torn down.
void check_killed(G* self);

}  // namespace shim

// Drops every side table: called by the controlled scheduler when an iteration has ended.
void std_iteration_end() noexcept;

}  // namespace weft::detail
