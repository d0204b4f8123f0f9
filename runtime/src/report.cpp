#include "report.hpp"

#include <fmt/format.h>

#include "columns.hpp"

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
