// Reading a worker's end; see outcome.hpp.
#include "outcome.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>

namespace weft::cli {

namespace {

constexpr int kHangExitStatus = 124;  // runtime/src/watchdog.hpp

std::string tail(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  // From a line's start, unless the only line break is the last character (a line longer
  // than n: its end is kept).
  auto nl = s.find('\n', s.size() - n);
  return "...\n" + s.substr(nl == std::string::npos || nl + 1 == s.size() ? s.size() - n : nl + 1);
}

}  // namespace

std::optional<FatalReport> parse_fatal_report(const std::string& err) {
  static const std::regex header(
      R"(weft: (crash|hang) in (?:iteration (\d+) \(strategy (\w+), seed (\d+)\)|replayed schedule)\n)");
  std::optional<FatalReport> found;
  for (auto it = std::sregex_iterator(err.begin(), err.end(), header); it != std::sregex_iterator();
       ++it) {
    const std::smatch& m = *it;
    FatalReport f;
    f.kind = m[1];
    if (m[2].matched) {
      f.iteration = std::stoull(m[2]) - 1;
      f.strategy = m[3];
      f.seed = std::stoull(m[4]);
    } else {
      f.strategy = "replay";
    }
    std::size_t body = static_cast<std::size_t>(m.position(0) + m.length(0));
    if (body < err.size() && err[body] == '\n') ++body;
    static const std::string marker = "\nreplay with: WEFT_REPLAY=";
    std::size_t at = err.find(marker, body);
    if (at == std::string::npos) {
      f.report = err.substr(body);
    } else {
      f.report = err.substr(body, at + 1 - body);
      while (f.report.size() >= 2 && f.report.ends_with("\n\n")) f.report.pop_back();
      std::size_t t = at + marker.size();
      std::size_t e = err.find_first_of(" \n", t);
      f.token = err.substr(t, e == std::string::npos ? std::string::npos : e - t);
    }
    found = std::move(f);
  }
  return found;
}

namespace {

Finding finding_from(const nlohmann::json& fail, const nlohmann::json& run) {
  Finding f;
  f.kind = fail.value("kind", "failure");
  if (fail.contains("iteration") && fail["iteration"].is_number_unsigned())
    f.iteration = fail["iteration"].get<std::uint64_t>();
  f.seed = fail.value("seed", run.value("seed", std::uint64_t{0}));
  f.strategy = fail.value("strategy", run.value("strategy", std::string()));
  f.token = fail.value("token", std::string());
  f.report = fail.value("report", std::string());
  read_failure_fields(fail, f);
  return f;
}

bool same_finding(const Finding& a, const Finding& b) {
  return a.kind == b.kind && a.iteration == b.iteration && a.token == b.token;
}

// How a worker without a final report ended (steps 2 and 3 of interpret): `reported` is how
// many findings a partial report of it holds (they are not lost: they are said to be listed).
WorkerOutcome read_end(std::uint64_t first, std::uint64_t count, const ExitStatus& status,
                       const std::string& out, const std::string& err, bool status_is_verdict,
                       std::uint64_t progress, std::size_t reported);

}  // namespace

WorkerOutcome interpret(std::uint64_t first, std::uint64_t count, const ExitStatus& status,
                        const std::string& report_json, const std::string& out,
                        const std::string& err, bool status_is_verdict,
                        std::uint64_t progress) {
  WorkerOutcome w;
  w.covered_end = first;
  const std::uint64_t end = first + count;

  // 1. The worker finished its explore() call and wrote the result (or, with
  // WEFT_KEEP_GOING, the findings so far: "partial").
  if (!report_json.empty()) {
    nlohmann::json j = nlohmann::json::parse(report_json, nullptr, false);
    std::vector<Finding> earlier_runs;  // failures of a dying process's earlier explore() calls
    // A test that called explore() more than once wrote all its results (the runtime's
    // weft.explore-runs/1): the first that failed is the finding, else the last one.
    if (!j.is_discarded() && j.is_object() && j.value("schema", "") == "weft.explore-runs/1" &&
        j["runs"].is_array() && !j["runs"].empty()) {
      nlohmann::json pick = j["runs"].back();
      if (pick.is_object() && pick.value("partial", false)) {
        // The process died in its last run (a keep-going one): that run's end is read, and
        // the earlier runs' failures are kept with its findings.
        for (std::size_t k = 0; k + 1 < j["runs"].size(); ++k) {
          const nlohmann::json& run = j["runs"][k];
          if (run.is_object() && run.contains("failure") && run["failure"].is_object() &&
              run["failure"].value("kind", "") != "configuration error")
            earlier_runs.push_back(finding_from(run["failure"], run));
        }
      } else {
        for (const auto& run : j["runs"])
          if (run.is_object() && run.contains("failure") && run["failure"].is_object()) {
            pick = run;
            break;
          }
      }
      j = std::move(pick);
    }
    if (j.is_discarded() || !j.is_object() || j.value("schema", "") != "weft.explore/1") {
      w.error = "the worker wrote a WEFT_REPORT that is not weft.explore/1 JSON; is the binary "
                "built with the same weft?";
      return w;
    }
    const std::uint64_t ran = j.value("iterations", std::uint64_t{0});
    const nlohmann::json& fail = j["failure"];
    // WEFT_KEEP_GOING: every distinct failure, the first also in "failure".
    std::vector<Finding> listed;
    if (j.contains("findings") && j["findings"].is_array())
      for (const auto& x : j["findings"])
        if (x.is_object()) listed.push_back(finding_from(x, j));
    if (j.value("partial", false) && fail.is_object()) {
      // Written as each finding was found; the worker went on and never finished: its end
      // is read as if there were no report, and every finding the report holds is kept.
      if (listed.empty()) listed.push_back(finding_from(fail, j));
      listed.insert(listed.begin(), earlier_runs.begin(), earlier_runs.end());
      for (Finding& f : listed)
        if (!f.iteration) f.iteration = first;
      WorkerOutcome d = read_end(first, count, status, out, err, status_is_verdict, progress,
                                 listed.size());
      std::uint64_t reported_end = std::min(end, first + ran);
      for (const Finding& f : listed) reported_end = std::max(reported_end, std::min(end, *f.iteration + 1));
      if (reported_end > d.covered_end) {
        d.covered_end = reported_end;
        d.resumable = reported_end < end;
      }
      d.steps = std::max(d.steps, j.value("steps", std::uint64_t{0}));
      if (!d.ran_explore) {
        // Exited 0 outside an iteration without finishing explore(): _exit() between
        // iterations.
        d.ran_explore = true;
        Finding f;
        f.kind = "crash";
        f.report = fmt::format("the worker exited with status 0 after its findings, before its "
                               "exploration finished, and left no final report: something ended "
                               "the process without running its exit handlers (_exit() or "
                               "_Exit()); its output:\n{}",
                               tail(out + err, 4000));
        f.ended = status.describe();
        d.finding = std::move(f);
      }
      d.also = std::move(listed);
      return d;
    }
    w.steps = j.value("steps", std::uint64_t{0});
    w.budget_exhausted = j.value("budget_exhausted", false);
    w.search_exhausted = j.value("exhausted", false);
    if (fail.is_object()) {
      const std::string kind = fail.value("kind", "failure");
      if (kind == "configuration error") {
        w.error = fail.value("report", std::string("configuration error"));
        return w;
      }
      Finding f = finding_from(fail, j);
      if (!f.iteration) f.iteration = first;
      // Written by the runtime as the worker died (report_file.hpp): how it ended matters.
      if (kind == "crash" || kind == "hang") f.ended = status.describe();
      w.covered_end = std::min(end, *f.iteration + 1);
      if (!listed.empty()) {
        // A keep-going worker explored on after its first finding: all it ran is covered.
        w.covered_end = std::max(w.covered_end, std::min(end, first + ran));
        for (Finding& x : listed)
          if (!same_finding(x, f)) {
            if (!x.iteration) x.iteration = first;
            w.also.push_back(std::move(x));
          }
      }
      w.finding = std::move(f);
    } else {
      w.covered_end = std::min(end, first + ran);
      if (!status.success() && (status_is_verdict || status.signaled)) {
        // The exploration passed, but the binary failed (an EXPECT after explore(), or an
        // earlier explore() call in the same test).
        Finding f;
        f.kind = "test failure";
        f.report = tail(out + err, 4000);
        f.ended = status.describe();
        w.finding = std::move(f);
      }
    }
    w.resumable = !w.budget_exhausted && w.covered_end < end;
    return w;
  }
  return read_end(first, count, status, out, err, status_is_verdict, progress, 0);
}

namespace {

WorkerOutcome read_end(std::uint64_t first, std::uint64_t count, const ExitStatus& status,
                       const std::string& out, const std::string& err, bool status_is_verdict,
                       std::uint64_t progress, std::size_t reported) {
  WorkerOutcome w;
  w.covered_end = first;
  const std::uint64_t end = first + count;
  // What the worker had reported before it ended, which the finding of its end is not.
  const std::string no_report =
      reported == 0 ? std::string("left no report")
                    : fmt::format("reported only the {} finding{} it had found before, listed "
                                  "on {} own",
                                  reported, reported == 1 ? "" : "s",
                                  reported == 1 ? "its" : "their");

  // 2. It died during an iteration: the runtime printed a report with the token.
  if (auto fatal = parse_fatal_report(err)) {
    Finding f;
    f.kind = fatal->kind;
    f.iteration = fatal->iteration;
    f.seed = fatal->seed;
    f.strategy = fatal->strategy;
    f.token = fatal->token;
    f.report = fatal->report;
    f.ended = status.describe();
    if (f.iteration && *f.iteration >= first && *f.iteration < end) {
      w.covered_end = *f.iteration + 1;
      w.resumable = w.covered_end < end;
    }
    w.finding = std::move(f);
    return w;
  }

  // 3. Neither. What WEFT_PROGRESS says: the iteration the worker was in, or the last one it
  // finished (words for iterations it was not given are ignored).
  std::optional<std::uint64_t> in_iteration, after_iteration;
  if (progress >= 2 && (progress >> 1) - 1 >= first && (progress >> 1) - 1 < end)
    ((progress & 1) ? in_iteration : after_iteration) = (progress >> 1) - 1;
  auto died_at = [&](std::uint64_t i) {
    w.covered_end = i + 1;
    w.resumable = w.covered_end < end;
  };
  const std::string both = out + err;
  if (auto at = both.find("weft: configuration error"); at != std::string::npos) {
    w.error = both.substr(at);
    return w;
  }
  if (status.success()) {
    // GoogleTest says when a test starts and how it ended: a test that started and never
    // ended, in a process that exited 0 without weft's report, was cut off by something
    // that runs no exit handler (_exit(), _Exit()) — inside explore() as far as anyone knows.
    // Whatever the protocol, a worker whose WEFT_PROGRESS word says it was in an iteration
    // was cut off there.
    if (in_iteration ||
        (status_is_verdict && out.find("[ RUN      ]") != std::string::npos &&
         out.find("[       OK ]") == std::string::npos &&
         out.find("[  FAILED  ]") == std::string::npos &&
         out.find("[  SKIPPED ]") == std::string::npos)) {
      Finding f;
      f.kind = "crash";
      if (in_iteration) {
        f.iteration = in_iteration;
        died_at(*in_iteration);
        f.report = fmt::format("the worker exited with status 0 in iteration {} and {}: "
                               "something ended the process without running its exit "
                               "handlers (_exit() or _Exit()), so its schedule was not written; "
                               "the iteration runs again alone with the command below; its "
                               "output:\n{}",
                               *in_iteration + 1, no_report, tail(both, 4000));
      } else {
        f.report = fmt::format("the worker exited with status 0 in the middle of its test and "
                               "left no report: something ended the process without running its "
                               "exit handlers (_exit() or _Exit()), so no schedule reproduces it; "
                               "its output:\n{}",
                               tail(both, 4000));
      }
      f.ended = status.describe();
      w.finding = std::move(f);
      return w;
    }
    w.ran_explore = false;
    return w;
  }
  if (!status.signaled && status.code == 2 && both.find("[  FAILED  ]") == std::string::npos) {
    w.error = fmt::format("the binary rejected its input (exit status 2):\n{}", tail(both, 2000));
    return w;
  }
  Finding f;
  f.kind = status.signaled || status.code == kHangExitStatus ? "crash" : "test failure";
  // The runtime reports every end it can see inside an iteration (a fault, a catchable
  // signal, exit()): no report means outside one, or an end nothing in the process sees.
  const bool killed = status.signaled && status.signal == SIGKILL;
  f.ended = status.describe();
  if (in_iteration) {
    // The runtime had said it started this iteration and not that it ended.
    f.iteration = in_iteration;
    died_at(*in_iteration);
    f.report = fmt::format("the worker ended with {} in iteration {} and {}{}, so its "
                           "schedule was not written and there is no token; the iteration runs "
                           "again alone (its schedule depends only on the strategy, the seed and "
                           "its number) with the command below; its output:\n{}",
                           status.describe(), *in_iteration + 1, no_report,
                           killed ? " (SIGKILL cannot be caught: the out-of-memory killer, a "
                                    "memory limit of the cgroup, or kill -9)"
                                  : "",
                           tail(both, 4000));
    w.finding = std::move(f);
    return w;
  }
  if (after_iteration) {
    died_at(*after_iteration);
    f.report = fmt::format("the worker ended with {} after iteration {}, outside any explored "
                           "iteration, and {}, so no schedule reproduces it; the "
                           "iterations after it go on in a fresh worker; its output:\n{}",
                           status.describe(), *after_iteration + 1, no_report, tail(both, 4000));
    w.finding = std::move(f);
    return w;
  }
  f.report = fmt::format("the worker ended with {} and {}, so no schedule "
                         "reproduces it: {}; its output:\n{}",
                         status.describe(), no_report,
                         killed ? "SIGKILL cannot be caught, so it may have come in an explored "
                                  "iteration (the out-of-memory killer, a memory limit of the "
                                  "cgroup, or kill -9) or outside one"
                                : "it ended outside an explored iteration",
                         tail(both, 4000));
  f.ended = status.describe();
  w.finding = std::move(f);
  return w;
}

}  // namespace

}  // namespace weft::cli
