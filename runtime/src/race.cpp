// The detector bridge (see race.hpp) and the manual annotations of weft/race.hpp.
#include "race.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "columns.hpp"
#include "hb.hpp"
#include "scheduler.hpp"
#include "weft/race.hpp"

namespace weft::detail {

RaceSink::RaceSink(Suppressions suppressions, const StackPool* stacks)
    : det_(det::DetectorOptions{.caller_serialises = true}),
      suppressions_(std::move(suppressions)),
      stacks_(stacks) {}

RaceSink::RaceSink(Suppressions suppressions, const StackPool* stacks, RunReports run)
    : det_(det::DetectorOptions{.caller_serialises = false}),
      suppressions_(std::move(suppressions)),
      stacks_(stacks),
      run_(true),
      halt_(run.halt) {}

void RaceSink::iteration_begin() {
  SinkCallGuard guard;
  det_.reset();
  stack_accessed_.store(false, std::memory_order_relaxed);
}

void RaceSink::go_start(const GoroutineDesc& d) {
  SinkCallGuard guard;
  det_.go_start(d.id, d.parent, d.name, loc(d.created_at));
}

void RaceSink::go_end(GoId g) {
  SinkCallGuard guard;
  det_.go_end(g);
}

void RaceSink::acquire(GoId g, const void* a) {
  SinkCallGuard guard;
  det_.acquire(g, a);
}
void RaceSink::release(GoId g, const void* a) {
  SinkCallGuard guard;
  det_.release(g, a);
}
void RaceSink::release_store(GoId g, const void* a) {
  SinkCallGuard guard;
  det_.release_store(g, a);
}
void RaceSink::sync_free(const void* a) {
  SinkCallGuard guard;
  det_.sync_free(a);
}
void RaceSink::lock_try_acquired(GoId g, const void* m, bool exclusive, const Location& where) {
  SinkCallGuard guard;
  det_.lock_try_acquired(g, m, exclusive, loc(where));
}
void RaceSink::lock_released(GoId g, const void* m) {
  SinkCallGuard guard;
  det_.lock_released(g, m);
}
void RaceSink::func_enter(GoId g, const Location& f) {
  SinkCallGuard guard;
  det_.func_enter(g, loc(f));
}
void RaceSink::func_enter_from(GoId g, const Location& f, const Location& call) {
  SinkCallGuard guard;
  det_.func_enter(g, loc(f), loc(call));
}
void RaceSink::func_exit(GoId g) {
  SinkCallGuard guard;
  det_.func_exit(g);
}

void RaceSink::lock_acquired(GoId g, const void* m, bool exclusive, const Location& where) {
  bool reported;
  {
    SinkCallGuard guard;
    reported = det_.lock_acquired(g, m, exclusive, loc(where));
  }
  if (reported) check();
}

void RaceSink::access(GoId g, const void* addr, std::size_t n, AccessKind k, const Location& w) {
  note_stack(addr);
  bool reported;
  {
    SinkCallGuard guard;
    reported = det_.access(g, addr, n, to_det(k), loc(w));
  }
  if (reported) check();
}

void RaceSink::access_direct(const G& g, const void* addr, std::size_t n, AccessKind k,
                             const Location& w) {
  note_stack(addr);
  bool reported;
  if (run_) {
    // Under weft::run: this thread's view (set with its processor, null on a thread that
    // has none) is bound to g, whose token is what instr::detail::active holds here.
    auto* view = reinterpret_cast<det::SameEpochView*>(access_view);
    if (view != nullptr && det_.repeats_in_view(view, g.id, addr, n, to_det(k))) return;
    SinkCallGuard guard;
    reported = view != nullptr ? det_.access_in_view(view, g.id, addr, n, to_det(k), loc(w), &g)
                               : det_.access(g.id, addr, n, to_det(k), loc(w));
  } else {
    SinkCallGuard guard;
    // The view then answers g's next repeats inline (weft/detail/access.hpp): its owner
    // token is what instr::detail::active holds while g runs. When it is g's already, the
    // detector's direct entry skips the goroutine lookup and the rebinding.
    reported = view_->owner == &g
                   ? det_.access_owned(addr, n, to_det(k), loc(w))
                   : det_.access_bound(g.id, addr, n, to_det(k), loc(w), &g);
  }
  if (reported) check();
}

// Only record_annotated calls it, below.
void RaceSink::access_run(const G& g, const void* addr, std::size_t n, AccessKind k,
                          const std::source_location& w) {
  auto* view = reinterpret_cast<det::SameEpochView*>(access_view);
  if (view == nullptr) return access_direct(g, addr, n, k, Location::from(w));
  if (det_.repeats_in_view(view, g.id, addr, n, to_det(k))) return;
  note_stack(addr);
  bool reported;
  {
    SinkCallGuard guard;
    reported = det_.access_in_view(
        view, g.id, addr, n, to_det(k),
        det::Loc{w.file_name(), w.function_name(), w.line(), w.column()}, &g);
  }
  if (reported) check();
}

// Only record_owned calls it, below: inlined there, one call less per recorded access.
[[gnu::always_inline]] inline void RaceSink::access_owned(const void* addr, std::size_t n,
                                                         AccessKind k, std::source_location w) {
  note_stack(addr);
  bool reported;
  {
    SinkCallGuard guard;
    reported = det_.access_owned(addr, n, to_det(k),
                                 det::Loc{w.file_name(), w.function_name(), w.line(), w.column()});
  }
  if (reported) check();
}

void RaceSink::write_then_free(GoId g, const void* addr, std::size_t n, const Location& w) {
  note_stack(addr);
  bool reported;
  {
    SinkCallGuard guard;
    reported = det_.write_then_free(g, addr, n, loc(w));
  }
  if (reported) check();
}

void RaceSink::free_range(const void* addr, std::size_t n) {
  SinkCallGuard guard;
  det_.free_range(addr, n);
}

void RaceSink::stack_released(const Stack& s) {
  if (!stack_accessed_.load(std::memory_order_relaxed)) return;
  SinkCallGuard guard;
  det_.free_range(s.bottom, s.size);
}

bool RaceSink::suppressed(const det::Report& r) const {
  if (suppressions_.empty()) return false;
  auto matches = [&](const det::Loc& l) {
    return suppressions_.matches(l.file, l.function, l.line);
  };
  auto any = [&](const std::vector<det::Loc>& stack) {
    return std::any_of(stack.begin(), stack.end(), matches);
  };
  if (r.kind == det::ReportKind::data_race) return any(r.current.stack) || any(r.previous.stack);
  return std::any_of(r.cycle.begin(), r.cycle.end(), [&](const det::LockEdge& e) {
    return any(e.held_at) || any(e.acquired_at);
  });
}

namespace {
// The report with every location's column translated back from an instrumented copy's.
det::Report with_original_columns(det::Report r) {
  auto fix = [](std::vector<det::Loc>& locs) {
    for (det::Loc& l : locs) l.column = original_column(l.file, l.line, l.column);
  };
  for (det::AccessRef* a : {&r.current, &r.previous}) {
    fix(a->stack);
    fix(a->goroutine.created_at);
  }
  for (det::LockEdge& e : r.cycle) {
    fix(e.held_at);
    fix(e.acquired_at);
    fix(e.goroutine.created_at);
  }
  return r;
}
}  // namespace

namespace {
// What a report whose access is one of WaitGroup's modelled ones adds.
constexpr const char* kWaitGroupMisuse =
    "\nThis is WaitGroup misuse: an Add that raises the counter from zero is not ordered "
    "before a Wait\nthat blocks, so in another schedule Wait returns before the work was "
    "counted. Call Add\nbefore starting the goroutine (or before the Wait is reachable), not "
    "inside it.\n";

// Whether a frame is one of WaitGroup's modelled accesses (sync.cpp).
bool names_wait_group(const std::vector<det::Loc>& stack) {
  return std::any_of(stack.begin(), stack.end(), [](const det::Loc& l) {
    return std::string_view(l.function).starts_with("weft::WaitGroup::");
  });
}
}  // namespace

namespace {
Location to_location(const det::Loc& l) { return {l.file, l.function, l.line, l.column}; }
std::vector<Location> to_locations(const std::vector<det::Loc>& ls) {
  std::vector<Location> out;
  for (const det::Loc& l : ls) out.push_back(to_location(l));
  return out;
}
void add_place(std::vector<Location>& out, const det::Loc& l) {
  if (l.line == 0) return;
  for (const Location& o : out)
    if (o.line == l.line && std::string_view(o.file) == l.file) return;
  out.push_back(to_location(l));
}
void add_goroutine(Failure& f, const det::GoroutineRef& g) {
  for (const FailureGoroutine& d : f.goroutines)
    if (d.id == g.id) return;
  FailureGoroutine d;
  d.id = g.id;
  d.name = g.name;
  d.parent = g.parent;
  d.created_at = to_locations(g.created_at);
  f.goroutines.push_back(std::move(d));
}

// The detector's report (columns already original) as the fields of a Failure; `text` is
// its rendering.
Failure race_failure(FailureKind kind, const det::Report& r, std::string text) {
  Failure f{kind, std::move(text)};
  if (r.kind == det::ReportKind::data_race) {
    auto kind = [](det::Access k) {
      return fmt::format("{}{}", det::is_atomic(k) ? "atomic " : "", det::to_string(k));
    };
    f.message = fmt::format("data race: {} of size {} by goroutine {}, previous {} by goroutine {}",
                            kind(r.current.kind), r.size, r.current.goroutine.id,
                            kind(r.previous.kind), r.previous.goroutine.id);
    for (const det::AccessRef* a : {&r.current, &r.previous}) {
      f.accesses.push_back({det::to_string(a->kind), a == &r.current ? r.size : 0,
                            a->goroutine.id, to_locations(a->stack), det::is_atomic(a->kind)});
      add_goroutine(f, a->goroutine);
    }
    for (const det::AccessRef* a : {&r.current, &r.previous})
      for (const det::Loc& l : a->stack) add_place(f.locations, l);
  } else {
    std::vector<std::uintptr_t> names;
    auto name = [&](std::uintptr_t m) {
      auto it = std::find(names.begin(), names.end(), m);
      if (it == names.end()) it = names.insert(names.end(), m);
      return fmt::format("M{}", it - names.begin() + 1);
    };
    f.message = fmt::format("lock-order inversion: a cycle of {} locks (potential deadlock)",
                            r.cycle.size());
    for (const det::LockEdge& e : r.cycle) {
      f.cycle.push_back({name(e.held), name(e.acquired), e.exclusive, e.goroutine.id,
                         to_locations(e.held_at), to_locations(e.acquired_at)});
      add_goroutine(f, e.goroutine);
      if (!e.acquired_at.empty()) add_place(f.locations, e.acquired_at.front());
      if (!e.held_at.empty()) add_place(f.locations, e.held_at.front());
    }
  }
  for (const FailureGoroutine& g : f.goroutines)
    if (!g.created_at.empty()) add_place(f.locations, det::Loc{g.created_at.front().file,
                                                               g.created_at.front().function,
                                                               g.created_at.front().line,
                                                               g.created_at.front().column});
  return f;
}
}  // namespace

void RaceSink::check() {
  std::optional<Failure> failure;
  FailureKind kind{};
  {
    SinkCallGuard guard;
    if (det_.report_count() == 0) return;
    std::vector<det::Report> reports = det_.take_reports();
    if (run_) {
      report_run(std::move(reports));
      return;
    }
    reports.erase(std::remove_if(reports.begin(), reports.end(),
                                 [&](const det::Report& r) { return suppressed(r); }),
                  reports.end());
    if (divert_lock_order_) {
      for (det::Report& r : reports) {
        if (r.kind == det::ReportKind::data_race) continue;
        det::Report cycle = with_original_columns(std::move(r));
        divert_lock_order_(race_failure(FailureKind::lock_order, cycle, det::render_text(cycle)));
      }
      std::erase_if(reports, [](const det::Report& r) {
        return r.kind != det::ReportKind::data_race;
      });
    }
    if (reports.empty()) return;
    kind = reports.front().kind == det::ReportKind::data_race ? FailureKind::data_race
                                                              : FailureKind::lock_order;
    const det::Report& r = reports.front();
    const bool wait_group_rule = kind == FailureKind::data_race &&
                                 (names_wait_group(r.current.stack) ||
                                  names_wait_group(r.previous.stack));
    const det::Report report = with_original_columns(std::move(reports.front()));
    std::string text = det::render_text(report);
    if (wait_group_rule) text += kWaitGroupMisuse;
    failure = race_failure(kind, report, std::move(text));
  }
  if (Scheduler* s = current_scheduler()) s->fail_now(std::move(*failure));
}

// Under weft::run: each report (the detector reports a pair of locations once per run) is
// printed to stderr as explore prints it, in one write so that reports found on several
// processors at once do not interleave; no replay token, since the schedule was the real
// one. Called inside the sink (SinkCallGuard) on the thread whose event found the race.
void RaceSink::report_run(std::vector<det::Report> reports) {
  for (det::Report& r : reports) {
    if (suppressed(r)) continue;
    const bool wait_group_rule = r.kind == det::ReportKind::data_race &&
                                 (names_wait_group(r.current.stack) ||
                                  names_wait_group(r.previous.stack));
    const det::Report report = with_original_columns(std::move(r));
    std::string text = det::render_text(report);
    if (wait_group_rule) text += kWaitGroupMisuse;
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
    run_reported_.fetch_add(1, std::memory_order_relaxed);
    if (halt_) std::_Exit(kRaceExitStatus);
  }
}

}  // namespace weft::detail

namespace weft::detail {
namespace {
// record_annotated when the view is not the running goroutine's.
[[gnu::noinline]] void record_unowned(const void* addr, std::size_t size, AccessKind kind,
                                      std::source_location where) {
  // Under weft::run: the running goroutine is this thread's instr::detail::active.
  if (RaceSink* race = run_race) {
    if (const void* g = instr::detail::active) {
      race->access_run(*static_cast<const G*>(g), addr, size, kind, where);
      return;
    }
  }
  // record_access's direct case without its by-value Location (whose copy, read back as
  // wider words than it was written in, stalled every call on store forwarding).
  const Location at = Location::from(where);
  if (Scheduler* s = current_scheduler()) {
    if (RaceSink* race = s->direct_race()) {
      if (const G* g = s->current()) {
        race->access_direct(*g, addr, size, kind, at);
        return;
      }
    }
  }
  record_access(addr, size, kind, at);
}
}  // namespace

// The running goroutine's view is bound and missed inline (access_check said
// AccessLeft::owned): the detector's direct entry, with no scheduler or goroutine lookup.
// access_view is set only with access_race, whose view it is.
// Under weft::run the view is the processor's (no access_race: its accesses take the
// detector's lock), and an owned miss goes the unowned way.
void record_owned(const void* addr, std::size_t size, AccessKind kind,
                  std::source_location where) {
  if (RaceSink* race = access_race) return race->access_owned(addr, size, kind, where);
  record_unowned(addr, size, kind, where);
}

void record_annotated(const void* addr, std::size_t size, AccessKind kind,
                      std::source_location where) {
  // Both ends are tail calls (the view is read inline, not through the detector).
  const void* owner = instr::detail::active;
  if (access_race != nullptr && owner != nullptr && access_view->owner_now() == owner)
    return record_owned(addr, size, kind, where);
  record_unowned(addr, size, kind, where);
}
}  // namespace weft::detail

namespace weft::race {

Stats stats() {
  Stats out;
  detail::Scheduler* s = detail::current_scheduler();
  detail::RaceSink* race = s ? s->race() : nullptr;
  if (race == nullptr) return out;
  const det::DetectorStats st = race->stats();
  out.live_goroutines = st.live_goroutines;
  out.slots = st.slots;
  out.sync_objects = st.sync_objects;
  out.clock_entries = st.clock_entries;
  out.clock_work = st.clock_work;
  out.accesses = st.accesses;
  return out;
}

// On a thread with no scheduler (weft::run's program's own, a blocking call's worker), under
// the thread's identity while a run detects races (outside_events).
void acquire(const void* sync) {
  if (detail::in_goroutine())
    detail::hb::acquire(sync);
  else if (detail::current_scheduler() == nullptr)
    detail::hb::acquire(static_cast<const detail::G*>(nullptr), sync);
}
void release(const void* sync) {
  if (detail::in_goroutine())
    detail::hb::release(sync);
  else if (detail::current_scheduler() == nullptr)
    detail::hb::release(static_cast<const detail::G*>(nullptr), sync);
}

}  // namespace weft::race
