// engine.cpp — event handlers: clocks on go/acquire/release, FastTrack checks on access,
// lock-order edges on lock_acquired, and report assembly.
#include "engine.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <unordered_set>

namespace weft::det {

void Detector::Engine::reset() {
  last_state_ = nullptr;
  drop_view();
  view.hits = 0;
  for (auto& tv : thread_views_) {
    tv->bound = nullptr;
    __atomic_store_n(&tv->view.owner, nullptr, __ATOMIC_RELAXED);
    tv->view.hits = 0;
  }
  slots_.clear();
  live_.clear();
  spare_.clear();
  syncs_.clear();
  shadow_.clear();
  frames_.clear();
  infos_.clear();
  locks_.clear();
  order_on_ = false;
  order_syncs_.clear();
  seen_races_.clear();
  seen_cycles_.clear();
  reports.clear();
  info_gc_threshold_ = kMinInfoGc;
  next_tag_ = 1;
  tag_generations_ = 0;
  accesses_ = 0;
  races_ = 0;
  clock_work_ = 0;
}

// Drops the descriptions of goroutines that are dead and no longer named by shadow memory
// or the lock graph, and renumbers the rest. Runs when the table has doubled since the last
// collection, so its cost (a walk over the shadow) is amortised over the spawns in between.
void Detector::Engine::collect_infos() {
  std::vector<bool> keep(infos_.size(), false);
  for (const auto& [id, st] : live_) keep[st->info] = true;
  shadow_.for_each_stamp([&](Stamp& s) { keep[s.info] = true; });
  locks_.for_each_info([&](InfoId& info) { keep[info] = true; });
  std::vector<InfoId> remap = infos_.compact(keep);
  for (const auto& [id, st] : live_) st->info = remap[st->info];
  shadow_.for_each_stamp([&](Stamp& s) { s.info = remap[s.info]; });
  locks_.for_each_info([&](InfoId& info) { info = remap[info]; });
  info_gc_threshold_ = std::max(kMinInfoGc, 2 * infos_.size());
}

GoState& Detector::Engine::state_lookup(GoId g) {
  auto it = live_.find(g);
  if (it == live_.end()) {
    go_start(g, 0, {}, Loc{});  // unknown goroutine: a root without a name
    it = live_.find(g);
  }
  last_id_ = g;
  last_state_ = it->second.get();
  return *last_state_;
}

inline void Detector::Engine::tick(GoState& s) {
  if (s.epoch >= kMaxClock) throw std::length_error("weft detector: a goroutine's clock overflowed");
  ++s.epoch;
  s.tag = new_tag();  // renumbering the tags unbinds the view
  shadow_.note_tag(s.tag, Stamp::pack(s.slot, s.epoch));
  clock_work_ += s.clock.set(s.slot, s.epoch);
  // The view follows its goroutine into the new epoch: the words of the old one no longer
  // match, and a goroutine that unlocks and goes on accessing memory keeps its inline path.
  // Another goroutine's tick leaves the view's goroutine and epoch as they were.
  if (bound_ == &s) view.tag = s.tag;
  // So does a thread's view (concurrent mode), even when the tick comes from another thread
  // (a goroutine's release on behalf of a parked one, as a channel's hand-off makes): that
  // view's thread reads the tag only while it runs this goroutine.
  if (s.view != nullptr) __atomic_store_n(&s.view->view.tag, s.tag, __ATOMIC_RELAXED);
}

SameEpochView* Detector::Engine::add_thread_view() {
  auto tv = std::make_unique<ThreadView>();
  tv->view.cells.chunks = shadow_.fixed_cell_table();
  shadow_.add_ways(tv->view.ways);
  thread_views_.push_back(std::move(tv));
  return &thread_views_.back()->view;
}

void Detector::Engine::renumber_tags() {
  // Number the live goroutines' current epochs 1..n and carry their words over; every
  // other tag in the shadow belongs to an epoch that has ended and can never match again.
  drop_view();
  // Threads' views are unbound too (concurrent mode). One that is in the middle of an
  // inline check may still compare its old tag with renumbered words: a match there skips
  // one access (a possible missed report, never a false one), once in 2^31 epochs.
  for (auto& [id, st] : live_) unbind_thread(*st);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> renamed;  // (old, new), by old
  renamed.reserve(live_.size());
  next_tag_ = 1;
  for (auto& [id, st] : live_) {
    renamed.emplace_back(st->tag, next_tag_);
    st->tag = next_tag_++;
    shadow_.note_tag(st->tag, Stamp::pack(st->slot, st->epoch));
  }
  std::sort(renamed.begin(), renamed.end());
  shadow_.retag([&](std::uint32_t old) -> std::uint32_t {
    auto it = std::lower_bound(renamed.begin(), renamed.end(),
                               std::pair<std::uint32_t, std::uint32_t>{old, 0});
    return it != renamed.end() && it->first == old ? it->second : 0;
  });
  ++tag_generations_;
}

void Detector::Engine::go_start(GoId g, GoId parent, std::string_view name,
                                const Loc& created_at) {
  last_state_ = nullptr;
  drop_view();
  if (live_.count(g) != 0) go_end(g);  // contract violation: treat as a new goroutine
  auto p = parent != 0 ? live_.find(parent) : live_.end();
  const bool has_parent = p != live_.end();
  SlotTable::Grant grant = slots_.allocate(has_parent ? &p->second->clock : nullptr);
  if (grant.slot > kMaxSlot) throw std::length_error("weft detector: too many clock slots");
  std::unique_ptr<GoState> fresh;
  if (spare_.empty()) {
    fresh = std::make_unique<GoState>();
  } else {
    fresh = std::move(spare_.back());
    spare_.pop_back();
  }
  GoState& child = *fresh;
  std::vector<HeldLock> held = std::move(child.held);  // keep its capacity
  child = GoState{};
  child.held = std::move(held);
  child.id = g;
  child.serial = next_serial_++;
  child.slot = grant.slot;
  child.epoch = grant.start;
  FrameId spawner_stack = 0;
  if (has_parent) {
    GoState& ps = *p->second;
    clock_work_ += child.clock.copy_from(ps.clock);
    if (order_on_) {
      if (ps.id <= UINT32_MAX) ps.order.set(static_cast<Slot>(ps.id), ps.epoch);
      child.order.copy_from(ps.order);
    }
    spawner_stack = ps.stack;
    tick(ps);
  }
  child.tag = new_tag();  // after the parent's tick, which may renumber the live goroutines
  shadow_.note_tag(child.tag, Stamp::pack(child.slot, child.epoch));
  clock_work_ += child.clock.set(child.slot, child.epoch);
  if (infos_.size() >= info_gc_threshold_) collect_infos();
  child.info = infos_.intern(g, name, parent, extend(spawner_stack, created_at));
  live_[g] = std::move(fresh);
}

void Detector::Engine::go_end(GoId g) {
  last_state_ = nullptr;
  drop_view();
  auto it = live_.find(g);
  if (it == live_.end()) return;
  GoState& s = *it->second;
  unbind_thread(s);
  slots_.release(s.slot, s.epoch, s.last_access);
  s.clock.clear();
  s.order.clear();
  s.held.clear();
  if (spare_.size() < kMaxSpareStates) spare_.push_back(std::move(it->second));
  live_.erase(it);
}

void Detector::Engine::acquire(GoId g, const void* sync) { acquire_of(state(g), sync); }

void Detector::Engine::acquire_of(GoState& s, const void* sync) {
  // A clock s stored itself, unchanged since, is a past value of s's own: nothing to join.
  if (SyncClock* c = syncs_.find(sync); c != nullptr && c->stored_by != s.serial) {
    if (!c->pending.empty()) fold_pending(*c);
    clock_work_ += s.clock.join(c->clock);
  }
  if (order_on_) {
    if (auto o = order_syncs_.find(sync); o != order_syncs_.end()) s.order.join(o->second);
  }
}

void Detector::Engine::order_release(GoState& s, const void* sync, bool store) {
  // Not published: the unlock of a lock it holds, or any release while it holds a lock for
  // reading, which is how a reader's unlock reaches the writer (RWMutex's and
  // std::shared_mutex's reader address is a separate object). The latter also drops a real
  // handoff made while holding a read lock: a possible extra report, never a missed one.
  for (const HeldLock& h : s.held)
    if (h.mutex == sync || !h.exclusive) return;
  if (s.id <= UINT32_MAX) s.order.set(static_cast<Slot>(s.id), s.epoch);
  VectorClock& o = order_syncs_[sync];
  if (store) {
    o.copy_from(s.order);
  } else {
    o.join(s.order);
  }
}

void Detector::Engine::release(GoId g, const void* sync) {
  GoState& s = state(g);
  SyncClock& c = syncs_.get(sync);
  defer_release(c, s);
  // Joined with s's clock, a snapshot of s's stays one (of its value now); anything else is
  // a mix.
  if (c.stored_by != s.serial) c.stored_by = 0;
  if (order_on_) order_release(s, sync, false);
  tick(s);
}

// c's clock joins s's (Engine::release): at once when that is cheap (the same or a dominated
// base: VectorClock::joins_cheaply), else as a pending copy (SyncClock::pending).
void Detector::Engine::defer_release(SyncClock& c, GoState& s) {
  if (c.pending.empty() && c.clock.joins_cheaply(s.clock)) {
    clock_work_ += c.clock.join(s.clock);
    return;
  }
  for (PendingRelease& p : c.pending) {
    if (p.serial == s.serial) {
      clock_work_ += p.clock.copy_as_is(s.clock);
      return;
    }
  }
  if (c.pending.size() >= SyncClock::kMaxPending) fold_pending(c);
  PendingRelease& p = c.pending.emplace_back();
  p.serial = s.serial;
  clock_work_ += p.clock.copy_as_is(s.clock);
}

void Detector::Engine::drop_pending(SyncClock& c) { c.pending.clear(); }

void Detector::Engine::fold_pending(SyncClock& c) {
  for (PendingRelease& p : c.pending) clock_work_ += c.clock.join(p.clock);
  c.pending.clear();
}

void Detector::Engine::release_store(GoId g, const void* sync) {
  release_store_of(state(g), sync);
}

void Detector::Engine::release_store_of(GoState& s, const void* sync) {
  SyncClock& c = syncs_.get(sync);
  clock_work_ += c.clock.copy_from(s.clock);
  if (!c.pending.empty()) drop_pending(c);  // replaced with the rest of the clock
  c.stored_by = s.serial;
  if (order_on_) order_release(s, sync, true);
  tick(s);
}

void Detector::Engine::sync_free(const void* sync) {
  syncs_.erase(sync);
  order_syncs_.erase(sync);
  locks_.remove(sync);
}

namespace {
bool same_text(const char* a, const char* b) {
  return a == b || (a && b && std::strcmp(a, b) == 0);
}
bool same_function(const Loc& frame, const Loc& at) {
  return frame.function && at.function && same_text(frame.file, at.file) &&
         (frame.function == at.function || same_function_name(frame.function, at.function));
}
}  // namespace

FrameId Detector::Engine::site_miss(GoState& s, const Loc& where, GoState::CachedSite& c) {
  c = GoState::CachedSite{s.stack, where, extend(s.stack, where)};
  return c.site;
}

// A location in the function whose entry is on top of the stack (instrumented code labels
// both with the same name) replaces that entry: the chain reads access, caller, caller's
// caller, without naming the innermost function twice.
FrameId Detector::Engine::extend(FrameId stack, const Loc& where) {
  if (stack != 0 && same_function(frames_.loc(stack), where)) stack = frames_.parent(stack);
  return frames_.child(stack, where);
}

bool Detector::Engine::lock_acquired_of(GoState& s, const void* mutex, bool exclusive,
                                        const Loc& where) {
  const GoId g = s.id;
  FrameId at = site(s, where);
  bool reported = false;
  if (!s.held.empty()) {
    order_on_ = true;
    for (const auto& cycle : locks_.acquired(s.held, mutex, exclusive, at, s.info, g, s.epoch)) {
      reported |= report_cycle(cycle);
    }
  }
  // In place: its order clock stays empty until used.
  HeldLock& h = s.held.emplace_back(mutex, at, exclusive);
  if (order_on_) h.order.copy_from(s.order);
  return reported;
}

void Detector::Engine::lock_try_acquired(GoId g, const void* mutex, const Loc& where) {
  GoState& s = state(g);
  s.held.emplace_back(mutex, site(s, where), false);
  if (order_on_) s.held.back().order.copy_from(s.order);
}

void Detector::Engine::lock_released_of(GoState& s, const void* mutex) {
  for (auto it = s.held.rbegin(); it != s.held.rend(); ++it) {
    if (it->mutex == mutex) {
      s.held.erase(std::next(it).base());
      return;
    }
  }
}

void Detector::Engine::unbound_access() {
  throw std::logic_error("weft detector: access_owned() needs a bound view (bind_view)");
}

// Defined here, not in detector.cpp, so that the engine's access path is inlined into the
// one call a caller with a bound view makes.
bool Detector::access_owned(const void* addr, std::size_t size, Access kind, const Loc& where) {
  if (engine_->caller_serialises) return engine_->access_owned(addr, size, kind, where);
  std::lock_guard<EngineLock> lock(engine_->mu);
  return engine_->access_owned(addr, size, kind, where);
}

bool Detector::Engine::access_of(GoState& s, const void* addr, std::size_t size, Access kind,
                                 const Loc& where) {
  ++accesses_;
  s.last_access = s.epoch;
  const auto a = reinterpret_cast<std::uintptr_t>(addr);
  const std::uint64_t epoch = Stamp::pack(s.slot, s.epoch);
  if ((a & 7) + size <= 8) {  // inside one granule: one page lookup for everything
    FrameId at = 0;
    Accessor who{};
    auto make_who = [&]() -> const Accessor& {
      at = site(s, where);
      who = Accessor{s.slot, s.epoch, &s.clock, Stamp{epoch, at, s.info}, s.tag};
      return who;
    };
    Conflict conflict{};
    bool repeat = false;
    if (!shadow_.access_in_granule(a, size, kind, epoch, s.tag, make_who, &conflict, &repeat))
      return false;
    return report_race(s, a, size, kind, at, conflict);
  }
  if (shadow_.same_epoch(a, size, kind, epoch, s.tag)) return false;
  FrameId at = site(s, where);
  Accessor who{s.slot, s.epoch, &s.clock, Stamp{epoch, at, s.info}, s.tag};
  if (auto conflict = shadow_.access(a, size, kind, who)) {
    return report_race(s, a, size, kind, at, *conflict);
  }
  return false;
}

void Detector::Engine::free_range(const void* addr, std::size_t size) {
  shadow_.free_range(reinterpret_cast<std::uintptr_t>(addr), size);
}

// access() of a write, then free_range(): the write's conflicts are what access() would find
// (the lowest conflicting byte of the first granule with one), but nothing is recorded,
// since the free drops it at once.
bool Detector::Engine::write_then_free(GoId g, const void* addr, std::size_t size,
                                       const Loc& where) {
  if (size == 0) return false;
  GoState& s = state(g);
  ++accesses_;
  // last_access stays: nothing is recorded, so no epoch of this write outlives the call (a
  // goroutine's last act is often freeing its closure; that must not pin its slot).
  const auto a = reinterpret_cast<std::uintptr_t>(addr);
  const std::uint64_t epoch = Stamp::pack(s.slot, s.epoch);
  const FrameId at = site(s, where);
  const Accessor who{s.slot, s.epoch, &s.clock, Stamp{epoch, at, s.info}, s.tag};
  const std::optional<Conflict> conflict = shadow_.write_then_free(a, size, who);
  return conflict && report_race(s, a, size, Access::write, at, *conflict);
}

void Detector::Engine::func_enter(GoId g, const Loc& function) {
  GoState& s = state(g);
  s.stack = frames_.child(s.stack, function);
}

void Detector::Engine::func_enter(GoId g, const Loc& function, const Loc& call) {
  GoState& s = state(g);
  s.stack = frames_.child(extend(s.stack, call), function);
}

void Detector::Engine::func_exit(GoId g) {
  GoState& s = state(g);
  s.stack = frames_.parent(s.stack);
}

GoroutineRef Detector::Engine::goroutine_ref(InfoId info) const {
  const GoroutineInfo& gi = infos_.get(info);
  return GoroutineRef{gi.id, gi.name, gi.parent, frames_.chain(gi.created_at)};
}

Detector::Engine::LocKey Detector::Engine::loc_key(FrameId site) const {
  const Loc& l = frames_.loc(site);
  return {std::string(l.file ? l.file : ""), l.line, l.column};
}

bool Detector::Engine::report_race(GoState& s, std::uintptr_t addr, std::size_t size,
                                   Access kind, FrameId site, const Conflict& c) {
  ++races_;
  LocKey a = loc_key(site), b = loc_key(c.previous.site);
  if (b < a) std::swap(a, b);
  if (!seen_races_.emplace(std::move(a), std::move(b)).second) return false;
  Report r;
  r.kind = ReportKind::data_race;
  r.address = addr;
  r.size = size;
  r.conflict_offset = c.offset;
  r.current = AccessRef{kind, goroutine_ref(s.info), frames_.chain(site)};
  r.previous = AccessRef{c.kind, goroutine_ref(c.previous.info),
                         frames_.chain(c.previous.site)};
  return add_report(std::move(r));
}

bool Detector::Engine::report_cycle(const std::vector<LockGraphEdge>& cycle) {
  std::vector<std::pair<LocKey, LocKey>> key;
  for (const LockGraphEdge& e : cycle) key.emplace_back(loc_key(e.held_site), loc_key(e.acquired_site));
  std::sort(key.begin(), key.end());
  if (!seen_cycles_.insert(std::move(key)).second) return false;
  Report r;
  r.kind = ReportKind::lock_order_inversion;
  for (const LockGraphEdge& e : cycle) {
    r.cycle.push_back(LockEdge{reinterpret_cast<std::uintptr_t>(e.from),
                               reinterpret_cast<std::uintptr_t>(e.to), e.exclusive,
                               goroutine_ref(e.goroutine), frames_.chain(e.held_site),
                               frames_.chain(e.acquired_site)});
  }
  return add_report(std::move(r));
}

bool Detector::Engine::add_report(Report r) {
  if (reports.size() >= options_.max_reports) return false;
  reports.push_back(std::move(r));
  return true;
}

DetectorStats Detector::Engine::stats() const {
  DetectorStats st;
  st.live_goroutines = live_.size();
  st.slots = slots_.size();
  st.granules = shadow_.granules();
  st.split_granules = shadow_.split_granules();
  st.sync_objects = syncs_.size();
  st.frames = frames_.size();
  st.goroutine_infos = infos_.size();
  st.lock_edges = locks_.edge_count();
  st.accesses = accesses_ + view.hits;
  for (const auto& tv : thread_views_) st.accesses += tv->view.hits;  // racy: a count
  st.races = races_;
  // Storage of all clocks, each shared base once.
  std::unordered_set<const ClockBase*> bases;
  auto count = [&](const VectorClock& c) {
    st.clock_entries += c.delta_entries();
    if (c.base() != nullptr && bases.insert(c.base()).second) {
      st.clock_entries += c.base()->size();
    }
  };
  for (const auto& [id, s] : live_) count(s->clock);
  syncs_.for_each_clock(count);
  st.clock_work = clock_work_;
  st.epoch_tag_generations = tag_generations_;
  return st;
}

}  // namespace weft::det
