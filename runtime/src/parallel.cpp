// The parallel scheduler; see parallel.hpp for the model and its invariants.
//
// A goroutine leaves the CPU only at a park, a yield or its end. A park whose processor has
// a goroutine in runnext switches straight into it (next_direct says when: as long as
// find_runnable would pick runnext too); otherwise, and always at a yield or an end, the
// goroutine switches to its processor's g0, which picks the next one: find_runnable looks,
// in order, at due timers (its own heap's, then every other's), (every 61st time) the global
// queue, runnext and the ring, the global queue, then spins stealing from the others, then
// parks. Whichever context resumes next on the processor first does what the leaving
// goroutine asked (after_switch).
//
// Thread-local state and migration: a goroutine may resume on another OS thread than the
// one it parked on. Nothing here keeps the address of a thread_local across a switch:
// this_proc() is out of line and opaque to the optimiser, and is called again after every
// switch back.
#include "parallel.hpp"

#include <fmt/format.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <utility>

#include "crash.hpp"
#include "dcheck.hpp"
#include "hb.hpp"
#include "race.hpp"
#include "report.hpp"
#include "stack_compact.hpp"
#include "weft/detail/access.hpp"
#include "weft/detail/wait_queue.hpp"
#include "weft/panic.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_PAR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_PAR_ASAN 1
#endif
#endif
#ifdef WEFT_PAR_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace weft::detail {

namespace {
thread_local Proc* tls_proc = nullptr;

// Out of line, with a compiler barrier, so the thread pointer is read again at each call
// (a goroutine that parked on one thread may be resumed on another).
[[gnu::noinline]] Proc* this_proc() noexcept {
  asm volatile("" ::: "memory");
  return tls_proc;
}
// With race detection: g resumes (or starts) on p's thread, from g0 or straight from
// another goroutine's stack. What its accesses read per thread is bound to it here, on
// every resume, on whatever thread: instr::detail::active (its token, written through a
// fresh thread-local address: this may run on a goroutine's stack whose code computed the
// address on another thread) and p's detector view, unbound until g's first checked access
// binds it (det::Detector::access_in_view), so it never describes a goroutine that ran here
// before, nor an earlier epoch of g's.
[[gnu::noinline]] void bind_resumed(Proc* p, G* g) noexcept {
  asm volatile("" ::: "memory");
  instr::detail::active = g;
  if (p->race_view != nullptr) __atomic_store_n(&p->race_view->owner, nullptr, __ATOMIC_RELAXED);
}
[[gnu::noinline]] void set_this_proc(Proc* p) noexcept {
  asm volatile("" ::: "memory");
  tls_proc = p;
}
// SpinLocks are not taken on the thread of a run's only processor (spinlock.hpp).
[[gnu::noinline]] void set_sole_processor(bool v) noexcept {
  asm volatile("" ::: "memory");
  tls_sole_processor = v;
}

// When a goroutine blocks (G::blocked_since), in time-stamp counter ticks: one instruction
// on every park, where a clock read costs a call through the clock_gettime interposer and
// the vDSO (8 ns here, as much as a third of a hand-off). Dumps convert ticks to time with
// the counter's rate measured over the run so far (the counter is constant-rate on every
// x86-64 this runs on: constant_tsc).
std::int64_t stamp() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return static_cast<std::int64_t>(__builtin_ia32_rdtsc());
#else
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
#endif
}

inline void cpu_relax() noexcept { __builtin_ia32_pause(); }

// A record just given a goroutine (id, parent, name, creation site: written while it was
// dead, which dumps skip) becomes runnable: a release store (a plain store on x86-64), which
// a dump's acquire load of the state pairs with before it reads those fields.
inline void publish(G& g) noexcept {
  std::atomic_ref<GState>(g.state).store(GState::runnable, std::memory_order_release);
}

// How long an idle processor spins looking for work before it parks.
constexpr std::int64_t kSpinNs = 10'000;
// A spinner and a processor's single queued goroutine (may_take_lone): a steal that leaves
// the spinner idle again within kLoneBriefNs was brief, and makes it leave such goroutines
// alone for a quiet time (doubling from the least to the most while steals stay brief),
// but for those of a processor that has not switched goroutines for kLoneNs.
constexpr std::int64_t kLoneBriefNs = 10'000;
constexpr std::int64_t kLoneQuietMinNs = 50'000;
constexpr std::int64_t kLoneQuietMaxNs = 2'000'000;
constexpr std::int64_t kLoneNs = 3'000;
// The watcher's naps (see parallel.hpp): the first, and the longest after doubling.
constexpr std::int64_t kNapMinNs = 50'000;
constexpr std::int64_t kNapMaxNs = 2'000'000;
// Dead goroutines' records a processor keeps for reuse before handing a batch to the global
// list, and stacks before giving them back to the pool; records are made kGSlab at a time.
constexpr std::size_t kLocalFreeMax = 128;
constexpr std::size_t kFreeBatch = 32;
constexpr std::size_t kLocalStacksMax = 64;
constexpr std::size_t kGSlab = 32;
// Consecutive runnext picks before the ring gets a turn (two goroutines handing a value
// back and forth must not starve the rest).
constexpr std::uint32_t kRunnextStreak = 64;
// Consecutive direct switches (park into the next goroutine) before g0 gets a turn.
constexpr std::uint32_t kDirectStreak = 64;
// A dump lists this many goroutines in full and counts the rest.
constexpr std::size_t kRunDumpListed = 100;

std::uint64_t xorshift(std::uint64_t& s) noexcept {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

std::string human_duration(std::int64_t ns) {
  if (ns < 0) ns = 0;
  if (ns >= 60'000'000'000) return fmt::format("{} minutes", ns / 60'000'000'000);
  if (ns >= 1'000'000'000) return fmt::format("{:.1f}s", static_cast<double>(ns) / 1e9);
  return fmt::format("{}ms", ns / 1'000'000);
}
}  // namespace

// ---- Parker ----

void Parker::post() {
  if (state_.exchange(1, std::memory_order_release) == -1)
    ::syscall(SYS_futex, &state_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

bool Parker::wait(std::optional<std::chrono::steady_clock::time_point> deadline) {
  int s = 0;
  if (!state_.compare_exchange_strong(s, -1, std::memory_order_acquire)) {
    state_.store(0, std::memory_order_relaxed);  // it was 1: consume the post
    return true;
  }
  struct timespec at {};
  if (deadline) {
    // steady_clock is CLOCK_MONOTONIC, FUTEX_WAIT_BITSET's clock for an absolute timeout.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        deadline->time_since_epoch())
                        .count();
    at.tv_sec = ns / 1'000'000'000;
    at.tv_nsec = ns % 1'000'000'000;
  }
  for (;;) {
    ::syscall(SYS_futex, &state_, FUTEX_WAIT_BITSET_PRIVATE, -1, deadline ? &at : nullptr,
              nullptr, FUTEX_BITSET_MATCH_ANY);
    if (state_.load(std::memory_order_acquire) == 1) {
      state_.store(0, std::memory_order_relaxed);
      return true;
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      int e = -1;
      if (state_.compare_exchange_strong(e, 0, std::memory_order_acquire)) return false;
      state_.store(0, std::memory_order_relaxed);  // posted just now
      return true;
    }
    // A spurious wake-up (a signal, or the word changed and changed back): sleep again.
  }
}

// ---- Construction ----

namespace {
std::atomic<std::uint64_t> run_serials{0};
}  // namespace

ParallelScheduler::ParallelScheduler(unsigned procs, StackPool& stacks, unsigned max_threads)
    : nprocs_(procs),
      max_threads_(max_threads),
      serial_(run_serials.fetch_add(1, std::memory_order_relaxed) + 1),
      stacks_(stacks) {
  parallel_ = true;
  sole_.store(procs == 1, std::memory_order_relaxed);
  for (unsigned i = 0; i < procs; ++i) {
    auto p = std::make_unique<Proc>();
    p->id = i;
    p->sched = this;
    p->rng = 0x9e3779b97f4a7c15ull * (i + 1);
    p->seen_ticks.assign(procs, 0);
    p->seen_tail.assign(procs, 0);
    p->lone_ticks.assign(procs, 0);
    p->lone_since.assign(procs, -1);
    p->nap_ns = kNapMinNs;
    procs_.push_back(std::move(p));
  }
}

ParallelScheduler::~ParallelScheduler() = default;

EventSink* ParallelScheduler::events() noexcept { return race_sink_; }

// ---- Threads with no processor, under race detection ----

namespace {
// The calling thread's identity in the detector (ParallelScheduler::outside_identity), and
// who started it (note_thread_start). When the thread ends while its run is in progress,
// its identity ends in the detector too (its clock slot is reused).
struct OutsideIdentity {
  std::uint64_t run = 0;  // the run whose identity `id` is (0: none yet)
  GoId id = 0;
  std::uint64_t parent_run = 0;  // the run in which `parent` started the thread
  GoId parent = 0;
  OutsideIdentity() = default;
  OutsideIdentity(const OutsideIdentity&) = delete;
  OutsideIdentity& operator=(const OutsideIdentity&) = delete;
  ~OutsideIdentity() {
    if (run == 0) return;
    const OutsideOp op;
    auto* s = op.held() ? static_cast<ParallelScheduler*>(run_in_progress()) : nullptr;
    if (s != nullptr && s->serial() == run)
      if (RaceSink* race = s->race()) race->go_end(id);
  }
};
thread_local OutsideIdentity tls_outside;

const Location kOutsideThread{"", "a thread with no goroutine (not started by one)", 0, 0};

// The detector of the run in progress, for a thread with no processor that holds `op`.
ParallelScheduler* observed_run(const OutsideOp& op) noexcept {
  if (!op.held()) return nullptr;
  auto* s = static_cast<ParallelScheduler*>(run_in_progress());
  return s != nullptr && s->race() != nullptr ? s : nullptr;
}

// What events() gives a thread with no scheduler while a run with race detection is in
// progress: each event holds the run for its length and goes to the run's detector, with
// goroutine 0 (the caller itself: it runs none) replaced by the thread's identity. An event
// that names a goroutine (a waker acting for the waiter it completes) keeps it.
class OutsideSink final : public EventSink {
 public:
  constexpr OutsideSink() = default;
  void acquire(GoId g, const void* a) override {
    with([&](RaceSink& r, GoId me) { r.acquire(g ? g : me, a); });
  }
  void release(GoId g, const void* a) override {
    with([&](RaceSink& r, GoId me) { r.release(g ? g : me, a); });
  }
  void release_store(GoId g, const void* a) override {
    with([&](RaceSink& r, GoId me) { r.release_store(g ? g : me, a); });
  }
  void sync_free(const void* a) override {
    anonymous([&](RaceSink& r) { r.sync_free(a); });
  }
  void lock_acquired(GoId g, const void* m, bool exclusive, const Location& where) override {
    with([&](RaceSink& r, GoId me) { r.lock_acquired(g ? g : me, m, exclusive, where); });
  }
  void lock_try_acquired(GoId g, const void* m, bool exclusive, const Location& where) override {
    with([&](RaceSink& r, GoId me) { r.lock_try_acquired(g ? g : me, m, exclusive, where); });
  }
  void lock_released(GoId g, const void* m) override {
    with([&](RaceSink& r, GoId me) { r.lock_released(g ? g : me, m); });
  }
  void access(GoId g, const void* addr, std::size_t n, AccessKind k, const Location& w) override {
    with([&](RaceSink& r, GoId me) { r.access(g ? g : me, addr, n, k, w); });
  }
  void free_range(const void* addr, std::size_t n) override {
    anonymous([&](RaceSink& r) { r.free_range(addr, n); });
  }

 private:
  template <class F>
  static void with(F f) {
    const OutsideOp op;
    if (ParallelScheduler* s = observed_run(op)) f(*s->race(), s->outside_identity());
  }
  // An event that names nobody (memory or a sync object dropped) makes no identity: a
  // thread's first allocations come before its start routine has noted who started it
  // (note_thread_start), and an identity made then would lack the starter's clock.
  template <class F>
  static void anonymous(F f) {
    const OutsideOp op;
    if (ParallelScheduler* s = observed_run(op)) f(*s->race());
  }
};
}  // namespace

GoId ParallelScheduler::outside_identity() {
  if (G* g = blocking_call_here()) return g->id;
  OutsideIdentity& me = tls_outside;
  if (me.run != serial_) {
    me.run = serial_;
    me.id = next_goid_.fetch_add(1, std::memory_order_relaxed);
    const GoId parent = me.parent_run == serial_ ? me.parent : 0;
    race_sink_->go_start({me.id, parent, "thread", kOutsideThread, 0});
  }
  return me.id;
}

namespace {
// Constant-initialised: no guard (the allocation hooks ask for it from operator new).
constinit OutsideSink outside_sink;
}  // namespace

EventSink* outside_events() noexcept { return outside_observed() ? &outside_sink : nullptr; }

void record_outside(const void* addr, std::size_t size, AccessKind kind, const Location& where) {
  if (in_event_sink) return;
  const OutsideOp op;
  if (ParallelScheduler* s = observed_run(op))
    s->race()->access(s->outside_identity(), addr, size, kind, where);
}

void note_thread_start(GoId parent, std::uint64_t run) noexcept {
  tls_outside.parent = parent;
  tls_outside.parent_run = run;
}

void note_thread_end(const void* key) {
  if (tls_scheduler != nullptr) return;
  hb::release_store(static_cast<const G*>(nullptr), key);  // (through outside_events)
}

void note_thread_joined(const void* key) {
  if (tls_scheduler == nullptr) {
    hb::acquire(static_cast<const G*>(nullptr), key);
    hb::sync_free(key);
    return;
  }
  // A goroutine that joins a thread itself (its processor waits).
  if (tls_scheduler->is_parallel() && tls_scheduler->race() != nullptr) {
    if (G* g = tls_scheduler->current()) {
      hb::acquire(g, key);
      hb::sync_free(key);
    }
  }
}

bool thread_start_edge(GoId* parent, std::uint64_t* run) {
  // The goroutine (or observed thread) that starts a thread: its identity and run, or false.
  Scheduler* s = tls_scheduler;
  if (s != nullptr) {
    if (!s->is_parallel() || s->race() == nullptr) return false;
    G* g = static_cast<ParallelScheduler*>(s)->current();
    if (g == nullptr) return false;
    *parent = g->id;
    *run = static_cast<ParallelScheduler*>(s)->serial();
    return true;
  }
  const OutsideOp op;
  ParallelScheduler* r = observed_run(op);
  if (r == nullptr) return false;
  *parent = r->outside_identity();
  *run = r->serial();
  return true;
}

G* ParallelScheduler::current() noexcept {
  Proc* p = this_proc();
  return p ? p->cur : nullptr;
}

G* run_current() noexcept { return this_proc()->cur; }

Wake run_park(WaitReason reason, const Location& where, UnlockFn unlock, void* arg) {
  Proc* p = this_proc();
  return p->sched->park_on(p, reason, where, unlock, arg);
}

bool run_wait(WaitQueue& q, Waiter& w, SpinLock& lk, WaitReason reason, const Location& where)
    WEFT_NO_THREAD_SAFETY_ANALYSIS {  // park's unlock step releases lk
  q.push(&w);
  Proc* p = this_proc();
  p->sched->park_on(p, reason, where, &unlock_spin, &lk);
  return w.success;
}

void run_ready(G* g) {
  Proc* p = this_proc();
  p->sched->ready_on(p, g);
}

Duration ParallelScheduler::now() noexcept { return std::chrono::steady_clock::now() - start_; }

std::int64_t ParallelScheduler::now_ns() const noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              start_)
      .count();
}

std::size_t ParallelScheduler::choose(std::size_t n) {
  if (n < 2) return 0;
  Proc* p = this_proc();
  // Scaled to [0, n) by a widening multiply rather than a division.
  return static_cast<std::size_t>(
      (static_cast<unsigned __int128>(xorshift(p->rng)) * n) >> 64);
}

// ---- Goroutines ----

inline GoId ParallelScheduler::next_id(Proc* p) {
  if (p->id_next == p->id_end) {
    constexpr GoId kBatch = 16;
    p->id_next = next_goid_.fetch_add(kBatch, std::memory_order_relaxed);
    p->id_end = p->id_next + kBatch;
  }
  return p->id_next++;
}

namespace {
// Whether a goroutine was seen below the top kKeepResident bytes of its stack (the pool gives
// the pages below back when it takes the stack).
bool went_deep(const Stack& s, const FiberCtx& c) noexcept {
  const char* keep_from = static_cast<const char*>(s.bottom) + s.size -
                          std::min(s.size, StackPool::kKeepResident);
  return static_cast<const char*>(c.lowest_sp) < keep_from;
}

// Slabs of records that outlive their run (a goroutine still inside weft::blocking when the
// run ended): listed here, a root for LeakSanitizer, never freed.
void keep_for_good(G* slab) {
  static std::mutex mu;
  static auto* kept = new std::vector<G*>;
  std::lock_guard<std::mutex> lk(mu);
  kept->push_back(slab);
}
}  // namespace

// A processor takes goroutine records from its own free list; when that is empty, a batch
// from the global one (dead goroutines other processors had too many of), and when that is
// empty too, a fresh slab of kGSlab: one allocation and one allg_mu_ lock per slab.
inline G* ParallelScheduler::new_g(Proc* p) {
  if (p->gfree.empty()) refill_gfree(p);
  G* g = p->gfree.back();
  p->gfree.pop_back();
  return g;
}

void ParallelScheduler::refill_gfree(Proc* p) {
  gfree_lock_.lock();
  const std::size_t n = std::min(gfree_.size(), kFreeBatch);
  p->gfree.insert(p->gfree.end(), gfree_.end() - static_cast<std::ptrdiff_t>(n), gfree_.end());
  gfree_.resize(gfree_.size() - n);
  gfree_lock_.unlock();
  if (n > 0) return;
  G* slab = new G[kGSlab];
  for (std::size_t i = 0; i < kGSlab; ++i) slab[i].state = GState::dead;  // not in dumps yet
  {
    std::lock_guard<std::mutex> lk(allg_mu_);
    gslabs_.push_back(slab);
  }
  for (std::size_t i = kGSlab; i-- > 0;) p->gfree.push_back(&slab[i]);
}

// A dead goroutine's stack stays with its processor for the next goroutine that starts
// there (a spawned goroutine binds a stack only when it first runs), unless it went deep
// (the pool then gives the deep pages back) or the processor has enough. Its record goes
// back to the processor's free list with nothing of the goroutine left in it that the next
// one would show or use (its body was destroyed when it returned).
void ParallelScheduler::free_g(Proc* p, G* g) {
  if (g->stack.region) {
    if (went_deep(g->stack, g->ctx) || p->stacks.size() >= kLocalStacksMax)
      stacks_.put(g->stack, g->ctx.lowest_sp);
    else
      p->stacks.push_back(g->stack);
    g->stack = Stack{};
  }
  WEFT_DCHECK(!g->fn && !g->body, "a dead goroutine's body was destroyed");
  WEFT_DCHECK(!g->waiters && !g->compacted && !g->compact_pending,
              "a dead goroutine is in no wait queue and its stack is not compacted");
  g->started = false;
  g->ncalls = 0;
  store_shared(g->reason, WaitReason::none);
  p->gfree.push_back(g);
  if (p->gfree.size() > kLocalFreeMax) {
    gfree_lock_.lock();
    gfree_.insert(gfree_.end(), p->gfree.end() - kFreeBatch, p->gfree.end());
    gfree_lock_.unlock();
    p->gfree.resize(p->gfree.size() - kFreeBatch);
  }
}

// A new goroutine is work for another processor: wake one. A readied one (next) wakes
// nobody, even when it pushed the old runnext into the ring: the watcher takes what stays
// queued for a whole nap (parallel.hpp).
void ParallelScheduler::start(Proc* p, G* g, bool next) {
  runq_put(p, g, next);
  if (!next)
    wakep();
  else if (nprocs_ > 1)
    watch_runnext();
}

// Queues a goroutine just made on p. When that filled p's ring, the spawning goroutine
// yields: p runs what it queued before it spawns more (its records and stacks come back
// hot, instead of a ring spilling half of itself to the global queue at every 128 spawns
// and a million fresh records for a loop of a million spawns). Go's scheduler preempts a
// goroutine that spawns without blocking in the same way, after 10 ms.
inline void ParallelScheduler::launch(Proc* p, G* g) {
  // runq_put(p, g, false), with its common case (room in the ring) written out.
  const std::uint32_t h = p->head.load(std::memory_order_acquire);
  const std::uint32_t t = p->tail.load(std::memory_order_relaxed);
  if (t - h < Proc::kRing) {
    p->ring[t % Proc::kRing].store(g, std::memory_order_relaxed);
    p->tail.store(t + 1, std::memory_order_release);
  } else {
    runq_put(p, g, false);
  }
  if (nprocs_ > 1) wake_from_outside();  // wakep()
  if (t + 1 - h >= Proc::kRing && p->cur != nullptr &&
      t + 1 - p->head.load(std::memory_order_acquire) >= Proc::kRing)
    yield(g->created_at);
}

// A record's name changes under allg_mu_ (a named goroutine, or an unnamed one in the record
// of a named one), so that a dump, which copies the names of live records under it, never
// copies a string being assigned when a goroutine ends and its record is reused meanwhile.
// An unnamed goroutine in an unnamed record, the common case, writes nothing and locks
// nothing.
inline void ParallelScheduler::set_name(G& g, std::string&& name) {
  if (name.empty() && g.name.empty()) return;
  std::lock_guard<std::mutex> lk(allg_mu_);
  g.name = std::move(name);
}

void ParallelScheduler::spawn(std::unique_ptr<Callable> fn, std::string name,
                              Location created_at) {
  Proc* p = this_proc();
  G* g = new_g(p);
  store_shared(g->id, next_id(p));  // (the identity: a dump may read the record, see dump())
  store_shared(g->parent, p->cur ? p->cur->id : GoId{0});
  set_name(*g, std::move(name));
  store_shared(g->created_at, created_at);
  g->fn = std::move(fn);
  publish(*g);
  // Everything the parent did so far happens before g starts: the detector copies its
  // clock now, on the parent's processor, before g can run anywhere.
  if (race_sink_) race_sink_->go_start({g->id, g->parent, g->name, created_at, 0});
  launch(p, g);
}

void ParallelScheduler::spawn_from_timer(std::unique_ptr<Callable> fn, std::string name) {
  Proc* p = this_proc();
  G* g = new_g(p);
  store_shared(g->id, next_id(p));
  store_shared(g->parent, GoId{0});
  set_name(*g, std::move(name));
  store_shared(g->created_at, Location{});
  g->fn = std::move(fn);
  publish(*g);
  if (race_sink_) race_sink_->go_start({g->id, 0, g->name, Location{}, 0});
  start(p, g, false);
}

inline SpawnSlot ParallelScheduler::reserve() {
  Proc* p = this_proc();
  if (p == nullptr || p->cur == nullptr) return {};  // spawn() says what is wrong
  // With race detection, bodies go to the heap (spawn()): a freed heap block loses its
  // history in the detector, a record's slot reused by the next goroutine would not.
  if (race_sink_) return {};
  G* g = new_g(p);
  return {g, g->body_slot};
}

// Building the body may have run goroutine code (a copy constructor), so the processor is
// looked up again.
inline void ParallelScheduler::commit(G* g, Callable* body, std::string&& name,
                                      Location created_at) {
  Proc* p = this_proc();
  store_shared(g->id, next_id(p));
  store_shared(g->parent, p->cur->id);
  set_name(*g, std::move(name));
  store_shared(g->created_at, created_at);
  g->body = body;
  publish(*g);
  if (race_sink_) race_sink_->go_start({g->id, g->parent, g->name, created_at, 0});
  launch(p, g);
}

inline void ParallelScheduler::cancel(G* g) noexcept {
  Proc* p = this_proc();
  p->gfree.push_back(g);  // never queued: still dead, with no body and no stack
}

SpawnSlot spawn_reserve() {
  Scheduler* s = tls_scheduler;
  if (s == nullptr || !s->is_parallel()) return {};
  return static_cast<ParallelScheduler*>(s)->reserve();
}

void spawn_commit(G* g, Callable* body, std::string&& name, Location created_at) {
  static_cast<ParallelScheduler*>(tls_scheduler)->commit(g, body, std::move(name), created_at);
}

void spawn_cancel(G* g) noexcept { static_cast<ParallelScheduler*>(tls_scheduler)->cancel(g); }

// Runs g's body and destroys it; a panic that escapes ends the process.
void ParallelScheduler::run_body(G* g) {
  try {
    if (Callable* body = g->body) {
      body->invoke();
      g->body = nullptr;
      body->~Callable();
    } else {
      g->fn->invoke();
      g->fn.reset();
    }
  } catch (const Panic& e) {
    die(panic_report(*g, e.what(), e.where()), g->id);
  } catch (const CheckFailure& e) {
    die(check_report(*g, e.what(), e.where()), g->id);
  } catch (const std::exception& e) {
    die(exception_report(*g, e.what()), g->id);
  } catch (...) {
    die(exception_report(*g, "unknown exception"), g->id);
  }
}

// A stack starts here, with a goroutine's body, and then runs the bodies of the goroutines
// that start on it after that one (start_here) until one leaves it through g0.
void ParallelScheduler::fiber_entry(void* arg) {
  G* g = static_cast<G*>(arg);
  auto* self = static_cast<ParallelScheduler*>(current_scheduler());
  for (;;) {
    self->run_body(g);
    G* next = self->start_here(this_proc(), g);
    if (next == nullptr) break;
    g = next;
  }
  Proc* p = this_proc();
  p->after = Proc::After::exit;
  p->prev = g;
  switch_final(g->ctx, p->g0);
}

// g's body has returned, on g's stack. What g0 would run next, if it has not started yet,
// starts right here: it takes the stack over (with its context: where it was seen deepest)
// and g's record is freed, without a switch to g0, a fresh context and a switch back.
// Anything else leaves through g0 as before: main (its end ends the run), a stack that went
// deep (the pool gives its deep pages back), the run stopping, nothing to run, or a
// goroutine that has started (handed to g0 in p->handoff, so it is not looked for twice).
G* ParallelScheduler::start_here(Proc* p, G* g) {
  if (g == main_ || went_deep(g->stack, g->ctx)) return nullptr;
  p->cur = nullptr;  // as on g0: timer callbacks run with no goroutine current
  G* next = find_local(p);
  p->cur = g;
  if (next == nullptr) return nullptr;
  if (next->started) {
    p->handoff = next;
    return nullptr;
  }
  store_shared(g->state, GState::dead);
  nended_.fetch_add(1, std::memory_order_relaxed);
  if (race_sink_) {
    // As after_switch does for a goroutine that ends through g0: its last event is done,
    // and next starts on its stack with no history; next's accesses are its own.
    race_sink_->go_end(g->id);
    if (g->stack.region) race_sink_->stack_released(g->stack);
    bind_resumed(p, next);
  }
  next->stack = g->stack;
  // The running context becomes next's, ThreadSanitizer's fiber included (each context
  // keeps a fiber of its own: g's record gets the one next had, if any, for its reuse).
  void* next_fiber = next->ctx.tsan_fiber;
  next->ctx = g->ctx;
  g->ctx.tsan_fiber = next_fiber;
  g->stack = Stack{};
  free_g(p, g);
  next->started = true;
  store_shared(next->state, GState::running);
  p->cur = next;
  p->ticks.store(p->ticks.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return next;
}

// g leaves the CPU; whoever resumes next on this processor marks it blocked and runs
// unlock(arg) (after_switch). When runnext holds a goroutine that find_runnable would pick
// anyway, g switches straight into it: one context switch instead of two, and no pass
// through the scheduler loop.
Wake ParallelScheduler::park(WaitReason reason, Location where, UnlockFn unlock, void* arg) {
  return park_on(this_proc(), reason, where, unlock, arg);
}

Wake ParallelScheduler::park_on(Proc* p, WaitReason reason, const Location& where,
                                UnlockFn unlock, void* arg) {
  G* g = p->cur;
  store_shared(g->reason, reason);
  store_shared(g->blocked_at, where);
  g->last_op = where;
  p->after = Proc::After::park;
  p->prev = g;
  p->unlock = unlock;
  p->unlock_arg = arg;
  if (G* next = next_direct(p)) {
    make_current(p, next);  // as execute does (runnext holds started goroutines only)
    switch_to(g->ctx, next->ctx);
  } else {
    switch_to(g->ctx, p->g0);
  }
  // Resumed, perhaps on another processor: by its g0, or by a goroutine that parked there
  // and left its own after_switch to us.
  resumed();
  store_shared(g->reason, WaitReason::none);
  return Wake::ready;
}

// What find_runnable would return at once, without its other work: runnext, or the head of
// the local ring when runnext is empty or has had its streak (runq_get's order), unless the
// run is stopping or the global queue has its every-61st turn. g0's other duties (due
// timers, a thread without a processor asking to come in) get a turn at least every
// kDirectStreak direct switches, so a timer waits a few hand-offs at most. A goroutine taken
// from the ring that has not started yet goes to g0 as its handoff (g0 gives it a stack).
G* ParallelScheduler::next_direct(Proc* p) noexcept {
  if (p->direct_streak >= kDirectStreak || (p->schedtick + 1) % 61 == 0) return nullptr;
  if (stopping_.load(std::memory_order_relaxed)) return nullptr;
  G* g = p->runnext_streak < kRunnextStreak ? take_runnext(p) : nullptr;
  if (g != nullptr) {
    ++p->runnext_streak;
  } else {
    g = ring_take(p);
    if (g == nullptr) return nullptr;
    p->runnext_streak = 0;
    if (!g->started) {
      p->handoff = g;
      return nullptr;
    }
  }
  ++p->schedtick;
  ++p->direct_streak;
  return g;
}

G* ParallelScheduler::take_runnext(Proc* p) noexcept {
  G* g = p->runnext.load(std::memory_order_relaxed);
  if (!g) return nullptr;
  if (nprocs_ == 1) {  // no thief, no watcher: only this thread touches runnext
    p->runnext.store(nullptr, std::memory_order_relaxed);
    return g;
  }
  return p->runnext.compare_exchange_strong(g, nullptr, std::memory_order_acquire) ? g : nullptr;
}

// weft::blocking's first step (parallel_blocking.cpp): to g0, which hands g to a worker.
void ParallelScheduler::leave_for_blocking(G* g) {
  Proc* p = this_proc();
  p->after = Proc::After::blocking;
  p->prev = g;
  switch_to(g->ctx, p->g0);
}

void ParallelScheduler::yield(Location where) {
  Proc* p = this_proc();
  G* g = p->cur;
  g->last_op = where;
  p->after = Proc::After::yield;
  p->prev = g;
  switch_to(g->ctx, p->g0);
  resumed();
}

// A goroutine that left the CPU is back: if a park switched into it directly (next_direct
// takes any started goroutine of the ring, whatever it left the CPU through), the parked
// one's after_switch is left to it.
void ParallelScheduler::resumed() {
  Proc* p = this_proc();
  if (p->after != Proc::After::none) after_switch(p);
}

void ParallelScheduler::ready(G* g) { ready_on(this_proc(), g); }

void ParallelScheduler::ready_on(Proc* p, G* g) {
  if (load_shared(g->state) != GState::blocked) return;
  store_shared(g->state, GState::runnable);
  if (p == nullptr) [[unlikely]] {
    ready_from_outside(g);  // a thread with no processor (parallel_blocking.cpp)
    return;
  }
  runq_put(p, g, true);
  if (nprocs_ > 1) watch_runnext();  // (start's rule for a readied goroutine)
}

void ParallelScheduler::exit_killed() {
  // Nothing is torn down under weft::run: goroutines alive when main returns are abandoned.
  std::fputs("weft: exit_killed() under weft::run (a runtime bug)\n", stderr);
  std::abort();
}

void ParallelScheduler::fail_now(FailureKind, std::string report) { die(report); }

// Runs right after p->prev left the CPU, on the context that resumed next on p: g0, or the
// goroutine a park switched to directly (only after park then).
void ParallelScheduler::after_switch(Proc* p) {
  G* g = p->prev;
  const Proc::After what = p->after;
  p->prev = nullptr;
  p->after = Proc::After::none;
  switch (what) {
    case Proc::After::park: {
      store_shared(g->blocked_since, stamp());
      store_shared(g->state, GState::blocked);
      // A sleeper's timer entry is on its stack, and arming it (the unlock step) and firing
      // it (any processor) would touch it: not compacted.
      const bool compactable = compact_from_ != 0 && g->reason != WaitReason::sleep;
      if (compactable) {
        g->stack_state.store(StackState::parked, std::memory_order_release);
        // Shared compaction's proxies are made here, under the locks that the unlock step
        // releases (stack_compact.hpp): queue traffic past g then leaves its stack alone.
        if (compact_shared_ && compaction_due(p) && compaction_available(stacks_))
          proxy_parked_waiters(*g);
      }
      UnlockFn unlock = p->unlock;
      void* arg = p->unlock_arg;
      p->unlock = nullptr;
      if (unlock) unlock(arg);  // from here on, a waker may resume g anywhere
      // Only after the unlock step, which may read g's stack (select's lock list). A waker
      // may have made g current since: then compact_stack finds it active and leaves it.
      if (compactable) maybe_compact(p, g);
      break;
    }
    case Proc::After::yield:
      store_shared(g->state, GState::runnable);
      global_put(&g, 1);
      break;
    case Proc::After::exit:
      store_shared(g->state, GState::dead);
      nended_.fetch_add(1, std::memory_order_relaxed);
      if (g == main_) {
        stop_all();
      } else {
        if (race_sink_) {
          // Its last event is done; the next goroutine on its stack starts with no history.
          race_sink_->go_end(g->id);
          if (g->stack.region) race_sink_->stack_released(g->stack);
        }
        free_g(p, g);
      }
      break;
    case Proc::After::blocking:
      store_shared(g->blocked_since, stamp());
      store_shared(g->state, GState::blocked);
      // The worker will run beside p.
      share_compaction();
      nblocking_.fetch_add(1, std::memory_order_seq_cst);
      submit_blocking(g);  // from here on, a worker may run it
      break;
    case Proc::After::none:
      break;
  }
}

// g, started and about to be switched into on p, becomes p's running goroutine: its stack
// back if compacted, its state, p's tick, and (race detection) its per-thread state bound.
inline void ParallelScheduler::make_current(Proc* p, G* g) {
  // Parked or compacted: claimed back from the compactors (stack_compact.hpp).
  if (g->stack_state.load(std::memory_order_relaxed) != StackState::active) restore_stack(*g);
  store_shared(g->state, GState::running);
  p->cur = g;
  p->ticks.store(p->ticks.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  // With race detection, instrumented accesses of g call in (weft/detail/access.hpp).
  if (race_sink_) bind_resumed(p, g);
}

void ParallelScheduler::execute(Proc* p, G* g) {
  if (!g->started) {
    if (!p->stacks.empty()) {
      g->stack = p->stacks.back();
      p->stacks.pop_back();
#ifdef WEFT_PAR_ASAN
      // The previous goroutine's frames left ASan's poisoning behind.
      __asan_unpoison_memory_region(g->stack.bottom, g->stack.size);
#endif
    } else {
      try {
        g->stack = stacks_.get();
      } catch (const StackLimitReached& why) {
        die(fmt::format("fatal error: could not reserve a goroutine stack: {}\n\n{}{}\n",
                        why.limit, goroutine_dump(*g, false), why.remedy),
            g->id);
      }
    }
    fiber_make(g->ctx, g->stack, &fiber_entry, g);
    g->started = true;
  }
  make_current(p, g);
  switch_to(p->g0, g->ctx);
  // The goroutine that came back (g, or one g or its successors parked into) is p->prev.
  p->cur = nullptr;
  instr::detail::active = nullptr;
  after_switch(p);
}

const G* ParallelScheduler::running_here() noexcept {
  Proc* p = this_proc();
  return p ? p->cur : nullptr;
}

void ParallelScheduler::proc_main(Proc* p) {
  ThreadAltStack altstack;  // a goroutine's stack overflow is reported (crash.hpp)
  set_this_proc(p);
  Scheduler* outer = current_scheduler();
  set_current_scheduler(this);
  if (race_sink_) {
    if (p->race_view == nullptr) p->race_view = race_sink_->add_thread_view();
    access_view = p->race_view;  // this thread's, for the inline check
  }
  if (sole_.load(std::memory_order_acquire)) set_sole_processor(true);
  for (;;) {
    G* g = std::exchange(p->handoff, nullptr);
    if (g != nullptr ? stopping_.load(std::memory_order_relaxed)
                     : (g = find_runnable(p)) == nullptr)
      break;
    execute(p, g);
  }
  set_sole_processor(false);
  set_current_scheduler(outer);
  set_this_proc(nullptr);
}

// ---- Stack compaction (see parallel.hpp) ----

void ParallelScheduler::compact_stacks_from(std::size_t live) noexcept {
  compact_from_ = live;
  compact_shared_ = nprocs_ > 1;
  if (live != 0 && compact_shared_ && !shared_compaction_available(stacks_)) compact_from_ = 0;
}

// g has just parked (after park's unlock step, on the context that resumed next on p):
// once enough goroutines are alive, its stack goes to a heap copy; the first time, so do
// the stacks of the goroutines that parked before the threshold was reached. Any of them
// a waker made current meanwhile is left alone (compact_stack claims parked ones only).
// Whether compact_from_ goroutines are alive: the ids handed out, less those p holds unused
// (with more processors, the others' unused ids count too: at most 16 each), less those
// ended.
bool ParallelScheduler::compaction_due(const Proc* p) const noexcept {
  const std::uint64_t made =
      next_goid_.load(std::memory_order_relaxed) - 1 - (p->id_end - p->id_next);
  const std::uint64_t ended = nended_.load(std::memory_order_relaxed);
  return made >= ended && made - ended >= compact_from_;
}

void ParallelScheduler::maybe_compact(Proc* p, G* g) {
  if (!compaction_available(stacks_) || !compaction_due(p)) return;
  if (!compact_swept_.load(std::memory_order_relaxed) &&
      !compact_swept_.exchange(true, std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lk(allg_mu_);
    for (G* slab : gslabs_)
      for (std::size_t i = 0; i < kGSlab; ++i) {
        G* o = &slab[i];
        // With one thread, a parked goroutine that was readied is skipped (it runs soon);
        // with more, only the CAS in compact_stack may decide.
        if (o != g && (compact_shared_ || load_shared(o->state) == GState::blocked))
          compact_stack(*o, compact_shared_);
      }
  }
  compact_stack(*g, compact_shared_);
}

// A blocking call's worker or a thread of the program's own is about to run beside the one
// processor: the proxies (which need one thread) go, every stack comes back, and compaction
// goes on shared (if this process has the userfaultfd; else it ends for the run).
void ParallelScheduler::share_compaction() {
  if (compact_from_ == 0 || compact_shared_) return;  // off, or shared already
  {
    std::lock_guard<std::mutex> lk(allg_mu_);
    for (G* slab : gslabs_)
      for (std::size_t i = 0; i < kGSlab; ++i)
        if (slab[i].compacted) restore_stack(slab[i]);
  }
  compact_shared_ = true;
  if (!shared_compaction_available(stacks_)) compact_from_ = 0;
}

// ---- Run queues ----

bool ParallelScheduler::runq_put(Proc* p, G* g, bool next) {
  if (next) {
    G* old;
    if (nprocs_ == 1) {  // only this thread touches runnext (take_runnext)
      old = p->runnext.load(std::memory_order_relaxed);
      p->runnext.store(g, std::memory_order_relaxed);
    } else {
      // seq_cst: pairs with park_proc's and leave_watch's (see watch_runnext).
      old = p->runnext.exchange(g, std::memory_order_seq_cst);
    }
    if (!old) return false;
    g = old;  // the previous runnext goes to the ring
  }
  for (;;) {
    std::uint32_t h = p->head.load(std::memory_order_acquire);
    std::uint32_t t = p->tail.load(std::memory_order_relaxed);
    if (t - h < Proc::kRing) {
      p->ring[t % Proc::kRing].store(g, std::memory_order_relaxed);
      p->tail.store(t + 1, std::memory_order_release);
      return true;
    }
    if (runq_put_slow(p, g, h, t)) return true;
  }
}

// The ring is full: move half of it, and g, to the global queue.
bool ParallelScheduler::runq_put_slow(Proc* p, G* g, std::uint32_t h, std::uint32_t t) {
  constexpr std::uint32_t n = Proc::kRing / 2;
  if (t - h != Proc::kRing) return false;
  std::array<G*, n + 1> batch;
  for (std::uint32_t i = 0; i < n; ++i)
    batch[i] = p->ring[(h + i) % Proc::kRing].load(std::memory_order_relaxed);
  if (!p->head.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return false;
  batch[n] = g;
  global_put(batch.data(), batch.size());
  return true;
}

G* ParallelScheduler::runq_get(Proc* p) {
  if (p->runnext_streak < kRunnextStreak) {
    if (G* next = take_runnext(p)) {
      ++p->runnext_streak;
      return next;
    }
  }
  p->runnext_streak = 0;
  if (G* g = ring_take(p)) return g;
  return take_runnext(p);  // the streak's end
}

G* ParallelScheduler::ring_take(Proc* p) noexcept {
  for (;;) {
    std::uint32_t h = p->head.load(std::memory_order_acquire);
    std::uint32_t t = p->tail.load(std::memory_order_relaxed);
    if (t == h) return nullptr;
    G* g = p->ring[h % Proc::kRing].load(std::memory_order_relaxed);
    if (p->head.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel)) return g;
  }
}

// Takes half of victim's ring into into's ring from into_tail on (not yet published).
std::uint32_t ParallelScheduler::runq_grab(Proc* victim, Proc* into, std::uint32_t into_tail,
                                           bool steal_next) {
  for (;;) {
    std::uint32_t h = victim->head.load(std::memory_order_acquire);
    std::uint32_t t = victim->tail.load(std::memory_order_acquire);
    std::uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (steal_next) {
        G* next = victim->runnext.load(std::memory_order_acquire);
        if (next) {
          if (!victim->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel))
            continue;
          into->ring[into_tail % Proc::kRing].store(next, std::memory_order_relaxed);
          return 1;
        }
      }
      return 0;
    }
    if (n > Proc::kRing / 2) continue;  // h and t read at different moments
    for (std::uint32_t i = 0; i < n; ++i)
      into->ring[(into_tail + i) % Proc::kRing].store(
          victim->ring[(h + i) % Proc::kRing].load(std::memory_order_relaxed),
          std::memory_order_relaxed);
    if (victim->head.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return n;
  }
}

G* ParallelScheduler::runq_steal(Proc* p, Proc* victim, bool steal_next) {
  std::uint32_t t = p->tail.load(std::memory_order_relaxed);
  std::uint32_t n = runq_grab(victim, p, t, steal_next);
  if (n == 0) return nullptr;
  --n;
  G* g = p->ring[(t + n) % Proc::kRing].load(std::memory_order_relaxed);
  if (n > 0) p->tail.store(t + n, std::memory_order_release);
  return g;
}

G* ParallelScheduler::steal_work(Proc* p, bool steal_next, std::int64_t now) {
  const unsigned start_at = static_cast<unsigned>(xorshift(p->rng) % nprocs_);
  for (unsigned i = 0; i < nprocs_; ++i) {
    Proc* victim = procs_[(start_at + i) % nprocs_].get();
    if (victim == p) continue;
    bool lone = false;
    if (now >= 0 && !may_take_lone(p, victim, now, &lone)) continue;
    if (G* g = runq_steal(p, victim, steal_next)) {
      if (lone) p->lone_taken_at = now;
      return g;
    }
  }
  return nullptr;
}

// A spinner's test before stealing from victim. A ring holding a single goroutine most
// often holds one that a hand-off on victim queued (a channel operation readied it while
// runnext was taken), and victim runs it within a switch or two. Taking it is right when
// it starts work of its own there (one of two independent ping-pong pairs moves over and
// stays), wrong when it soon blocks again on goroutines left on victim, which ready it
// back there: two producers and a selecting consumer then cross cores at every item (40-50
// ns an item against 27 ns on one processor), and the spinner takes the next one. So a
// spinner whose last lone steal left it idle within kLoneBriefNs leaves lone goroutines
// alone for a while (lone_quiet_until; doubling from kLoneQuietMinNs up to
// kLoneQuietMaxNs while such steals stay brief), except from a processor that has not
// switched goroutines for kLoneNs (it computes: its queued goroutine would wait).
bool ParallelScheduler::may_take_lone(Proc* p, Proc* victim, std::int64_t now,
                                      bool* lone) noexcept {
  const std::uint32_t h = victim->head.load(std::memory_order_acquire);
  const std::uint32_t t = victim->tail.load(std::memory_order_acquire);
  if (t - h != 1) return true;
  *lone = true;
  if (now >= p->lone_quiet_until) return true;
  const std::uint32_t ticks = victim->ticks.load(std::memory_order_relaxed);
  if (p->lone_since[victim->id] < 0 || p->lone_ticks[victim->id] != ticks) {
    p->lone_ticks[victim->id] = ticks;
    p->lone_since[victim->id] = now;
    return false;
  }
  return now - p->lone_since[victim->id] >= kLoneNs;
}

// p goes idle (about to spin) at now: was its last lone steal a brief one (may_take_lone)?
void ParallelScheduler::judge_lone_steal(Proc* p, std::int64_t now) noexcept {
  if (p->lone_taken_at < 0) return;
  if (now - p->lone_taken_at < kLoneBriefNs) {
    p->lone_quiet_ns = std::clamp(2 * p->lone_quiet_ns, kLoneQuietMinNs, kLoneQuietMaxNs);
    p->lone_quiet_until = now + p->lone_quiet_ns;
  } else {
    p->lone_quiet_ns = 0;
  }
  p->lone_taken_at = -1;
}

void ParallelScheduler::global_put(G* const* gs, std::size_t n) {
  gq_lock_.lock();
  gq_.insert(gq_.end(), gs, gs + n);
  gq_size_.store(gq_.size(), std::memory_order_release);
  gq_lock_.unlock();
}

// Takes a fair share of the global queue: one to run, the rest into p's ring.
G* ParallelScheduler::global_get(Proc* p) {
  if (gq_size_.load(std::memory_order_acquire) == 0) return nullptr;
  gq_lock_.lock();
  std::size_t n = std::min<std::size_t>(gq_.size(), gq_.size() / nprocs_ + 1);
  n = std::min<std::size_t>(n, Proc::kRing / 2);
  G* first = nullptr;
  if (n > 0) {
    first = gq_.front();
    gq_.pop_front();
    // Into the ring's free slots only (head only grows meanwhile), so nothing overflows
    // back into the global queue whose lock is held.
    std::uint32_t t = p->tail.load(std::memory_order_relaxed);
    const std::uint32_t used = t - p->head.load(std::memory_order_acquire);
    const std::size_t room = Proc::kRing - used;
    for (std::size_t i = 1; i < n && i <= room; ++i, ++t) {
      p->ring[t % Proc::kRing].store(gq_.front(), std::memory_order_relaxed);
      gq_.pop_front();
    }
    p->tail.store(t, std::memory_order_release);
  }
  gq_size_.store(gq_.size(), std::memory_order_release);
  gq_lock_.unlock();
  return first;
}

bool ParallelScheduler::has_work(bool local) const noexcept {
  if (gq_size_.load(std::memory_order_acquire) > 0) return true;
  for (const auto& q : procs_) {
    if (!local) break;
    if (q->runnext.load(std::memory_order_acquire)) return true;
    if (q->tail.load(std::memory_order_acquire) != q->head.load(std::memory_order_acquire))
      return true;
  }
  return timer_due();
}

// ---- Finding work, spinning, parking ----

// find_runnable's first look, which a goroutine that ends makes too (start_here).
G* ParallelScheduler::find_local(Proc* p) {
  if (stopping_.load(std::memory_order_relaxed)) return nullptr;
  p->direct_streak = 0;
  fire_timers(p);
  G* g = nullptr;
  if (++p->schedtick % 61 == 0) g = global_get(p);
  if (!g) g = runq_get(p);
  if (!g) g = global_get(p);
  if (g) {
    // A processor woken by wakep comes back spinning: it stops counting as a spinner
    // before it runs anything, or later work would not wake another processor.
    reset_spinning(p);
  }
  return g;
}

G* ParallelScheduler::find_runnable(Proc* p) {
  for (;;) {
    // No goroutine runs on p here, so no lock is held without being taken.
    if (outside_wants_in_.load(std::memory_order_relaxed) &&
        sole_.load(std::memory_order_relaxed)) {
      share_compaction();
      set_sole_processor(false);
      sole_.store(false, std::memory_order_release);
    }
    if (G* g = find_local(p)) return g;
    if (stopping_.load(std::memory_order_relaxed)) return nullptr;
    if (nprocs_ > 1) {
      // Spin: at most half of the busy processors do, the rest park at once.
      if (!p->spinning.load(std::memory_order_relaxed)) {
        const int busy = static_cast<int>(nprocs_) - npidle_.load(std::memory_order_relaxed);
        if (2 * nspinning_.load(std::memory_order_relaxed) < busy) {
          p->spinning.store(true, std::memory_order_relaxed);
          nspinning_.fetch_add(1, std::memory_order_seq_cst);
        }
      }
      if (p->spinning.load(std::memory_order_relaxed)) {
        const std::int64_t began = now_ns();
        judge_lone_steal(p, began);
        unsigned backoff = 1;
        for (;;) {
          if (stopping_.load(std::memory_order_relaxed)) return nullptr;
          const std::int64_t spun = now_ns() - began;
          // runnext is the watcher's (parallel.hpp); a lone goroutine may be its
          // processor's for a while (may_take_lone).
          G* g = steal_work(p, false, began + spun);
          if (!g) g = global_get(p);
          if (!g) {
            fire_timers(p);
            g = runq_get(p);
          }
          if (g) {
            reset_spinning(p);
            return g;
          }
          if (spun > kSpinNs) break;
          for (unsigned i = 0; i < backoff; ++i) cpu_relax();
          if (backoff < 64) backoff *= 2;
        }
      }
    }
    bool stuck = false;
    if (!park_proc(p, &stuck)) return nullptr;
    if (stuck) {
      if (G* g = steal_work(p, true)) {
        reset_spinning(p);
        return g;
      }
    }
  }
}

// A spinning processor found work: if it was the last spinner, another one goes looking,
// in case there is more.
void ParallelScheduler::reset_spinning(Proc* p) {
  if (!p->spinning.load(std::memory_order_relaxed)) return;
  p->spinning.store(false, std::memory_order_relaxed);
  const int was = nspinning_.fetch_sub(1, std::memory_order_seq_cst);
  WEFT_DCHECK(was > 0, "nspinning_ counts the spinning processors");
  if (was == 1) wakep();
}

// Work appeared: wake a parked processor, unless one is spinning already (it will find it).
void ParallelScheduler::wakep() {
  if (nprocs_ == 1) return;  // the one processor made the work itself: it is awake
  wake_from_outside();
}

void ParallelScheduler::wake_from_outside() {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with park_proc's
  if (npidle_.load(std::memory_order_relaxed) == 0) return;
  if (nspinning_.load(std::memory_order_relaxed) != 0) return;
  int expected = 0;
  if (!nspinning_.compare_exchange_strong(expected, 1, std::memory_order_seq_cst)) return;
  Proc* q = pop_idle();
  if (!q) {
    nspinning_.fetch_sub(1, std::memory_order_seq_cst);
    return;
  }
  // q inherits the count taken above: its flag was clear (pop_idle), so the flag stands for
  // this count alone.
  q->spinning.store(true, std::memory_order_relaxed);
  q->parker.post();
}

Proc* ParallelScheduler::pop_idle() {
  std::lock_guard<std::mutex> lk(idle_mu_);
  if (idle_.empty()) return nullptr;
  Proc* q = idle_.back();
  idle_.pop_back();
  // Cleared by q in the section that listed it (park_proc). A waker sets the flag of the
  // processor it pops to hand it its count; a flag still set would stand for two counts,
  // and q's one decrement would leave nspinning_ one too high for good.
  WEFT_DCHECK(!q->spinning.load(std::memory_order_relaxed),
              "a processor on the idle list is not spinning");
  q->in_idle = false;
  npidle_.fetch_sub(1, std::memory_order_seq_cst);
  return q;
}

// Takes p off the idle list; false if a waker already did (and posted its parker).
bool ParallelScheduler::leave_idle(Proc* p) {
  std::lock_guard<std::mutex> lk(idle_mu_);
  if (!p->in_idle) return false;
  std::erase(idle_, p);
  p->in_idle = false;
  npidle_.fetch_sub(1, std::memory_order_seq_cst);
  return true;
}

bool ParallelScheduler::park_proc(Proc* p, bool* stuck) {
  p->parked_until.store(INT64_MAX, std::memory_order_seq_cst);  // not known yet: wake me
  bool was_spinning = false;
  {
    std::lock_guard<std::mutex> lk(idle_mu_);
    idle_.push_back(p);
    p->in_idle = true;
    npidle_.fetch_add(1, std::memory_order_seq_cst);
    // Before a waker can pop p (under this lock) and set the flag to hand p its count: a
    // waker that took that count before p began to spin (its CAS from 0) and pops p only
    // now would otherwise find the flag set still, and p's one decrement below would be
    // the only one for both counts.
    if (p->spinning.load(std::memory_order_relaxed)) {
      p->spinning.store(false, std::memory_order_relaxed);
      was_spinning = true;
    }
  }
  if (was_spinning) nspinning_.fetch_sub(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with wakep's
  if (stopping_.load(std::memory_order_acquire)) return false;
  // Read after publishing p idle (the fence above pairs with add_timer's): a timer armed
  // later either is seen here or sees parked_until still INT64_MAX and wakes p.
  const std::int64_t first_timer = earliest_timer();
  if (has_work(false)) {
    if (!leave_idle(p)) p->parker.wait(std::nullopt);  // a waker's post is on its way
    return true;
  }
  // Another processor runs goroutines or has some queued: watch it, unless another idle
  // one does. (Watching only while something is queued would stop and restart the watcher,
  // a futex wake each time, at every hand-off: runnext is empty half the time.)
  bool watching = false;
  if (others_busy(p)) {
    Proc* none = nullptr;
    watching = watcher_.compare_exchange_strong(none, p, std::memory_order_seq_cst);
    if (watching) look(p);
  }
  std::optional<std::chrono::steady_clock::time_point> timer;
  if (first_timer != INT64_MAX) {
    timer = start_ + std::chrono::nanoseconds(first_timer);
    p->parked_until.store(first_timer, std::memory_order_seq_cst);
  } else if (!watching) {
    check_deadlock();
  }
  for (;;) {
    auto deadline = timer;
    bool nap = false, recheck = false;
    if (watching) {
      const auto wake_at = std::chrono::steady_clock::now() + std::chrono::nanoseconds(p->nap_ns);
      if (!deadline || wake_at < *deadline) {
        deadline = wake_at;
        nap = true;
      }
    } else if (others_busy(p)) {
      // Another processor watched when p parked; if it stops watching without handing the
      // role on, p takes it within kNapMaxNs, so goroutines queued behind busy processors
      // are never left for good to a wake-up that does not come (one 4-processor timer test
      // under TSan hung once in ~50 runs with two goroutines queued in the rings of two
      // processors spinning on them, no watcher, and nspinning_ at 1 with no spinner, so no
      // wakep woke anyone; that count leaked when a waker popped a processor still flagged
      // spinning, which park_proc now rules out: this stays as a safety net).
      const auto wake_at = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kNapMaxNs);
      if (!deadline || wake_at < *deadline) {
        deadline = wake_at;
        recheck = true;
      }
    }
    if (p->parker.wait(deadline)) break;  // a waker took p off the idle list
    if (stopping_.load(std::memory_order_acquire)) break;
    if (recheck && !has_work(false)) {
      Proc* none = nullptr;
      watching = watcher_.compare_exchange_strong(none, p, std::memory_order_seq_cst);
      if (watching) look(p);
      continue;
    }
    if (nap && !has_work(false)) {
      if (queue_stuck(p)) {
        *stuck = true;
      } else {
        if (others_busy(p)) {
          p->nap_ns = std::min(p->nap_ns * 2, kNapMaxNs);
          continue;  // the owners are switching goroutines: nap on
        }
        // Nothing to watch: park for good (or until the timer), unless the deadlock
        // check ends the run.
        leave_watch(p);
        watching = false;
        if (!timer) check_deadlock();
        continue;
      }
    }
    // Due work (a timer, a globally queued goroutine, a stuck one): leave the idle list.
    if (!leave_idle(p)) p->parker.wait(std::nullopt);  // a waker's post is on its way
    break;
  }
  if (watching) leave_watch(p);
  p->nap_ns = kNapMinNs;
  p->parked_until.store(INT64_MAX, std::memory_order_relaxed);
  return !stopping_.load(std::memory_order_acquire);
}

bool ParallelScheduler::others_busy(const Proc* p) const noexcept {
  return npidle_.load(std::memory_order_seq_cst) < static_cast<int>(nprocs_) || any_queued(p);
}

bool ParallelScheduler::any_queued(const Proc* p) const noexcept {
  for (const auto& q : procs_) {
    if (q.get() == p) continue;
    if (q->runnext.load(std::memory_order_seq_cst)) return true;
    if (q->tail.load(std::memory_order_seq_cst) != q->head.load(std::memory_order_seq_cst))
      return true;
  }
  return false;
}

void ParallelScheduler::look(Proc* p) noexcept {
  for (const auto& q : procs_) {
    p->seen_ticks[q->id] = q->ticks.load(std::memory_order_relaxed);
    p->seen_tail[q->id] = q->tail.load(std::memory_order_acquire);
  }
}

// Stuck: a runnext whose processor has not switched goroutines since the last look, or a
// ring whose goroutines queued at the last look are not all gone.
bool ParallelScheduler::queue_stuck(Proc* p) noexcept {
  bool stuck = false;
  for (const auto& q : procs_) {
    if (q.get() == p) continue;
    const std::uint32_t ticks = q->ticks.load(std::memory_order_relaxed);
    if (ticks == p->seen_ticks[q->id] && q->runnext.load(std::memory_order_acquire))
      stuck = true;
    const std::uint32_t head = q->head.load(std::memory_order_acquire);
    if (static_cast<std::int32_t>(head - p->seen_tail[q->id]) < 0 &&
        q->tail.load(std::memory_order_acquire) != head)
      stuck = true;
  }
  look(p);
  return stuck;
}

// A goroutine was just put in an empty runnext: if processors are idle and none watches,
// wake one (it becomes the watcher when it finds nothing else to do).
void ParallelScheduler::watch_runnext() {
  if (watcher_.load(std::memory_order_seq_cst) != nullptr) return;
  if (npidle_.load(std::memory_order_seq_cst) == 0) return;
  wakep();
}

// p stops watching (it found work, or nothing is left to watch): if a runnext is set and
// another processor is idle, wake one to take over.
void ParallelScheduler::leave_watch(Proc* p) {
  Proc* me = p;
  if (!watcher_.compare_exchange_strong(me, nullptr, std::memory_order_seq_cst)) return;
  if (any_queued(p) && npidle_.load(std::memory_order_seq_cst) > 0) wakep();
}

// Called by a processor about to park with no timer pending: if every processor is idle
// and no work is queued, no goroutine can ever be readied again.
void ParallelScheduler::check_deadlock() {
  {
    std::lock_guard<std::mutex> lk(idle_mu_);
    if (npidle_.load(std::memory_order_seq_cst) != static_cast<int>(nprocs_)) return;
    // A goroutine in a blocking call will be back on the global queue once it returns
    // (counted out only after it is queued, so one of these two tests sees it).
    if (nblocking_.load(std::memory_order_seq_cst) > 0) return;
    if (stopping_.load(std::memory_order_acquire) || has_work() ||
        earliest_timer() != INT64_MAX)
      return;
  }
  die("fatal error: all goroutines are asleep - deadlock!\n");
}

// Main has returned: every processor stops at its next scheduling point.
void ParallelScheduler::stop_all() {
  stopping_.store(true, std::memory_order_seq_cst);
  std::vector<Proc*> wake;
  {
    std::lock_guard<std::mutex> lk(idle_mu_);
    wake.swap(idle_);
    for (Proc* q : wake) q->in_idle = false;
    npidle_.store(0, std::memory_order_seq_cst);
  }
  for (Proc* q : wake) q->parker.post();
}

// ---- Timers ----

namespace {
// The processor whose heap this thread is firing, its lock held: callbacks re-arm (a
// ticker) or stop timers of that heap without taking the lock again.
thread_local Proc* tls_firing = nullptr;
[[gnu::noinline]] Proc* firing_heap() noexcept {
  asm volatile("" ::: "memory");
  return tls_firing;
}
[[gnu::noinline]] void set_firing_heap(Proc* q) noexcept {
  asm volatile("" ::: "memory");
  tls_firing = q;
}
}  // namespace

void ParallelScheduler::publish_earliest(Proc* q) noexcept {
  q->timer_earliest.store(q->timers.empty() ? INT64_MAX : q->timers.front()->when.count(),
                          std::memory_order_seq_cst);
}

std::int64_t ParallelScheduler::earliest_timer() const noexcept {
  std::int64_t first = INT64_MAX;
  for (const auto& q : procs_)
    first = std::min(first, q->timer_earliest.load(std::memory_order_seq_cst));
  return first;
}

bool ParallelScheduler::timer_due() const noexcept {
  const std::int64_t first = earliest_timer();
  return first != INT64_MAX && first <= now_ns();
}

// The heap's lock is taken unless this thread holds it already (firing that heap), which
// the lock analysis cannot follow.
void ParallelScheduler::add_timer(TimerEntry* t) WEFT_NO_THREAD_SAFETY_ANALYSIS {
  if (this_proc() == nullptr) let_outside_in();  // the heaps' locks must be taken
  if (t->heap_owner.load(std::memory_order_acquire) >= 0) remove_timer(t);  // re-armed
  Proc* const firing = firing_heap();
  Proc* q = firing ? firing : this_proc();
  if (!q) q = procs_[0].get();  // a thread with no processor (run_in_progress)
  if (q != firing) q->timer_lock.lock();
  q->timers.push(t);
  t->heap_owner.store(static_cast<int>(q->id), std::memory_order_release);
  // Read before the lock goes: from then on t may fire on another processor and be gone.
  const std::int64_t when = t->when.count();
  const bool first = q->timers.front() == t;
  if (first) publish_earliest(q);
  if (q != firing) q->timer_lock.unlock();
  if (first && nprocs_ > 1) wake_for_timer(when);
}

// Parked processors sleep until the earliest timer they saw; one armed earlier than all of
// those deadlines needs one of them awake (it parks again until the new earliest). The
// running processors look at every heap at each scheduling point.
void ParallelScheduler::wake_for_timer(std::int64_t when) {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with park_proc's
  if (npidle_.load(std::memory_order_seq_cst) == 0) return;
  for (const auto& q : procs_)
    if (q->parked_until.load(std::memory_order_seq_cst) <= when) return;  // it wakes in time
  if (Proc* q = pop_idle()) q->parker.post();
}

bool ParallelScheduler::remove_timer(TimerEntry* t) WEFT_NO_THREAD_SAFETY_ANALYSIS {
  if (this_proc() == nullptr) let_outside_in();  // the heaps' locks must be taken
  Proc* const firing = firing_heap();
  for (;;) {
    const int owner = t->heap_owner.load(std::memory_order_acquire);
    if (owner < 0) {
      // In no heap: stopped, fired, or firing right now, its callback perhaps still running
      // on another processor. The result must not come before that callback's end.
      bool waited = false;
      for (const auto& q : procs_) {
        if (q.get() == firing || q->firing.load(std::memory_order_acquire) != t) continue;
        q->timer_lock.lock();  // held for the whole callback
        q->timer_lock.unlock();
        waited = true;
      }
      if (waited && t->heap_owner.load(std::memory_order_acquire) >= 0) continue;  // re-armed
      return false;
    }
    Proc* q = procs_[static_cast<unsigned>(owner)].get();
    if (q != firing) q->timer_lock.lock();
    bool removed = false;
    if (t->heap_owner.load(std::memory_order_relaxed) == owner) {
      const bool was_first = q->timers.front() == t;
      removed = q->timers.remove(t);
      t->heap_owner.store(-1, std::memory_order_release);
      if (was_first) publish_earliest(q);
    }
    if (q != firing) q->timer_lock.unlock();
    if (removed) return true;
    // It left q's heap meanwhile (fired, or stopped by someone else): look again.
  }
}

void ParallelScheduler::fire_timers(Proc* p) {
  std::int64_t now = -1;
  for (unsigned i = 0; i < nprocs_; ++i) {  // its own heap first
    Proc* q = procs_[(p->id + i) % nprocs_].get();
    const std::int64_t first = q->timer_earliest.load(std::memory_order_acquire);
    if (first == INT64_MAX) continue;
    if (now < 0) now = now_ns();
    if (first <= now) fire_due(q, now);
  }
}

void ParallelScheduler::fire_due(Proc* q, std::int64_t now) WEFT_NO_THREAD_SAFETY_ANALYSIS {
  if (firing_heap() || !q->timer_lock.try_lock()) return;  // another thread fires them
  set_firing_heap(q);
  while (!q->timers.empty() && q->timers.front()->when.count() <= now) {
    TimerEntry* t = q->timers.pop();
    q->firing.store(t, std::memory_order_release);  // before heap_owner: see remove_timer
    t->heap_owner.store(-1, std::memory_order_release);
    publish_earliest(q);
    t->fn(t->arg);  // t may be gone from here on (a sleeper it readied has returned)
  }
  q->firing.store(nullptr, std::memory_order_release);
  publish_earliest(q);
  set_firing_heap(nullptr);
  q->timer_lock.unlock();
}

// ---- Dumps and fatal errors ----

std::string ParallelScheduler::dump(GoId shown) {
  // A snapshot of each live record, read while other processors run them: the fields that
  // change at every park and resume through relaxed loads (store_shared), the state with
  // acquire, after which the identity written before the goroutine was published is whole.
  // Names are copied under allg_mu_, under which they change (set_name). (A record reused
  // while it is read may show the new goroutine's id or site with the old one's state: each
  // field is read whole, the record's fields are not read as one.)
  struct Snap {
    GState state;
    WaitReason reason;
    std::int64_t blocked_since;
    GoId id, parent;
    std::string name;
    Location created_at, blocked_at;
  };
  std::vector<Snap> gs;
  {
    std::lock_guard<std::mutex> lk(allg_mu_);
    for (G* slab : gslabs_)
      for (std::size_t i = 0; i < kGSlab; ++i) {
        const G& o = slab[i];
        const GState st = std::atomic_ref<GState>(const_cast<GState&>(o.state))
                              .load(std::memory_order_acquire);
        const GoId id = load_shared(o.id);
        if (st == GState::dead || (shown != 0 && id == shown)) continue;
        const WaitReason reason = load_shared(o.reason);
        // Blocked with no reason is a goroutine woken between the two loads (its reason is
        // cleared when it resumes): it runs, or is about to.
        const GState now_st =
            st == GState::blocked && reason == WaitReason::none ? GState::runnable : st;
        gs.push_back({now_st, reason, load_shared(o.blocked_since), id, load_shared(o.parent),
                      o.name, load_shared(o.created_at), load_shared(o.blocked_at)});
      }
  }
  std::sort(gs.begin(), gs.end(), [](const Snap& a, const Snap& b) { return a.id < b.id; });
  // Stamp ticks to nanoseconds at the rate the counter ran since the run started.
  const std::int64_t now = stamp();
  const double ns_per_tick =
      now > start_stamp_ ? static_cast<double>(now_ns()) / static_cast<double>(now - start_stamp_)
                         : 1.0;
  std::string s;
  const std::size_t listed = std::min(gs.size(), kRunDumpListed);
  for (std::size_t i = 0; i < listed; ++i) {
    const Snap& g = gs[i];
    std::string waited =
        g.state == GState::blocked
            ? human_duration(static_cast<std::int64_t>(
                  static_cast<double>(now - g.blocked_since) * ns_per_tick))
            : std::string();
    G rec;  // what goroutine_dump prints, from the snapshot
    rec.state = g.state;
    rec.reason = g.reason;
    rec.id = g.id;
    rec.parent = g.parent;
    rec.name = g.name;
    rec.created_at = g.created_at;
    rec.blocked_at = g.blocked_at;
    s += goroutine_dump(rec, false, waited) + "\n";
  }
  if (gs.size() > listed) {
    std::map<std::string, std::size_t> groups;
    for (std::size_t i = listed; i < gs.size(); ++i) {
      const Snap& g = gs[i];
      ++groups[g.state == GState::blocked ? std::string(wait_reason_name(g.reason))
                                          : std::string(state_name(g.state))];
    }
    s += fmt::format("... and {} more goroutines, not listed:\n", gs.size() - listed);
    for (const auto& [what, n] : groups) s += fmt::format("    {:>8}  [{}]\n", n, what);
  }
  return s;
}

void ParallelScheduler::die(const std::string& report, GoId shown) {
  if (dying_.exchange(true)) {
    for (;;) ::pause();  // another thread is writing its report and ending the process
  }
  std::string text = report;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += '\n';
  text += dump(shown);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  std::_Exit(2);
}

// ---- The run ----

int ParallelScheduler::run(Callable& body) {
  struct BodyRef final : Callable {
    Callable& body;
    explicit BodyRef(Callable& b) : body(b) {}
    void invoke() override { body.invoke(); }
  };
  start_ = std::chrono::steady_clock::now();
  start_stamp_ = stamp();
  Proc* p0 = procs_[0].get();
  main_ = new_g(p0);
  main_->id = next_id(p0);
  main_->fn = std::make_unique<BodyRef>(body);
  main_->created_at = Location{"", "main", 0, 0};
  publish(*main_);
  if (race_sink_) race_sink_->go_start({main_->id, 0, main_->name, main_->created_at, 0});
  // Threads with no processor are observed too (OutsideSink, record_outside).
  if (race_sink_) __atomic_store_n(&outside_observed_flag, true, __ATOMIC_RELAXED);
  runq_put(p0, main_, false);
  for (unsigned i = 1; i < nprocs_; ++i) {
    Proc* p = procs_[i].get();
    p->thread = std::thread([this, p] { proc_main(p); });
  }
  proc_main(p0);
  for (unsigned i = 1; i < nprocs_; ++i) procs_[i]->thread.join();
  // Threads with no processor find no run from here on, and an operation of theirs still in
  // progress ends before anything below is torn down (OutsideOp, scheduler.hpp).
  __atomic_store_n(&outside_observed_flag, false, __ATOMIC_RELAXED);
  end_run_in_progress();
  close_blocking();

  // Main has returned and every processor has stopped: nothing runs any more. Timers that
  // did not fire are dropped; goroutines still alive are abandoned where they stopped.
  for (auto& q : procs_) {
    while (!q->timers.empty()) {
      TimerEntry* t = q->timers.pop();
      t->heap_owner.store(-1, std::memory_order_relaxed);
      if (t->drop) t->drop(t->arg);
    }
    publish_earliest(q.get());
  }
  std::vector<G*> slabs;
  {
    std::lock_guard<std::mutex> lk(allg_mu_);
    slabs.swap(gslabs_);
  }
  // A goroutine still inside a blocking call is left to it: its worker returns into its
  // stack and closure whenever the call ends, so those stay, and its record's slab is kept
  // for the rest of the process (keep_for_good).
  const auto in_call = [](const G* g) {
    return g->state == GState::blocked && g->reason == WaitReason::blocking_call;
  };
  std::vector<G*> gs;
  std::vector<G*> freed_slabs;
  for (G* slab : slabs) {
    bool keep = false;
    for (std::size_t i = 0; i < kGSlab; ++i) {
      if (in_call(&slab[i]))
        keep = true;
      else
        gs.push_back(&slab[i]);
    }
    if (keep)
      keep_for_good(slab);
    else
      freed_slabs.push_back(slab);
  }
  for (G* g : gs) restore_stack(*g);
  for (G* g : gs)
    if (g->state != GState::dead && g->started) WaitQueue::unlink_all(g);
  for (G* g : gs) {
    try {
      if (Callable* body = g->body) {
        g->body = nullptr;
        body->~Callable();
      }
      g->fn.reset();
    } catch (...) {
    }
  }
  for (auto& p : procs_) {
    for (const Stack& st : p->stacks) stacks_.put(st, static_cast<char*>(st.bottom) + st.size);
    p->stacks.clear();
  }
  for (G* g : gs) {
    if (g->stack.region) {
      if (g->state != GState::dead && g->started)
        stacks_.bury(g->stack, g->ctx.lowest_sp);
      else
        stacks_.put(g->stack, g->ctx.lowest_sp);
      g->stack = Stack{};
    }
  }
  for (G* slab : freed_slabs) {
    for (std::size_t i = 0; i < kGSlab; ++i) fiber_forget(slab[i].ctx);
    delete[] slab;
  }
  return 0;
}

}  // namespace weft::detail
