// The explore driver: options and environment, the iteration loop, results and reports.
#include "weft/explore.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <stdexcept>

#include <sys/stat.h>
#include <unistd.h>

#include "controlled.hpp"
#include "crash.hpp"
#include "explore_stats.hpp"
#include "race.hpp"
#include "report_file.hpp"
#include "report_json.hpp"
#include "lock_order_steer.hpp"
#include "progress.hpp"
#include "shrink.hpp"
#include "strategy.hpp"
#include "trace.hpp"
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
    case FailureKind::configuration: return "configuration error";
    case FailureKind::resource_limit: return "resource limit";
    case FailureKind::crash: return "crash";
    case FailureKind::hang: return "hang";
    case FailureKind::undefined_behavior: return "undefined behavior";
  }
  return "failure";
}

namespace {

std::string_view strategy_name(StrategyKind k) noexcept { return detail::strategy_text(k); }

std::uint64_t parse_number(const char* var, const char* text, const char* example) {
  const std::string_view t = text;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  // Digits only: strtoull would also take leading blanks, tabs and newlines, and a sign.
  if (t.empty() || t.find_first_not_of("0123456789") != std::string_view::npos)
    throw std::invalid_argument(fmt::format(
        "{}='{}' is not a whole number; set it to a value such as {} or unset it", var, text,
        example));
  if (ec == std::errc::result_out_of_range)
    throw std::invalid_argument(fmt::format(
        "{}='{}' is too large: at most 18446744073709551615; set it to a value such as {} or "
        "unset it",
        var, text, example));
  (void)end;
  return v;
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

// The WEFT_SUPPRESS list, comma-separated.
std::vector<std::string> split_list(std::string_view t) {
  std::vector<std::string> out;
  while (!t.empty()) {
    auto comma = t.find(',');
    std::string_view item = t.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    t.remove_prefix(comma + 1);
  }
  return out;
}

// Checks the options as a whole after the environment was applied; throws
// std::invalid_argument naming the option.
void validate(const ExploreOptions& o) {
  if (o.iterations == 0)
    throw std::invalid_argument(
        "ExploreOptions::iterations is 0, so nothing would be explored; set it to 1 or more");
  if (o.first_iteration > UINT64_MAX - o.iterations)
    throw std::invalid_argument(fmt::format(
        "first_iteration {} + iterations {} overflows a 64-bit iteration index; lower them",
        o.first_iteration, o.iterations));
  if (o.max_steps == 0)
    throw std::invalid_argument(
        "ExploreOptions::max_steps is 0, so every iteration would fail at its first step; set "
        "it to a limit such as 100000");
  if (o.strategy == StrategyKind::pct && (o.pct_depth < 1 || o.pct_depth > 64))
    throw std::invalid_argument(fmt::format(
        "ExploreOptions::pct_depth is {}; PCT's bug depth must be from 1 to 64 (3 is usual)",
        o.pct_depth));
  if (o.strategy == StrategyKind::dfs && o.dfs_preemption_bound > 64)
    throw std::invalid_argument(fmt::format(
        "ExploreOptions::dfs_preemption_bound is {}; use a bound from 0 to 64 (2 is usual)",
        o.dfs_preemption_bound));
  if (o.dfs_shards == 0 || o.dfs_shard >= o.dfs_shards)
    throw std::invalid_argument(fmt::format(
        "ExploreOptions::dfs_shard {} of dfs_shards {}: use 0 <= dfs_shard < dfs_shards",
        o.dfs_shard, o.dfs_shards));
  if (o.strategy == StrategyKind::replay && o.replay.empty())
    throw std::invalid_argument("strategy replay needs a token: set WEFT_REPLAY=<token> or "
                                "ExploreOptions::replay");
}

}  // namespace

void apply_environment(ExploreOptions& o) {
  if (const char* v = std::getenv("WEFT_SEED"); v && *v)
    o.seed = parse_number("WEFT_SEED", v, "42");
  if (const char* v = std::getenv("WEFT_FIRST_ITERATION"); v && *v)
    o.first_iteration = parse_number("WEFT_FIRST_ITERATION", v, "0");
  if (const char* v = std::getenv("WEFT_TIME_BUDGET"); v && *v)
    o.time_budget = detail::parse_duration("WEFT_TIME_BUDGET", v, "0 means no budget");
  if (const char* v = std::getenv("WEFT_ITERATIONS"); v && *v) {
    o.iterations = parse_number("WEFT_ITERATIONS", v, "1000");
    if (o.iterations == 0)
      throw std::invalid_argument(
          "WEFT_ITERATIONS=0 would explore nothing; set it to 1 or more, or unset it");
  }
  if (const char* v = std::getenv("WEFT_MAX_STEPS"); v && *v) {
    o.max_steps = parse_number("WEFT_MAX_STEPS", v, "100000");
    if (o.max_steps == 0)
      throw std::invalid_argument(
          "WEFT_MAX_STEPS=0 would fail every iteration at its first step; set it to a limit "
          "such as 100000, or unset it");
  }
  if (const char* v = std::getenv("WEFT_COMPACT_STACKS"); v && *v)
    o.compact_stacks_from = parse_number("WEFT_COMPACT_STACKS", v, "10000 (or 0 for never)");
  if (const char* v = std::getenv("WEFT_STRATEGY"); v && *v) {
    detail::apply_strategy_spec(v, o, "WEFT_STRATEGY");
    if (o.strategy == StrategyKind::replay) {
      try {
        (void)detail::decode_schedule(o.replay);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("WEFT_STRATEGY=replay:...: {}", e.what()));
      }
    }
  }
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
  flag("WEFT_KEEP_GOING", o.keep_going);
  if (const char* v = std::getenv("WEFT_DFS_SHARD"); v && *v) {
    std::string_view t = v;
    const auto slash = t.find('/');
    std::uint64_t k = 0, n = 0;
    const bool parsed =
        slash != std::string_view::npos &&
        std::from_chars(t.data(), t.data() + slash, k).ptr == t.data() + slash && slash > 0 &&
        std::from_chars(t.data() + slash + 1, t.data() + t.size(), n).ptr ==
            t.data() + t.size() &&
        slash + 1 < t.size();
    if (!parsed || n == 0 || k >= n)
      throw std::invalid_argument(fmt::format(
          "WEFT_DFS_SHARD='{}' is not a shard of the dfs search: use K/N with 0 <= K < N, such "
          "as 0/4",
          t));
    o.dfs_shard = k;
    o.dfs_shards = n;
  }
  if (const char* v = std::getenv("WEFT_LOCK_ORDER"); v && *v) {
    std::string_view t = v;
    if (t != "fail" && t != "warn")
      throw std::invalid_argument(fmt::format(
          "WEFT_LOCK_ORDER='{}' must be fail (a lock-order inversion fails the run) or warn "
          "(try to close it into a deadlock; warn if no schedule does)",
          t));
    o.lock_order = t == "warn" ? LockOrderMode::warn : LockOrderMode::fail;
  }
  if (const char* v = std::getenv("WEFT_SUPPRESS"); v && *v) {
    std::vector<std::string> items = split_list(v);
    (void)detail::Suppressions::parse(items, "WEFT_SUPPRESS");  // throws on a malformed entry
    o.race_suppressions.insert(o.race_suppressions.end(), items.begin(), items.end());
  }
  if (const char* v = std::getenv("WEFT_EXPLORATION"); v && *v) o.name = v;
  if (const char* v = std::getenv("WEFT_REPLAY"); v && *v) {
    try {
      (void)detail::decode_schedule(v);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("WEFT_REPLAY: {}", e.what()));
    }
    o.replay = v;
    o.strategy = StrategyKind::replay;
  }
  flag("WEFT_CHECK_DETERMINISM", o.check_determinism);
  // Read where a condition variable waits (std_sync.cpp), which takes anything but 0 as on:
  // checked here so that a misspelt off (false, no) is an error instead of on.
  bool spurious_wakeups = true;
  flag("WEFT_SPURIOUS_WAKEUPS", spurious_wakeups);
  if (const char* v = std::getenv("WEFT_MINIMIZE_REPLAYS"); v && *v) {
    std::uint64_t n = parse_number("WEFT_MINIMIZE_REPLAYS", v, "50");
    if (n > 100'000)
      throw std::invalid_argument(fmt::format(
          "WEFT_MINIMIZE_REPLAYS={} is more replays than shrinking one failure needs; use 0 "
          "(off) to 100000 (50 is usual)",
          n));
    o.minimize_replays = static_cast<unsigned>(n);
  }
  if (const char* v = std::getenv("WEFT_MINIMIZE"); v && *v) {
    try {
      (void)detail::decode_schedule(v);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("WEFT_MINIMIZE: {}", e.what()));
    }
    const char* replay = std::getenv("WEFT_REPLAY");
    if (replay && *replay && std::string_view(replay) != v)
      throw std::invalid_argument("WEFT_MINIMIZE and WEFT_REPLAY name different tokens; set "
                                  "only WEFT_MINIMIZE=<token> to replay a token and shrink it");
    o.replay = v;
    o.strategy = StrategyKind::replay;
    o.minimize_replayed = true;
  }
  if (const char* v = std::getenv("WEFT_REPORT"); v && *v)
    if (std::string why = detail::report_path_problem(v); !why.empty())
      throw std::invalid_argument(why);
}

namespace {

// keep_going: whether exploring on after a failure of this kind can find anything else
// (not after a broken replay or when the system refuses memory).
bool worth_going_on(FailureKind k) {
  return k != FailureKind::replay_diverged && k != FailureKind::resource_limit &&
         k != FailureKind::configuration;
}

// Two failures are the same finding when they have the same kind and name the same source
// locations (detail::failure_key), whatever the goroutine ids, steps or values in their reports.
// Returns whether it is a new finding.
bool note_finding(ExploreResult& result, std::set<std::string>& seen, Failure f,
                  std::uint64_t iteration, std::string token, ScheduleCheck check) {
  std::string key = detail::failure_key(f);
  if (seen.insert(key).second) {
    result.findings.push_back({std::move(f), iteration, std::move(token), 1, std::move(check)});
    return true;
  }
  for (ExploreResult::Finding& found : result.findings)
    if (detail::failure_key(found.failure) == key) ++found.count;
  return false;
}

// The result as weft.explore/1 JSON; `partial`: written while the exploration goes on
// (keep_going), marked "partial": true. And the findings alone, as the fatal report file
// carries them (report_file.hpp). Defined with to_json below.
std::string result_json(const ExploreResult& r, bool partial);
std::string findings_fragment(const ExploreResult& r);

// Whether a failure of this kind gets the nondeterminism check and shrinking: not a broken
// replay or configuration, nor what ends the process (crash, hang) or a refused resource.
bool worth_checking(FailureKind k) {
  return worth_going_on(k) && k != FailureKind::crash && k != FailureKind::hang;
}

std::string fixed_strategy_name(const ExploreOptions& o) {
  if (o.strategy == StrategyKind::pct) return fmt::format("pct:{}", o.pct_depth);
  if (o.strategy == StrategyKind::dfs) return fmt::format("dfs:{}", o.dfs_preemption_bound);
  return std::string(strategy_name(o.strategy));
}

// Everything explore() needs before the first iteration, built from validated options.
struct Prepared {
  std::unique_ptr<detail::Strategy> strategy;
  detail::Suppressions suppressions;
  std::unique_ptr<detail::TraceRecorder> trace;  // WEFT_TRACE on a replay
  std::unique_ptr<detail::ProgressSlot> progress;  // WEFT_PROGRESS (the weft CLI's workers)
  detail::TokenFingerprint fingerprint;  // what this exploration's tokens are recorded against
};

Prepared prepare(ExploreOptions& options, const std::source_location& where) {
  if (options.use_environment && !options.environment_applied) apply_environment(options);
  validate(options);
  Prepared p;
  // Spurious wake-ups are read where a condition variable waits (std_sync.cpp), from the
  // environment whatever use_environment says: so here too.
  const char* spurious = std::getenv("WEFT_SPURIOUS_WAKEUPS");
  detail::TokenSettings settings;
  settings.name = options.name;
  settings.schedule_accesses = options.schedule_accesses;
  settings.spurious_wakeups = !(spurious && std::string_view(spurious) == "0");
  settings.detect_races = options.detect_races;
  settings.lock_order_warn = options.lock_order == LockOrderMode::warn;
  settings.where = &where;
  p.fingerprint = detail::make_fingerprint(settings);
  const char* env_replay = nullptr;
  if (options.use_environment) {
    const char* minimize = std::getenv("WEFT_MINIMIZE");
    const char* replay = std::getenv("WEFT_REPLAY");
    env_replay = minimize && *minimize && options.replay == minimize ? "WEFT_MINIMIZE"
                 : replay && *replay && options.replay == replay     ? "WEFT_REPLAY"
                                                                     : nullptr;
  }
  if (options.strategy == StrategyKind::replay) {
    // A token recorded against another test, explore() call, schedule space, detector
    // setting or weft is refused here, naming both, before it could replay as another
    // schedule (and pass), or report another outcome.
    std::string why;
    try {
      why = detail::fingerprint_mismatch(detail::decode_schedule(options.replay).fingerprint(),
                                         p.fingerprint, options.name, &where);
    } catch (const std::invalid_argument&) {
      // Malformed: make_strategy says so below.
    }
    if (!why.empty())
      throw std::invalid_argument(
          fmt::format("{}: {}", env_replay ? env_replay : "ExploreOptions::replay", why));
  }
  p.suppressions = detail::Suppressions::parse(options.race_suppressions,
                                               "ExploreOptions::race_suppressions");
  try {
    p.strategy = detail::make_strategy(options);
  } catch (const std::invalid_argument& e) {
    const char* env = options.use_environment ? std::getenv("WEFT_REPLAY") : nullptr;
    const char* source = env && options.replay == env ? "WEFT_REPLAY" : "ExploreOptions::replay";
    throw std::invalid_argument(fmt::format("{}: {}", source, e.what()));
  }
  p.trace = detail::trace_from_environment(options);
  if (options.use_environment)
    p.progress = std::make_unique<detail::ProgressSlot>(std::getenv("WEFT_PROGRESS"));
  return p;
}

// With WEFT_REPORT set: the report goes to stderr first, so a failure that the file cannot
// hold is still seen; a write error is a message, and an otherwise clean result becomes a
// configuration failure so the test still fails.
void write_report(ExploreResult& result) {
  const char* path = std::getenv("WEFT_REPORT");
  if (!path || !*path) return;
  if (!result.ok()) std::cerr << result.to_string() << std::flush;
  if (std::string why = detail::write_report_file(path, result.to_json(), result.ok());
      !why.empty()) {
    std::cerr << "weft: " << why << "\n" << std::flush;
    if (result.ok()) result.failure = Failure{FailureKind::configuration, why + "\n", why};
  }
}

// keep_going with WEFT_REPORT: a new distinct finding is written the moment it is found, so
// that a process killed later (SIGKILL from the out-of-memory killer, a CI timeout, the user)
// loses none of what it found: the report so far, marked partial, replaces the file whole;
// and a crash or hang written as the process dies lists the findings before it.
void write_partial_report(const ExploreResult& result, const detail::ExploreStats& stats,
                          detail::FatalReportFile& fatal) {
  const char* path = std::getenv("WEFT_REPORT");
  if (!path || !*path) return;
  ExploreResult so_far = result;
  stats.finish(so_far);
  fatal.set_findings(findings_fragment(so_far));
  if (std::string why = detail::write_partial_report_file(path, result_json(so_far, true));
      !why.empty())
    std::cerr << "weft: " << why << "\n" << std::flush;  // the final write says it again
}

}  // namespace

ExploreResult explore(std::function<void()> body, ExploreOptions options,
                      std::source_location where) {
  if (detail::in_goroutine())
    throw std::logic_error("weft::explore cannot be called from inside a goroutine");
  ExploreResult result;
  result.strategy = options.strategy;
  result.seed = options.seed;
  Prepared prepared;
  try {
    prepared = prepare(options, where);
  } catch (const std::invalid_argument& e) {
    result.failure = Failure{FailureKind::configuration, std::string(e.what()) + "\n"};
    result.failure->message = e.what();
    if (options.use_environment) write_report(result);  // the failure reaches WEFT_REPORT too
    return result;
  }
  result.strategy = options.strategy;
  result.seed = options.seed;
  detail::Strategy* chosen = prepared.strategy.get();
  detail::FingerprintScope fingerprint_scope(prepared.fingerprint);  // in every token recorded

  detail::StackPool stacks(options.stack_size ? options.stack_size : detail::default_stack_size());
  std::unique_ptr<detail::RaceSink> race;
  std::vector<EventSink*> sinks;
  if (options.detect_races) {
    race = std::make_unique<detail::RaceSink>(std::move(prepared.suppressions), &stacks);
    sinks.push_back(race.get());
  }
  std::unique_ptr<detail::LockOrderSteer> steer;  // lock_order = warn
  if (race && options.lock_order == LockOrderMode::warn) {
    const bool may_steer =
        options.strategy != StrategyKind::dfs && options.strategy != StrategyKind::replay;
    steer = std::make_unique<detail::LockOrderSteer>(*chosen, may_steer);
    race->divert_lock_order([s = steer.get()](Failure f) { s->cycle_found(std::move(f)); });
    sinks.push_back(steer.get());
    chosen = steer.get();
  }
  detail::Strategy& strategy = *chosen;
  sinks.insert(sinks.end(), options.sinks.begin(), options.sinks.end());
  if (prepared.trace) sinks.push_back(prepared.trace.get());
  std::unique_ptr<TeeSink> tee;
  EventSink* sink = nullptr;
  if (sinks.size() == 1) {
    sink = sinks.front();
  } else if (sinks.size() > 1) {
    tee = std::make_unique<TeeSink>(std::move(sinks));
    sink = tee.get();
  }

  BodyCall call(body);
  const auto started = std::chrono::steady_clock::now();
  const std::uint64_t first = options.strategy == StrategyKind::replay ? 0 : options.first_iteration;
  const std::uint64_t end =
      first + (options.strategy == StrategyKind::replay ? 1 : options.iterations);
  detail::LiveRun live;  // what a crash or hang report names
  live.strategy = options.strategy;
  live.seed = options.seed;
  live.stack_size = stacks.stack_size();
  detail::CrashGuard crash_guard(live);
  const char* report = options.use_environment ? std::getenv("WEFT_REPORT") : nullptr;
  if (report && *report) detail::claim_report_path(report);  // not an earlier process's report
  detail::FatalReportFile fatal_file(report, options, first);
  detail::Watchdog watchdog(live, options.hang_timeout, options.time_budget);
  if (options.strategy == StrategyKind::dfs) result.preemption_bound = options.dfs_preemption_bound;
  std::set<std::string> seen;  // keep_going: the failures found so far (failure_key)
  detail::ExploreStats stats(fixed_strategy_name(options));
  const bool polish = options.strategy != StrategyKind::replay || options.minimize_replayed;
  const detail::ShrinkSettings shrink{options.check_determinism, options.minimize_replays};
  for (std::uint64_t i = first; i < end; ++i) {
    if (!strategy.begin_iteration(i)) {
      result.exhausted = strategy.exhausted();
      break;
    }
    if (prepared.progress) prepared.progress->started(i);
    detail::ControlledScheduler sched(strategy, stacks, sink, race.get(), options);
    // Compaction needs the fault handler that brings a compacted stack back.
    if (crash_guard.owner()) sched.compact_stacks_from(options.compact_stacks_from);
    detail::IterationOutcome out;
    {
      detail::LiveIteration running(live, sched, i);
      out = sched.run(call);
    }
    strategy.end_iteration(out.steps);
    if (!strategy.counts_last_iteration()) continue;  // another dfs shard's schedule
    stats.add(out, strategy.member_name());
    ++result.iterations;
    result.steps += out.steps;
    result.decisions += out.decisions;
    if (out.failure) {
      // A diverged replay ran on padded choices: its schedule reproduces nothing.
      std::string token =
          out.failure->kind != FailureKind::replay_diverged ? out.schedule.token() : std::string();
      Failure failure = std::move(*out.failure);
      ScheduleCheck check;
      if (polish && worth_checking(failure.kind) &&
          (!options.keep_going || !seen.count(detail::failure_key(failure)))) {
        // Replays see only the race detector: user sinks and the trace saw the iteration.
        auto replay = [&](detail::Strategy& s) {
          detail::ControlledScheduler again(s, stacks, race.get(), race.get(), options);
          detail::LiveIteration running(live, again, i);
          return again.run(call);
        };
        detail::check_and_shrink(replay, failure, token, check, shrink);
      }
      if (!result.failure) {
        result.failure = failure;
        result.iteration = i;
        result.token = token;
        result.check = check;
      }
      if (!options.keep_going || !worth_going_on(failure.kind)) break;
      if (note_finding(result, seen, std::move(failure), i, std::move(token), std::move(check)) &&
          options.use_environment)
        write_partial_report(result, stats, fatal_file);
    }
    if (prepared.progress) prepared.progress->finished(i);
    if (options.time_budget.count() > 0 &&
        std::chrono::steady_clock::now() - started >= options.time_budget) {
      result.budget_exhausted = i + 1 < end;
      break;
    }
  }
  if (steer) {
    std::vector<const Failure*> closers{result.failure ? &*result.failure : nullptr};
    for (const ExploreResult::Finding& f : result.findings) closers.push_back(&f.failure);
    result.warnings = steer->unclosed(closers);
  }
  stats.finish(result);
  if (prepared.trace) prepared.trace->finish(result);
  if (options.use_environment) write_report(result);
  return result;
}

namespace {

// The lines after a failure's report: how to replay it, whether it reproduced, how much it
// shrank.
std::string check_text(const ScheduleCheck& c, const std::string& token) {
  std::string s;
  if (!token.empty()) s += fmt::format("\nreplay with: WEFT_REPLAY={}\n", token);
  if (!c.deterministic()) s += fmt::format("\nnot reproducible: {}\n", c.nondeterminism);
  if (c.shrunk)
    s += fmt::format("shrunk: {} \u2192 {} preemption{}, {} \u2192 {} steps ({} replays); as "
                     "found: WEFT_REPLAY={}\n",
                     c.preemptions_before, c.preemptions_after,
                     c.preemptions_after == 1 ? "" : "s", c.steps_before, c.steps_after,
                     c.replays, c.original_token);
  return s;
}

nlohmann::ordered_json check_json(const ScheduleCheck& c) {
  nlohmann::ordered_json j;
  j["replayed"] = c.replayed;
  j["deterministic"] = c.deterministic();
  if (!c.deterministic()) j["nondeterminism"] = c.nondeterminism;
  j["shrunk"] = c.shrunk;
  j["replays"] = c.replays;
  j["preemptions_before"] = c.preemptions_before;
  j["preemptions_after"] = c.preemptions_after;
  j["steps_before"] = c.steps_before;
  j["steps_after"] = c.steps_after;
  if (c.shrunk) j["original_token"] = c.original_token;
  return j;
}

// One failure as data: what reproduces it, its text, and its fields (report_json.hpp).
nlohmann::ordered_json failure_json(const Failure& f, std::uint64_t iteration,
                                    const std::string& token, const ScheduleCheck& c,
                                    const ExploreResult& r) {
  nlohmann::ordered_json j;
  j["kind"] = failure_kind_name(f.kind);
  j["iteration"] = iteration;
  j["token"] = token;
  j["seed"] = r.seed;
  j["strategy"] = strategy_name(r.strategy);
  j["report"] = f.report;
  detail::add_failure_fields(j, f);
  j["check"] = check_json(c);
  return j;
}

}  // namespace

// Deterministic (no times), so a report stays byte-identical for a given seed.
std::string ExploreResult::stats_line() const {
  std::string s = fmt::format("stats: {} iteration{}, {} distinct schedule{}, {} steps, {} "
                              "decisions, peak {} goroutine{}",
                              iterations, iterations == 1 ? "" : "s", distinct_schedules,
                              distinct_schedules == 1 ? "" : "s", steps, decisions,
                              peak_goroutines, peak_goroutines == 1 ? "" : "s");
  if (per_strategy.size() > 1) {
    s += "; per strategy:";
    for (std::size_t k = 0; k < per_strategy.size(); ++k)
      s += fmt::format("{} {} {} ({} failed)", k ? "," : "", per_strategy[k].name,
                       per_strategy[k].iterations, per_strategy[k].failures);
  }
  if (strategy == StrategyKind::dfs)
    s += exhausted ? fmt::format("; every schedule with \u2264 {} preemptions ran", preemption_bound)
                   : fmt::format("; the bound of {} preemptions was not exhausted", preemption_bound);
  return s + "\n";
}

namespace {
std::string warnings_text(const std::vector<Failure>& warnings, std::uint64_t iterations) {
  std::string s;
  for (const Failure& w : warnings)
    s += fmt::format("\nweft: warning: {} that no schedule closed into a deadlock ({} "
                     "iteration{} explored)\n\n{}",
                     failure_kind_name(w.kind), iterations, iterations == 1 ? "" : "s",
                     w.report);
  return s;
}
}  // namespace

std::string ExploreResult::to_string() const {
  auto text = [&]() -> std::string {
    if (failure && failure->kind == FailureKind::configuration)
      return fmt::format("weft: configuration error\n\n{}", failure->report);
    if (!failure && exhausted)
      return fmt::format("weft: explored all {} schedules with \u2264 {} preemption{}: no bug "
                         "({} steps)\n{}",
                         iterations, preemption_bound, preemption_bound == 1 ? "" : "s", steps,
                         stats_line());
    if (!failure)
      return fmt::format("weft: no failure in {} iteration{} (strategy {}, seed {}, {} steps){}\n{}",
                         iterations, iterations == 1 ? "" : "s", strategy_name(strategy), seed,
                         steps, budget_exhausted ? "; stopped by the time budget" : "",
                         stats_line());
    std::string where =
        strategy == StrategyKind::replay
            ? std::string("replayed schedule")
            : fmt::format("iteration {} (strategy {}, seed {})", iteration + 1,
                          strategy_name(strategy), seed);
    std::string first = fmt::format("weft: {} in {}\n\n{}{}", failure_kind_name(failure->kind),
                                    where, failure->report, check_text(check, token));
    if (findings.size() < 2) return first + (strategy == StrategyKind::replay ? "" : stats_line());
    std::string s = fmt::format("weft: {} distinct failures in {} iterations (strategy {}, seed "
                                "{}); each is shown once\n\n",
                                findings.size(), iterations, strategy_name(strategy), seed);
    for (std::size_t k = 0; k < findings.size(); ++k) {
      const Finding& f = findings[k];
      s += fmt::format("--- failure {} of {}: {} in iteration {} ({} iteration{} failed this "
                       "way)\n\n{}",
                       k + 1, findings.size(), failure_kind_name(f.failure.kind), f.iteration + 1,
                       f.count, f.count == 1 ? "" : "s", f.failure.report);
      s += check_text(f.check, f.token);
      s += "\n";
    }
    return s + stats_line();
  };
  return text() + warnings_text(warnings, iterations);
}

namespace {

std::string findings_fragment(const ExploreResult& r) {
  std::string s;
  for (const ExploreResult::Finding& f : r.findings) {
    nlohmann::ordered_json one = failure_json(f.failure, f.iteration, f.token, f.check, r);
    one["count"] = f.count;
    if (!s.empty()) s += ", ";
    s += one.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return s;
}

std::string result_json(const ExploreResult& r, bool partial) {
  nlohmann::ordered_json j;
  j["schema"] = "weft.explore/1";
  j["ok"] = r.ok();
  // Only in a report written while the exploration went on: the process did not finish it.
  if (partial) j["partial"] = true;
  j["strategy"] = strategy_name(r.strategy);
  j["seed"] = r.seed;
  j["iterations"] = r.iterations;
  j["steps"] = r.steps;
  j["decisions"] = r.decisions;
  j["budget_exhausted"] = r.budget_exhausted;
  j["exhausted"] = r.exhausted;
  if (r.exhausted) j["preemption_bound"] = r.preemption_bound;
  if (r.failure) {
    j["failure"] = failure_json(*r.failure, r.iteration, r.token, r.check, r);
  } else {
    j["failure"] = nullptr;
  }
  if (!r.findings.empty()) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const ExploreResult::Finding& f : r.findings) {
      nlohmann::ordered_json one = failure_json(f.failure, f.iteration, f.token, f.check, r);
      one["count"] = f.count;
      all.push_back(std::move(one));
    }
    j["findings"] = std::move(all);
  }
  if (!r.warnings.empty()) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const Failure& w : r.warnings) all.push_back(failure_json(w, 0, "", ScheduleCheck{}, r));
    j["warnings"] = std::move(all);
  }
  nlohmann::ordered_json st;
  st["distinct_schedules"] = r.distinct_schedules;
  st["peak_goroutines"] = r.peak_goroutines;
  if (r.strategy == StrategyKind::dfs) {
    st["preemption_bound"] = r.preemption_bound;
    st["bound_exhausted"] = r.exhausted;
  }
  nlohmann::ordered_json per = nlohmann::ordered_json::array();
  for (const ExploreResult::StrategyStats& p : r.per_strategy)
    per.push_back({{"name", p.name}, {"iterations", p.iterations}, {"failures", p.failures}});
  st["per_strategy"] = std::move(per);
  // Real time: the only fields that differ between two runs of the same seed.
  st["seconds"] = r.seconds;
  st["decisions_per_second"] = r.decisions_per_second();
  j["stats"] = std::move(st);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string ExploreResult::to_json() const { return result_json(*this, false); }

std::ostream& operator<<(std::ostream& os, const ExploreResult& r) { return os << r.to_string(); }

}  // namespace weft
