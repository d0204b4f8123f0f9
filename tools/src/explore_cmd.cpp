// `weft explore`: the work queue of (exploration, iteration range) batches, run by up to
// `jobs` worker processes at once.
//
// Invariants:
//  - every iteration of an exploration's shard slice is handed to exactly one worker, once:
//    the slice is cut into disjoint batches, and when a worker stops early (a finding, a
//    crash) only the iterations after the one it stopped in are queued again;
//  - a worker's iterations count as covered only when its report (or its crash report)
//    says they ran; what no worker covered is listed as a gap, never silently dropped.
#include "explore_cmd.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <cctype>
#include <map>
#include <memory>
#include <ostream>

#include "outcome.hpp"
#include "process.hpp"
#include "trace_export.hpp"

namespace weft::cli {

namespace {

struct Work {
  std::size_t exploration;  // index into the explorations
  std::uint64_t first, count;
  std::string dfs_part;     // dfs: "K/N", the part of the search tree (WEFT_DFS_SHARD)
};

struct Running {
  Work work;
  std::string report;
  std::unique_ptr<Capture> out = std::make_unique<Capture>(), err = std::make_unique<Capture>();
};

// The explorations to run: all of them, or the ones named (each must exist).
std::vector<Exploration> choose(const std::vector<Exploration>& all,
                                const std::vector<std::string>& only, const Target& t) {
  if (only.empty()) return all;
  std::vector<Exploration> out;
  for (const std::string& name : only) {
    // Named twice: explored once (two results of one name would be one exploration's
    // iterations run twice).
    if (std::any_of(out.begin(), out.end(), [&](const Exploration& e) { return e.name == name; }))
      continue;
    auto it = std::find_if(all.begin(), all.end(), [&](const Exploration& e) { return e.name == name; });
    if (it == all.end())
      throw UsageError(fmt::format("'{}' has no exploration named '{}'; see: weft list -- {}",
                                   t.binary, name, command_line({t.binary})));
    out.push_back(*it);
  }
  return out;
}

class ProgressLine {
 public:
  explicit ProgressLine(bool on) : on_(on) {}
  void draw(std::uint64_t done, std::uint64_t total, std::size_t findings, std::size_t workers,
            double seconds, std::optional<double> left) {
    if (!on_) return;
    double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    std::string line = fmt::format("weft: {}/{} iterations, {:.0f}/s, {} finding{}, {} worker{}",
                                   done, total, rate, findings, findings == 1 ? "" : "s", workers,
                                   workers == 1 ? "" : "s");
    if (left) line += fmt::format(", {:.0f}s left", *left);
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
  ~ProgressLine() {
    if (drawn_) {
      std::fprintf(stderr, "\r\033[K");
      std::fflush(stderr);
    }
  }

 private:
  bool on_;
  bool drawn_ = false;
};

}  // namespace

std::string& weft_command() {
  static std::string self = "weft";
  return self;
}

std::string replay_command(const Target& t, const std::string& name, const std::string& token) {
  std::vector<std::string> argv{weft_command(), "replay", token, "-e", name};
  if (t.protocol == Protocol::weft) {
    argv.push_back("--protocol");
    argv.push_back("weft");
  }
  argv.push_back("--");
  argv.push_back(t.binary);
  argv.insert(argv.end(), t.args.begin(), t.args.end());
  return command_line(argv);
}

RunResult run_explore(const ExploreConfig& cfg) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - started)
                                          .count());
  };
  Target target = make_target(cfg.command, cfg.protocol);
  if (!cfg.trace_dir.empty()) {
    // Made and checked before anything runs: a bad directory costs no exploring.
    std::error_code ec;
    std::filesystem::create_directories(cfg.trace_dir, ec);
    if (ec)
      throw UsageError(fmt::format("--trace-dir '{}': cannot create it: {}", cfg.trace_dir, ec.message()));
    if (!std::filesystem::is_directory(cfg.trace_dir))
      throw UsageError(fmt::format("--trace-dir '{}' is not a directory", cfg.trace_dir));
    if (::access(cfg.trace_dir.c_str(), W_OK | X_OK) != 0)
      throw UsageError(fmt::format("--trace-dir '{}' is not writable: {}", cfg.trace_dir,
                                   std::strerror(errno)));
  }
  Environment base = Environment::inherited();
  if (!cfg.hang_timeout.empty()) base.set("WEFT_HANG_TIMEOUT", cfg.hang_timeout);
  if (!cfg.max_steps.empty()) base.set("WEFT_MAX_STEPS", cfg.max_steps);
  TempDir tmp;
  if (cfg.keep_temp) tmp.keep();
  const std::vector<Exploration> listed = list_explorations(target, base, tmp.path().string());
  std::vector<std::string> listed_names;
  for (const Exploration& e : listed) listed_names.push_back(e.name);
  // A misspelt name in --expect is found before anything runs.
  if (cfg.expect) check_names(*cfg.expect, listed_names, fmt::format("'{}'", target.binary));
  std::vector<Exploration> chosen = choose(listed, cfg.only, target);

  RunResult result;
  result.binary = target.binary;
  result.args = target.args;
  result.protocol = protocol_name(target.protocol);
  result.strategy = cfg.strategy;
  result.seed = cfg.seed;
  result.iterations = cfg.iterations;
  result.shard_count = cfg.shard_count;
  const Range slice = shard_slice(cfg.iterations, cfg.shard_index, cfg.shard_count);
  result.shards = {slice};
  if (chosen.empty()) {
    result.errors.push_back(fmt::format("'{}' lists no explorations", target.binary));
    return result;
  }

  // 1. Cut each exploration's slice into batches. dfs is not indexed by iteration: each
  // worker gets a part of the search tree instead (shard K of N with J jobs: parts K*J+j of
  // N*J, WEFT_DFS_SHARD), with the whole iteration count as its cap, and is never resumed.
  const bool dfs = cfg.strategy.rfind("dfs", 0) == 0;
  const unsigned jobs = std::max(1u, cfg.jobs);
  const std::uint64_t len = slice.end - slice.first;
  std::uint64_t batch = cfg.batch;
  if (batch == 0) {
    // A few batches per worker, so the explorations share the workers evenly and the
    // progress line moves; at least 1, at most 10000 iterations per process.
    const std::uint64_t parts = std::uint64_t{jobs} * 4;
    batch = std::clamp<std::uint64_t>(len / parts + (len % parts != 0), 1, 10000);
  }
  // The batches are cut as they are handed out (`cursor`: each exploration's next iteration
  // not handed out yet), so a huge --iterations costs no memory; `queue` holds what comes
  // first: the dfs parts, and the rest of a batch whose worker stopped early.
  std::deque<Work> queue;
  std::vector<std::uint64_t> cursor(chosen.size(), dfs ? slice.end : slice.first);
  for (std::size_t e = 0; e < chosen.size(); ++e) {
    result.explorations.emplace_back().name = chosen[e].name;
    if (dfs)
      for (unsigned j = 0; j < jobs; ++j)
        queue.push_back({e, 0, cfg.iterations,
                         fmt::format("{}/{}", cfg.shard_index * jobs + j, cfg.shard_count * jobs)});
  }
  const unsigned __int128 all = static_cast<unsigned __int128>(dfs ? cfg.iterations : len) * (dfs ? jobs : 1) * chosen.size();
  const std::uint64_t total = all > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(all);

  // 2. Run them, `jobs` at a time.
  std::map<pid_t, Running> running;
  std::vector<bool> stopped(chosen.size(), false);  // max_findings reached, or no explore()
  std::uint64_t done = 0, serial = 0;
  bool out_of_time = false;
  ProgressLine progress(cfg.progress);
  auto drop_queued = [&](std::size_t e) {
    std::erase_if(queue, [&](const Work& w) { return w.exploration == e; });
  };
  auto has_work = [&] {
    if (!queue.empty()) return true;
    for (std::size_t e = 0; e < chosen.size(); ++e)
      if (!stopped[e] && cursor[e] < slice.end) return true;
    return false;
  };
  auto next_work = [&]() -> Work {
    if (!queue.empty()) {
      Work w = queue.front();
      queue.pop_front();
      return w;
    }
    for (std::size_t e = 0;; ++e)
      if (!stopped[e] && cursor[e] < slice.end) {
        const std::uint64_t n = std::min(batch, slice.end - cursor[e]);
        cursor[e] += n;
        return {e, cursor[e] - n, n, {}};
      }
  };
  InterruptGuard interrupt_guard;
  bool stopped_by_signal = false;
  std::size_t at_once = jobs;  // lowered when a worker cannot be started
  bool cannot_start = false;
  while ((has_work() && !cannot_start) || !running.empty()) {
    while (running.size() < at_once && has_work() && !out_of_time && !cannot_start) {
      std::optional<std::uint64_t> budget;
      if (cfg.time_budget_ms > 0) {
        std::uint64_t used = elapsed_ms();
        if (used >= cfg.time_budget_ms) {
          out_of_time = true;
          break;
        }
        budget = cfg.time_budget_ms - used;
      }
      Work w = next_work();
      const std::string stem = fmt::format("{}/w{}", tmp.path().string(), serial++);
      Running r{w, stem + ".json"};
      // The worker's WEFT_PROGRESS word (runtime/src/progress.hpp), zero until it starts an
      // iteration. Not made (a full disk): the worker runs without it, as before.
      const std::string progress_path = stem + ".progress";
      if (!(std::ofstream(progress_path, std::ios::binary) << std::string(8, '\0')))
        std::filesystem::remove(progress_path);
      WorkerRequest req;
      req.exploration = chosen[w.exploration].name;
      req.strategy = cfg.strategy;
      req.seed = cfg.seed;
      req.first = w.first;
      req.count = w.count;
      req.report_path = r.report;
      req.time_budget_ms = budget;
      req.dfs_shard = w.dfs_part;
      if (std::filesystem::exists(progress_path)) req.progress_path = progress_path;
      pid_t pid = 0;
      try {
        pid = spawn(exploration_argv(target, chosen[w.exploration].name),
                    worker_environment(base, req), *r.out, *r.err);
      } catch (const UsageError& e) {
        // No process to be had (a process or memory limit) or the binary gone: the batch
        // goes back; with workers still running, fewer at once from now on; with none, the
        // run ends here, keeping what it found and listing what it did not explore.
        queue.push_front(w);
        if (!running.empty()) {
          at_once = running.size();
          break;
        }
        result.errors.push_back(fmt::format("{}; the run stopped there", e.what()));
        cannot_start = true;
        break;
      }
      running.emplace(pid, std::move(r));
    }
    if (running.empty()) break;
    std::vector<pid_t> pids;
    for (const auto& [p, _] : running) pids.push_back(p);
    auto ended = wait_any(pids, std::chrono::milliseconds(200));
    if (const int sig = interrupted()) {
      // Before reading any worker's end: one that died of the same ^C is no finding.
      for (const auto& [p, _] : running) ::kill(-p, SIGKILL);  // its process group
      for (const auto& [p, _] : running)
        if (!ended || p != ended->first) (void)wait_for(p);
      running.clear();
      result.errors.push_back(fmt::format(
          "interrupted by {}: the workers were stopped; what they had not reported is not "
          "explored",
          signal_name(sig)));
      stopped_by_signal = true;
      break;
    }
    std::optional<double> left;
    if (cfg.time_budget_ms > 0)
      left = std::max(0.0, (static_cast<double>(cfg.time_budget_ms) - elapsed_ms()) / 1000.0);
    if (!ended) {
      progress.draw(done, total, result.finding_count(), running.size(), elapsed_ms() / 1000.0, left);
      continue;
    }
    Running r = std::move(running.at(ended->first));
    running.erase(ended->first);
    const Work& w = r.work;
    ExplorationResult& ex = result.explorations[w.exploration];
    const std::string out = r.out->text(), err = r.err->text();
    if (cfg.keep_temp) {  // what was kept of the worker's output, for debugging weft
      std::ofstream(r.report.substr(0, r.report.size() - 5) + ".out", std::ios::binary) << out;
      std::ofstream(r.report.substr(0, r.report.size() - 5) + ".err", std::ios::binary) << err;
    }
    std::uint64_t progress_word = 0;
    {
      const std::string word = read_file(r.report.substr(0, r.report.size() - 5) + ".progress");
      if (word.size() == sizeof progress_word)
        std::memcpy(&progress_word, word.data(), sizeof progress_word);
    }
    WorkerOutcome o = interpret(w.first, w.count, ended->second, read_file(r.report), out, err,
                                target.protocol == Protocol::gtest, progress_word);
    auto add_finding = [&](Finding f) {
      if (f.strategy.empty()) f.strategy = cfg.strategy;
      if (f.seed == 0) f.seed = cfg.seed;
      if (!f.token.empty()) {
        f.replay = replay_command(target, ex.name, f.token);
      } else if (f.iteration && !dfs) {
        // Died without writing its schedule (SIGKILL, _exit): the iteration re-runs alone.
        f.replay = rerun_command(target, ex.name, f.strategy, f.seed, *f.iteration);
      }
      ex.findings.push_back(std::move(f));
      if (ex.findings.size() >= cfg.max_findings && !stopped[w.exploration]) {
        stopped[w.exploration] = true;
        ex.notes.push_back(fmt::format("stopped after {} finding{} (--max-findings)",
                                       ex.findings.size(), ex.findings.size() == 1 ? "" : "s"));
        drop_queued(w.exploration);
      }
    };
    // WEFT_KEEP_GOING: what the worker reported before its end (or besides its first
    // finding), kept whatever else its end says.
    for (Finding& f : o.also) add_finding(std::move(f));
    if (o.error) {
      // Workers running side by side meet the same bad configuration: said once.
      std::string error = fmt::format("{}: {}", ex.name, *o.error);
      if (std::find(result.errors.begin(), result.errors.end(), error) == result.errors.end())
        result.errors.push_back(std::move(error));
      stopped[w.exploration] = true;
      drop_queued(w.exploration);
      continue;
    }
    if (!o.ran_explore) {
      if (!stopped[w.exploration])
        ex.notes.push_back("the test ran without calling weft::explore: nothing was explored");
      stopped[w.exploration] = true;
      drop_queued(w.exploration);
      continue;
    }
    done += o.covered_end - w.first;
    if (dfs) {  // a restarted search would run its first schedules again: never resumed
      o.resumable = false;
      ex.searched += o.covered_end - w.first;
      if (!o.search_exhausted && !o.finding && !o.budget_exhausted)
        ex.notes.push_back(fmt::format("part {} of the dfs search was not exhausted within {} "
                                       "iterations",
                                       w.dfs_part, w.count));
    } else {
      add_range(ex.covered, {w.first, o.covered_end});
    }
    ex.steps += o.steps;
    result.budget_exhausted |= o.budget_exhausted;
    if (o.finding) add_finding(std::move(*o.finding));
    // The rest of the batch goes on in a fresh worker.
    if (o.resumable && !stopped[w.exploration] && !out_of_time)
      queue.push_front({w.exploration, o.covered_end, w.first + w.count - o.covered_end, {}});
    progress.draw(done, total, result.finding_count(), running.size(), elapsed_ms() / 1000.0, left);
  }
  if (out_of_time) result.budget_exhausted = true;

  // 3. Say what was not covered, and why.
  for (std::size_t e = 0; e < chosen.size(); ++e) {
    ExplorationResult& ex = result.explorations[e];
    std::sort(ex.findings.begin(), ex.findings.end(), [](const Finding& a, const Finding& b) {
      return a.iteration.value_or(UINT64_MAX) < b.iteration.value_or(UINT64_MAX);
    });
    if (range_total(ex.covered) == 0 && !ex.notes.empty()) continue;
    if (dfs) continue;  // parts of a search tree, not iteration ranges: noted above
    auto missing = gaps(ex.covered, slice);
    if (missing.empty()) continue;
    std::string list;
    for (const Range& g : missing) list += fmt::format("{}[{}, {})", list.empty() ? "" : ", ", g.first, g.end);
    ex.notes.push_back(fmt::format("iterations not explored: {}{}", list,
                                   result.budget_exhausted ? " (time budget)" : ""));
  }
  // 4. With --trace-dir: each finding's schedule replayed once more, traced, as HTML.
  if (!cfg.trace_dir.empty() && !stopped_by_signal) {
    for (ExplorationResult& ex : result.explorations) {
      for (Finding& f : ex.findings) {
        if (f.token.empty()) continue;
        std::string stem;
        for (char c : ex.name) stem += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
        stem += f.iteration ? fmt::format("-iteration-{}", *f.iteration + 1) : "-replay";
        const std::string events = (tmp.path() / (stem + ".jsonl")).string();
        const std::string html = (std::filesystem::path(cfg.trace_dir) / (stem + ".html")).string();
        WorkerRequest req;
        req.exploration = ex.name;
        req.replay = f.token;
        req.report_path = (tmp.path() / (stem + ".json")).string();
        req.trace_path = events;
        try {
          Capture out, err;  // not read: the trace is what this replay is for
          (void)wait_for(spawn(exploration_argv(target, ex.name), worker_environment(base, req),
                               out, err));
        } catch (const UsageError& e) {
          result.errors.push_back(fmt::format("--trace-dir: {} (the trace of {}'s finding in iteration {})",
                                              e.what(), ex.name, f.iteration ? *f.iteration + 1 : 0));
          continue;
        }
        if (!std::filesystem::exists(events)) {
          ex.notes.push_back(fmt::format("no trace of the finding in iteration {}: its replay wrote none",
                                         f.iteration ? *f.iteration + 1 : 0));
          continue;
        }
        // A trace that cannot be read (cut short by a full disk) or written costs the trace,
        // never the finding.
        try {
          Trace trace = parse_trace(read_file(events), events);
          if (trace.report.empty()) {
            trace.failure = f.kind;
            trace.report = f.report;
          }
          write_file_whole(html, html_timeline(trace, fmt::format("{}: {} ({})", ex.name, f.kind, f.token)),
                           "--trace-dir");
          f.trace = html;
        } catch (const UsageError& e) {
          result.errors.push_back(fmt::format("{} (the trace of {}'s finding in iteration {})",
                                              e.what(), ex.name, f.iteration ? *f.iteration + 1 : 0));
        }
      }
    }
  }
  if (cfg.expect) judge(result, *cfg.expect, listed_names);
  result.seconds = elapsed_ms() / 1000.0;
  return result;
}

}  // namespace weft::cli
