// weft/detector/detector.hpp — the happens-before race detector engine.
//
// The runtime feeds it events (the same shape as weft::EventSink, with detector-owned types);
// it keeps vector clocks, byte-exact shadow memory and the lock-order graph, and collects
// reports. It knows nothing of fibers or schedulers.
//
//   weft::det::Detector d;
//   d.go_start(1, 0, "main", here);
//   d.go_start(2, 1, "worker", here);
//   d.access(2, &x, sizeof x, weft::det::Access::write, here);
//   d.access(1, &x, sizeof x, weft::det::Access::read, here);   // races with the write
//   for (auto& r : d.take_reports()) std::fputs(weft::det::render_text(r).c_str(), stderr);
//
// Contract with the caller:
//  - go_start(child) comes before any event of child, go_end(g) after its last; ids are
//    unique among live goroutines and may be reused after go_end. An event naming an unknown
//    goroutine implicitly starts it as a root goroutine (parent 0, no name).
//  - Events are processed in call order; the detector is deterministic in that order (no
//    result depends on addresses' hash order), so the same event sequence gives the same
//    reports.
//  - Thread safety: by default every method takes one internal lock (it spins, then
//    yields), so calls from several threads are safe; the order they take it in is then the
//    event order. A caller that serialises all calls itself (one thread, as under weft's
//    controlled scheduler, or its own lock) sets DetectorOptions::caller_serialises and saves
//    the lock; calls that overlap in time are then undefined behaviour.
//  - access() and lock_acquired() return whether they added a report, so a caller that acts
//    on reports as they appear need not poll report_count() after every event.
#pragma once

#include <weft/detector/report.hpp>
#include <weft/detector/same_epoch.hpp>

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace weft::det {

struct DetectorOptions {
  // Stop collecting (but keep checking) after this many reports in one iteration.
  std::size_t max_reports = 1000;
  // The caller never calls into the detector from two threads at once: no internal locking.
  bool caller_serialises = false;
  // For tests: the shadow's epoch tags (same_epoch.hpp) start over after this many epochs
  // instead of about two billion (0: the default), to exercise that path.
  std::uint32_t epoch_tag_limit = 0;
};

// Sizes of the engine's state, for tests and diagnostics.
struct DetectorStats {
  std::size_t live_goroutines = 0;
  std::size_t slots = 0;           // clock slots ever allocated since reset (live + free)
  std::size_t granules = 0;        // shadow entries (8-byte granules with any state)
  std::size_t split_granules = 0;  // of which not all bytes share one state (walks the shadow)
  std::size_t sync_objects = 0;
  std::size_t frames = 0;          // interned call-chain nodes
  std::size_t goroutine_infos = 0; // interned goroutine descriptions
  std::size_t lock_edges = 0;
  std::uint64_t accesses = 0;
  std::uint64_t races = 0;         // conflicts found, before deduplication
  // Entries stored in the clocks of live goroutines and sync objects, each shared base once
  // (walks every clock).
  std::size_t clock_entries = 0;
  // Clock entries written or merged by synchronisation and spawns since reset: the detector's
  // synchronisation cost, independent of timing.
  std::uint64_t clock_work = 0;
  // Times the shadow's epoch tags ran out and started over (DetectorOptions::epoch_tag_limit).
  std::uint64_t epoch_tag_generations = 0;
};

class Detector {
 public:
  explicit Detector(DetectorOptions options = {});
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // reset() forgets everything: goroutines, clocks, shadow memory, the lock graph, reports.
  // Call it when an explored iteration begins.
  void reset();

  // go_start: everything `parent` did so far happens before `g` starts. parent 0 = a root
  // (the main goroutine of an iteration). `name` is copied. created_at is the go statement.
  void go_start(GoId g, GoId parent, std::string_view name, const Loc& created_at);
  void go_end(GoId g);

  // Happens-before through the synchronisation object at `sync` (any unique address):
  //   acquire:       clock(g)    := clock(g) ⊔ clock(sync)
  //   release:       clock(sync) := clock(sync) ⊔ clock(g), then g's own component advances
  //   release_store: clock(sync) := clock(g),               then g's own component advances
  void acquire(GoId g, const void* sync);
  void release(GoId g, const void* sync);
  void release_store(GoId g, const void* sync);
  // The object is gone; its clock is dropped (and it leaves the lock-order graph).
  void sync_free(const void* sync);

  // Lock-order graph: g now holds `mutex` (exclusive or shared), acquired at `where`. Every
  // acquisition while holding other locks adds held → mutex edges; a new edge that closes a
  // cycle yields a lock-order-inversion report (and returns true). Happens-before is NOT
  // implied: the runtime calls acquire/release for that.
  bool lock_acquired(GoId g, const void* mutex, bool exclusive, const Loc& where);
  // A try-lock succeeded: g holds `mutex`, but a try-lock never waits, so it adds no edge
  // into `mutex` (locks acquired while holding it still get edges from it).
  void lock_try_acquired(GoId g, const void* mutex, bool exclusive, const Loc& where);
  void lock_released(GoId g, const void* mutex);
  // A mutex's exclusive lock and its unlock as one call each: acquire(g, mutex) then
  // lock_acquired(g, mutex, true, where) (returning what that returns), and
  // release_store(g, mutex) then lock_released(g, mutex).
  bool mutex_locked(GoId g, const void* mutex, const Loc& where);
  void mutex_unlocking(GoId g, const void* mutex);

  // A plain memory access of `size` bytes (0 is ignored) by g. Checked byte by byte. Returns
  // true if it added a report (a race with a pair of locations not reported before).
  bool access(GoId g, const void* addr, std::size_t size, Access kind, const Loc& where);
  // The same-epoch exit alone: true if this access repeats one g already recorded in its
  // current epoch, so access() would change nothing and report nothing; the access is then
  // counted and needs no further call. False means only "call access()". Cheap and never
  // allocates: the fast path for callers that record every load and store.
  bool access_repeats(GoId g, const void* addr, std::size_t size, Access kind);
  // The same-epoch exit as data (same_epoch.hpp), for callers that test it inline:
  // bind_view(g, owner) points the view at g's current epoch with the caller's token `owner`
  // (the detector keeps the view true from then on: it follows g into its next epoch, and is
  // unbound when g's state may move, same_epoch.hpp); a goroutine the detector does not know
  // (no go_start or event yet) is not bound. The caller may then skip any access by g for which view()->repeats() holds,
  // adding it to view()->hits (so stats() counts it). The pointer is stable for the
  // detector's lifetime; the view is for callers that serialise their calls (no lock).
  SameEpochView* view() noexcept;
  void bind_view(GoId g, const void* owner);
  // access(g, ...) then bind_view(g, owner), in one call.
  bool access_bound(GoId g, const void* addr, std::size_t size, Access kind, const Loc& where,
                    const void* owner);
  // The access of the goroutine the view is bound to (view()->owner is set and is the
  // caller's token for it): access_bound() for that goroutine, without looking it up; the
  // view stays bound (an access ends no epoch). The direct entry for a caller whose inline
  // view()->repeats() check missed. Throws std::logic_error when the view is not bound.
  bool access_owned(const void* addr, std::size_t size, Access kind, const Loc& where);
  // Concurrent mode (not caller_serialises; weft::run): the view() above is not for it. Each
  // thread that records accesses gets a view of its own instead, stable for the detector's
  // lifetime, and calls access_in_view(view, g, ..., owner) for a goroutine g it runs: the
  // access, then the view bound to g for `owner` (a token the thread's running goroutine is
  // known by), with the accessed page in the view's cache. The thread may then skip any
  // access by that goroutine for which view->repeats() holds, without the lock (adding to
  // view->hits). The detector keeps a bound view's tag true, whichever thread ends the
  // goroutine's epoch, empties its cache ways before their pages leave the shadow, and clears
  // its owner when the goroutine ends or the tags start over. The thread must clear the owner
  // itself (a relaxed store of nullptr) whenever it resumes a goroutine, before that
  // goroutine's first access: a view must never describe the goroutine another thread runs,
  // or an earlier epoch. A concurrent writer of the same granule can make one repeat skip an
  // access that raced with that write; the write itself is checked against the earlier
  // access of the same epoch, so the race is still found, at the earlier site.
  SameEpochView* add_thread_view();
  bool access_in_view(SameEpochView* view, GoId g, const void* addr, std::size_t size,
                      Access kind, const Loc& where, const void* owner);
  // Past a miss of the inline check, still without the lock: whether g's access repeats one g
  // made in its current epoch, as the granule's state (not only its word's tag, which names
  // the last epoch to cover it: readers of a shared table take it from each other) says.
  // Then it is counted and done; false means only "call access_in_view". The view must be
  // bound to g (else false). Called by the view's thread only.
  bool repeats_in_view(SameEpochView* view, GoId g, const void* addr, std::size_t size,
                       Access kind);
  // [addr, addr+size) was freed or is being reused: its shadow state is dropped. (For delete,
  // the caller reports the write of the whole object first, then frees.)
  void free_range(const void* addr, std::size_t size);
  // access(g, addr, size, write, where) then free_range(addr, size) (a `delete`), with the
  // same reports, in one pass that checks the write without recording it.
  bool write_then_free(GoId g, const void* addr, std::size_t size, const Loc& where);

  // Shadow call stack: g entered / left a function. Unbalanced exits are ignored.
  void func_enter(GoId g, const Loc& function);
  // The same, entered from `call`, a location in the function on top of g's stack: the
  // chain then shows that function at the call's line rather than where it begins.
  void func_enter(GoId g, const Loc& function, const Loc& call);
  void func_exit(GoId g);

  // Reports collected since reset (or since the last take_reports), in detection order.
  std::vector<Report> reports() const;
  std::vector<Report> take_reports();
  std::size_t report_count() const;

  DetectorStats stats() const;

 private:
  class Engine;
  std::unique_ptr<Engine> engine_;
};

}  // namespace weft::det
