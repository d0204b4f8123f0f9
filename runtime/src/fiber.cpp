// Stacks and context switches; see fiber.hpp for the invariants.
#include "fiber.hpp"

#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/context/detail/fcontext.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define WEFT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_TSAN 1
#endif
#endif

#ifdef WEFT_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#ifdef WEFT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

// The context switch. On x86-64 System V, weft's own jump_fcontext: Boost.Context's, with the
// same saved-context layout (so make_fcontext's contexts and its start trampoline work
// unchanged) and the same transfer_t convention, except that it resumes the other context
// with `ret` where Boost's pops the return address and jumps to it. Every context suspends
// through the call in switch_to, so that `ret` lands where the return-stack predictor
// expects, and so does each return after it when the goroutines switch from the same call
// chain (two goroutines yielding to each other): Boost's `jmp` leaves the predictor one entry
// off, and every return after a switch was mispredicted. Elsewhere, Boost's.
#if defined(__x86_64__) && defined(__ELF__) && !defined(_WIN32)
#define WEFT_OWN_JUMP 1
extern "C" boost::context::detail::transfer_t weft_jump_fcontext(
    boost::context::detail::fcontext_t to, void* data);
asm(R"(
  .pushsection .text
  .globl weft_jump_fcontext
  .hidden weft_jump_fcontext
  .type weft_jump_fcontext, @function
  .p2align 4
weft_jump_fcontext:
  leaq -0x40(%rsp), %rsp
  stmxcsr (%rsp)
  fnstcw 0x4(%rsp)
  movq %r12, 0x10(%rsp)
  movq %r13, 0x18(%rsp)
  movq %r14, 0x20(%rsp)
  movq %r15, 0x28(%rsp)
  movq %rbx, 0x30(%rsp)
  movq %rbp, 0x38(%rsp)
  movq %rsp, %rax
  movq %rdi, %rsp
  ldmxcsr (%rsp)
  fldcw 0x4(%rsp)
  movq 0x10(%rsp), %r12
  movq 0x18(%rsp), %r13
  movq 0x20(%rsp), %r14
  movq 0x28(%rsp), %r15
  movq 0x30(%rsp), %rbx
  movq 0x38(%rsp), %rbp
  leaq 0x40(%rsp), %rsp
  movq %rsi, %rdx
  movq %rax, %rdi
  ret
  .size weft_jump_fcontext, .-weft_jump_fcontext
  .popsection
)");
#endif

namespace weft::detail {

namespace ctx = boost::context::detail;

namespace {
// Suspends the running context and resumes `to` (see weft_jump_fcontext above).
inline ctx::transfer_t jump(ctx::fcontext_t to, void* data) {
#ifdef WEFT_OWN_JUMP
  return weft_jump_fcontext(to, data);
#else
  return ctx::jump_fcontext(to, data);
#endif
}
}  // namespace

std::size_t page_size() noexcept {
  static const std::size_t p = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return p;
}

namespace {

void asan_start(void** fake_slot, const FiberCtx& to) {
#ifdef WEFT_ASAN
  __sanitizer_start_switch_fiber(fake_slot, to.stack_bottom, to.stack_size);
#else
  (void)fake_slot;
  (void)to;
#endif
}

// Tells ThreadSanitizer that this thread goes on as `to`'s fiber.
void tsan_switch(FiberCtx& self, FiberCtx& to) {
#ifdef WEFT_TSAN
  if (!self.tsan_fiber) self.tsan_fiber = __tsan_get_current_fiber();
  if (!to.tsan_fiber) to.tsan_fiber = __tsan_create_fiber(0);
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#else
  (void)self;
  (void)to;
#endif
}

}  // namespace

void fiber_forget(FiberCtx& ctx) noexcept {
#ifdef WEFT_TSAN
  if (ctx.tsan_fiber) __tsan_destroy_fiber(ctx.tsan_fiber);
#endif
  ctx.tsan_fiber = nullptr;
}

namespace {

// After arriving in a context: finish ASan's switch and remember where we came from.
void asan_finish(void* fake, FiberCtx* from) {
#ifdef WEFT_ASAN
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(fake, &bottom, &size);
  if (from && !from->stack_bottom) {
    from->stack_bottom = bottom;  // learn an OS thread's stack on the first switch away
    from->stack_size = size;
  }
#else
  (void)fake;
  (void)from;
#endif
}

// The first switch into a fiber lands here, on the fiber's own stack.
void trampoline(ctx::transfer_t t) {
  auto* from = static_cast<FiberCtx*>(t.data);
  from->fc = t.fctx;
  if (t.fctx < from->lowest_sp) from->lowest_sp = t.fctx;
  asan_finish(nullptr, from);
  FiberCtx* self = from->resuming;
  auto entry = self->entry;
  void* arg = self->entry_arg;
  self->entry = nullptr;
  entry(arg);
  std::abort();  // entry must end with switch_final
}
}  // namespace

namespace {
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  // Linux 6.13+
#endif

// What the kernel said the first time a pool tried a guard marker: 0 not tried yet,
// 1 supported, 2 not supported (EINVAL). Later pools skip the failing attempt.
std::atomic<int> markers_supported{0};

constexpr std::size_t kFirstChunkSlots = 16;
constexpr std::size_t kMaxChunkBytes = std::size_t{1} << 30;

std::size_t read_number_file(const char* path) {
  std::FILE* f = std::fopen(path, "r");
  if (!f) return 0;
  unsigned long long v = 0;
  if (std::fscanf(f, "%llu", &v) != 1) v = 0;
  std::fclose(f);
  return static_cast<std::size_t>(v);
}

std::size_t count_mappings() {
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  if (!f) return 0;
  std::size_t n = 0;
  for (int c; (c = std::fgetc(f)) != EOF;)
    if (c == '\n') ++n;
  std::fclose(f);
  return n;
}

std::string kib(std::size_t bytes) { return fmt::format("{} KiB", bytes / 1024); }

// The process-wide table of stack chunks that StackPool::owner_at searches (a fault in a
// compacted stack, see stack_compact.hpp). Entries are claimed under chunk_table_mu and
// never move; an entry is live while its base is non-zero. 4,096 chunks hold millions of
// stacks (chunks grow to 1 GiB); a chunk that finds the table full is not compacted.
struct ChunkEntry {
  std::atomic<std::uintptr_t> base{0};
  std::size_t bytes = 0;
  std::size_t slot = 0;
  std::atomic<void*>* owners = nullptr;  // one per slot
};
constexpr int kMaxChunks = 4096;
ChunkEntry chunk_table[kMaxChunks];
std::atomic<int> chunk_table_used{0};  // owner_at scans [0, used)
OsMutex chunk_table_mu;

int register_chunk(char* base, std::size_t bytes, std::size_t slot) {
  OsLock g(chunk_table_mu);
  const int used = chunk_table_used.load(std::memory_order_relaxed);
  int i = 0;
  while (i < used && chunk_table[i].base.load(std::memory_order_relaxed) != 0) ++i;
  if (i == kMaxChunks) return -1;
  ChunkEntry& e = chunk_table[i];
  e.bytes = bytes;
  e.slot = slot;
  e.owners = new (std::nothrow) std::atomic<void*>[bytes / slot]();
  if (!e.owners) return -1;
  e.base.store(reinterpret_cast<std::uintptr_t>(base), std::memory_order_release);
  if (i == used) chunk_table_used.store(used + 1, std::memory_order_release);
  return i;
}

void unregister_chunk(int i) {
  if (i < 0) return;
  OsLock g(chunk_table_mu);
  ChunkEntry& e = chunk_table[i];
  e.base.store(0, std::memory_order_release);
  delete[] e.owners;
  e.owners = nullptr;
}

// The chunk entry holding address a (its base in *base), or nullptr.
const ChunkEntry* chunk_at(std::uintptr_t a, std::uintptr_t* base) noexcept {
  const int used = chunk_table_used.load(std::memory_order_acquire);
  for (int i = 0; i < used; ++i) {
    const ChunkEntry& e = chunk_table[i];
    const std::uintptr_t b = e.base.load(std::memory_order_acquire);
    if (b != 0 && a >= b && a - b < e.bytes) {
      *base = b;
      return &e;
    }
  }
  return nullptr;
}

// The owner cell of the slot holding address a, or nullptr.
std::atomic<void*>* owner_cell(std::uintptr_t a) noexcept {
  std::uintptr_t base = 0;
  const ChunkEntry* e = chunk_at(a, &base);
  return e ? &e->owners[(a - base) / e->slot] : nullptr;
}
}  // namespace

bool StackPool::set_owner(const Stack& s, void* owner) noexcept {
  std::atomic<void*>* cell = owner_cell(reinterpret_cast<std::uintptr_t>(s.bottom));
  if (!cell) return false;
  cell->store(owner, std::memory_order_release);
  return true;
}

bool StackPool::in_guard_page(const void* p) noexcept {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  std::uintptr_t base = 0;
  const ChunkEntry* e = chunk_at(a, &base);
  return e && (a - base) % e->slot < page_size();
}

void* StackPool::owner_at(const void* p) noexcept {
  std::atomic<void*>* cell = owner_cell(reinterpret_cast<std::uintptr_t>(p));
  return cell ? cell->load(std::memory_order_acquire) : nullptr;
}

StackPool::StackPool(std::size_t usable_size, GuardKind guard) {
  const std::size_t p = page_size();
  size_ = (std::max<std::size_t>(usable_size, 1) + p - 1) / p * p;
  slot_ = size_ + p;
  if (guard == GuardKind::automatic) {
    int known = markers_supported.load(std::memory_order_relaxed);
    if (known == 1) guard = GuardKind::marker;
    if (known == 2) guard = GuardKind::mprotect;
  }
  guard_.store(guard, std::memory_order_relaxed);
  next_slots_ = std::clamp<std::size_t>(kMaxChunkBytes / slot_, 1, kFirstChunkSlots);
}

StackPool::~StackPool() {
  release_reserve();
  for (const Chunk& c : chunks_) {
    unregister_chunk(c.registered);
#ifdef WEFT_ASAN
    // LeakSanitizer keeps scanning buried stacks (registered root regions): keep their chunk.
    bool holds_buried = std::any_of(buried_.begin(), buried_.end(), [&](const Stack& s) {
      return static_cast<char*>(s.region) >= c.base &&
             static_cast<char*>(s.region) < c.base + c.bytes;
    });
    if (holds_buried) continue;
#endif
    ::munmap(c.base, c.bytes);
  }
}

GuardKind StackPool::guard() const noexcept { return guard_.load(std::memory_order_relaxed); }

void StackPool::release_reserve() noexcept {
  if (void* r = reserve_.exchange(nullptr)) ::munmap(r, kReserveBytes);
}

void StackPool::limit_reached(const char* what, int err) {
  release_reserve();
  const std::size_t maps = count_mappings();
  const std::size_t max_maps = read_number_file("/proc/sys/vm/max_map_count");
  const std::string reserve = fmt::format(
      "each goroutine reserves {} of address space for its stack (stack_size) plus a guard page",
      kib(size_));
  // The map count first: both mmap and mprotect answer ENOMEM when it runs out.
  if (max_maps > 0 && maps + 4 >= max_maps) {
    std::string why =
        guard() == GuardKind::mprotect
            ? std::string("each stack's guard page is a separate mapping here (this kernel has "
                          "no MADV_GUARD_INSTALL, Linux 6.13+), so each goroutine costs two")
            : std::string("the program's own mappings use them up");
    throw StackLimitReached{
        fmt::format("vm.max_map_count ({}) reached", max_maps),
        fmt::format("{}; raise the limit, e.g. `sudo sysctl -w vm.max_map_count={}`, or run "
                    "fewer goroutines at once",
                    why, std::max<std::size_t>(max_maps * 4, 262144))};
  }
  struct rlimit as {};
  if (::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    throw StackLimitReached{
        fmt::format("the address-space limit (ulimit -v {} KiB) reached", as.rlim_cur / 1024),
        fmt::format("{}; raise the limit (`ulimit -v unlimited`) or lower stack_size", reserve)};
  }
  if (read_number_file("/proc/sys/vm/overcommit_memory") == 2) {
    throw StackLimitReached{
        "the commit limit reached (vm.overcommit_memory = 2, strict accounting)",
        fmt::format("{}, and strict accounting charges all of it; lower stack_size, or allow "
                    "overcommit (`sudo sysctl -w vm.overcommit_memory=0`)",
                    reserve)};
  }
  throw StackLimitReached{
      fmt::format("{} failed: {}", what, std::strerror(err)),
      fmt::format("{}; free memory or address space, or lower stack_size", reserve)};
}

void StackPool::add_chunk() {
  const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK;
  if (chunks_.empty()) {  // address space to give back when a limit is reached
    void* r = ::mmap(nullptr, kReserveBytes, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r != MAP_FAILED) reserve_.store(r);
  }
  for (;;) {
    const std::size_t bytes = next_slots_ * slot_;
    void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (base == MAP_FAILED) {
      const int err = errno;
      if (err == ENOMEM && next_slots_ > 1) {  // a smaller chunk may still fit
        next_slots_ /= 2;
        continue;
      }
      limit_reached("mmap", err);
    }
    // Huge pages would commit 2 MiB where a goroutine touches 4 KiB (MAP_STACK implies this
    // from Linux 6.7 on; older kernels with THP "always" need it said).
    ::madvise(base, bytes, MADV_NOHUGEPAGE);
    chunks_.push_back({static_cast<char*>(base), bytes,
                       register_chunk(static_cast<char*>(base), bytes, slot_)});
    carve_next_ = static_cast<char*>(base);
    carve_end_ = carve_next_ + bytes;
    auto lo = reinterpret_cast<std::uintptr_t>(base);
    if (lo < lo_.load(std::memory_order_relaxed)) lo_.store(lo, std::memory_order_relaxed);
    if (lo + bytes > hi_.load(std::memory_order_relaxed))
      hi_.store(lo + bytes, std::memory_order_relaxed);
    if (bytes * 2 <= kMaxChunkBytes) next_slots_ *= 2;
    return;
  }
}

Stack StackPool::carve() {
  if (carve_next_ == carve_end_) add_chunk();
  char* slot = carve_next_;
  const std::size_t guard = page_size();
  for (;;) {
    GuardKind kind = guard_.load(std::memory_order_relaxed);
    if (kind != GuardKind::mprotect) {
      if (::madvise(slot, guard, MADV_GUARD_INSTALL) == 0) {
        if (kind == GuardKind::automatic) {
          guard_.store(GuardKind::marker, std::memory_order_relaxed);
          markers_supported.store(1, std::memory_order_relaxed);
        }
        break;
      }
      const int err = errno;
      if (err == EINVAL) {  // a kernel before 6.13: fall back to a protected page
        guard_.store(GuardKind::mprotect, std::memory_order_relaxed);
        markers_supported.store(2, std::memory_order_relaxed);
        continue;
      }
      limit_reached("madvise(MADV_GUARD_INSTALL)", err);
    }
    if (::mprotect(slot, guard, PROT_NONE) == 0) break;
    limit_reached("mprotect", errno);
  }
  carve_next_ += slot_;
  return Stack{slot, slot_, slot + guard, size_};
}

void StackPool::bury(Stack s, const void* lowest_sp) {
#ifdef WEFT_ASAN
  // Heap blocks owned by the abandoned frames stay reachable for LeakSanitizer.
  __lsan_register_root_region(s.bottom, s.size);
  (void)lowest_sp;
  OsLock g(mu_);
  buried_.push_back(s);
#else
  put(s, lowest_sp);  // nothing points into it any more (its waiters were unlinked): reuse it
#endif
}

Stack StackPool::get() {
  OsLock g(mu_);
  if (!free_.empty()) {
    auto* bottom = static_cast<char*>(free_.back());
    free_.pop_back();
    return Stack{bottom - page_size(), slot_, bottom, size_};
  }
  return carve();
}

void StackPool::put(Stack s, const void* lowest_sp) {
#ifdef WEFT_ASAN
  // A stack abandoned mid-call keeps ASan's poisoning of its frames; clear it for reuse.
  __asan_unpoison_memory_region(s.bottom, s.size);
#endif
  // Give back what a deep goroutine committed; the top pages stay for the next one.
  char* keep_from = static_cast<char*>(s.bottom) + s.size - std::min(s.size, kKeepResident);
  if (static_cast<const char*>(lowest_sp) < keep_from)
    ::madvise(s.bottom, static_cast<std::size_t>(keep_from - static_cast<char*>(s.bottom)),
              MADV_DONTNEED);
  OsLock g(mu_);
  free_.push_back(s.bottom);
}

std::size_t default_stack_size() noexcept {
#ifdef WEFT_ASAN
  return 1024 * 1024;
#else
  return 256 * 1024;
#endif
}

void fiber_make(FiberCtx& c, const Stack& stack, void (*entry)(void*), void* arg) {
  c.stack_bottom = stack.bottom;
  c.stack_size = stack.size;
  c.fake_stack = nullptr;
  c.entry = entry;
  c.entry_arg = arg;
  c.lowest_sp = static_cast<char*>(stack.bottom) + stack.size;
  void* top = static_cast<char*>(stack.bottom) + stack.size;
  c.fc = ctx::make_fcontext(top, stack.size, &trampoline);
}

void switch_to(FiberCtx& self, FiberCtx& to) {
  self.resuming = &to;
  tsan_switch(self, to);
  asan_start(&self.fake_stack, to);
  ctx::transfer_t t = jump(static_cast<ctx::fcontext_t>(to.fc), &self);
  auto* from = static_cast<FiberCtx*>(t.data);
  from->fc = t.fctx;
  if (t.fctx < from->lowest_sp) from->lowest_sp = t.fctx;
  asan_finish(self.fake_stack, from);
}

void switch_final(FiberCtx& self, FiberCtx& to) {
  self.resuming = &to;
  tsan_switch(self, to);
  asan_start(nullptr, to);
  jump(static_cast<ctx::fcontext_t>(to.fc), &self);
  std::abort();
}

}  // namespace weft::detail
