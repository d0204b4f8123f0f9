// std::mutex (and its timed and recursive kinds), std::shared_mutex, std::condition_variable
// and std::call_once on goroutines: pthread mutexes, read-write locks, condition variables
// and once controls, served from side tables keyed by the object's address (see
// std_shim.hpp for the invariants).
//
// A mutex follows weft::Mutex: unlock wakes one waiter, which then competes with any
// goroutine arriving at lock() (barging), so exploration covers both outcomes. A read-write
// lock prefers readers, as glibc's default does. A condition-variable wait may wake
// spuriously, as the standard allows: the strategy chooses, at each wait, whether it does
// (at most twice in a row for one goroutine, so a correct `while (!ready) cv.wait(lk)` loop
// always ends), so a wait that is not in a loop re-checking its condition is found, and a
// replay makes the same choices. WEFT_SPURIOUS_WAKEUPS=0 turns that off.
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "goroutine.hpp"
#include "hb.hpp"
#include "std_shim.hpp"
#include "weft/detail/wait_queue.hpp"

namespace weft::detail::shim {

namespace {

// Owners are goroutine ids, not G pointers: a goroutine may end while holding a lock, and its
// G is then freed (and its memory may hold the next goroutine).
// A mutex's entry is made at its first lock and kept until the iteration ends: a lock and
// unlock of a free mutex then cost one lookup each, not an insert and an erase. (The table
// grows with the mutexes an iteration locks, as its released-at stamps did when they had a
// table of their own.)
struct MutexState {
  GoId owner = 0;
  unsigned depth = 0;  // a recursive mutex's lock count
  // While free: the point stamp (Scheduler::unlocking) of its last unlock, which a try_lock
  // may be ordered before; 0 when none.
  std::uint64_t released_at = 0;
  WaitQueue waiters;
};

struct RwState {
  GoId writer = 0;
  std::map<GoId, unsigned> readers;  // read locks held, by goroutine
  WaitQueue readq;
  WaitQueue writeq;
};

struct CondState {
  WaitQueue waiters;
};

struct OnceState {
  GoId runner = 0;
  WaitQueue waiters;
};

// The tables' memory: freed blocks kept by size (16-byte classes up to 256 bytes) and handed
// out again. Entries of read-write locks, condition variables and once controls come and go
// with each use, and taking that memory from the allocator (with weft's heap hooks in front
// of it) cost more than the rest of the operation. A list holds at most as many blocks as
// the tables held at once; they go back to the allocator when the thread's tables end.
class FreeBlocks {
 public:
  FreeBlocks() = default;
  FreeBlocks(const FreeBlocks&) = delete;
  FreeBlocks& operator=(const FreeBlocks&) = delete;
  ~FreeBlocks() {
    for (void*& head : free_)
      while (head) {
        void* next = *static_cast<void**>(head);
        ::operator delete(head);
        head = next;
      }
  }
  void* get(std::size_t bytes) {
    const std::size_t c = size_class(bytes);
    if (c < kClasses && free_[c]) {
      void* p = free_[c];
      free_[c] = *static_cast<void**>(p);
      return p;
    }
    return ::operator new(c * kStep);  // its whole class: it may come back for any size of it
  }
  void put(void* p, std::size_t bytes) noexcept {
    const std::size_t c = size_class(bytes);
    if (c >= kClasses) {
      ::operator delete(p);
      return;
    }
    *static_cast<void**>(p) = free_[c];
    free_[c] = p;
  }

 private:
  static constexpr std::size_t kStep = 16, kClasses = 17;  // blocks of 16, 32, ... 256 bytes
  static std::size_t size_class(std::size_t bytes) noexcept {
    return bytes == 0 ? 1 : (bytes + kStep - 1) / kStep;
  }
  void* free_[kClasses] = {};
};

template <class T>
struct FromFreeBlocks {
  using value_type = T;
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  explicit FromFreeBlocks(FreeBlocks* b) noexcept : blocks(b) {}
  template <class U>
  FromFreeBlocks(const FromFreeBlocks<U>& o) noexcept : blocks(o.blocks) {}
  T* allocate(std::size_t n) { return static_cast<T*>(blocks->get(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { blocks->put(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const FromFreeBlocks<U>& o) const noexcept {
    return blocks == o.blocks;
  }
  FreeBlocks* blocks;
};

// Node-based: an entry stays where it is until it is erased.
template <class V>
using Table = std::unordered_map<const void*, V, std::hash<const void*>, std::equal_to<>,
                                 FromFreeBlocks<std::pair<const void* const, V>>>;

struct Tables {
  // The stamps (Scheduler::unlocking) of a read-write lock's last unlock and of its last
  // writer's unlock, kept until a writer takes it (a try_lock may be ordered before the
  // former, a try_lock_shared before the latter; see rwlock_unlock).
  struct RwReleased {
    std::uint64_t any = 0, write = 0;
  };

  FreeBlocks blocks;  // first: the tables give their memory back before it is freed
  Table<MutexState> mutexes{Table<MutexState>::allocator_type(&blocks)};
  Table<RwState> rwlocks{Table<RwState>::allocator_type(&blocks)};
  Table<CondState> conds{Table<CondState>::allocator_type(&blocks)};
  Table<OnceState> onces{Table<OnceState>::allocator_type(&blocks)};
  Table<RwReleased> rw_released{Table<RwReleased>::allocator_type(&blocks)};
  std::map<GoId, unsigned> spurious_in_a_row;

  void clear() noexcept {
    mutexes.clear();
    rwlocks.clear();
    conds.clear();
    onces.clear();
    rw_released.clear();
    spurious_in_a_row.clear();
  }
};
thread_local Tables tables;

template <class State>
State& entry(Table<State>& t, const void* key) {
  return t.try_emplace(key).first->second;
}

template <class State>
State* find(Table<State>& t, const void* key) {
  auto it = t.find(key);
  return it == t.end() ? nullptr : &it->second;
}

const Location kLock{"", "std::mutex::lock (pthread_mutex_lock)", 0, 0};
const Location kTryLock{"", "std::mutex::try_lock (pthread_mutex_trylock)", 0, 0};
const Location kUnlock{"", "std::mutex::unlock (pthread_mutex_unlock)", 0, 0};
const Location kRead{"", "std::shared_mutex::lock_shared (pthread_rwlock_rdlock)", 0, 0};
const Location kWrite{"", "std::shared_mutex::lock (pthread_rwlock_wrlock)", 0, 0};
const Location kRwUnlock{"", "std::shared_mutex::unlock (pthread_rwlock_unlock)", 0, 0};
const Location kWait{"", "std::condition_variable::wait (pthread_cond_wait)", 0, 0};
const Location kSignal{"", "std::condition_variable::notify_one (pthread_cond_signal)", 0, 0};
const Location kBroadcast{"", "std::condition_variable::notify_all (pthread_cond_broadcast)",
                          0, 0};
const Location kOnce{"", "std::call_once (pthread_once)", 0, 0};

// glibc keeps the mutex kind in the object (PTHREAD_MUTEX_RECURSIVE_NP and so on).
int mutex_kind(const pthread_mutex_t* m) noexcept { return m->__data.__kind & 3; }

// Read at each wait, so a test can set it around one exploration.
bool spurious_wakeups_enabled() {
  const char* v = std::getenv("WEFT_SPURIOUS_WAKEUPS");
  return !(v && std::strcmp(v, "0") == 0);
}

std::string holder(GoId g) {
  return g ? fmt::format("goroutine {}", g) : std::string("no thread");
}

// The owner's unlock, once checked: the lock's clock passes on, one waiter is woken.
void release_mutex(pthread_mutex_t* m, MutexState& st) {
  hb::release_store(m);
  hb::lock_released(m);
  st.owner = 0;
  st.depth = 0;
  if (Waiter* w = st.waiters.pop()) ready(w->g);
}

}  // namespace

// ---- mutexes ----

int mutex_lock(G* self, pthread_mutex_t* m, bool try_only, clockid_t clk,
               const timespec* deadline) {
  const Location& loc = try_only ? kTryLock : kLock;
  visible(loc);
  MutexState* st = &entry(tables.mutexes, m);  // kept once made: see MutexState
  if (st->owner == self->id) {
    if (mutex_kind(m) == PTHREAD_MUTEX_RECURSIVE_NP) {
      ++st->depth;
      return 0;
    }
    if (mutex_kind(m) == PTHREAD_MUTEX_ERRORCHECK_NP) return EDEADLK;
    if (try_only) return EBUSY;
    undefined_behavior(self, "a std::mutex locked again by the thread that holds it",
                       user_site(loc));
    return EDEADLK;
  }
  // Free, but perhaps only since an unlock that was not a scheduling point: the try may
  // have come first (controlled.hpp, "Unlocks are not scheduling points"; the standard lets
  // try_lock fail spuriously in any case).
  if (try_only && !st->owner && st->released_at != 0 &&
      sched().fails_before_release(st->released_at))
    return EBUSY;
  // Only a lock that waits is shown where the user took it (a blocked goroutine is reported
  // there): the uncontended path does not unwind.
  const Location where = st->owner && !try_only ? user_site(loc) : loc;
  while (st->owner) {
    if (try_only) return EBUSY;
    const bool woken =
        wait_on(self, st->waiters, WaitReason::std_mutex_lock, where, clk, deadline);
    if (!woken) return ETIMEDOUT;
  }
  st->owner = self->id;
  st->depth = 1;
  st->released_at = 0;
  hb::acquire(m);
  if (try_only)
    hb::lock_try_acquired(m, true, loc);
  else
    hb::lock_acquired(m, true, loc);
  return 0;
}

int mutex_unlock(G* self, pthread_mutex_t* m) {
  // Not a scheduling point (controlled.hpp, "Unlocks are not scheduling points").
  const std::uint64_t stamp = sched().unlocking(kUnlock);
  MutexState* st = find(tables.mutexes, m);
  if (!st || st->owner != self->id) {
    if (mutex_kind(m) == PTHREAD_MUTEX_ERRORCHECK_NP) return EPERM;
    undefined_behavior(self,
                       fmt::format("unlock of a std::mutex that this thread does not hold "
                                   "(held by {})",
                                   holder(st ? st->owner : 0)),
                       user_site(kUnlock));
    return EPERM;
  }
  if (--st->depth > 0) return 0;
  release_mutex(m, *st);
  st->released_at = stamp;
  return 0;
}

int mutex_destroy(pthread_mutex_t* m) {
  MutexState* st = find(tables.mutexes, m);
  if (!st) return 0;
  if (st->owner) return EBUSY;
  return 0;
}

// ---- read-write locks ----
//
// Unlocks are not scheduling points (controlled.hpp), the read-write lock's no more than the
// mutex's: its unlock wakes every waiting reader and one waiting writer, which compete
// again, as a mutex's woken waiter does, so a lock that comes just before the unlock (and
// queues) can reach what it reaches just after it. No waiting writer keeps a reader out
// (readers are preferred), so unlike weft::RWMutex, whose Unlock admits the queued readers
// ahead of a waiting writer (sync.cpp), no reader's place depends on being queued before
// the unlock. What a point at the unlock would reach besides is a try-lock failing inside
// a critical section with no point in it: a try_lock that finds the lock free, last
// unlocked at or after the trying goroutine's point, may fail as if it had come first; a
// try_lock_shared may, after a writer's unlock (a reader's unlock never made one fail).

namespace {
bool unused(const RwState& st) {
  return !st.writer && st.readers.empty() && st.readq.empty() && st.writeq.empty();
}
}  // namespace

int rwlock_lock(G* self, pthread_rwlock_t* l, bool exclusive, bool try_only, clockid_t clk,
                const timespec* deadline) {
  const Location& loc = exclusive ? kWrite : kRead;
  visible(loc);
  RwState* st = &entry(tables.rwlocks, l);
  if (st->writer == self->id || (exclusive && st->readers.count(self->id))) {
    if (try_only) return EBUSY;
    undefined_behavior(self, "a std::shared_mutex locked again by the thread that holds it",
                       loc);
    return EDEADLK;
  }
  auto available = [&] { return exclusive ? !st->writer && st->readers.empty() : !st->writer; };
  // Free, but perhaps only since an unlock that was not a scheduling point: the try may
  // have come first (above; the standard lets try_lock fail spuriously in any case).
  if (try_only && available()) {
    const auto it = tables.rw_released.find(l);
    if (it != tables.rw_released.end() &&
        sched().fails_before_release(exclusive ? it->second.any : it->second.write)) {
      if (unused(*st)) tables.rwlocks.erase(l);
      return EBUSY;
    }
  }
  while (!available()) {
    if (try_only) return EBUSY;
    const bool woken = wait_on(self, exclusive ? st->writeq : st->readq,
                               WaitReason::std_shared_mutex_lock,
                               loc, clk, deadline);
    st = &entry(tables.rwlocks, l);
    if (!woken) {
      if (unused(*st)) tables.rwlocks.erase(l);
      return ETIMEDOUT;
    }
  }
  const char* reader_sync = reinterpret_cast<const char*>(l) + 1;
  hb::acquire(l);
  if (exclusive) {
    st->writer = self->id;
    tables.rw_released.erase(l);
    hb::acquire(reader_sync);
  } else {
    ++st->readers[self->id];
  }
  if (try_only)
    hb::lock_try_acquired(l, exclusive, loc);
  else
    hb::lock_acquired(l, exclusive, loc);
  return 0;
}

int rwlock_unlock(G* self, pthread_rwlock_t* l) {
  // Not a scheduling point (above).
  const std::uint64_t stamp = sched().unlocking(kRwUnlock);
  RwState* st = find(tables.rwlocks, l);
  auto reader = st ? st->readers.find(self->id) : decltype(st->readers)::iterator{};
  if (!st || (st->writer != self->id && reader == st->readers.end())) {
    undefined_behavior(self, "unlock of a std::shared_mutex that this thread does not hold",
                       kRwUnlock);
    return EPERM;
  }
  std::vector<G*> wake;
  Tables::RwReleased& released = tables.rw_released[l];
  released.any = stamp;
  if (st->writer == self->id) {
    released.write = stamp;
    hb::release_store(l);
    st->writer = 0;
    while (Waiter* w = st->readq.pop()) wake.push_back(w->g);
    if (Waiter* w = st->writeq.pop()) wake.push_back(w->g);
  } else {
    hb::release(reinterpret_cast<const char*>(l) + 1);
    if (--reader->second == 0) st->readers.erase(reader);
    if (st->readers.empty())
      if (Waiter* w = st->writeq.pop()) wake.push_back(w->g);
  }
  hb::lock_released(l);
  if (wake.empty() && unused(*st)) tables.rwlocks.erase(l);
  for (G* g : wake) ready(g);
  return 0;
}

// ---- condition variables ----

int cond_wait(G* self, pthread_cond_t* c, pthread_mutex_t* m, clockid_t clk,
              const timespec* deadline) {
  visible(kWait);
  MutexState* ms = find(tables.mutexes, m);
  if (!ms || ms->owner != self->id) {
    undefined_behavior(self,
                       "std::condition_variable::wait with a mutex this thread does not hold",
                       kWait);
    return EPERM;
  }
  unsigned& in_a_row = tables.spurious_in_a_row[self->id];
  const bool spurious = spurious_wakeups_enabled() && in_a_row < 2 && choose(2) == 1;
  in_a_row = spurious ? in_a_row + 1 : 0;
  const unsigned depth = ms->depth;
  release_mutex(m, *ms);
  bool timed_out = false;
  if (spurious) {
    visible(kWait);  // others may run before the wait returns
  } else {
    CondState& cs = entry(tables.conds, c);
    // The waiter is queued before anyone else runs, so a signal after the unlock reaches it.
    timed_out = !wait_on(self, cs.waiters, WaitReason::std_cond_wait, kWait, clk, deadline);
    if (CondState* now = find(tables.conds, c); now && now->waiters.empty())
      tables.conds.erase(c);
    if (!timed_out) hb::acquire(c);
  }
  mutex_lock(self, m, false, CLOCK_REALTIME, nullptr);
  if (MutexState* again = find(tables.mutexes, m)) again->depth = depth;
  return timed_out ? ETIMEDOUT : 0;
}

int cond_wake(G* /*self*/, pthread_cond_t* c, bool all) {
  visible(all ? kBroadcast : kSignal);
  CondState* cs = find(tables.conds, c);
  if (!cs) return 0;  // nobody waits: the notification is lost, as the standard says
  std::vector<G*> wake;
  while (Waiter* w = cs->waiters.pop()) {
    wake.push_back(w->g);
    if (!all) break;
  }
  // The notifier's clock reaches the waits it wakes (and a notification nobody waited for
  // orders nothing).
  if (!wake.empty()) hb::release(c);
  if (cs->waiters.empty()) tables.conds.erase(c);
  for (G* g : wake) ready(g);
  return 0;
}

int cond_destroy(pthread_cond_t* c) {
  CondState* cs = find(tables.conds, c);
  if (cs && !cs->waiters.empty()) return EBUSY;
  return 0;
}

// ---- once ----

int once(G* self, pthread_once_t* o, void (*init)()) {
  // libstdc++'s call_once passes its callable through two thread-locals, which every
  // goroutine on this thread shares: keep this caller's before anyone else runs.
  void* const callable = std::__once_callable;
  void (*const call)() = std::__once_call;
  constexpr int kDone = 2;  // glibc's __PTHREAD_ONCE_DONE
  for (;;) {
    if (__atomic_load_n(o, __ATOMIC_ACQUIRE) == kDone) {
      hb::acquire(o);
      return 0;
    }
    visible(kOnce);
    if (__atomic_load_n(o, __ATOMIC_ACQUIRE) == kDone) continue;
    OnceState& st = entry(tables.onces, o);
    if (!st.runner) break;
    wait_on(self, st.waiters, WaitReason::std_call_once, kOnce, 0, nullptr);
  }
  entry(tables.onces, o).runner = self->id;
  auto wake_all = [o] {
    std::vector<G*> wake;
    if (OnceState* st = find(tables.onces, o)) {
      while (Waiter* w = st->waiters.pop()) wake.push_back(w->g);
      tables.onces.erase(o);
    }
    for (G* g : wake) ready(g);
  };
  std::__once_callable = callable;
  std::__once_call = call;
  try {
    init();
  } catch (...) {
    wake_all();  // the once is not done: a woken waiter runs it
    throw;
  }
  hb::release(o);
  __atomic_store_n(o, kDone, __ATOMIC_RELEASE);
  wake_all();
  return 0;
}

void reset_sync() noexcept { tables.clear(); }

}  // namespace weft::detail::shim
