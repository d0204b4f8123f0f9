// Stack compaction; see stack_compact.hpp for the design and its invariants.
#include "stack_compact.hpp"

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

#include "crash.hpp"
#include "goroutine.hpp"
#include "os_mutex.hpp"
#include "weft/detail/wait_queue.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_COMPACT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_COMPACT_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define WEFT_COMPACT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_COMPACT_TSAN 1
#endif
#endif

namespace {
#ifdef WEFT_COMPACT_ASAN
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
// ThreadSanitizer takes a SIGSEGV or SIGBUS before the handler that would restore a stack
// touched across threads (the tsan preset keeps crash tests out for that reason).
#ifdef WEFT_COMPACT_TSAN
constexpr bool kTsan = true;
#else
constexpr bool kTsan = false;
#endif
}  // namespace

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  // Linux 6.13+
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif

// UFFDIO_MOVE (Linux 6.8) is newer than some systems' headers.
#ifndef UFFDIO_MOVE
struct uffdio_move {
  __u64 dst;
  __u64 src;
  __u64 len;
  __u64 mode;
  __s64 move;
};
#define UFFDIO_MOVE _IOWR(UFFDIO, 0x05, struct uffdio_move)
#endif
#ifndef UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES
#define UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES ((__u64)1 << 1)
#endif
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE (1 << 16)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

namespace weft::detail {

namespace {

std::atomic<std::uint64_t> compacted_total{0};
std::atomic<std::uint64_t> shared_total{0};
std::atomic<std::uint64_t> fault_restored_total{0};
// Compactions and restores finished (the fault handler tells a retried touch from a crash).
std::atomic<std::uint64_t> changes{0};

// A heap stand-in for a queued waiter of a compacted goroutine.
struct WaiterProxy : Waiter {
  Waiter* original = nullptr;
};

std::uintptr_t page_floor(std::uintptr_t a) noexcept { return a & ~(page_size() - 1); }
char* page_floor(char* a) noexcept {
  return reinterpret_cast<char*>(page_floor(reinterpret_cast<std::uintptr_t>(a)));
}

char* stack_top(const G& g) noexcept { return static_cast<char*>(g.stack.bottom) + g.stack.size; }

// Waits for another thread to finish with a stack (compacting or restoring it).
void wait_a_little() noexcept { ::sched_yield(); }

// ---- The userfaultfd (shared compaction) ----

// -1: not tried yet, -2: unavailable, else the descriptor. Made once, kept for the process.
std::atomic<int> uffd{-1};
std::once_flag uffd_once;

// Staging areas that UFFDIO_MOVE takes a stack's live pages into (registered with the
// userfaultfd, as a move's destination must be; write-protect mode, so an absent page
// reads as zeros). One per compactor at a time; kept for the process.
struct Stage {
  char* base = nullptr;
  std::size_t bytes = 0;
};
OsMutex stages_mu;
std::vector<Stage> stages_free;  // guarded by stages_mu

bool uffd_register(int fd, char* at, std::size_t len, __u64 mode) noexcept {
  uffdio_register r{};
  r.range.start = reinterpret_cast<std::uintptr_t>(at);
  r.range.len = len;
  r.mode = mode;
  return ::ioctl(fd, UFFDIO_REGISTER, &r) == 0;
}

bool uffd_unregister(int fd, char* at, std::size_t len) noexcept {
  uffdio_range r{reinterpret_cast<std::uintptr_t>(at), len};
  return ::ioctl(fd, UFFDIO_UNREGISTER, &r) == 0;
}

Stage make_stage(int fd, std::size_t bytes) noexcept {
  void* m = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return {};
  ::madvise(m, bytes, MADV_NOHUGEPAGE);
  if (!uffd_register(fd, static_cast<char*>(m), bytes, UFFDIO_REGISTER_MODE_WP)) {
    ::munmap(m, bytes);
    return {};
  }
  return {static_cast<char*>(m), bytes};
}

Stage take_stage(int fd, std::size_t bytes) noexcept {
  {
    OsLock lk(stages_mu);
    for (std::size_t i = 0; i < stages_free.size(); ++i)
      if (stages_free[i].bytes >= bytes) {
        Stage s = stages_free[i];
        stages_free[i] = stages_free.back();
        stages_free.pop_back();
        return s;
      }
  }
  return make_stage(fd, bytes);
}

void give_stage(Stage s) noexcept {
  OsLock lk(stages_mu);
  try {
    stages_free.push_back(s);
  } catch (...) {
    ::munmap(s.base, s.bytes);
  }
}

void open_uffd() noexcept {
  int fd = static_cast<int>(::syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
  if (fd < 0) {
    uffd.store(-2);
    return;
  }
  uffdio_api api{};
  api.api = UFFD_API;
  // SIGBUS: a touch of an absent page in a registered range raises SIGBUS in the toucher,
  // whose handler waits for the compaction or restore under way (G::stack_state) and runs
  // the access again, rather than sleeping in the kernel until a wake-up.
  api.features = UFFD_FEATURE_MOVE | UFFD_FEATURE_SIGBUS;
  if (::ioctl(fd, UFFDIO_API, &api) != 0 || !(api.features & UFFD_FEATURE_MOVE) ||
      !(api.features & UFFD_FEATURE_SIGBUS)) {
    ::close(fd);
    uffd.store(-2);
    return;
  }
  // A staging area proves write-protect registration works on anonymous memory here.
  Stage probe = make_stage(fd, page_size());
  if (!probe.base) {
    ::close(fd);
    uffd.store(-2);
    return;
  }
  give_stage(probe);
  uffd.store(fd);
}

// Copies `len` bytes from `src` into the absent, registered pages at `dst` (page-aligned,
// whole pages), each page appearing with its content at once. Async-signal-safe.
bool uffd_copy(int fd, char* dst, const char* src, std::size_t len) noexcept {
  while (len > 0) {
    uffdio_copy c{};
    c.dst = reinterpret_cast<std::uintptr_t>(dst);
    c.src = reinterpret_cast<std::uintptr_t>(src);
    c.len = len;
    const int r = ::ioctl(fd, UFFDIO_COPY, &c);
    const std::size_t done = c.copy > 0 ? static_cast<std::size_t>(c.copy) : 0;
    if (r != 0 && done == 0 && errno != EAGAIN) return false;
    dst += done;
    src += done;
    len -= done;
  }
  return true;
}

// Moves the pages [src, src + len) into the staging area at `dst`. `moved` is how much
// left before a failure. Absent source pages leave absent (zero) staging pages.
bool uffd_move(int fd, char* dst, char* src, std::size_t len, std::size_t& moved) noexcept {
  moved = 0;
  for (int again = 0; moved < len;) {
    uffdio_move m{};
    m.dst = reinterpret_cast<std::uintptr_t>(dst + moved);
    m.src = reinterpret_cast<std::uintptr_t>(src + moved);
    m.len = len - moved;
    m.mode = UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES;
    const int r = ::ioctl(fd, UFFDIO_MOVE, &m);
    const std::size_t done = m.move > 0 ? static_cast<std::size_t>(m.move) : 0;
    moved += done;
    if (r == 0) continue;
    if (errno != EAGAIN || ++again > 1000) return false;
  }
  return true;
}

// Shared compaction's half of compact_stack: moves the live pages [page_floor(sp), top)
// out, copies c->len bytes from sp to the heap copy and puts markers on [low, top), all
// while the range is registered (see the file comment in the header).
bool compact_shared(CompactedStack* c, char* top) noexcept {
  const int fd = uffd.load(std::memory_order_relaxed);
  char* live = page_floor(c->sp);
  const auto span = static_cast<std::size_t>(top - c->low);
  const auto live_len = static_cast<std::size_t>(top - live);
  Stage st = take_stage(fd, live_len);
  if (!st.base) return false;
  if (!uffd_register(fd, c->low, span, UFFDIO_REGISTER_MODE_MISSING)) {
    give_stage(st);
    return false;
  }
  std::size_t moved = 0;
  bool ok = uffd_move(fd, st.base, live, live_len, moved);
  if (ok) {
    std::memcpy(c->bytes(), st.base + (c->sp - live), c->len);
    ok = ::madvise(c->low, span, MADV_GUARD_INSTALL) == 0;
    if (!ok) moved = live_len;  // everything is in the staging area: put it back
  }
  if (!ok && moved > 0 && !uffd_copy(fd, live, st.base, moved)) {
    // The pages are neither here nor in the heap copy: nothing sound is left to do.
    static const char msg[] = "weft: stack compaction could not put a stack back\n";
    (void)!::write(2, msg, sizeof msg - 1);
    std::abort();
  }
  uffd_unregister(fd, c->low, span);
  ::madvise(st.base, live_len, MADV_DONTNEED);
  give_stage(st);
  return ok;
}

// Shared compaction's restore: registers [low, top), takes the markers away and copies the
// pages in. Async-signal-safe.
void bytes_back_shared(const CompactedStack* c, char* top) noexcept {
  const int fd = uffd.load(std::memory_order_relaxed);
  const std::uintptr_t page = page_size();
  char* live = page_floor(c->sp);
  const auto span = static_cast<std::size_t>(top - c->low);
  bool registered = false;
  for (int tries = 0; !registered && tries < 1000; ++tries) {
    registered = uffd_register(fd, c->low, span, UFFDIO_REGISTER_MODE_MISSING);
    if (!registered) wait_a_little();
  }
  ::madvise(c->low, span, MADV_GUARD_REMOVE);
  if (!registered) {  // the map count is exhausted: copy as with one thread (not atomic)
    std::memcpy(c->sp, c->bytes(), c->len);
    return;
  }
  // The first page holds dead bytes below sp: built in a buffer, the rest comes straight
  // from the copy (a source need not be aligned).
  alignas(64) char first[4096];
  const std::uintptr_t head = reinterpret_cast<std::uintptr_t>(c->sp) - reinterpret_cast<std::uintptr_t>(live);
  const std::size_t first_live = std::min<std::size_t>(c->len, page - head);
  bool ok = true;
  if (page <= sizeof first) {
    std::memset(first, 0, head);
    std::memcpy(first + head, c->bytes(), first_live);
    std::memset(first + head + first_live, 0, page - head - first_live);
    ok = uffd_copy(fd, live, first, page);
    if (ok && c->len > first_live)
      ok = uffd_copy(fd, live + page, c->bytes() + first_live, c->len - first_live);
  } else {
    ok = false;
  }
  if (!ok) {
    // Not expected (UFFDIO_COPY into absent registered pages); fall back to writing them.
    uffd_unregister(fd, c->low, span);
    std::memcpy(c->sp, c->bytes(), c->len);
    return;
  }
  uffd_unregister(fd, c->low, span);
}

// Replaces `w` by `with` in its goroutine's list of queued waiters.
void relist(G& g, Waiter* w, Waiter* with) noexcept {
  g.waiters_lock.lock();
  for (Waiter** p = &g.waiters; *p; p = &(*p)->g_next)
    if (*p == w) {
      *p = with;
      break;
    }
  g.waiters_lock.unlock();
}

// Swaps each queued waiter of g for a heap proxy, so that wait-queue traffic past g does not
// touch its stack. A waiter left unproxied (no memory) is still correct: touching it faults
// and the handler restores the stack. One thread only (see the invariants).
void proxy_waiters(G& g, bool selects = true) noexcept {
  for (Waiter* w = g.waiters; w;) {
    Waiter* next = w->g_next;
    if (!w->proxy && w->queued && (selects || !w->group)) {
      auto* p = new (std::nothrow) WaiterProxy;
      if (p) {
        static_cast<Waiter&>(*p) = *w;
        p->proxy = true;
        p->original = w;
        w->queue->replace(w, p);
        relist(g, w, p);
      }
    }
    w = next;
  }
}

// Puts the saved bytes of g, which the caller holds as `restoring`, back at their
// addresses; the copy stays. Async-signal-safe (system calls and copies).
void put_back(G& g) noexcept {
  const CompactedStack* c = g.compacted;
  char* top = stack_top(g);
  if (c->shared) {
    bytes_back_shared(c, top);
  } else {
    ::madvise(c->low, static_cast<std::size_t>(top - c->low), MADV_GUARD_REMOVE);
    std::memcpy(c->sp, c->bytes(), c->len);
  }
  changes.fetch_add(1, std::memory_order_release);
}

// Returns once g's bytes are in place (put back here, or by another thread), leaving the
// copy for the scheduler to free. True if this call put them back. Async-signal-safe.
bool ensure_back(G& g) noexcept {
  for (;;) {
    StackState s = g.stack_state.load(std::memory_order_acquire);
    switch (s) {
      case StackState::compacted:
        if (g.stack_state.compare_exchange_weak(s, StackState::restoring,
                                                std::memory_order_acquire)) {
          put_back(g);
          g.stack_state.store(StackState::back, std::memory_order_release);
          return true;
        }
        break;
      case StackState::compacting:
      case StackState::restoring:
        wait_a_little();
        break;
      default:
        return false;
    }
  }
}

Waiter* unproxy(Waiter* w) noexcept;

// Frees g's heap copy and puts its original waiters back; the caller made g's bytes its own
// (it holds g as compacting, or moved it to active).
void free_copy(G& g) noexcept {
  CompactedStack* c = g.compacted;
  if (!c) return;
  g.compacted = nullptr;
  const bool proxied = c->proxied;
  std::free(c);
  if (!proxied) return;
  for (Waiter* w = g.waiters; w;) {
    Waiter* next = w->g_next;
    if (w->proxy) unproxy(w);
    w = next;
  }
}

// unproxy_waiter with g's bytes in place.
Waiter* unproxy(Waiter* w) noexcept {
  auto* p = static_cast<WaiterProxy*>(w);
  Waiter* o = p->original;
  G* g = p->g;
  *o = static_cast<const Waiter&>(*p);
  o->proxy = false;
  p->queue->replace(p, o);
  relist(*g, p, o);
  delete p;
  return o;
}

}  // namespace

void proxy_parked_waiters(G& g) noexcept {
  if (!kAsan) proxy_waiters(g, false);
}

bool compaction_available(const StackPool& pool) noexcept {
  return !kAsan && pool.guard() == GuardKind::marker;
}

bool shared_compaction_available(const StackPool& pool) noexcept {
  // A pool that has made no stack yet has not chosen its guard: it takes markers wherever
  // the kernel has them, which compaction_available checks again at each compaction.
  if (kAsan || kTsan || pool.guard() == GuardKind::mprotect) return false;
  std::call_once(uffd_once, open_uffd);
  return uffd.load() >= 0;
}

bool compact_stack(G& g, bool shared) noexcept {
  if (kAsan) return false;  // the copy would read poisoned redzones
  if (shared && uffd.load(std::memory_order_relaxed) < 0) return false;
  note_progress();  // runtime work (the watchdog): a sweep compacts thousands at once
  StackState s = g.stack_state.load(std::memory_order_acquire);
  for (;;) {
    const bool takes = s == StackState::parked || s == StackState::back ||
                       (!shared && s == StackState::active);
    if (!takes) return s == StackState::compacted;
    if (g.stack_state.compare_exchange_weak(s, StackState::compacting,
                                            std::memory_order_acquire))
      break;
  }
  const StackState was = s == StackState::back ? StackState::parked : s;
  if (s == StackState::back) free_copy(g);  // a fault brought them back: take a fresh copy
  auto give_up = [&] {
    g.stack_state.store(was, std::memory_order_release);
    return false;
  };
  char* bottom = static_cast<char*>(g.stack.bottom);
  char* top = stack_top(g);
  char* sp = static_cast<char*>(g.ctx.fc);  // the suspended context's registers sit at sp
  if (!bottom || sp < bottom || sp >= top) return give_up();
  // Pages below sp that a deeper call committed go too (their contents are dead).
  const char* deepest = std::max<const char*>(
      bottom, std::min<const char*>(sp, static_cast<const char*>(g.ctx.lowest_sp)));
  char* low = page_floor(const_cast<char*>(deepest));
  const auto len = static_cast<std::size_t>(top - sp);
  auto* c = static_cast<CompactedStack*>(std::malloc(sizeof(CompactedStack) + len));
  if (!c) return give_up();
  new (c) CompactedStack{low, sp, len, shared, !shared};
  // Before any marker: a fault there must find g (see the invariants).
  if (!StackPool::set_owner(g.stack, &g)) {
    std::free(c);
    return give_up();
  }
  bool ok;
  if (shared) {
    ok = compact_shared(c, top);
  } else {
    proxy_waiters(g);  // before the markers: it reads the waiters on the stack
    std::memcpy(c->bytes(), sp, len);
    ok = ::madvise(low, static_cast<std::size_t>(top - low), MADV_GUARD_INSTALL) == 0;
  }
  g.compacted = c;
  if (!ok) {
    // Nothing was released (shared: the pages are back where they were); the proxies, if
    // any, are undone as after a restore.
    free_copy(g);
    return give_up();
  }
  g.ctx.lowest_sp = sp;
  compacted_total.fetch_add(1, std::memory_order_relaxed);
  if (shared) shared_total.fetch_add(1, std::memory_order_relaxed);
  changes.fetch_add(1, std::memory_order_release);
  g.stack_state.store(StackState::compacted, std::memory_order_release);
  return true;
}

void restore_stack(G& g) noexcept {
  StackState s = g.stack_state.load(std::memory_order_acquire);
  for (;;) {
    switch (s) {
      case StackState::active:
        return;
      case StackState::parked:
      case StackState::back:
        if (g.stack_state.compare_exchange_weak(s, StackState::active,
                                                std::memory_order_acquire)) {
          free_copy(g);
          return;
        }
        break;
      case StackState::compacted:
        if (g.stack_state.compare_exchange_weak(s, StackState::restoring,
                                                std::memory_order_acquire)) {
          put_back(g);
          g.stack_state.store(StackState::active, std::memory_order_release);
          free_copy(g);
          return;
        }
        break;
      case StackState::compacting:
      case StackState::restoring:
        wait_a_little();
        s = g.stack_state.load(std::memory_order_acquire);
        break;
    }
  }
}

bool restore_stack_at_fault(const void* addr) noexcept {
  auto* g = static_cast<G*>(StackPool::owner_at(addr));
  if (!g || StackPool::in_guard_page(addr)) return false;
  if (ensure_back(*g)) {
    fault_restored_total.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  // Not compacted (any more): another thread's restore overtook this fault, and the access
  // can run again; but if the same address faults again with nothing compacted or restored
  // since, the fault is not compaction's.
  thread_local constinit const void* retried_at = nullptr;
  thread_local constinit std::uint64_t retried_after = 0;
  const std::uint64_t now = changes.load(std::memory_order_acquire);
  if (retried_at == addr && retried_after == now) return false;
  retried_at = addr;
  retried_after = now;
  return true;
}

CompactionCounts compaction_counts() noexcept {
  return {compacted_total.load(std::memory_order_relaxed),
          fault_restored_total.load(std::memory_order_relaxed),
          shared_total.load(std::memory_order_relaxed)};
}

Waiter* unproxy_waiter(Waiter* w) noexcept {
  // Runtime work, not a hang: a close() that wakes a million compacted receivers restores
  // each of them here, which takes seconds on a loaded machine.
  note_progress();
  ensure_back(*w->g);  // the original lives on its goroutine's stack
  return unproxy(w);
}

}  // namespace weft::detail
