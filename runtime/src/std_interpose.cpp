// The C library functions weft defines in place of the C library's own (see std_shim.hpp):
// each asks shim::caller() whether a goroutine of a controlled run is calling, and if so
// serves the call in the shim; otherwise it forwards to the next definition in the lookup
// order (the C library, or a sanitizer's interceptor in front of it), found once by
// dlsym(RTLD_NEXT).
//
// The definitions reach every caller because the executable that links weft defines them:
// the program's own (inline) calls bind to them at link time, and libstdc++.so's calls
// (std::thread's constructor, condition_variable::wait, this_thread::sleep_for) bind to them
// at load time, since the linker exports from an executable whatever a shared library it
// links against refers to. weft's CMake target adds `-u weft_std_interpose` so this object
// is always linked, whether or not the program itself names a pthread function.
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>

#include "scheduler.hpp"
#include "std_shim.hpp"

namespace sh = weft::detail::shim;
using weft::detail::G;

extern "C" {
// Named by `-u` on the link line (runtime/CMakeLists.txt) so the linker takes this object.
int weft_std_interpose = 0;
}

namespace {

// The next definition of `name`, looked up once. A relaxed atomic, not a function-local
// static: a static's guard may itself wait through syscall(), which lives here.
template <class F>
F next(std::atomic<void*>& slot, const char* name) noexcept {
  void* p = slot.load(std::memory_order_relaxed);
  if (!p) {
    p = ::dlsym(RTLD_NEXT, name);
    slot.store(p, std::memory_order_relaxed);
  }
  return reinterpret_cast<F>(p);
}

#define WEFT_REAL(name) \
  ([]() noexcept { \
    static std::atomic<void*> slot{nullptr}; \
    return next<decltype(&::name)>(slot, #name); \
  }())

constexpr clockid_t kNoClock = CLOCK_REALTIME;

// Under weft::run with race detection a thread started by a goroutine (or by a thread of the
// program the detector observes) is a real thread: it starts after everything its starter
// did, and its end comes before what its joiner does next. Both edges are made here: the
// new thread's identity copies its starter's clock (note_thread_start), and its end is
// released at its pthread_t, which pthread_join acquires.
struct RunThreadStart {
  void* (*start)(void*);
  void* arg;
  weft::GoId parent;
  std::uint64_t run;
};

const void* thread_key(pthread_t t) noexcept { return reinterpret_cast<const void*>(t); }

void* run_thread_start(void* p) {
  const RunThreadStart st = *static_cast<RunThreadStart*>(p);
  delete static_cast<RunThreadStart*>(p);
  weft::detail::note_thread_start(st.parent, st.run);
  void* r = st.start(st.arg);
  weft::detail::note_thread_end(thread_key(::pthread_self()));
  return r;
}

}  // namespace

extern "C" {

// ---- threads ----

int pthread_create(pthread_t* t, const pthread_attr_t* attr, void* (*start)(void*),
                   void* arg) noexcept {
  if (sh::caller(__builtin_return_address(0)))
    return sh::thread_create(t, start, arg, __builtin_return_address(0));
  weft::GoId parent = 0;
  std::uint64_t run = 0;
  if (weft::detail::thread_start_edge(&parent, &run)) {  // weft::run detecting races
    auto* st = new RunThreadStart{start, arg, parent, run};
    const int rc = WEFT_REAL(pthread_create)(t, attr, &run_thread_start, st);
    if (rc != 0) delete st;
    return rc;
  }
  return WEFT_REAL(pthread_create)(t, attr, start, arg);
}

int pthread_join(pthread_t t, void** ret) {
  if (G* g = sh::caller(__builtin_return_address(0)); g && sh::is_run_thread(t)) return sh::thread_join(g, t, ret);
  const int rc = WEFT_REAL(pthread_join)(t, ret);
  if (rc == 0) weft::detail::note_thread_joined(thread_key(t));
  return rc;
}

int pthread_detach(pthread_t t) noexcept {
  if (sh::caller(__builtin_return_address(0)) && sh::is_run_thread(t)) return sh::thread_detach(t);
  return WEFT_REAL(pthread_detach)(t);
}

void pthread_exit(void* ret) {
  if (G* g = sh::caller(__builtin_return_address(0))) sh::thread_exit(g, ret);
  // A real thread leaving early: its end is released for its joiner here, since the rest of
  // run_thread_start is skipped (no edge is made when no run observes the thread).
  weft::detail::note_thread_end(thread_key(::pthread_self()));
  WEFT_REAL(pthread_exit)(ret);
  __builtin_unreachable();
}

pthread_t pthread_self() noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::thread_self(g);
  return WEFT_REAL(pthread_self)();
}

int sched_yield() noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) {
    sh::yield(g);
    return 0;
  }
  return WEFT_REAL(sched_yield)();
}

// ---- time ----

int clock_gettime(clockid_t clk, struct timespec* ts) noexcept {
  if (sh::caller(__builtin_return_address(0)) && sh::virtual_time(clk, ts)) return 0;
  return WEFT_REAL(clock_gettime)(clk, ts);
}

int gettimeofday(struct timeval* tv, void* tz) noexcept {
  timespec ts;
  if (sh::caller(__builtin_return_address(0)) && sh::virtual_time(CLOCK_REALTIME, &ts)) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
  }
  return WEFT_REAL(gettimeofday)(tv, tz);
}

int nanosleep(const struct timespec* d, struct timespec* rem) {
  if (G* g = sh::caller(__builtin_return_address(0)); g && d) {
    if (d->tv_nsec < 0 || d->tv_nsec >= 1'000'000'000) {
      errno = EINVAL;
      return -1;
    }
    sh::sleep_for(g, *d);
    if (rem) *rem = timespec{0, 0};
    return 0;
  }
  return WEFT_REAL(nanosleep)(d, rem);
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec* t, struct timespec* rem) {
  timespec probe;
  if (G* g = sh::caller(__builtin_return_address(0)); g && t && sh::virtual_time(clk, &probe)) {
    if (t->tv_nsec < 0 || t->tv_nsec >= 1'000'000'000) return EINVAL;
    if (flags & TIMER_ABSTIME)
      sh::sleep_until(g, clk, *t);
    else
      sh::sleep_for(g, *t);
    if (rem && !(flags & TIMER_ABSTIME)) *rem = timespec{0, 0};
    return 0;
  }
  return WEFT_REAL(clock_nanosleep)(clk, flags, t, rem);
}

int usleep(useconds_t us) {
  if (G* g = sh::caller(__builtin_return_address(0))) {
    sh::sleep_for(g, timespec{static_cast<time_t>(us / 1'000'000),
                              static_cast<long>(us % 1'000'000) * 1000});
    return 0;
  }
  return WEFT_REAL(usleep)(us);
}

// ---- mutexes ----

int pthread_mutex_lock(pthread_mutex_t* m) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::mutex_lock(g, m, false, kNoClock, nullptr);
  return WEFT_REAL(pthread_mutex_lock)(m);
}

int pthread_mutex_trylock(pthread_mutex_t* m) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::mutex_lock(g, m, true, kNoClock, nullptr);
  return WEFT_REAL(pthread_mutex_trylock)(m);
}

int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* at) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::mutex_lock(g, m, false, CLOCK_REALTIME, at);
  return WEFT_REAL(pthread_mutex_timedlock)(m, at);
}

int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clk, const struct timespec* at) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::mutex_lock(g, m, false, clk, at);
  return WEFT_REAL(pthread_mutex_clocklock)(m, clk, at);
}

int pthread_mutex_unlock(pthread_mutex_t* m) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::mutex_unlock(g, m);
  return WEFT_REAL(pthread_mutex_unlock)(m);
}

int pthread_mutex_destroy(pthread_mutex_t* m) noexcept {
  if (sh::caller(__builtin_return_address(0))) {
    if (int e = sh::mutex_destroy(m)) return e;
  }
  return WEFT_REAL(pthread_mutex_destroy)(m);
}

// ---- read-write locks (std::shared_mutex, std::shared_timed_mutex) ----

int pthread_rwlock_rdlock(pthread_rwlock_t* l) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::rwlock_lock(g, l, false, false, kNoClock, nullptr);
  return WEFT_REAL(pthread_rwlock_rdlock)(l);
}

int pthread_rwlock_wrlock(pthread_rwlock_t* l) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::rwlock_lock(g, l, true, false, kNoClock, nullptr);
  return WEFT_REAL(pthread_rwlock_wrlock)(l);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t* l) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::rwlock_lock(g, l, false, true, kNoClock, nullptr);
  return WEFT_REAL(pthread_rwlock_tryrdlock)(l);
}

int pthread_rwlock_trywrlock(pthread_rwlock_t* l) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::rwlock_lock(g, l, true, true, kNoClock, nullptr);
  return WEFT_REAL(pthread_rwlock_trywrlock)(l);
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t* l, const struct timespec* at) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::rwlock_lock(g, l, false, false, CLOCK_REALTIME, at);
  return WEFT_REAL(pthread_rwlock_timedrdlock)(l, at);
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t* l, const struct timespec* at) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::rwlock_lock(g, l, true, false, CLOCK_REALTIME, at);
  return WEFT_REAL(pthread_rwlock_timedwrlock)(l, at);
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t* l, clockid_t clk,
                               const struct timespec* at) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::rwlock_lock(g, l, false, false, clk, at);
  return WEFT_REAL(pthread_rwlock_clockrdlock)(l, clk, at);
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t* l, clockid_t clk,
                               const struct timespec* at) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::rwlock_lock(g, l, true, false, clk, at);
  return WEFT_REAL(pthread_rwlock_clockwrlock)(l, clk, at);
}

int pthread_rwlock_unlock(pthread_rwlock_t* l) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::rwlock_unlock(g, l);
  return WEFT_REAL(pthread_rwlock_unlock)(l);
}

// ---- condition variables ----

int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::cond_wait(g, c, m, kNoClock, nullptr);
  return WEFT_REAL(pthread_cond_wait)(c, m);
}

int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* at) {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::cond_wait(g, c, m, CLOCK_REALTIME, at);
  return WEFT_REAL(pthread_cond_timedwait)(c, m, at);
}

int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clk,
                           const struct timespec* at) {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::cond_wait(g, c, m, clk, at);
  return WEFT_REAL(pthread_cond_clockwait)(c, m, clk, at);
}

int pthread_cond_signal(pthread_cond_t* c) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::cond_wake(g, c, false);
  return WEFT_REAL(pthread_cond_signal)(c);
}

int pthread_cond_broadcast(pthread_cond_t* c) noexcept {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::cond_wake(g, c, true);
  return WEFT_REAL(pthread_cond_broadcast)(c);
}

int pthread_cond_destroy(pthread_cond_t* c) noexcept {
  if (sh::caller(__builtin_return_address(0))) {
    if (int e = sh::cond_destroy(c)) return e;
  }
  return WEFT_REAL(pthread_cond_destroy)(c);
}

// ---- once (std::call_once) ----

int pthread_once(pthread_once_t* o, void (*init)()) {
  if (G* g = sh::caller(__builtin_return_address(0))) return sh::once(g, o, init);
  return WEFT_REAL(pthread_once)(o, init);
}

// ---- futex (atomic waits, latch, barrier, semaphore, future) ----

long syscall(long n, ...) noexcept {
  va_list ap;
  va_start(ap, n);
  long a[6];
  for (long& x : a) x = va_arg(ap, long);
  va_end(ap);
  if (n == SYS_futex) {
    if (G* g = sh::caller(__builtin_return_address(0)))
      return sh::futex(g, reinterpret_cast<std::uint32_t*>(a[0]), static_cast<int>(a[1]),
                       static_cast<std::uint32_t>(a[2]), reinterpret_cast<const timespec*>(a[3]),
                       static_cast<std::uint32_t>(a[5]));
  }
  return WEFT_REAL(syscall)(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}

}  // extern "C"
