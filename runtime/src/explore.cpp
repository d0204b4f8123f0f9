// The explore driver: options and environment, the iteration loop, results and reports.
#include "weft/explore.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>

#include "controlled.hpp"
#include "crash.hpp"
#include "race.hpp"
#include "strategy.hpp"
#include "watchdog.hpp"

namespace weft {

std::string_view failure_kind_name(FailureKind k) noexcept {
  switch (k) {
    case FailureKind::deadlock: return "deadlock";
    case FailureKind::leak: return "goroutine leak";
    case FailureKind::panic: return "panic";
    case FailureKind::assertion: return "assertion failure";
    case FailureKind::exception: return "unhandled exception";
    case FailureKind::step_limit: return "step limit exceeded";
    case FailureKind::data_race: return "data race";
    case FailureKind::lock_order: return "lock-order inversion";
    case FailureKind::replay_diverged: return "replay diverged";
    case FailureKind::crash: return "crash";
    case FailureKind::hang: return "hang";
  }
  return "failure";
}

namespace {

std::string_view strategy_name(StrategyKind k) noexcept {
  switch (k) {
    case StrategyKind::random: return "random";
    case StrategyKind::pct: return "pct";
    case StrategyKind::dfs: return "dfs";
    case StrategyKind::replay: return "replay";
  }
  return "?";
}

std::uint64_t parse_number(const char* var, const char* text) {
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
    throw std::invalid_argument(fmt::format(
        "{}='{}' is not a whole number; set it to a value such as {} or unset it", var, text,
        std::string_view(var) == "WEFT_SEED" ? "42" : "1000"));
  return v;
}

StrategyKind parse_strategy(const char* text) {
  std::string_view s = text;
  if (s == "random") return StrategyKind::random;
  if (s == "replay") return StrategyKind::replay;
  if (s == "pct" || s == "dfs")
    throw std::invalid_argument(fmt::format(
        "WEFT_STRATEGY='{}' is not available in this build yet; use random or replay", s));
  throw std::invalid_argument(
      fmt::format("WEFT_STRATEGY='{}' is unknown; use random or replay", s));
}

// Collects events for several sinks.
class TeeSink final : public EventSink {
 public:
  explicit TeeSink(std::vector<EventSink*> s) : sinks_(std::move(s)) {}
  void iteration_begin() override { each([](EventSink* s) { s->iteration_begin(); }); }
  void iteration_end() override { each([](EventSink* s) { s->iteration_end(); }); }
  void go_start(const GoroutineDesc& d) override { each([&](EventSink* s) { s->go_start(d); }); }
  void go_end(GoId g) override { each([&](EventSink* s) { s->go_end(g); }); }
  void acquire(GoId g, const void* a) override { each([&](EventSink* s) { s->acquire(g, a); }); }
  void release(GoId g, const void* a) override { each([&](EventSink* s) { s->release(g, a); }); }
  void release_store(GoId g, const void* a) override {
    each([&](EventSink* s) { s->release_store(g, a); });
  }
  void sync_free(const void* a) override { each([&](EventSink* s) { s->sync_free(a); }); }
  void lock_acquired(GoId g, const void* m, bool x, const Location& w) override {
    each([&](EventSink* s) { s->lock_acquired(g, m, x, w); });
  }
  void lock_try_acquired(GoId g, const void* m, bool x, const Location& w) override {
    each([&](EventSink* s) { s->lock_try_acquired(g, m, x, w); });
  }
  void lock_released(GoId g, const void* m) override {
    each([&](EventSink* s) { s->lock_released(g, m); });
  }
  void access(GoId g, const void* a, std::size_t n, AccessKind k, const Location& w) override {
    each([&](EventSink* s) { s->access(g, a, n, k, w); });
  }
  void free_range(const void* a, std::size_t n) override {
    each([&](EventSink* s) { s->free_range(a, n); });
  }
  void func_enter(GoId g, const Location& f) override {
    each([&](EventSink* s) { s->func_enter(g, f); });
  }
  void func_enter_from(GoId g, const Location& f, const Location& call) override {
    each([&](EventSink* s) { s->func_enter_from(g, f, call); });
  }
  void func_exit(GoId g) override { each([&](EventSink* s) { s->func_exit(g); }); }

 private:
  template <class F>
  void each(F&& f) {
    for (EventSink* s : sinks_) f(s);
  }
  std::vector<EventSink*> sinks_;
};

struct BodyCall final : detail::Callable {
  std::function<void()>& fn;
  explicit BodyCall(std::function<void()>& f) : fn(f) {}
  void invoke() override { fn(); }
};

// Writes `text` to `path` whole or not at all: a temporary file renamed into place.
void write_whole(const std::string& path, const std::string& text) {
  std::filesystem::path target(path);
  std::filesystem::path tmp = target;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw std::runtime_error(fmt::format(
          "WEFT_REPORT: cannot write '{}'; check that its directory exists and is writable", path));
    }
  }
  std::filesystem::rename(tmp, target);
}

}  // namespace

void apply_environment(ExploreOptions& o) {
  if (const char* v = std::getenv("WEFT_SEED"); v && *v) o.seed = parse_number("WEFT_SEED", v);
  if (const char* v = std::getenv("WEFT_ITERATIONS"); v && *v)
    o.iterations = parse_number("WEFT_ITERATIONS", v);
  if (const char* v = std::getenv("WEFT_MAX_STEPS"); v && *v)
    o.max_steps = parse_number("WEFT_MAX_STEPS", v);
  if (const char* v = std::getenv("WEFT_STRATEGY"); v && *v) o.strategy = parse_strategy(v);
  auto flag = [](const char* var, bool& out) {
    if (const char* v = std::getenv(var); v && *v) {
      std::string_view t = v;
      if (t != "0" && t != "1")
        throw std::invalid_argument(fmt::format("{}='{}' must be 0 (off) or 1 (on)", var, t));
      out = t == "1";
    }
  };
  if (const char* v = std::getenv("WEFT_HANG_TIMEOUT"); v && *v)
    o.hang_timeout = detail::parse_hang_timeout("WEFT_HANG_TIMEOUT", v);
  flag("WEFT_DETECT_RACES", o.detect_races);
  flag("WEFT_GUARD_MAIN_STACK", o.guard_main_stack);
  if (const char* v = std::getenv("WEFT_SUPPRESS"); v && *v) {
    std::string_view t = v;
    while (!t.empty()) {
      auto comma = t.find(',');
      std::string_view item = t.substr(0, comma);
      if (!item.empty()) o.race_suppressions.emplace_back(item);
      if (comma == std::string_view::npos) break;
      t.remove_prefix(comma + 1);
    }
  }
  if (const char* v = std::getenv("WEFT_REPLAY"); v && *v) {
    o.replay = v;
    o.strategy = StrategyKind::replay;
  }
}

ExploreResult explore(std::function<void()> body, ExploreOptions options) {
  if (detail::in_goroutine())
    throw std::logic_error("weft::explore cannot be called from inside a goroutine");
  if (options.use_environment) apply_environment(options);
  if (options.strategy == StrategyKind::pct || options.strategy == StrategyKind::dfs)
    throw std::invalid_argument("strategy pct/dfs is not available in this build yet; use "
                                "random or replay");

  std::unique_ptr<detail::Strategy> strategy;
  if (options.strategy == StrategyKind::replay) {
    if (options.replay.empty())
      throw std::invalid_argument("strategy replay needs a token: set WEFT_REPLAY=<token> "
                                  "or ExploreOptions::replay");
    strategy = detail::make_replay_strategy(detail::decode_schedule(options.replay));
  } else {
    strategy = detail::make_random_strategy(options.seed);
  }

  detail::StackPool stacks(options.stack_size ? options.stack_size : detail::default_stack_size());
  std::unique_ptr<detail::RaceSink> race;
  std::vector<EventSink*> sinks;
  if (options.detect_races) {
    race = std::make_unique<detail::RaceSink>(options.race_suppressions, &stacks);
    sinks.push_back(race.get());
  }
  sinks.insert(sinks.end(), options.sinks.begin(), options.sinks.end());
  std::unique_ptr<TeeSink> tee;
  EventSink* sink = nullptr;
  if (sinks.size() == 1) {
    sink = sinks.front();
  } else if (sinks.size() > 1) {
    tee = std::make_unique<TeeSink>(std::move(sinks));
    sink = tee.get();
  }

  ExploreResult result;
  result.strategy = options.strategy;
  result.seed = options.seed;
  BodyCall call(body);
  const auto started = std::chrono::steady_clock::now();
  const std::uint64_t iterations = options.strategy == StrategyKind::replay ? 1 : options.iterations;
  detail::LiveRun live;  // what a crash or hang report names
  live.strategy = options.strategy;
  live.seed = options.seed;
  live.stack_size = stacks.stack_size();
  detail::CrashGuard crash_guard(live);
  detail::Watchdog watchdog(live, options.hang_timeout, options.time_budget);
  for (std::uint64_t i = 0; i < iterations; ++i) {
    if (!strategy->begin_iteration(i)) break;
    detail::ControlledScheduler sched(*strategy, stacks, sink, race.get(), options);
    detail::IterationOutcome out;
    {
      detail::LiveIteration running(live, sched, i);
      out = sched.run(call);
    }
    strategy->end_iteration(out.steps);
    ++result.iterations;
    result.steps += out.steps;
    result.decisions += out.decisions;
    if (out.failure) {
      result.failure = std::move(out.failure);
      result.iteration = i;
      result.token = out.schedule.token();
      break;
    }
    if (options.time_budget.count() > 0 &&
        std::chrono::steady_clock::now() - started >= options.time_budget) {
      result.budget_exhausted = i + 1 < iterations;
      break;
    }
  }
  if (options.use_environment)
    if (const char* path = std::getenv("WEFT_REPORT"); path && *path)
      write_whole(path, result.to_json());
  return result;
}

std::string ExploreResult::to_string() const {
  if (!failure)
    return fmt::format("weft: no failure in {} iteration{} (strategy {}, seed {}, {} steps){}\n",
                       iterations, iterations == 1 ? "" : "s", strategy_name(strategy), seed,
                       steps, budget_exhausted ? "; stopped by the time budget" : "");
  std::string where =
      strategy == StrategyKind::replay
          ? std::string("replayed schedule")
          : fmt::format("iteration {} (strategy {}, seed {})", iteration + 1,
                        strategy_name(strategy), seed);
  return fmt::format("weft: {} in {}\n\n{}\nreplay with: WEFT_REPLAY={}\n",
                     failure_kind_name(failure->kind), where, failure->report, token);
}

std::string ExploreResult::to_json() const {
  nlohmann::ordered_json j;
  j["schema"] = "weft.explore/1";
  j["ok"] = ok();
  j["strategy"] = strategy_name(strategy);
  j["seed"] = seed;
  j["iterations"] = iterations;
  j["steps"] = steps;
  j["decisions"] = decisions;
  j["budget_exhausted"] = budget_exhausted;
  if (failure) {
    j["failure"] = {{"kind", failure_kind_name(failure->kind)},
                    {"iteration", iteration},
                    {"token", token},
                    {"report", failure->report}};
  } else {
    j["failure"] = nullptr;
  }
  return j.dump(2) + "\n";
}

std::ostream& operator<<(std::ostream& os, const ExploreResult& r) { return os << r.to_string(); }

}  // namespace weft
