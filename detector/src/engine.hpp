// engine.hpp — the detector's state and event handlers, behind Detector's mutex.
//
// Owns: live goroutines (by slot) with their clocks, shadow stacks and held locks; clocks of
// sync objects; shadow memory; the lock-order graph; interned frames and goroutine
// descriptions; the reports and their deduplication keys.
#pragma once

#include "frames.hpp"
#include "lock_graph.hpp"
#include "shadow.hpp"
#include "slots.hpp"
#include "sync_table.hpp"
#include "vector_clock.hpp"

#include <weft/detector/detector.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace weft::det {

// The lock Detector takes around every call when the caller does not serialise them (weft::run
// feeds one detector from every processor). Its critical sections are short (an access check
// is tens of nanoseconds), so a waiter spins, then yields its thread between looks: a mutex
// that puts waiters to sleep made two processors take turns through the kernel at each event.
class EngineLock {
 public:
  void lock() noexcept {
    if (held_.exchange(true, std::memory_order_acquire)) contended();
  }
  void unlock() noexcept { held_.store(false, std::memory_order_release); }

 private:
  void contended() noexcept;
  std::atomic<bool> held_{false};
};

struct GoState;

// Concurrent mode: the same-epoch view of one thread that records accesses
// (Detector::add_thread_view). `view` first: the detector hands out its address.
struct ThreadView {
  SameEpochView view;
  GoState* bound = nullptr;  // the goroutine view.tag is for (null: none)
};

struct GoState {
  GoId id = 0;
  std::uint64_t serial = 0;  // unique to this goroutine among all since reset (SyncClock)
  Slot slot = 0;
  Clock epoch = 0;         // == clock.get(slot)
  std::uint32_t tag = 0;   // the epoch's tag in shadow words (same_epoch.hpp), never 0
  Clock last_access = 0;   // epoch of its last recorded access (the slot's floor, slots.hpp)
  VectorClock clock;
  ThreadView* view = nullptr;  // the thread view bound to it, if any (Engine::bind_thread)
  // Happens-before without the edges of mutexes, for the lock-order refinement
  // (lock_graph.hpp): indexed by goroutine id, kept only once order_on_.
  VectorClock order;
  FrameId stack = 0;       // shadow call stack
  InfoId info = 0;
  std::vector<HeldLock> held;
  // Small cache of recent sites, (stack, location) -> frame: a loop body alternates between
  // a few (an input read, a lock, a counter update), each of which would otherwise cost a
  // FrameTrie lookup. Direct-mapped by line and column (Engine::site), so a hit is a few
  // instructions and one entry's compare; site 0 (the root) marks an empty entry.
  struct CachedSite {
    FrameId stack = 0;
    Loc loc;
    FrameId site = 0;
  };
  static constexpr unsigned kSiteBits = 3;
  std::array<CachedSite, 1u << kSiteBits> sites{};
};

// Not thread-safe by itself: Detector takes `mu` around every call (unless
// caller_serialises), and every other member is guarded by it.
class Detector::Engine {
 public:
  explicit Engine(DetectorOptions options)
      : caller_serialises(options.caller_serialises),
        options_(options),
        tag_limit_(options.epoch_tag_limit != 0 ? std::min(options.epoch_tag_limit, kMaxTag)
                                                : kMaxTag),
        shadow_(&view) {}

  void reset();
  void go_start(GoId g, GoId parent, std::string_view name, const Loc& created_at);
  void go_end(GoId g);
  void acquire(GoId g, const void* sync);
  void release(GoId g, const void* sync);
  void release_store(GoId g, const void* sync);
  void sync_free(const void* sync);
  bool lock_acquired(GoId g, const void* mutex, bool exclusive, const Loc& where) {
    return lock_acquired_of(state(g), mutex, exclusive, where);
  }
  void lock_try_acquired(GoId g, const void* mutex, const Loc& where);
  void lock_released(GoId g, const void* mutex) { lock_released_of(state(g), mutex); }
  // acquire() then lock_acquired(exclusive), and release_store() then lock_released(), each
  // with one goroutine lookup (Detector::mutex_locked, mutex_unlocking).
  bool mutex_locked(GoId g, const void* mutex, const Loc& where) {
    GoState& s = state(g);
    acquire_of(s, mutex);
    return lock_acquired_of(s, mutex, true, where);
  }
  void mutex_unlocking(GoId g, const void* mutex) {
    GoState& s = state(g);
    release_store_of(s, mutex);
    lock_released_of(s, mutex);
  }
  bool access(GoId g, const void* addr, std::size_t size, Access kind, const Loc& where) {
    return size != 0 && access_of(state(g), addr, size, kind, where);
  }
  // access() by the goroutine the view is bound to (Detector::access_owned).
  bool access_owned(const void* addr, std::size_t size, Access kind, const Loc& where) {
    if (bound_ == nullptr) unbound_access();
    if (size == 0) return false;
    last_id_ = bound_->id;
    last_state_ = bound_;
    return access_of(*bound_, addr, size, kind, where);
  }
  // Only for the goroutine of the last event (anything else needs a lookup that may start a
  // goroutine). A hit leaves last_access alone: it was set to this epoch by the access that
  // recorded it, and the epoch has not moved since.
  bool access_repeats(GoId g, const void* addr, std::size_t size, Access kind) {
    if (g != last_id_ || last_state_ == nullptr || size == 0) return false;
    const GoState& s = *last_state_;
    if (!shadow_.same_epoch(reinterpret_cast<std::uintptr_t>(addr), size, kind,
                            Stamp::pack(s.slot, s.epoch), s.tag))
      return false;
    ++accesses_;
    return true;
  }
  // access(), then bind_view(g, owner) (Detector::access_bound).
  bool access_bound(GoId g, const void* addr, std::size_t size, Access kind, const Loc& where,
                    const void* owner) {
    const bool reported = access(g, addr, size, kind, where);
    bind_view(g, owner);
    return reported;
  }
  // Points the view at g, in its current epoch, for `owner` (Detector::bind_view). A
  // goroutine not live is not bound (no lookup starts one).
  void bind_view(GoId g, const void* owner) {
    if (g != last_id_ || last_state_ == nullptr) {
      auto it = live_.find(g);
      if (it == live_.end()) return;
      last_id_ = g;
      last_state_ = it->second.get();
    }
    __atomic_store_n(&view.owner, owner, __ATOMIC_RELAXED);  // read lock-free: owner_now()
    view.tag = last_state_->tag;
    bound_ = last_state_;
  }
  // Concurrent mode: a view for one thread (Detector::add_thread_view).
  SameEpochView* add_thread_view();
  // access() by g through a thread's view, which is then bound to g for `owner`, with the
  // accessed page in its cache (Detector::access_in_view).
  bool access_in_view(ThreadView& tv, GoId g, const void* addr, std::size_t size, Access kind,
                      const Loc& where, const void* owner) {
    GoState& s = tv.bound != nullptr && tv.bound->id == g ? *tv.bound : state(g);
    const bool reported = size != 0 && access_of(s, addr, size, kind, where);
    bind_thread(tv, s, owner);
    const auto a = reinterpret_cast<std::uintptr_t>(addr);
    if (const ShadowWord* words = shadow_.page_words(a)) {
      const std::uintptr_t key = a >> SameEpochView::kPageShift;
      tv.view.ways[key & (SameEpochView::kWays - 1)] = SameEpochView::Way{key, words};
    }
    return reported;
  }
  // Without the lock: whether g's access, through its thread's view tv (bound to g), repeats
  // one g made in its current epoch, decided from the granule's cell (cell_repeats) when the
  // word's tag did not say so (the tag names only the last epoch to cover the granule: two
  // goroutines reading one table take it from each other at every read). A hit is counted in
  // the view's hits. False means only "take the lock".
  DET_TSAN_UNCHECKED bool repeats_unlocked(ThreadView& tv, GoId g, const void* addr,
                                           std::size_t size, Access kind) const {
    // The owner is cleared at every resume and set by this thread's binding: set, it says
    // `bound` is the running goroutine's state (alive), not one that ended elsewhere.
    if (__atomic_load_n(&tv.view.owner, __ATOMIC_RELAXED) == nullptr) return false;
    const GoState* s = __atomic_load_n(&tv.bound, __ATOMIC_RELAXED);
    const auto a = reinterpret_cast<std::uintptr_t>(addr);
    if (s == nullptr || s->id != g || size - 1 > 7 - (a & 7)) return false;
    const std::uintptr_t key = a >> SameEpochView::kPageShift;
    const SameEpochView::Way& way = tv.view.ways[key & (SameEpochView::kWays - 1)];
    if (__atomic_load_n(&way.key, __ATOMIC_RELAXED) != key) return false;
    const ShadowWord w = __atomic_load_n(
        &way.words[(a >> 3) & ((1u << (SameEpochView::kPageShift - 3)) - 1)], __ATOMIC_RELAXED);
    const auto c = static_cast<std::uint32_t>(w >> 32);
    // No cell, or a cell that is another epoch's sole write (the tag says so): no repeat,
    // and no need to load the cell's line.
    if (c == 0 || (static_cast<std::uint32_t>(w) & SameEpochView::kSoleWrite) != 0) return false;
    const auto& cell = *static_cast<const Cell*>(tv.view.cells.cell(c));
    const unsigned mask = ((1u << size) - 1) << (a & 7);
    if (!cell_repeats(cell, mask, kind, Stamp::pack(s->slot, s->epoch))) return false;
    ++tv.view.hits;
    return true;
  }
  void free_range(const void* addr, std::size_t size);
  bool write_then_free(GoId g, const void* addr, std::size_t size, const Loc& where);
  void func_enter(GoId g, const Loc& function);
  void func_enter(GoId g, const Loc& function, const Loc& call);
  void func_exit(GoId g);
  DetectorStats stats() const;

  const bool caller_serialises;
  EngineLock mu;
  std::vector<Report> reports;
  // Declared before shadow_, which keeps its page cache (and clears it when destroyed).
  SameEpochView view;

 private:
  GoState& state(GoId g) {
    return g == last_id_ && last_state_ != nullptr ? *last_state_ : state_lookup(g);
  }
  GoState& state_lookup(GoId g);
  [[noreturn]] static void unbound_access();
  void tick(GoState& s);  // publish the current epoch and advance
  // The handlers of the same names, for s, the state of the event's goroutine.
  void acquire_of(GoState& s, const void* sync);
  void release_store_of(GoState& s, const void* sync);
  // release()'s join of s's clock into c's, now or as a pending copy (SyncClock::pending).
  void defer_release(SyncClock& c, GoState& s);
  // Joins c's pending copies into its clock (before anyone acquires it).
  void fold_pending(SyncClock& c);
  // Drops them (a release_store replaced the clock); out of line, for the unlock's sake.
  [[gnu::noinline]] void drop_pending(SyncClock& c);
  bool lock_acquired_of(GoState& s, const void* mutex, bool exclusive, const Loc& where);
  void lock_released_of(GoState& s, const void* mutex);
  // A tag for an epoch that begins now: unique among the epochs whose tags the shadow may
  // hold. When the numbers reach tag_limit_, the live goroutines' current epochs are
  // numbered again from 1, their words in the shadow take the new numbers and every other
  // tag is cleared (it names an epoch that has ended, which no access can be in again), so
  // tags fit in 31 bits however long the run, and the shadow answers exactly as before.
  std::uint32_t new_tag() {
    if (next_tag_ >= tag_limit_) renumber_tags();
    return next_tag_++;
  }
  void renumber_tags();  // new_tag() when the numbers ran out
  // The goroutine the view is bound to may change epoch or state: unbind it.
  void drop_view() {
    __atomic_store_n(&view.owner, nullptr, __ATOMIC_RELAXED);
    bound_ = nullptr;
  }
  // Concurrent mode: tv now describes s, in its current epoch, for `owner`. A thread's view
  // is bound only by that thread (its accesses), and its owner is cleared by the runtime
  // whenever that thread resumes a goroutine, so an owner left over from an earlier binding
  // never meets a running goroutine's token; the engine keeps the tag of the goroutine a view
  // is bound to true (tick), from whichever thread the tick comes.
  void bind_thread(ThreadView& tv, GoState& s, const void* owner) {
    if (tv.bound != &s) {
      if (tv.bound != nullptr) tv.bound->view = nullptr;
      // s ran on another thread before (whose repeats_unlocked may be reading `bound`).
      if (s.view != nullptr) __atomic_store_n(&s.view->bound, nullptr, __ATOMIC_RELAXED);
      __atomic_store_n(&tv.bound, &s, __ATOMIC_RELAXED);
      s.view = &tv;
    }
    tv.view.tag = s.tag;
    __atomic_store_n(&tv.view.owner, owner, __ATOMIC_RELAXED);
  }
  // s ends or its view may no longer be kept true: unbind its thread view (which may be
  // another thread's: the owner is stored atomically; that thread's running goroutine is
  // not s, or s would be making this call, so it never reads the tag).
  static void unbind_thread(GoState& s) {
    if (s.view == nullptr) return;
    __atomic_store_n(&s.view->view.owner, nullptr, __ATOMIC_RELAXED);
    __atomic_store_n(&s.view->bound, nullptr, __ATOMIC_RELAXED);
    s.view = nullptr;
  }
  // An access of size > 0 by s (access() after its goroutine lookup).
  bool access_of(GoState& s, const void* addr, std::size_t size, Access kind, const Loc& where);
  // The frame of an access or lock at `where` on s's current stack: the cache's entry for
  // it (GoState::sites), else site_miss.
  FrameId site(GoState& s, const Loc& where) {
    GoState::CachedSite& c =
        s.sites[(where.line ^ (where.line >> GoState::kSiteBits) ^ (where.column << 1)) &
                ((1u << GoState::kSiteBits) - 1)];
    if (c.site != 0 && c.loc.line == where.line && c.loc.column == where.column &&
        c.stack == s.stack && c.loc.file == where.file && c.loc.function == where.function)
      return c.site;
    return site_miss(s, where, c);
  }
  FrameId site_miss(GoState& s, const Loc& where, GoState::CachedSite& c);
  FrameId extend(FrameId stack, const Loc& where);
  GoroutineRef goroutine_ref(InfoId info) const;
  // These return whether a report was added.
  bool report_race(GoState& s, std::uintptr_t addr, std::size_t size, Access kind,
                   FrameId site, const Conflict& c);
  bool report_cycle(const std::vector<LockGraphEdge>& cycle);
  bool add_report(Report r);
  void collect_infos();

  using LocKey = std::tuple<std::string, std::uint32_t, std::uint32_t>;
  LocKey loc_key(FrameId site) const;

  DetectorOptions options_;
  // Tags stay below 2^31 (kSoleWrite is the 32nd bit) with room to renumber every slot.
  static constexpr std::uint32_t kMaxTag = (std::uint32_t{1} << 31) - (std::uint32_t{1} << 25);
  static_assert(kMaxSlot < (std::uint32_t{1} << 25));
  const std::uint32_t tag_limit_;
  std::uint32_t next_tag_ = 1;
  std::uint64_t tag_generations_ = 0;  // times the tags started over
  SlotTable slots_;
  // Live goroutines only: a dead one's slot keeps just its SlotTable entry, so memory follows
  // the goroutines alive, not all those whose slots are still allocated.
  std::unordered_map<GoId, std::unique_ptr<GoState>> live_;
  std::vector<std::unique_ptr<GoState>> spare_;  // states of dead goroutines, for reuse
  SyncTable syncs_;
  std::uint64_t next_serial_ = 1;
  // Concurrent mode's views (add_thread_view). Declared before shadow_, which keeps their
  // page caches (and empties them when destroyed).
  std::vector<std::unique_ptr<ThreadView>> thread_views_;
  Shadow shadow_;
  FrameTrie frames_;
  GoroutineTable infos_;
  LockGraph locks_;
  // Order clocks (GoState::order) are kept from the first acquisition made while holding
  // another lock: a happens-before chain that matters to the lock graph starts at such an
  // acquisition, so nothing earlier is needed. A release publishes the order clock unless
  // the releasing goroutine holds the object as a lock (a mutex's own edges never order) or
  // holds any lock for reading (a reader's unlock releases to a separate address).
  bool order_on_ = false;
  std::unordered_map<const void*, VectorClock> order_syncs_;
  void order_release(GoState& s, const void* sync, bool store);
  std::set<std::pair<LocKey, LocKey>> seen_races_;
  std::set<std::vector<std::pair<LocKey, LocKey>>> seen_cycles_;
  // The goroutine of the last event (most events come in runs from one goroutine). Dropped
  // by go_start/go_end/reset, which may move or retire states.
  GoId last_id_ = 0;
  GoState* last_state_ = nullptr;
  // The goroutine the view is bound to (null when view.owner is): every event that may move
  // or retire a state (go_start, go_end, reset) unbinds the view; one that ends its epoch
  // (tick) moves the view to the new epoch's tag.
  GoState* bound_ = nullptr;
  std::size_t info_gc_threshold_ = kMinInfoGc;
  static constexpr std::size_t kMinInfoGc = 4096;
  static constexpr std::size_t kMaxSpareStates = 64;
  std::uint64_t accesses_ = 0;
  std::uint64_t races_ = 0;
  std::uint64_t clock_work_ = 0;  // sum of the costs VectorClock operations return
};

}  // namespace weft::det
