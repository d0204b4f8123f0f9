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

WorkerOutcome interpret(std::uint64_t first, std::uint64_t count, const ExitStatus& status,
                        const std::string& report_json, const std::string& out,
                        const std::string& err, bool status_is_verdict,
                        std::uint64_t progress) {
  WorkerOutcome w;
  w.covered_end = first;
  const std::uint64_t end = first + count;

  // 1. The worker finished its explore() call and wrote the result.
  if (!report_json.empty()) {
    nlohmann::json j = nlohmann::json::parse(report_json, nullptr, false);
    // A test that called explore() more than once wrote all its results (the runtime's
    // weft.explore-runs/1): the first that failed is the finding, else the last one.
    if (!j.is_discarded() && j.is_object() && j.value("schema", "") == "weft.explore-runs/1" &&
        j["runs"].is_array() && !j["runs"].empty()) {
      nlohmann::json pick = j["runs"].back();
      for (const auto& run : j["runs"])
        if (run.is_object() && run.contains("failure") && run["failure"].is_object()) {
          pick = run;
          break;
        }
      j = std::move(pick);
    }
    if (j.is_discarded() || !j.is_object() || j.value("schema", "") != "weft.explore/1") {
      w.error = "the worker wrote a WEFT_REPORT that is not weft.explore/1 JSON; is the binary "
                "built with the same weft?";
      return w;
    }
    const std::uint64_t ran = j.value("iterations", std::uint64_t{0});
    w.steps = j.value("steps", std::uint64_t{0});
    w.budget_exhausted = j.value("budget_exhausted", false);
    w.search_exhausted = j.value("exhausted", false);
    const nlohmann::json& fail = j["failure"];
    if (fail.is_object()) {
      const std::string kind = fail.value("kind", "failure");
      if (kind == "configuration error") {
        w.error = fail.value("report", std::string("configuration error"));
        return w;
      }
      Finding f;
      f.kind = kind;
      f.iteration = fail.value("iteration", first);
      f.seed = j.value("seed", std::uint64_t{0});
      f.strategy = j.value("strategy", std::string());
      f.token = fail.value("token", std::string());
      f.report = fail.value("report", std::string());
      read_failure_fields(fail, f);
      // Written by the runtime as the worker died (report_file.hpp): how it ended matters.
      if (kind == "crash" || kind == "hang") f.ended = status.describe();
      w.finding = std::move(f);
      w.covered_end = std::min(end, *w.finding->iteration + 1);
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
        f.report = fmt::format("the worker exited with status 0 in iteration {} and left no "
                               "report: something ended the process without running its exit "
                               "handlers (_exit() or _Exit()), so its schedule was not written; "
                               "the iteration runs again alone with the command below; its "
                               "output:\n{}",
                               *in_iteration + 1, tail(both, 4000));
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
    f.report = fmt::format("the worker ended with {} in iteration {} and left no report{}, so its "
                           "schedule was not written and there is no token; the iteration runs "
                           "again alone (its schedule depends only on the strategy, the seed and "
                           "its number) with the command below; its output:\n{}",
                           status.describe(), *in_iteration + 1,
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
                           "iteration, and left no report, so no schedule reproduces it; the "
                           "iterations after it go on in a fresh worker; its output:\n{}",
                           status.describe(), *after_iteration + 1, tail(both, 4000));
    w.finding = std::move(f);
    return w;
  }
  f.report = fmt::format("the worker ended with {} and left no report, so no schedule "
                         "reproduces it: {}; its output:\n{}",
                         status.describe(),
                         killed ? "SIGKILL cannot be caught, so it may have come in an explored "
                                  "iteration (the out-of-memory killer, a memory limit of the "
                                  "cgroup, or kill -9) or outside one"
                                : "it ended outside an explored iteration",
                         tail(both, 4000));
  f.ended = status.describe();
  w.finding = std::move(f);
  return w;
}

}  // namespace weft::cli
