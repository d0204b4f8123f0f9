#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "columns.hpp"
#include "held_locks.hpp"
#include "weft/detail/chan_core.hpp"
#include "weft/instr.hpp"

namespace weft::detail {

std::string_view wait_reason_name(WaitReason r) noexcept {
  switch (r) {
    case WaitReason::none: return "running";
    case WaitReason::chan_send: return "chan send";
    case WaitReason::chan_receive: return "chan receive";
    case WaitReason::chan_send_nil: return "chan send (nil chan)";
    case WaitReason::chan_receive_nil: return "chan receive (nil chan)";
    case WaitReason::select: return "select";
    case WaitReason::select_no_cases: return "select (no cases)";
    case WaitReason::sleep: return "sleep";
    case WaitReason::mutex_lock: return "sync.Mutex.Lock";
    case WaitReason::thread_join: return "std::thread::join";
    case WaitReason::std_mutex_lock: return "std::mutex::lock";
    case WaitReason::std_shared_mutex_lock: return "std::shared_mutex::lock";
    case WaitReason::std_cond_wait: return "std::condition_variable::wait";
    case WaitReason::std_call_once: return "std::call_once";
    case WaitReason::futex_wait: return "futex wait";
    case WaitReason::rwmutex_lock: return "sync.RWMutex.Lock";
    case WaitReason::rwmutex_rlock: return "sync.RWMutex.RLock";
    case WaitReason::waitgroup_wait: return "sync.WaitGroup.Wait";
    case WaitReason::cond_wait: return "sync.Cond.Wait";
    case WaitReason::once_do: return "sync.Once.Do";
    case WaitReason::timer_wait: return "timer";
    case WaitReason::blocking_call: return "blocking call";
  }
  return "unknown";
}

const char* state_name(GState s) noexcept {
  switch (s) {
    case GState::runnable: return "runnable";
    case GState::running: return "running";
    case GState::blocked: return "blocked";
    case GState::dead: return "dead";
  }
  return "unknown";
}

std::string format_location(const Location& l) {
  if (l.line == 0) return l.function[0] ? std::string(l.function) : std::string("?");
  return fmt::format("{}:{}:{} in {}", l.file, l.line, original_column(l.file, l.line, l.column),
                     l.function);
}

namespace {
std::string header(const G& g, std::string_view state) {
  std::string name = g.name.empty() ? std::string() : fmt::format(" \"{}\"", g.name);
  return fmt::format("goroutine {}{} [{}]:\n", g.id, name, state);
}
std::string created(const G& g) {
  if (g.parent == 0) return {};
  return fmt::format("    created by goroutine {} at {}\n", g.parent, format_location(g.created_at));
}
}  // namespace

std::string goroutine_dump(const G& g, bool running) { return goroutine_dump(g, running, {}); }

std::string goroutine_dump(const G& g, bool running, std::string_view waited) {
  if (running || g.state == GState::running)
    return header(g, "running") + created(g);
  if (g.state == GState::runnable) return header(g, "runnable") + created(g);
  std::string state(wait_reason_name(g.reason));
  if (!waited.empty()) state = fmt::format("{}, {}", state, waited);
  return header(g, state) +
         fmt::format("    blocked at {}\n", format_location(g.blocked_at)) + created(g);
}

std::string panic_report(const G& g, const std::string& message, const Location& where) {
  return fmt::format("panic: {}\n\n{}    at {}\n{}", message, header(g, "running"),
                     format_location(where), created(g));
}

std::string check_report(const G& g, const std::string& message, const Location& where) {
  return fmt::format("assertion failed: {}\n\n{}    at {}\n{}", message, header(g, "running"),
                     format_location(where), created(g));
}

std::string exception_report(const G& g, const std::string& what) {
  return fmt::format("panic: unhandled exception: {}\n\n{}{}", what, header(g, "running"),
                     created(g));
}

}  // namespace weft::detail

// ---- Failures as data ----

namespace weft::detail {

std::string MutexNames::name(const void* mutex) {
  auto it = std::find(seen_.begin(), seen_.end(), mutex);
  if (it == seen_.end()) {
    seen_.push_back(mutex);
    it = seen_.end() - 1;
  }
  return fmt::format("M{}", it - seen_.begin() + 1);
}

std::vector<Location> call_chain(Location at, const void* const* calls, std::uint32_t ncalls) {
  std::vector<Location> chain;
  if (at.line == 0) return chain;
  chain.push_back(original(at));
  for (std::uint32_t i = ncalls; i-- > 0;) {
    const auto* site = static_cast<const instr::Site*>(calls[i]);
    if (site) chain.push_back(original(Location{site->file, site->function, site->line, site->column}));
  }
  return chain;
}

namespace {

bool waits_on_channel(const G& g) {
  return (g.reason == WaitReason::chan_send || g.reason == WaitReason::chan_receive) &&
         (g.pending == OpKind::chan_send || g.pending == OpKind::chan_recv) && g.pending_obj;
}

bool waits_on_mutex(const G& g) {
  switch (g.reason) {
    case WaitReason::mutex_lock:
    case WaitReason::rwmutex_lock:
    case WaitReason::rwmutex_rlock:
    case WaitReason::std_mutex_lock:
    case WaitReason::std_shared_mutex_lock:
      return g.pending_obj != nullptr;
    default:
      return false;
  }
}

std::vector<const void*> marks(const G& g) {
  std::vector<const void*> out;
  const std::uint32_t n = std::min<std::uint32_t>(g.ncalls, static_cast<std::uint32_t>(g.calls.size()));
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(g.calls[i].site);
  return out;
}

}  // namespace

FailureGoroutine describe_goroutine(const G& g, bool running, const Location* at,
                                    const HeldLocks* locks, MutexNames& names) {
  FailureGoroutine d;
  d.id = g.id;
  d.name = g.name;
  d.parent = g.parent;
  if (g.parent != 0) d.created_at.push_back(original(g.created_at));
  const std::vector<const void*> calls = marks(g);
  const auto chain = [&](Location l) {
    return call_chain(l, calls.data(), static_cast<std::uint32_t>(calls.size()));
  };
  if (running || g.state == GState::running) {
    d.state = "running";
    if (at) d.stack = chain(*at);
  } else if (g.state == GState::runnable) {
    d.state = "runnable";
    if (g.started) d.stack = chain(g.last_op);
  } else {
    d.state = "blocked";
    d.wait = wait_reason_name(g.reason);
    d.stack = chain(g.blocked_at);
    if (d.stack.empty()) d.stack.push_back(g.blocked_at);  // "blocked at ?" as before
    if (waits_on_channel(g)) {
      const Location made = static_cast<const ChanCore*>(g.pending_obj)->made_at;
      if (made.line != 0) d.channel_created_at.push_back(original(made));
    }
    if (g.reason == WaitReason::select)
      for (const G::SelectWait& w : g.select_waits)
        d.select_waits.push_back({w.send, original(w.channel_made_at)});
    if (waits_on_mutex(g)) {
      d.waits_for_mutex = names.name(g.pending_obj);
      if (locks)
        for (const HeldLock& h : locks->all())
          if (h.mutex == g.pending_obj && h.holder != g.id &&
              std::find(d.mutex_held_by.begin(), d.mutex_held_by.end(), h.holder) ==
                  d.mutex_held_by.end())
            d.mutex_held_by.push_back(h.holder);
    }
  }
  if (locks)
    for (const HeldLock& h : locks->all())
      if (h.holder == g.id)
        d.locks.push_back({names.name(h.mutex), h.exclusive,
                           call_chain(h.where, h.calls.data(), h.ncalls)});
  return d;
}

namespace {
// A location whose column is already the original one (the fields of a Failure).
std::string plain_location(const Location& l) {
  if (l.line == 0) return l.function[0] ? std::string(l.function) : std::string("?");
  return fmt::format("{}:{}:{} in {}", l.file, l.line, l.column, l.function);
}
}  // namespace

std::string render_goroutine(const FailureGoroutine& g) {
  std::string s = fmt::format("goroutine {}{} [{}]:\n", g.id,
                              g.name.empty() ? std::string() : fmt::format(" \"{}\"", g.name),
                              g.state == "blocked" ? g.wait : g.state);
  for (std::size_t i = 0; i < g.stack.size(); ++i)
    s += fmt::format("    {} {}\n", i > 0 ? "called from" : g.state == "blocked" ? "blocked at" : "at",
                     plain_location(g.stack[i]));
  if (!g.channel_created_at.empty())
    s += fmt::format("    on a channel made at {}\n", plain_location(g.channel_created_at.front()));
  for (const FailureGoroutine::SelectWait& w : g.select_waits)
    s += fmt::format("    case {} a channel made at {}\n", w.send ? "send to" : "receive from",
                     plain_location(w.channel_created_at));
  if (!g.waits_for_mutex.empty()) {
    s += fmt::format("    waiting for mutex {}", g.waits_for_mutex);
    for (std::size_t i = 0; i < g.mutex_held_by.size(); ++i)
      s += fmt::format("{}{}", i == 0 ? ", held by goroutine " : ", ", g.mutex_held_by[i]);
    s += "\n";
  }
  for (const FailureLock& l : g.locks) {
    s += fmt::format("    holds mutex {}{}", l.mutex, l.exclusive ? "" : " (shared)");
    for (std::size_t i = 0; i < l.acquired_at.size(); ++i)
      s += fmt::format("{}{}\n", i == 0 ? ", locked at " : "        called from ",
                       plain_location(l.acquired_at[i]));
    if (l.acquired_at.empty()) s += "\n";
  }
  if (g.parent != 0 && !g.created_at.empty())
    s += fmt::format("    created by goroutine {} at {}\n", g.parent,
                     plain_location(g.created_at.front()));
  return s;
}

namespace {
bool same_place(const Location& a, const Location& b) {
  return a.line == b.line && std::string_view(a.file) == b.file;
}
void add_location(std::vector<Location>& out, const Location& l) {
  if (l.line == 0) return;
  for (const Location& o : out)
    if (same_place(o, l)) return;
  out.push_back(l);
}
}  // namespace

Failure goroutine_failure(FailureKind kind, std::string message,
                          std::vector<FailureGoroutine> goroutines, std::string after,
                          const Location* key_first) {
  Failure f{kind, {}};
  f.message = std::move(message);
  f.report = f.message + "\n\n";
  if (key_first) add_location(f.locations, original(*key_first));
  // What identifies the failure: where goroutines blocked and were created (a runnable
  // goroutine's position depends on the schedule, so it is shown but not part of the key).
  for (const FailureGoroutine& g : goroutines) {
    if (g.state == "blocked")
      for (const Location& l : g.stack) add_location(f.locations, l);
    if (!g.created_at.empty()) add_location(f.locations, g.created_at.front());
  }
  for (const FailureGoroutine& g : goroutines) f.report += render_goroutine(g);
  f.report += after;
  f.goroutines = std::move(goroutines);
  return f;
}

// A dump lists at most kDumpListed goroutines in full (the running one first, then in the
// order given) and counts the rest by state and place, so a report about 100,000
// goroutines stays a page long.
constexpr std::size_t kDumpListed = 32;
constexpr std::size_t kDumpGroups = 16;

Failure dump_failure(FailureKind kind, std::string message, const std::vector<G*>& gs,
                     const G* running, const HeldLocks* locks) {
  std::vector<const G*> order(gs.begin(), gs.end());
  auto first = std::find(order.begin(), order.end(), running);
  if (first != order.end()) std::rotate(order.begin(), first, first + 1);
  const std::size_t listed = std::min(order.size(), kDumpListed);
  MutexNames names;
  std::vector<FailureGoroutine> described;
  for (std::size_t i = 0; i < listed; ++i) {
    const G& g = *order[i];
    const bool is_running = order[i] == running;
    described.push_back(describe_goroutine(g, is_running, is_running ? &g.last_op : nullptr,
                                           locks, names));
  }
  std::string after;
  if (order.size() > listed) {
    std::map<std::string, std::size_t> groups;  // ordered: the text stays deterministic
    for (std::size_t i = listed; i < order.size(); ++i) {
      const G& g = *order[i];
      std::string key = g.state == GState::blocked
                            ? fmt::format("[{}] at {}", wait_reason_name(g.reason),
                                          format_location(g.blocked_at))
                            : std::string(g.state == GState::runnable ? "[runnable]" : "[running]");
      ++groups[key];
    }
    std::vector<std::pair<std::string, std::size_t>> by_count(groups.begin(), groups.end());
    std::stable_sort(by_count.begin(), by_count.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    after += fmt::format("... and {} more goroutines, not listed:\n", order.size() - listed);
    std::size_t shown = std::min(by_count.size(), kDumpGroups), rest = 0;
    for (std::size_t i = 0; i < shown; ++i)
      after += fmt::format("    {:>8}  {}\n", by_count[i].second, by_count[i].first);
    for (std::size_t i = shown; i < by_count.size(); ++i) rest += by_count[i].second;
    if (rest > 0)
      after += fmt::format("    {:>8}  in {} other states or places\n", rest,
                           by_count.size() - shown);
  }
  Failure f = goroutine_failure(kind, std::move(message), std::move(described), std::move(after));
  f.goroutines_omitted = order.size() - listed;
  return f;
}

Failure panic_failure(FailureKind kind, const G& g, std::string message, const Location& where,
                      const HeldLocks* locks) {
  MutexNames names;
  std::vector<FailureGoroutine> gs{describe_goroutine(g, true, &where, locks, names)};
  if (gs.front().stack.empty()) gs.front().stack.push_back(where);  // "at ?" as before
  return goroutine_failure(kind, std::move(message), std::move(gs), {}, &where);
}

Failure exception_failure(const G& g, const std::string& what, const HeldLocks* locks) {
  MutexNames names;
  // Where the exception was thrown is not known: the goroutine is shown without a place.
  std::vector<FailureGoroutine> gs{describe_goroutine(g, true, nullptr, locks, names)};
  return goroutine_failure(FailureKind::exception, fmt::format("panic: unhandled exception: {}", what),
                           std::move(gs));
}

Failure text_failure(FailureKind kind, std::string report) {
  Failure f{kind, std::move(report)};
  f.message = f.report.substr(0, f.report.find('\n'));
  return f;
}

}  // namespace weft::detail
