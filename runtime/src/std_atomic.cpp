// std::atomic and std::atomic_flag under weft::explore: the runtime side of the proxy that
// weft-instrument wraps around each atomic operation (weft/instr_atomic.hpp).
//
// Each operation is a visible operation (a scheduling point) and an atomic access of the
// object (AccessKind::atomic_read for a load, atomic_write for a store, atomic_update for a
// read-modify-write): two atomic operations never race, while a plain write of the object
// (its construction, a memcpy over it, the delete of the block that holds it, a write
// through a non-atomic alias) races with any atomic operation not ordered with it, and a
// plain read with an atomic store or read-modify-write not ordered with it.
//
// Happens-before, by memory order (C++20 [atomics.order], the atomic's clock at its address):
//  - a load with acquire (consume, acquire, acq_rel, seq_cst) acquires the atomic's clock;
//  - a store with release (release, acq_rel, seq_cst) replaces the clock by the storer's
//    (release_store), so a load that reads it is ordered after it; a relaxed store drops it,
//    because it ends every release sequence (nothing synchronises through it);
//  - a read-modify-write acquires (if its order does) and then joins its clock into the
//    atomic's (if its order releases); a relaxed one leaves the clock as it is, so it
//    continues a release sequence as C++ says;
//  - a failed compare-exchange is a load with the failure order;
//  - fences: after a release fence, the goroutine's relaxed stores and RMWs release (with
//    its clock at the store, not at the fence: an over-approximation that can hide a race
//    between the fence and the store, never report a false one); an acquire fence acquires
//    the clocks of the atomics the goroutine read relaxed since its previous acquire fence
//    (as they are at the fence; the same kind of over-approximation).
// seq_cst adds a total order, which every explored schedule has anyway: the controlled
// scheduler runs one goroutine at a time, so each execution is sequentially consistent and
// weak-memory outcomes (store buffering, reordered relaxed accesses) are not produced; what
// a weaker order changes is the happens-before the race detector sees.
//
// Spin loops: a failed compare-exchange, a test_and_set of a set flag, an exchange that wrote
// what was there, and a load that reads the value this goroutine's previous load of the same
// atomic read, one operation before, are polls (detail::polled), so priority strategies let
// the other goroutines run.
//
// Invariant: the per-goroutine state below is dropped at the end of every iteration
// (shim::reset_atomics from std_iteration_end), so no iteration's schedule depends on an
// earlier one's.
//
// Under weft::run with race detection (parallel_begin/_end below) the operations run on
// several processors at once and are no scheduling points; each is an atomic access, and
// its edges are recorded so that a load acquires no less than the store it read released:
// a store or read-modify-write holds its atomic's section (hb.hpp) from before the
// operation until its edge is recorded, and a load takes the section after its operation,
// so any store it read has recorded its clock by then. The clock a load finds may come
// from a later store too; so that it still holds the one the load read, a store there
// joins its clock into the atomic's (release) instead of replacing it, and a relaxed store
// drops nothing: an over-approximation that can hide a race through an overwritten store,
// never report a false one. Fences are not modelled there (as ThreadSanitizer does not):
// synchronisation through a relaxed operation and a fence is missed, and reported.
#include <algorithm>
#include <unordered_map>
#include <vector>

#include "goroutine.hpp"
#include "hb.hpp"
#include "race.hpp"
#include "scheduler.hpp"
#include "std_shim.hpp"
#include "weft/instr.hpp"
#include "weft/instr_atomic.hpp"

namespace weft::instr::detail {

namespace {

using weft::detail::G;

struct AtomicState {
  const void* last_load = nullptr;  // the last plain load's atomic, value and op count
  std::uint64_t last_value = 0;
  std::uint64_t last_ops = 0;
  bool released = false;                  // a release fence was executed
  std::vector<const void*> relaxed_read;  // atomics read relaxed since the last acquire fence
};

thread_local std::unordered_map<const G*, AtomicState> states;

constexpr bool acquires(std::memory_order mo) {
  return mo == std::memory_order_consume || mo == std::memory_order_acquire ||
         mo == std::memory_order_acq_rel || mo == std::memory_order_seq_cst;
}
constexpr bool releases(std::memory_order mo) {
  return mo == std::memory_order_release || mo == std::memory_order_acq_rel ||
         mo == std::memory_order_seq_cst;
}

Location location(const Site& s) { return Location{s.file, s.function, s.line, s.column}; }

G* controlled_goroutine() {
  weft::detail::Scheduler* s = weft::detail::current_scheduler();
  if (!s || s->is_parallel()) return nullptr;
  return s->current();
}

// Under weft::run with race detection (see the file's comment): the atomic access, and the
// section for a store or read-modify-write. False (no atomic_end) elsewhere.
bool parallel_begin(const void* obj, std::size_t size, AtomicOp op, const Site& site) {
  weft::detail::Scheduler* s = weft::detail::current_scheduler();
  if (!s || !s->is_parallel() || s->race() == nullptr || op == AtomicOp::notify) return false;
  const G* g = s->current();
  if (!g) return false;
  if (op != AtomicOp::load) weft::detail::hb::atomic_section_enter(obj);
  const AccessKind kind = op == AtomicOp::load    ? AccessKind::atomic_read
                         : op == AtomicOp::store ? AccessKind::atomic_write
                                                 : AccessKind::atomic_update;
  s->race()->access(g->id, obj, size, kind, location(site));
  return true;
}

void parallel_end(const void* obj, AtomicOp op, std::memory_order mo) {
  namespace hb = weft::detail::hb;
  if (!hb::atomic_section_held()) hb::atomic_section_enter(obj);  // a load: see above
  if (op != AtomicOp::store && acquires(mo)) hb::acquire(obj);
  if (op != AtomicOp::load && releases(mo)) hb::release(obj);
  hb::atomic_section_leave();
}

void read_relaxed(AtomicState& st, const void* obj) {
  if (std::find(st.relaxed_read.begin(), st.relaxed_read.end(), obj) == st.relaxed_read.end())
    st.relaxed_read.push_back(obj);
}

}  // namespace

bool atomic_begin(const void* obj, std::size_t size, AtomicOp op, const Site& site) {
  G* g = controlled_goroutine();
  if (!g) return parallel_begin(obj, size, op, site);
  const Location where = location(site);
  using weft::detail::OpKind;
  weft::detail::visible(where,
                        op == AtomicOp::load     ? OpKind::atomic_load
                        : op == AtomicOp::notify ? OpKind::none
                                                 : OpKind::atomic_store,
                        obj);
  if (op == AtomicOp::notify) return true;
  weft::detail::Scheduler* s = weft::detail::current_scheduler();
  const AccessKind kind = op == AtomicOp::load    ? AccessKind::atomic_read
                         : op == AtomicOp::store ? AccessKind::atomic_write
                                                 : AccessKind::atomic_update;
  if (weft::detail::RaceSink* race = s->direct_race())
    race->access_direct(*g, obj, size, kind, where);
  else if (EventSink* ev = s->events())
    ev->access(g->id, obj, size, kind, where);
  return true;
}

void atomic_end(const void* obj, AtomicOp op, std::memory_order mo, std::uint64_t value,
                bool probe) {
  G* g = controlled_goroutine();
  if (!g) {
    parallel_end(obj, op, mo);  // atomic_begin returned true: weft::run, detecting races
    return;
  }
  namespace hb = weft::detail::hb;
  AtomicState& st = states[g];
  const bool was_spin_read = st.last_load == obj && st.last_value == value &&
                             g->ops - st.last_ops <= 2;
  st.last_load = nullptr;
  switch (op) {
    case AtomicOp::load:
      if (acquires(mo)) hb::acquire(obj);
      else read_relaxed(st, obj);
      probe = probe || was_spin_read;
      st.last_load = obj;
      st.last_value = value;
      st.last_ops = g->ops;
      break;
    case AtomicOp::store:
      if (releases(mo) || st.released) hb::release_store(obj);
      else hb::sync_free(obj);  // a relaxed store ends the release sequence
      break;
    case AtomicOp::rmw:
      if (acquires(mo)) hb::acquire(obj);
      else read_relaxed(st, obj);
      if (releases(mo) || st.released) hb::release(obj);
      break;
    case AtomicOp::notify:
      break;
  }
  if (probe) weft::detail::polled(true);
}

void atomic_fence(std::memory_order mo, const Site&) {
  G* g = controlled_goroutine();
  if (!g) return;
  AtomicState& st = states[g];
  if (acquires(mo)) {
    for (const void* obj : st.relaxed_read) weft::detail::hb::acquire(obj);
    st.relaxed_read.clear();
  }
  if (releases(mo)) st.released = true;
}

}  // namespace weft::instr::detail

namespace weft::detail::shim {
void reset_atomics() noexcept { weft::instr::detail::states.clear(); }
}  // namespace weft::detail::shim
