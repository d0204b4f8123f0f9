// The watchdog; see watchdog.hpp.
#include "watchdog.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

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

Watchdog::Watchdog(const LiveRun& run, std::chrono::milliseconds hang_timeout,
                   std::chrono::milliseconds time_budget)
    : run_(run),
      hang_timeout_(hang_timeout),
      time_budget_(time_budget),
      started_(std::chrono::steady_clock::now()) {
  if (hang_timeout_.count() > 0 || time_budget_.count() > 0) thread_ = std::thread([this] { watch(); });
}

Watchdog::~Watchdog() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Watchdog::watch() {
  using namespace std::chrono;
  using clock = steady_clock;
  // Look a few times per limit, so a hang is reported within about 1.25 times the limit.
  milliseconds tick = milliseconds(1000);
  if (hang_timeout_.count() > 0) tick = std::min(tick, hang_timeout_ / 4);
  if (time_budget_.count() > 0) tick = std::min(tick, time_budget_ / 4);
  tick = std::max(tick, milliseconds(1));

  std::uint64_t seen = explore_progress.load(std::memory_order_relaxed);
  clock::time_point since = clock::now();
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (cv_.wait_for(lk, tick, [this] { return stop_; })) return;
    const clock::time_point now = clock::now();
    const std::uint64_t p = explore_progress.load(std::memory_order_relaxed);
    if (p != seen || !run_.sched.load()) {  // progress, or between iterations
      seen = p;
      since = now;
      continue;
    }
    if (being_debugged()) {  // stopped in a debugger: not a hang
      since = now;
      continue;
    }
    const auto stuck = duration_cast<milliseconds>(now - since);
    if (hang_timeout_.count() > 0 && stuck >= hang_timeout_) {
      char why[160];
      std::snprintf(why, sizeof why,
                    "no visible operation for %lld ms (hang_timeout, WEFT_HANG_TIMEOUT)\n",
                    static_cast<long long>(stuck.count()));
      fire(why);
    }
    // The budget ran out and the goroutine has been stuck for a whole tick since then.
    if (time_budget_.count() > 0 && now - started_ >= time_budget_ + tick && stuck >= tick) {
      char why[200];
      std::snprintf(why, sizeof why,
                    "the time budget (%lld ms) ran out while no visible operation happened for "
                    "%lld ms\n",
                    static_cast<long long>(time_budget_.count()),
                    static_cast<long long>(stuck.count()));
      fire(why);
    }
  }
}

void Watchdog::fire(const char* why) {
  if (claim_fatal_report()) {
    char text[512];
    std::snprintf(
        text, sizeof text,
        "%sa goroutine that makes no visible operation (a loop without channel, sync or yield "
        "calls; a std::mutex or read() that weft cannot see) cannot be stopped safely, so "
        "the process ends with status %d\n",
        why, kHangExitStatus);
    write_hang_report(run_, text);
  }
  ::_exit(kHangExitStatus);
}

std::chrono::milliseconds parse_hang_timeout(const char* var, const char* text) {
  std::string_view t = text;
  std::size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  std::string_view unit = t.substr(digits);
  long long scale = unit == "" || unit == "s" ? 1000 : unit == "ms" ? 1 : unit == "m" ? 60'000 : 0;
  errno = 0;
  unsigned long long v = digits ? std::strtoull(std::string(t.substr(0, digits)).c_str(), nullptr, 10) : 0;
  if (digits == 0 || scale == 0 || errno != 0 || v > 1'000'000'000ULL)
    throw std::invalid_argument(std::string(var) + "='" + std::string(t) +
                                "' is not a duration; use a whole number with a unit, such "
                                "as 10s, 500ms or 2m (0 turns the watchdog off)");
  return std::chrono::milliseconds(static_cast<long long>(v) * scale);
}

}  // namespace weft::detail
