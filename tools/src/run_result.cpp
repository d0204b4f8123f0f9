// The run result and its JSON; see run_result.hpp.
#include "run_result.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "process.hpp"
#include "render.hpp"

namespace weft::cli {

std::uint64_t add_range(std::vector<Range>& ranges, Range r) {
  if (r.first >= r.end) return 0;
  std::uint64_t overlap = 0;
  for (const Range& x : ranges) {
    std::uint64_t lo = std::max(x.first, r.first), hi = std::min(x.end, r.end);
    if (lo < hi) overlap += hi - lo;
  }
  ranges.push_back(r);
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.first < b.first; });
  std::vector<Range> merged;
  for (const Range& x : ranges) {
    if (!merged.empty() && x.first <= merged.back().end)
      merged.back().end = std::max(merged.back().end, x.end);
    else
      merged.push_back(x);
  }
  ranges = std::move(merged);
  return overlap;
}

std::uint64_t range_total(const std::vector<Range>& ranges) {
  std::uint64_t n = 0;
  for (const Range& r : ranges) n += r.end - r.first;
  return n;
}

std::uint64_t iterations_run(const ExplorationResult& e) {
  return range_total(e.covered) + e.searched;
}

std::vector<Range> gaps(const std::vector<Range>& ranges, Range whole) {
  std::vector<Range> out;
  std::uint64_t at = whole.first;
  for (const Range& r : ranges) {
    if (r.end <= at) continue;
    if (r.first >= whole.end) break;
    if (r.first > at) out.push_back({at, r.first});
    at = std::max(at, r.end);
  }
  if (at < whole.end) out.push_back({at, whole.end});
  return out;
}

Range shard_slice(std::uint64_t total, std::uint64_t k, std::uint64_t n) {
  auto at = [&](std::uint64_t i) {
    return static_cast<std::uint64_t>(static_cast<unsigned __int128>(total) * i / n);
  };
  return {at(k), at(k + 1)};
}

std::size_t RunResult::finding_count() const {
  std::size_t n = 0;
  for (const auto& e : explorations) n += e.findings.size();
  return n;
}

std::size_t RunResult::new_finding_count() const {
  std::size_t n = 0;
  for (const auto& e : explorations)
    for (const auto& f : e.findings) n += !f.expected.value_or(false);
  return n;
}

std::size_t RunResult::missing_count() const {
  std::size_t n = 0;
  for (const auto& e : explorations) n += e.missing;
  return n;
}

int RunResult::exit_code() const {
  if (!errors.empty()) return kExitUsage;
  if (!expect_file.empty())
    return new_finding_count() > 0 || missing_count() > 0 ? kExitFindings : kExitClean;
  return finding_count() > 0 ? kExitFindings : kExitClean;
}

namespace {

nlohmann::ordered_json ranges_json(const std::vector<Range>& rs) {
  auto a = nlohmann::ordered_json::array();
  for (const Range& r : rs) a.push_back({r.first, r.end});
  return a;
}

std::vector<Range> ranges_from(const nlohmann::json& j, const std::string& what) {
  std::vector<Range> out;
  if (!j.is_array()) throw UsageError(what + " is not an array of [first, end] pairs");
  for (const auto& p : j) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number_unsigned() || !p[1].is_number_unsigned() ||
        p[0].get<std::uint64_t>() > p[1].get<std::uint64_t>())
      throw UsageError(what + " holds " + p.dump() + ", not a [first, end] pair with first <= end");
    add_range(out, {p[0].get<std::uint64_t>(), p[1].get<std::uint64_t>()});
  }
  return out;
}

template <class T>
T field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key))
    throw UsageError(fmt::format("{}: the field '{}' is missing", where, key));
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw UsageError(fmt::format("{}: the field '{}' has the wrong type ({})", where, key,
                                 j.at(key).dump()));
  }
}

Finding finding_from(const nlohmann::json& f, const std::string& where) {
  Finding x;
  x.kind = field<std::string>(f, "kind", where);
  if (f.contains("iteration") && !f["iteration"].is_null())
    x.iteration = field<std::uint64_t>(f, "iteration", where);
  x.seed = f.value("seed", std::uint64_t{0});
  x.strategy = f.value("strategy", std::string());
  x.token = f.value("token", std::string());
  x.report = f.value("report", std::string());
  x.ended = f.value("ended", std::string());
  x.replay = f.value("replay", std::string());
  x.trace = f.value("trace", std::string());
  read_failure_fields(f, x);
  return x;
}

}  // namespace

void read_failure_fields(const nlohmann::json& failure, Finding& f) {
  if (!failure.is_object()) return;
  if (failure.contains("message") && failure["message"].is_string())
    f.message = failure["message"].get<std::string>();
  if (failure.contains("locations") && failure["locations"].is_array()) {
    for (const auto& l : failure["locations"]) {
      if (!l.is_object() || !l.contains("file") || !l["file"].is_string() ||
          !l.contains("line") || !l["line"].is_number_unsigned())
        continue;
      f.locations.push_back({l["file"].get<std::string>(), l["line"].get<std::uint64_t>(),
                             l.value("column", std::uint64_t{0}),
                             l.value("function", std::string())});
    }
  }
  for (const char* key : {"goroutines", "goroutines_omitted", "accesses", "cycle"})
    if (failure.contains(key)) f.details[key] = failure[key];
}

std::vector<SourceLocation> finding_locations(const Finding& f) {
  if (!f.locations.empty()) return f.locations;
  return report_locations(f.report);
}

nlohmann::ordered_json to_json(const RunResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "weft.run/1";
  j["binary"] = r.binary;
  j["args"] = r.args;
  j["protocol"] = r.protocol;
  j["strategy"] = r.strategy;
  j["seed"] = r.seed;
  j["iterations"] = r.iterations;
  j["shard_count"] = r.shard_count;
  j["shards"] = ranges_json(r.shards);
  j["budget_exhausted"] = r.budget_exhausted;
  j["seconds"] = r.seconds;
  j["findings"] = r.finding_count();
  auto ex = nlohmann::ordered_json::array();
  for (const auto& e : r.explorations) {
    nlohmann::ordered_json o;
    o["name"] = e.name;
    o["covered"] = ranges_json(e.covered);
    o["iterations"] = iterations_run(e);
    o["steps"] = e.steps;
    auto fs = nlohmann::ordered_json::array();
    for (const auto& f : e.findings) {
      nlohmann::ordered_json o2;
      o2["kind"] = f.kind;
      o2["iteration"] = f.iteration ? nlohmann::ordered_json(*f.iteration) : nlohmann::ordered_json();
      o2["seed"] = f.seed;
      o2["strategy"] = f.strategy;
      o2["token"] = f.token;
      o2["report"] = f.report;
      if (!f.message.empty()) o2["message"] = f.message;
      if (!f.locations.empty()) {
        auto ls = nlohmann::ordered_json::array();
        for (const SourceLocation& l : f.locations)
          ls.push_back({{"function", l.function}, {"file", l.file}, {"line", l.line},
                        {"column", l.column}});
        o2["locations"] = std::move(ls);
      }
      for (const auto& [k, v] : f.details.items()) o2[k] = v;
      o2["ended"] = f.ended;
      o2["replay"] = f.replay;
      if (!f.trace.empty()) o2["trace"] = f.trace;
      if (f.expected) o2["expected"] = *f.expected;
      fs.push_back(std::move(o2));
    }
    o["findings"] = std::move(fs);
    o["notes"] = e.notes;
    if (!r.expect_file.empty()) {
      o["expected_kinds"] = e.expected_kinds;
      o["missing"] = e.missing;
    }
    ex.push_back(std::move(o));
  }
  j["explorations"] = std::move(ex);
  j["errors"] = r.errors;
  if (!r.expect_file.empty())
    j["expect"] = {{"file", r.expect_file},
                   {"new_findings", r.new_finding_count()},
                   {"missing", r.missing_count()},
                   {"missing_judged", r.missing_judged}};
  return j;
}

RunResult from_json(const nlohmann::json& j, const std::string& source, const std::string& name) {
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string())
    throw UsageError(fmt::format("{}: not a weft report (no \"schema\" field); give a file written "
                                 "by weft explore --report or by WEFT_REPORT",
                                 source));
  const std::string schema = j["schema"];
  RunResult r;
  if (schema == "weft.explore-runs/1") {
    // Every explore() call of one process (runtime/src/report_file.hpp): each run becomes
    // an exploration, `name#1`, `name#2`, ... in call order.
    if (!j.contains("runs") || !j["runs"].is_array() || j["runs"].empty())
      throw UsageError(source + ": the field 'runs' is missing, empty or not an array");
    std::size_t k = 0;
    for (const auto& run : j["runs"]) {
      ++k;
      RunResult one = from_json(run, fmt::format("{}: run {}", source, k), fmt::format("{}#{}", name, k));
      if (k == 1) {
        r = one;
        continue;
      }
      r.iterations = std::max(r.iterations, one.iterations);
      r.shards = {{0, r.iterations}};
      r.budget_exhausted |= one.budget_exhausted;
      for (auto& e : one.explorations) r.explorations.push_back(std::move(e));
      for (auto& e : one.errors) r.errors.push_back(std::move(e));
    }
    return r;
  }
  if (schema == "weft.explore/1") {
    // One weft::explore call: which iterations it covered is not recorded, only how many.
    r.strategy = field<std::string>(j, "strategy", source);
    r.seed = field<std::uint64_t>(j, "seed", source);
    std::uint64_t n = field<std::uint64_t>(j, "iterations", source);
    r.iterations = n;
    r.shards = {{0, n}};
    r.budget_exhausted = j.value("budget_exhausted", false);
    ExplorationResult e;
    e.name = name;
    e.steps = j.value("steps", std::uint64_t{0});
    // WEFT_KEEP_GOING: every distinct failure ("findings"; the first is also "failure", or
    // of a crash written as the process died, the last).
    if (j.contains("findings") && j["findings"].is_array()) {
      std::size_t k = 0;
      for (const auto& x : j["findings"]) {
        Finding f = finding_from(x, fmt::format("{}: findings[{}]", source, k++));
        f.seed = r.seed;
        f.strategy = r.strategy;
        e.findings.push_back(std::move(f));
      }
    }
    if (j.contains("failure") && j["failure"].is_object()) {
      Finding f = finding_from(j["failure"], source + ": failure");
      f.seed = r.seed;
      f.strategy = r.strategy;
      if (f.kind == "configuration error") {
        r.errors.push_back(f.report);
      } else if (std::none_of(e.findings.begin(), e.findings.end(), [&](const Finding& x) {
                   return x.kind == f.kind && x.iteration == f.iteration && x.token == f.token;
                 })) {
        e.findings.push_back(std::move(f));
      }
    }
    std::stable_sort(e.findings.begin(), e.findings.end(), [](const Finding& a, const Finding& b) {
      return a.iteration.value_or(UINT64_MAX) < b.iteration.value_or(UINT64_MAX);
    });
    if (j.value("partial", false))
      e.notes.push_back(fmt::format(
          "the process ended before this exploration finished: the report holds what it had "
          "found after {} iteration{}, written as each finding was found (WEFT_KEEP_GOING)",
          n, n == 1 ? "" : "s"));
    if (n > 0) e.covered = {{0, n}};
    r.explorations.push_back(std::move(e));
    return r;
  }
  if (schema != "weft.run/1")
    throw UsageError(fmt::format("{}: schema '{}' is not one this weft reads (weft.run/1, "
                                 "weft.explore/1, weft.explore-runs/1)",
                                 source, schema));
  r.binary = field<std::string>(j, "binary", source);
  r.args = j.value("args", std::vector<std::string>{});
  r.protocol = j.value("protocol", std::string());
  r.strategy = field<std::string>(j, "strategy", source);
  r.seed = field<std::uint64_t>(j, "seed", source);
  r.iterations = field<std::uint64_t>(j, "iterations", source);
  r.shard_count = j.value("shard_count", std::uint64_t{1});
  r.shards = ranges_from(j.value("shards", nlohmann::json::array()), source + ": shards");
  r.budget_exhausted = j.value("budget_exhausted", false);
  r.seconds = j.value("seconds", 0.0);
  r.errors = j.value("errors", std::vector<std::string>{});
  if (!j.contains("explorations") || !j["explorations"].is_array())
    throw UsageError(source + ": the field 'explorations' is missing or not an array");
  for (const auto& o : j["explorations"]) {
    ExplorationResult e;
    e.name = field<std::string>(o, "name", source + ": exploration");
    const std::string where = fmt::format("{}: exploration '{}'", source, e.name);
    e.covered = ranges_from(o.value("covered", nlohmann::json::array()), where + ": covered");
    if (o.contains("iterations") && o["iterations"].is_number_unsigned()) {
      const std::uint64_t ran = o["iterations"].get<std::uint64_t>();
      const std::uint64_t in_ranges = range_total(e.covered);
      if (ran > in_ranges) e.searched = ran - in_ranges;  // a dfs search's schedules
    }
    e.steps = o.value("steps", std::uint64_t{0});
    for (const auto& f : o.value("findings", nlohmann::json::array()))
      e.findings.push_back(finding_from(f, where + ": finding"));
    e.notes = o.value("notes", std::vector<std::string>{});
    r.explorations.push_back(std::move(e));
  }
  return r;
}

RunResult merge(const std::vector<RunResult>& parts) {
  if (parts.empty()) throw UsageError("no reports to merge");
  RunResult out = parts.front();
  if (parts.size() == 1) return out;
  out.explorations.clear();
  out.shards.clear();
  out.errors.clear();
  out.budget_exhausted = false;
  out.seconds = 0;
  std::map<std::string, std::size_t> index;
  for (const RunResult& p : parts) {
    if (p.binary != out.binary || p.strategy != out.strategy || p.seed != out.seed ||
        p.iterations != out.iterations)
      throw UsageError(fmt::format(
          "cannot merge a run of '{}' (strategy {}, seed {}, {} iterations) with one of '{}' "
          "(strategy {}, seed {}, {} iterations): shards of one run share all four",
          out.binary, out.strategy, out.seed, out.iterations, p.binary, p.strategy, p.seed,
          p.iterations));
    for (const Range& s : p.shards)
      if (add_range(out.shards, s) > 0)
        out.errors.push_back(fmt::format("shard [{}, {}) was given more than once; merge each "
                                         "shard's report once",
                                         s.first, s.end));
    out.budget_exhausted |= p.budget_exhausted;
    out.seconds = std::max(out.seconds, p.seconds);
    out.errors.insert(out.errors.end(), p.errors.begin(), p.errors.end());
    for (const ExplorationResult& e : p.explorations) {
      auto [it, fresh] = index.emplace(e.name, out.explorations.size());
      if (fresh) {
        ExplorationResult fresh_one;
        fresh_one.name = e.name;
        out.explorations.push_back(std::move(fresh_one));
      }
      ExplorationResult& m = out.explorations[it->second];
      for (const Range& r : e.covered)
        if (std::uint64_t dup = add_range(m.covered, r))
          m.notes.push_back(fmt::format("{} iterations of [{}, {}) were covered twice", dup,
                                        r.first, r.end));
      m.searched += e.searched;
      m.steps += e.steps;
      m.findings.insert(m.findings.end(), e.findings.begin(), e.findings.end());
      m.notes.insert(m.notes.end(), e.notes.begin(), e.notes.end());
    }
  }
  for (auto& e : out.explorations)
    std::stable_sort(e.findings.begin(), e.findings.end(), [](const Finding& a, const Finding& b) {
      return a.iteration.value_or(UINT64_MAX) < b.iteration.value_or(UINT64_MAX);
    });
  return out;
}

}  // namespace weft::cli
