// weft::run (weft/run.hpp): its configuration (RunOptions, WEFT_PROCS), the one run in
// progress per process, and the SIGQUIT dump. The scheduler itself is parallel.cpp.
#include "weft/run.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "crash.hpp"
#include "parallel.hpp"
#include "race.hpp"
#include "suppress.hpp"

namespace weft {

namespace detail {
namespace {

std::atomic<ParallelScheduler*> running{nullptr};

// Stacks outlive runs: an abandoned goroutine's stack stays registered with LeakSanitizer
// (StackPool::bury) until the process ends. One pool per stack size.
StackPool& pool_for(std::size_t size) {
  static std::mutex mu;
  static std::map<std::size_t, std::unique_ptr<StackPool>>* pools =
      new std::map<std::size_t, std::unique_ptr<StackPool>>;  // never destroyed
  std::lock_guard<std::mutex> lk(mu);
  auto& p = (*pools)[size];
  if (!p) p = std::make_unique<StackPool>(size);
  return *p;
}

unsigned cores() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

// strtoul also takes leading blanks, tabs and newlines, and a sign: a number is digits only.
bool digits_only(const char* v) {
  return std::string_view(v).find_first_not_of("0123456789") == std::string_view::npos;
}

// The processors to run on, or a message naming what is wrong and how to fix it.
std::string resolve_procs(const RunOptions& o, unsigned& procs) {
  procs = o.procs == 0 ? cores() : o.procs;
  if (o.procs > kMaxProcs)
    return fmt::format("RunOptions::procs = {} is more than {} logical processors; set it to "
                       "1..{}, or 0 for the number of cores ({})",
                       o.procs, kMaxProcs, kMaxProcs, cores());
  if (!o.use_environment) return {};
  const char* v = std::getenv("WEFT_PROCS");
  if (!v || !*v) return {};
  errno = 0;
  char* end = nullptr;
  unsigned long n = std::strtoul(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || !digits_only(v))
    return fmt::format("WEFT_PROCS='{}' is not a whole number; set it to the number of "
                       "logical processors (1..{}, such as 2), or unset it to use every core "
                       "({})",
                       v, kMaxProcs, cores());
  if (n == 0 || n > kMaxProcs)
    return fmt::format("WEFT_PROCS={} is out of range; set it to 1..{}, or unset it to use "
                       "every core ({})",
                       v, kMaxProcs, cores());
  procs = static_cast<unsigned>(n);
  return {};
}

// RunOptions::compact_stacks_from, with WEFT_COMPACT_STACKS on top; or a message.
std::string resolve_compaction(const RunOptions& o, std::size_t& from) {
  from = o.compact_stacks_from;
  if (!o.use_environment) return {};
  const char* v = std::getenv("WEFT_COMPACT_STACKS");
  if (!v || !*v) return {};
  errno = 0;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || !digits_only(v))
    return fmt::format("WEFT_COMPACT_STACKS='{}' is not a whole number; set it to the number "
                       "of live goroutines from which blocked stacks are compacted (such as "
                       "10000), or 0 for never",
                       v);
  from = static_cast<std::size_t>(n);
  return {};
}

// Whether to detect races: the option, or WEFT_DETECT_RACES; or a message.
std::string resolve_races(const RunOptions& o, bool& detect) {
  detect = o.detect_races;
  if (!o.use_environment) return {};
  const char* v = std::getenv("WEFT_DETECT_RACES");
  if (!v || !*v) return {};
  const std::string_view t = v;
  if (t != "0" && t != "1")
    return fmt::format("WEFT_DETECT_RACES='{}' must be 0 (off) or 1 (on: run the race "
                       "detector, exit status 66 if it reports)",
                       t);
  detect = t == "1";
  return {};
}

// While a run is in progress with dump_on_sigquit, SIGQUIT is blocked in its threads and
// taken by a thread that sleeps in sigwait (it uses no CPU until the signal comes).
class SigquitDump {
 public:
  explicit SigquitDump(ParallelScheduler& s) : s_(s) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);  // inherited by the processors' threads
    thread_ = std::thread([this] { watch(); });
  }
  ~SigquitDump() {
    quit_.store(true);
    pthread_kill(thread_.native_handle(), SIGQUIT);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigquitDump(const SigquitDump&) = delete;
  SigquitDump& operator=(const SigquitDump&) = delete;

 private:
  void watch() {
    for (;;) {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0) continue;
      if (quit_.load()) return;
      s_.die("SIGQUIT: quit\n");
    }
  }
  ParallelScheduler& s_;
  sigset_t set_{}, old_{};
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

}  // namespace
}  // namespace detail

int run(std::function<void()> main, RunOptions options) {
  if (detail::in_goroutine())
    throw std::logic_error("weft::run called from a goroutine; start goroutines with "
                           "weft::go, and call run() once, from main()");
  unsigned procs = 1;
  if (std::string why = detail::resolve_procs(options, procs); !why.empty()) {
    std::fprintf(stderr, "weft::run: configuration error: %s\n", why.c_str());
    return 2;
  }
  std::size_t compact_from = 0;
  if (std::string why = detail::resolve_compaction(options, compact_from); !why.empty()) {
    std::fprintf(stderr, "weft::run: configuration error: %s\n", why.c_str());
    return 2;
  }
  if (options.max_threads < procs) {
    std::fprintf(stderr,
                 "weft::run: configuration error: RunOptions::max_threads = %u is fewer than "
                 "the %u logical processors (each needs a thread); raise it to at least %u "
                 "(default 10000), or run on fewer processors\n",
                 options.max_threads, procs, procs);
    return 2;
  }
  bool detect_races = false;
  if (std::string why = detail::resolve_races(options, detect_races); !why.empty()) {
    std::fprintf(stderr, "weft::run: configuration error: %s\n", why.c_str());
    return 2;
  }
  std::optional<detail::Suppressions> suppressions;
  try {
    suppressions = detail::Suppressions::parse(options.race_suppressions,
                                               "RunOptions::race_suppressions");
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "weft::run: configuration error: %s\n", e.what());
    return 2;
  }
  struct Main final : detail::Callable {
    std::function<void()>& fn;
    explicit Main(std::function<void()>& f) : fn(f) {}
    void invoke() override { fn(); }
  } body{main};
  const std::size_t stack =
      options.stack_size ? options.stack_size : detail::default_stack_size();
  detail::StackPool& stacks = detail::pool_for(stack);
  std::optional<detail::RaceSink> race;
  if (detect_races)
    race.emplace(std::move(*suppressions), &stacks,
                 detail::RaceSink::RunReports{.halt = options.halt_on_race});
  detail::ParallelScheduler s(procs, stacks, options.max_threads);
  if (race) s.detect_races(&*race);
  detail::ParallelScheduler* expected = nullptr;
  if (!detail::running.compare_exchange_strong(expected, &s))
    throw std::logic_error("weft::run: another run is in progress in this process; run one "
                           "program at a time");
  // Threads with no goroutine reach the run through run_in_progress (scheduler.hpp).
  detail::set_run_in_progress(&s);
  struct Clear {
    ~Clear() {
      detail::set_run_in_progress(nullptr);
      detail::running.store(nullptr);
    }
  } clear;
  std::optional<detail::SigquitDump> sigquit;
  if (options.dump_on_sigquit) sigquit.emplace(s);
  detail::RunCrashGuard crash(&detail::ParallelScheduler::running_here);
  // Compaction needs the handlers, which bring a touched compacted stack back (they outlive
  // s.run(), whose teardown restores the stacks of abandoned goroutines).
  if (compact_from != 0 && crash.owner()) s.compact_stacks_from(compact_from);
  const int status = s.run(body);
  if (status == 0 && race && race->run_reports() > 0) return detail::RaceSink::kRaceExitStatus;
  return status;
}

void dump_goroutines() {
  // Held, from a thread with no processor, so that the run is not torn down under the dump.
  const detail::OutsideOp op;
  detail::ParallelScheduler* s = detail::running.load();
  if (!s || (op.held() ? detail::run_in_progress() : detail::current_scheduler()) != s) return;
  std::string text = s->dump();
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace weft
