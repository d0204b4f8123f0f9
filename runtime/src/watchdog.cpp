// The watchdog; see watchdog.hpp.
#include "watchdog.hpp"

#include <pthread.h>
#include <signal.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <stdexcept>
#include <string>
#include <string_view>

#include "os_mutex.hpp"

namespace weft::detail {

namespace {
// Whether a debugger is attached (a goroutine stopped at a breakpoint makes no visible
// operation either). Reads /proc with a fixed buffer: the stuck thread may hold the heap.
bool being_debugged() noexcept {
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* t = std::strstr(buf, "TracerPid:");
  if (!t) return false;
  t += 10;
  while (*t == ' ' || *t == '\t') ++t;
  return *t != '0';
}
}  // namespace

namespace {

// The process's one watchdog thread and what it watches. Never destroyed: the thread is
// detached and may be waiting on it while the process exits.
struct Watcher {
  OsMutex mu;
  std::condition_variable_any cv;
  const LiveRun* run WEFT_GUARDED_BY(mu) = nullptr;  // nullptr while idle
  std::chrono::milliseconds hang_timeout WEFT_GUARDED_BY(mu){0};
  std::chrono::milliseconds time_budget WEFT_GUARDED_BY(mu){0};
  std::chrono::steady_clock::time_point started WEFT_GUARDED_BY(mu);
  std::uint64_t generation WEFT_GUARDED_BY(mu) = 0;  // bumped at every start and stop

  // Holds mu throughout except inside cv's waits, which the analysis cannot follow.
  void loop() WEFT_NO_THREAD_SAFETY_ANALYSIS;
};

[[noreturn]] void fire(const LiveRun& run, const char* why) {
  if (claim_fatal_report()) {
    char text[512];
    std::snprintf(
        text, sizeof text,
        "%sa goroutine that makes no visible operation (a loop without channel, sync or yield "
        "calls; a std::mutex or read() that weft cannot see) cannot be stopped safely, so "
        "the process ends with status %d\n",
        why, kHangExitStatus);
    write_hang_report(run, text);
  }
  ::_exit(kHangExitStatus);
}

// How long a goroutine must go without a visible operation after the time budget ran out
// before the run is ended as a hang (the hang timeout, when shorter, still applies).
constexpr std::chrono::milliseconds kBudgetStall{500};

void Watcher::loop() {
  using namespace std::chrono;
  using clock = steady_clock;
  std::unique_lock<OsMutex> lk(mu);
  for (;;) {
    cv.wait(lk, [this]() WEFT_REQUIRES(mu) { return run != nullptr; });
    const std::uint64_t gen = generation;
    // Look a few times per limit, so a hang is reported within about 1.25 times the limit.
    milliseconds tick = milliseconds(1000);
    if (hang_timeout.count() > 0) tick = std::min(tick, hang_timeout / 4);
    if (time_budget.count() > 0) tick = std::min(tick, time_budget / 4);
    tick = std::max(tick, milliseconds(1));
    std::uint64_t seen = explore_progress.load(std::memory_order_relaxed);
    clock::time_point since = clock::now();
    while (!cv.wait_for(lk, tick, [&]() WEFT_REQUIRES(mu) { return generation != gen; })) {
      const clock::time_point now = clock::now();
      const std::uint64_t p = explore_progress.load(std::memory_order_relaxed);
      if (p != seen || !run->sched.load() || being_debugged() ||
          explore_busy.load(std::memory_order_relaxed)) {
        seen = p;  // progress, between iterations, stopped in a debugger, or weft's own work
        since = now;
        continue;
      }
      const auto stuck = duration_cast<milliseconds>(now - since);
      if (hang_timeout.count() > 0 && stuck >= hang_timeout) {
        char why[160];
        std::snprintf(why, sizeof why,
                      "no visible operation for %lld ms (hang_timeout, WEFT_HANG_TIMEOUT)\n",
                      static_cast<long long>(stuck.count()));
        fire(*run, why);
      }
      // The budget ran out and the goroutine has been stuck since then for a whole tick, and
      // for at least kBudgetStall: a budget split between workers can leave one a few
      // milliseconds, and a thread that a loaded machine did not run for a millisecond is
      // not a goroutine stuck outside weft's sight.
      if (time_budget.count() > 0 && now - started >= time_budget + tick &&
          stuck >= std::max(tick, kBudgetStall)) {
        char why[200];
        std::snprintf(why, sizeof why,
                      "the time budget (%lld ms) ran out while no visible operation happened "
                      "for %lld ms\n",
                      static_cast<long long>(time_budget.count()),
                      static_cast<long long>(stuck.count()));
        fire(*run, why);
      }
    }
  }
}

// The process's one watchdog thread, or nullptr when it could not be started (a thread
// needs a stack mapping, and a program at a resource limit may have none left): then hangs
// go unreported, which is said once on stderr, but the exploration itself goes on.
Watcher* watcher() {
  static Watcher* w = []() -> Watcher* {
    auto* made = new Watcher;
    // The thread starts with every signal blocked that can be: a signal sent to the process
    // (kill) then reaches the exploring thread, whose crash handler reports the iteration.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    try {
      std::thread([made] { made->loop(); }).detach();
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
    } catch (const std::system_error& e) {
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
      std::fprintf(stderr,
                   "weft: the hang watchdog could not start a thread (%s); hangs in this "
                   "process will not be reported\n",
                   e.what());
      delete made;
      return nullptr;
    }
    return made;
  }();
  return w;
}

}  // namespace

Watchdog::Watchdog(const LiveRun& run, std::chrono::milliseconds hang_timeout,
                   std::chrono::milliseconds time_budget) {
  if (hang_timeout.count() <= 0 && time_budget.count() <= 0) return;
  Watcher* started = watcher();
  if (!started) return;
  Watcher& w = *started;
  {
    OsLock g(w.mu);
    if (w.run) return;  // another exploration is being watched
    w.run = &run;
    w.hang_timeout = hang_timeout;
    w.time_budget = time_budget;
    w.started = std::chrono::steady_clock::now();
    ++w.generation;
  }
  watching_ = true;
  w.cv.notify_one();
}

Watchdog::~Watchdog() {
  if (!watching_) return;
  Watcher& w = *watcher();
  {
    OsLock g(w.mu);
    w.run = nullptr;
    ++w.generation;
  }
  w.cv.notify_one();
}

std::chrono::milliseconds parse_hang_timeout(const char* var, const char* text) {
  return parse_duration(var, text, "0 turns the watchdog off");
}

std::chrono::milliseconds parse_duration(const char* var, const char* text, const char* zero_means) {
  std::string_view t = text;
  std::size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  std::string_view unit = t.substr(digits);
  long long scale = unit == "" || unit == "s" ? 1000 : unit == "ms" ? 1 : unit == "m" ? 60'000
                  : unit == "h" ? 3'600'000 : 0;
  errno = 0;
  unsigned long long v = digits ? std::strtoull(std::string(t.substr(0, digits)).c_str(), nullptr, 10) : 0;
  if (digits == 0 || scale == 0)
    throw std::invalid_argument(std::string(var) + "='" + std::string(t) +
                                "' is not a duration; use a whole number with a unit, such "
                                "as 10s, 500ms, 2m or 1h (" + zero_means + ")");
  if (errno != 0 || v > 1'000'000'000ULL)
    throw std::invalid_argument(std::string(var) + "='" + std::string(t) +
                                "' is too long: at most 1000000000 of its unit (1000000000m is "
                                "about 1900 years; " + zero_means + ")");
  return std::chrono::milliseconds(static_cast<long long>(v) * scale);
}

}  // namespace weft::detail
