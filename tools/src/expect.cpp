// Expected findings; see expect.hpp for the file and the judgement.
#include "expect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "process.hpp"
#include "text.hpp"

namespace weft::cli {

namespace {

std::string joined(const std::set<std::string>& kinds) {
  std::string s;
  for (const auto& k : kinds) s += (s.empty() ? "" : " | ") + k;
  return s;
}

}  // namespace

const std::vector<std::string>& known_finding_kinds() {
  // weft::failure_kind_name's names, then the ones the CLI gives a worker's end.
  static const std::vector<std::string> kinds{
      "deadlock",          "goroutine leak",  "panic",
      "assertion failure", "unhandled exception", "step limit exceeded",
      "data race",         "lock-order inversion", "replay diverged",
      "resource limit",    "crash",           "hang",
      "undefined behavior", "test failure",   "*"};
  return kinds;
}

Expectations parse_expectations(const std::string& text, const std::string& source) {
  Expectations out;
  out.source = source;
  std::map<std::string, std::size_t> seen;
  std::size_t line_no = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t nl = text.find('\n', at);
    std::string_view line(text.data() + at, (nl == std::string::npos ? text.size() : nl) - at);
    at = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::string content = trim(line);
    if (content.empty()) continue;
    std::size_t space = content.find_first_of(" \t");
    Expectation e;
    e.line = line_no;
    e.exploration = content.substr(0, space);
    std::string rest = space == std::string::npos ? std::string() : content.substr(space);
    const std::string where = fmt::format("{}:{}", source, line_no);
    if (trim(rest).empty())
      throw UsageError(fmt::format(
          "{}: '{}' names no finding kind; write the exploration's name, then the kinds that "
          "count as its bug separated by '|', such as: {} deadlock | lock-order inversion",
          where, e.exploration, e.exploration));
    std::size_t from = 0;
    while (from <= rest.size()) {
      std::size_t bar = rest.find('|', from);
      std::string kind = trim(std::string_view(rest).substr(from, bar == std::string::npos ? std::string::npos : bar - from));
      from = bar == std::string::npos ? rest.size() + 1 : bar + 1;
      const auto& known = known_finding_kinds();
      if (std::find(known.begin(), known.end(), kind) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw UsageError(fmt::format("{}: '{}' is not a finding kind; use one of: {} (kinds "
                                     "are separated by '|')",
                                     where, kind, list));
      }
      e.kinds.insert(kind);
    }
    if (auto [it, fresh] = seen.emplace(e.exploration, line_no); !fresh)
      throw UsageError(fmt::format("{}: '{}' is listed twice (first on line {}); give all its "
                                   "kinds on one line, separated by '|'",
                                   where, e.exploration, it->second));
    out.entries.push_back(std::move(e));
  }
  return out;
}

Expectations read_expectations(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UsageError(fmt::format("--expect '{}': {}; give a file that lists the expected "
                                 "findings (weft explore --save-expect writes one)",
                                 path,
                                 !std::filesystem::exists(path, ec)       ? "no such file"
                                 : std::filesystem::is_directory(path, ec) ? "a directory, not a file"
                                                                           : "not a regular file"));
  return parse_expectations(read_file(path), path);
}

void check_names(const Expectations& e, const std::vector<std::string>& names,
                 const std::string& where) {
  for (const Expectation& x : e.entries)
    if (std::find(names.begin(), names.end(), x.exploration) == names.end())
      throw UsageError(fmt::format("{}:{}: {} has no exploration named '{}'; see weft list",
                                   e.source, x.line, where, x.exploration));
}

void judge(RunResult& r, const Expectations& e, const std::vector<std::string>& known_names) {
  if (known_names.empty()) {
    std::vector<std::string> names;
    for (const auto& ex : r.explorations) names.push_back(ex.name);
    check_names(e, names, "the result");
  } else {
    check_names(e, known_names, r.binary.empty() ? "the binary" : fmt::format("'{}'", r.binary));
  }
  std::map<std::string, const Expectation*> by_name;
  for (const Expectation& x : e.entries) by_name[x.exploration] = &x;
  // Missing findings can be judged only when the result holds every iteration of the run.
  std::vector<Range> shards = r.shards;
  std::vector<Range> merged;
  for (const Range& s : shards) add_range(merged, s);
  r.missing_judged = gaps(merged, {0, r.iterations}).empty();
  r.expect_file = e.source;
  for (ExplorationResult& ex : r.explorations) {
    auto it = by_name.find(ex.name);
    ex.expected_kinds = it == by_name.end() ? std::set<std::string>{} : it->second->kinds;
    bool found = false;
    for (Finding& f : ex.findings) {
      f.expected = ex.expected_kinds.count("*") > 0 || ex.expected_kinds.count(f.kind) > 0;
      found |= *f.expected;
    }
    ex.missing = r.missing_judged && !ex.expected_kinds.empty() && !found;
    if (ex.missing)
      ex.notes.push_back(fmt::format("expected {} ({}), not found in the iterations explored",
                                     joined(ex.expected_kinds), e.source));
    else if (!r.missing_judged && !ex.expected_kinds.empty() && !found)
      ex.notes.push_back(fmt::format("expected {} not found in this shard; whether it is missing "
                                     "is judged over all shards (weft report --expect)",
                                     joined(ex.expected_kinds)));
  }
}

std::string expectations_text(const RunResult& r) {
  std::string out =
      "# The findings this run is expected to have (weft explore --expect FILE): an exploration\n"
      "# per line, then the kinds that count as its bug, separated by '|'. Any other finding, or\n"
      "# a listed one not found, makes weft exit 1.\n";
  std::size_t width = 0;
  for (const auto& ex : r.explorations)
    if (!ex.findings.empty()) width = std::max(width, ex.name.size());
  for (const auto& ex : r.explorations) {
    if (ex.findings.empty()) continue;
    std::set<std::string> kinds;
    for (const auto& f : ex.findings) kinds.insert(f.kind);
    out += fmt::format("{:<{}}  {}\n", ex.name, width, joined(kinds));
  }
  return out;
}

}  // namespace weft::cli
