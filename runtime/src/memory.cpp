// What the race detector learns from the heap: freeing a block inside a goroutine that a
// detector (or another event sink) observes counts as a write of the whole block, so a free
// racing with another goroutine's access is reported, and then the block's shadow state is
// dropped, so whoever gets the memory next starts clean; a fresh block's shadow is cleared
// too (memory freed where nobody listened may have left state behind).
//
// Two layers, by build:
//  - normally, the C allocation functions themselves (malloc, calloc, realloc, reallocarray,
//    free, posix_memalign, aligned_alloc, memalign, valloc, pvalloc, malloc_usable_size) are
//    defined here and forward to the next definition in the lookup order — the C library's,
//    or jemalloc's/tcmalloc's if the program links one — found by dlsym(RTLD_NEXT). Every
//    block passes through them: the program's own, the C++ runtime's (operator new and
//    delete below call them directly), and the C library's internal ones (strdup, fopen).
//    The executable that links weft defines them, so shared libraries' calls bind to them
//    at load time, as for std_interpose.cpp's functions;
//  - under ThreadSanitizer, whose runtime intercepts the C functions itself, only operator
//    new and delete are replaced; under AddressSanitizer neither (it replaces both).
//
// realloc(p, n) ends the old object whether or not the block moves (C's rule): it is
// checked as a write of the whole old block — so it races with any unsynchronised read or
// write of the block by another goroutine, a read of the kept prefix included — and the old
// block's shadow is dropped before the block goes back; the result is a fresh block, whose
// copied prefix is not recorded as written (as std::vector's copy into a new buffer is
// not). A failed realloc has been checked as such a write all the same.
//
// Cost when nobody listens (plain programs, weft::run without race detection): one
// thread-local test (instr::detail::active) per call, on top of an indirect call to the
// next allocator. (weft::explore without detector or sink keeps that variable set while it
// schedules accesses, its default: there the hooks go on to find that no sink listens.)
//
// Not seen: blocks freed on a thread that runs no goroutine (a weft::blocking worker, a
// thread of the program's own under weft::run, the scheduler between goroutines) keep
// their shadow state until a goroutine observed by the detector allocates them again.
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>

#include "hb.hpp"
#include "race.hpp"
#include "scheduler.hpp"
#include "std_shim.hpp"
#include "weft/instr.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_NO_MEMORY_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_NO_MEMORY_HOOKS 1
#endif
#endif

// The C functions: not under a sanitizer that intercepts them (ThreadSanitizer;
// AddressSanitizer too, see above), nor where the build asks so (-DWEFT_NO_MALLOC_HOOKS).
#if defined(WEFT_NO_MEMORY_HOOKS) || defined(__SANITIZE_THREAD__)
#define WEFT_NO_MALLOC_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_NO_MALLOC_HOOKS 1
#endif
#endif

#ifndef WEFT_NO_MEMORY_HOOKS

namespace weft::detail {
namespace {

// Whether anyone may listen to this thread's frees: a goroutine of a run that records
// accesses runs here (see weft/detail/access.hpp), or this thread runs no goroutine while a
// weft::run detects races (its accesses are checked: a block it frees or gets carries no
// history either). The only tests on the unobserved path.
inline bool observed() noexcept {
  return instr::detail::active != nullptr || (tls_scheduler == nullptr && outside_observed());
}

// The block [p, p+n) is being freed by `fn` on an observed thread.
[[gnu::noinline]] void on_free(void* p, std::size_t n, const char* fn) noexcept {
  if (!p || in_event_sink || hb_unobserved()) return;
  SinkCallGuard guard;
  try {
    if (EventSink* ev = events()) {
      const Location where{"", fn, 0, 0};
      if (!in_goroutine()) {
        ev->free_range(p, n);
      } else if (RaceSink* race = current_scheduler()->race(); race != nullptr && ev == race) {
        race->write_then_free(current()->id, p, n, where);  // the same, in one pass
      } else {
        ev->access(current()->id, p, n, AccessKind::write, where);
        ev->free_range(p, n);
      }
    }
  } catch (...) {
  }
}

// Fresh memory carries no history: clear what a block freed where nobody listened may have
// left in the shadow at this address.
[[gnu::noinline]] void on_alloc(void* p, std::size_t n) noexcept {
  if (!p || in_event_sink) return;
  SinkCallGuard guard;
  try {
    if (EventSink* ev = events()) ev->free_range(p, n);
  } catch (...) {
  }
}

}  // namespace
}  // namespace weft::detail

#ifndef WEFT_NO_MALLOC_HOOKS

// ---- the next allocator ------------------------------------------------------------------
//
// Resolved once, by the first allocation (usually in the dynamic loader or the C library's
// start-up, before any constructor of the program runs). dlsym may itself allocate (its
// error state, a failed lookup's message): the resolving thread's allocations meanwhile come
// from a small static arena, whose blocks free() recognises and drops and realloc() copies
// out of. Another thread that allocates during the resolution waits for it.
namespace {

struct NextAllocator {
  void* (*malloc)(std::size_t);
  void (*free)(void*);
  void* (*calloc)(std::size_t, std::size_t);
  void* (*realloc)(void*, std::size_t);
  int (*posix_memalign)(void**, std::size_t, std::size_t);
  void* (*aligned_alloc)(std::size_t, std::size_t);
  void* (*memalign)(std::size_t, std::size_t);
  void* (*valloc)(std::size_t);
  void* (*pvalloc)(std::size_t);
  std::size_t (*usable_size)(void*);
};

NextAllocator next_alloc;        // written once, before next_state becomes 2
std::atomic<int> next_state{0};  // 0 unresolved, 1 resolving, 2 resolved
thread_local constinit bool tls_resolving = false;

// The bootstrap arena: a bump allocator, never reused. Each block is preceded by its size.
constexpr std::size_t kArenaBytes = 16 * 1024;
constexpr std::size_t kArenaAlign = 16;
alignas(kArenaAlign) unsigned char arena[kArenaBytes];
std::atomic<std::size_t> arena_used{0};

inline bool in_arena(const void* p) noexcept {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const auto base = reinterpret_cast<std::uintptr_t>(arena);
  return a - base < kArenaBytes;  // one comparison: below the arena wraps around
}

[[noreturn]] void allocator_fatal(const char* what) noexcept {
  (void)!::write(2, "weft: ", 6);
  (void)!::write(2, what, std::strlen(what));
  (void)!::write(2, "\n", 1);
  ::abort();
}

void* arena_alloc(std::size_t n, std::size_t align) noexcept {
  if (align < kArenaAlign) align = kArenaAlign;
  if (n > kArenaBytes || align > kArenaBytes / 4) return nullptr;
  const std::size_t need = (n + kArenaAlign - 1) / kArenaAlign * kArenaAlign + align + kArenaAlign;
  const std::size_t at = arena_used.fetch_add(need, std::memory_order_relaxed);
  if (at + need > kArenaBytes)
    allocator_fatal(
        "the bootstrap arena for allocations made while the next malloc is looked up is full");
  auto block = reinterpret_cast<std::uintptr_t>(arena + at) + kArenaAlign;
  block = (block + align - 1) / align * align;
  std::memcpy(reinterpret_cast<void*>(block - sizeof(std::size_t)), &n, sizeof n);
  return reinterpret_cast<void*>(block);  // zero: the arena is never reused
}

std::size_t arena_size(const void* p) noexcept {
  std::size_t n;
  std::memcpy(&n, static_cast<const unsigned char*>(p) - sizeof n, sizeof n);
  return n;
}

template <class F>
void look_up(F& slot, const char* name, bool required) noexcept {
  slot = reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
  if (slot == nullptr && required)
    allocator_fatal("no next definition of an allocation function (dlsym)");
}

// The load address of the object (shared library) whose segments hold `f`, or 0. By the
// program headers: dladdr would also look for the nearest symbol, a scan of the C
// library's symbol table (half a million instructions for the five look-ups here).
std::uintptr_t object_of(const void* f) noexcept {
  struct Find {
    std::uintptr_t addr;
    std::uintptr_t base;
  } find{reinterpret_cast<std::uintptr_t>(f), 0};
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto* fd = static_cast<Find*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto& ph = info->dlpi_phdr[i];
          const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
          if (ph.p_type == PT_LOAD && fd->addr - start < ph.p_memsz) {
            fd->base = info->dlpi_addr;
            return 1;
          }
        }
        return 0;
      },
      &find);
  return find.base;
}

// An optional function found in another object than the next malloc (jemalloc has no
// pvalloc: the lookup finds the C library's, whose blocks jemalloc's free cannot take) is
// left unused; the block then comes from the next posix_memalign.
template <class F>
void look_up_beside(F& slot, const char* name, std::uintptr_t malloc_object) noexcept {
  look_up(slot, name, false);
  if (slot != nullptr && object_of(reinterpret_cast<const void*>(slot)) != malloc_object)
    slot = nullptr;
}

[[gnu::noinline, gnu::cold]] void resolve() noexcept {
  int expected = 0;
  if (next_state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) {
    tls_resolving = true;
    NextAllocator n{};
    look_up(n.malloc, "malloc", true);
    look_up(n.free, "free", true);
    look_up(n.calloc, "calloc", true);
    look_up(n.realloc, "realloc", true);
    look_up(n.posix_memalign, "posix_memalign", true);
    const std::uintptr_t home = object_of(reinterpret_cast<const void*>(n.malloc));
    look_up_beside(n.aligned_alloc, "aligned_alloc", home);
    look_up_beside(n.memalign, "memalign", home);
    look_up_beside(n.valloc, "valloc", home);
    look_up_beside(n.pvalloc, "pvalloc", home);
    look_up_beside(n.usable_size, "malloc_usable_size", home);
    next_alloc = n;
    tls_resolving = false;
    next_state.store(2, std::memory_order_release);
    return;
  }
  while (next_state.load(std::memory_order_acquire) != 2) ::sched_yield();
}

// Around every call into the next allocator: its own locks (jemalloc's pthread mutexes) are
// not the program's synchronisation, so the pthread shims that explore std code with
// (std_shim.hpp) leave them to the C library. Without this, a jemalloc trylock inside a
// goroutine became a scheduling point, whose bookkeeping allocated again, and so on until
// the goroutine's stack overflowed.
struct Forwarding {
  Forwarding() noexcept { ++weft::detail::shim::internal_depth; }
  ~Forwarding() { --weft::detail::shim::internal_depth; }
  Forwarding(const Forwarding&) = delete;
  Forwarding& operator=(const Forwarding&) = delete;
};

// The next allocator; null while this thread is resolving it (the caller uses the arena).
inline const NextAllocator* next() noexcept {
  if (__builtin_expect(next_state.load(std::memory_order_acquire) != 2, 0)) {
    if (tls_resolving) return nullptr;
    resolve();
  }
  return &next_alloc;
}

using weft::detail::observed;
using weft::detail::on_alloc;
using weft::detail::on_free;

inline void* fresh_block(void* p, std::size_t n) noexcept {
  if (__builtin_expect(observed(), 0)) on_alloc(p, n);
  return p;
}

// The block's size for the detector (0 if the next allocator cannot say).
inline std::size_t usable_size(const NextAllocator* a, void* p) noexcept {
  return a->usable_size != nullptr ? a->usable_size(p) : 0;
}

// free() and operator delete; `fn` names the function in race reports.
inline void release_block(void* p, const char* fn) noexcept {
  const Forwarding forwarding;
  if (__builtin_expect(in_arena(p), 0)) return;
  const NextAllocator* a = next();
  if (__builtin_expect(a == nullptr, 0)) return;  // resolving: p is null (or in the arena)
  if (__builtin_expect(observed(), 0) && p != nullptr) on_free(p, usable_size(a, p), fn);
  a->free(p);
}

void* aligned(std::size_t align, std::size_t n) noexcept {
  const Forwarding forwarding;
  const NextAllocator* a = next();
  if (a == nullptr) return arena_alloc(n, align);
  void* p = nullptr;
  if (a->posix_memalign(&p, align < sizeof(void*) ? sizeof(void*) : align, n) != 0) return nullptr;
  return p;
}

}  // namespace

extern "C" {

void* malloc(std::size_t n) noexcept {
  const Forwarding forwarding;
  const NextAllocator* a = next();
  if (__builtin_expect(a == nullptr, 0)) return arena_alloc(n, kArenaAlign);
  return fresh_block(a->malloc(n), n);
}

void* calloc(std::size_t count, std::size_t size) noexcept {
  const Forwarding forwarding;
  const NextAllocator* a = next();
  if (__builtin_expect(a == nullptr, 0)) {
    std::size_t n;
    if (__builtin_mul_overflow(count, size, &n)) return nullptr;
    return arena_alloc(n, kArenaAlign);
  }
  return fresh_block(a->calloc(count, size), count * size);  // a block: no overflow
}

void free(void* p) noexcept { release_block(p, "free"); }

void* realloc(void* p, std::size_t n) noexcept {
  const Forwarding forwarding;
  const NextAllocator* a = next();
  if (__builtin_expect(in_arena(p) || a == nullptr, 0)) {
    // Out of the arena, or into it while resolving: a new block, the old one dropped.
    if (p != nullptr && !in_arena(p))
      allocator_fatal("realloc of a heap block while malloc is looked up");
    void* q = a == nullptr ? arena_alloc(n, kArenaAlign) : malloc(n);
    if (q != nullptr && p != nullptr) {
      const std::size_t old = arena_size(p);
      std::memcpy(q, p, old < n ? old : n);
    }
    return q;
  }
  if (__builtin_expect(observed(), 0) && p != nullptr) {
    // The old object ends here, before the block can go to another thread.
    on_free(p, usable_size(a, p), "realloc");
    return fresh_block(a->realloc(p, n), n);
  }
  return a->realloc(p, n);
}

void* reallocarray(void* p, std::size_t count, std::size_t size) noexcept {
  std::size_t n;
  if (__builtin_mul_overflow(count, size, &n)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(p, n);
}

int posix_memalign(void** out, std::size_t align, std::size_t n) noexcept {
  const Forwarding forwarding;
  const NextAllocator* a = next();
  if (__builtin_expect(a == nullptr, 0)) {
    if (align == 0 || (align & (align - 1)) != 0 || align % sizeof(void*) != 0) return EINVAL;
    void* p = arena_alloc(n, align);
    if (p == nullptr) return ENOMEM;
    *out = p;
    return 0;
  }
  const int rc = a->posix_memalign(out, align, n);
  if (rc == 0) fresh_block(*out, n);
  return rc;
}

void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
  const Forwarding forwarding;
  const NextAllocator* a = next();
  if (a != nullptr && a->aligned_alloc != nullptr)
    return fresh_block(a->aligned_alloc(align, n), n);
  return fresh_block(aligned(align, n), n);
}

void* memalign(std::size_t align, std::size_t n) noexcept {
  const Forwarding forwarding;
  const NextAllocator* a = next();
  if (a != nullptr && a->memalign != nullptr) return fresh_block(a->memalign(align, n), n);
  return fresh_block(aligned(align, n), n);
}

void* valloc(std::size_t n) noexcept {
  const Forwarding forwarding;
  const NextAllocator* a = next();
  if (a != nullptr && a->valloc != nullptr) return fresh_block(a->valloc(n), n);
  return fresh_block(aligned(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)), n), n);
}

// The block is n rounded up to whole pages (a page for 0), all of it the program's.
void* pvalloc(std::size_t n) noexcept {
  const Forwarding forwarding;
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t rounded = n == 0 ? page : (n + page - 1) / page * page;
  if (rounded < n) return nullptr;
  const NextAllocator* a = next();
  if (a != nullptr && a->pvalloc != nullptr) return fresh_block(a->pvalloc(n), rounded);
  return fresh_block(aligned(page, rounded), rounded);
}

std::size_t malloc_usable_size(void* p) noexcept {
  const Forwarding forwarding;
  if (__builtin_expect(in_arena(p), 0)) return arena_size(p);
  const NextAllocator* a = next();
  return a != nullptr ? usable_size(a, p) : 0;
}

}  // extern "C"

// operator new and delete stay replaced, calling the functions above directly: one hook per
// block (libstdc++'s would reach them through malloc and free just the same, one call
// further away), and reports name `operator delete`.
namespace {
inline void* heap_alloc(std::size_t n) noexcept { return ::malloc(n); }
inline void* heap_alloc_aligned(std::size_t n, std::size_t align) noexcept {
  void* p = nullptr;
  return ::posix_memalign(&p, align, n) == 0 ? p : nullptr;
}
inline void heap_free(void* p) noexcept { release_block(p, "operator delete"); }
}  // namespace

#else  // WEFT_NO_MALLOC_HOOKS: operator new and delete alone tell the detector.

namespace {
using weft::detail::observed;
inline void* heap_alloc(std::size_t n) noexcept {
  void* p = std::malloc(n);
  if (__builtin_expect(observed(), 0)) weft::detail::on_alloc(p, n);
  return p;
}
inline void* heap_alloc_aligned(std::size_t n, std::size_t align) noexcept {
  void* p = nullptr;
  if (::posix_memalign(&p, align, n) != 0) return nullptr;
  if (__builtin_expect(observed(), 0)) weft::detail::on_alloc(p, n);
  return p;
}
inline void heap_free(void* p) noexcept {
  // Under weft::run without race detection nothing listens: skip the size look-up too. With
  // it, the block's shadow is cleared before free() returns it to the allocator, so a
  // goroutine on another processor that gets it next starts clean.
  if (p != nullptr && observed())
    weft::detail::on_free(p, ::malloc_usable_size(p), "operator delete");
  std::free(p);
}
}  // namespace

#endif  // WEFT_NO_MALLOC_HOOKS

namespace {
void* allocate(std::size_t n) {
  void* p = heap_alloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  return p;
}

void* allocate_aligned(std::size_t n, std::align_val_t a) {
  std::size_t align = static_cast<std::size_t>(a);
  if (align < sizeof(void*)) align = sizeof(void*);
  void* p = heap_alloc_aligned(n ? n : 1, align);
  if (!p) throw std::bad_alloc();
  return p;
}

void dispose(void* p) noexcept { heap_free(p); }
}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return allocate_aligned(n, a);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return allocate_aligned(n, a);
  } catch (...) {
    return nullptr;
  }
}

void operator delete(void* p) noexcept { dispose(p); }
void operator delete[](void* p) noexcept { dispose(p); }
void operator delete(void* p, std::size_t) noexcept { dispose(p); }
void operator delete[](void* p, std::size_t) noexcept { dispose(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { dispose(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { dispose(p); }
void operator delete(void* p, std::align_val_t) noexcept { dispose(p); }
void operator delete[](void* p, std::align_val_t) noexcept { dispose(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { dispose(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { dispose(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { dispose(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { dispose(p); }

#endif  // WEFT_NO_MEMORY_HOOKS

// libstdc++'s reference-count annotations (weft/glibcxx_sync.hpp).
extern "C" void weft_happens_before(const volatile void* addr) noexcept {
  using namespace weft::detail;
  if (hb_unobserved() || !in_goroutine() || in_event_sink) return;  // nobody listens
  SinkCallGuard guard;
  hb::release(const_cast<const void*>(addr));
}

extern "C" void weft_happens_after(const volatile void* addr) noexcept {
  using namespace weft::detail;
  if (hb_unobserved() || !in_goroutine() || in_event_sink) return;  // nobody listens
  SinkCallGuard guard;
  hb::acquire(const_cast<const void*>(addr));
}
