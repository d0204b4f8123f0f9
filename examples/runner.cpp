// examples/runner.cpp — exploring the examples and presenting the results (see runner.hpp).
#include "runner.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <stdexcept>

namespace weft_examples {

namespace {

std::string expected_name(const Expect& e) {
  if (!e.failure) return "ok";
  std::string s(weft::failure_kind_name(*e.failure));
  if (e.or_instead) s += fmt::format(" or {}", weft::failure_kind_name(*e.or_instead));
  return s;
}

std::size_t name_width(std::span<const Example> examples) {
  std::size_t w = 0;
  for (const Example& e : examples) w = std::max(w, e.name.size());
  return w;
}

std::string plural(std::uint64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// The header above a report: which example, what the result means, what it teaches.
void print_header(const Example& e, Verdict v, const weft::ExploreResult& r, std::ostream& out) {
  std::string what;
  switch (v) {
    case Verdict::bug_found: what = "bug found, as expected"; break;
    case Verdict::failed: what = "FAILED: a correct example should never fail"; break;
    case Verdict::wrong_kind:
      what = fmt::format("UNEXPECTED: expected {}", expected_name(e.expect));
      break;
    case Verdict::passed:
    case Verdict::bug_missed: break;
  }
  if (r.failure && r.failure->kind == weft::FailureKind::replay_diverged)
    what = "REPLAY DIVERGED: the token does not fit this example's schedules";
  std::string title = fmt::format("=== {}: {} ", e.name, what);
  if (title.size() < 88) title.append(88 - title.size(), '=');
  fmt::print(out, "\n{}\n", title);
  fmt::print(out, "teaches: {}\n\n", e.teaches);
  fmt::print(out, "{}", r.to_string());
}

void print_replay_hint(const Example& e, const weft::ExploreResult& r, std::ostream& out) {
  if (!r.token.empty())
    fmt::print(out, "     or: weft-examples --replay {} {}\n", e.name, r.token);
}

}  // namespace

Verdict judge(const Example& example, const weft::ExploreResult& result) {
  if (!example.expect.is_bug()) return result.ok() ? Verdict::passed : Verdict::failed;
  if (result.ok()) return Verdict::bug_missed;
  return example.expect.accepts(result.failure->kind) ? Verdict::bug_found
                                                      : Verdict::wrong_kind;
}

bool as_expected(Verdict v) noexcept { return v == Verdict::passed || v == Verdict::bug_found; }

int exit_code(std::span<const Verdict> verdicts) noexcept {
  return std::all_of(verdicts.begin(), verdicts.end(), as_expected) ? 0 : 1;
}

std::vector<Verdict> run_examples(std::span<const Example> examples,
                                  const weft::ExploreOptions& options, std::ostream& out) {
  const std::size_t width = name_width(examples);
#ifdef WEFT_EXAMPLES_INSTRUMENTED
  constexpr const char* accesses = "built with weft-instrument: plain memory accesses are checked";
#else
  constexpr const char* accesses = "not instrumented: only synchronisation is checked";
#endif
  fmt::print(out, "weft-examples: exploring {}, up to {} each (seed {}; {})\n\n",
             plural(examples.size(), "example"), plural(options.iterations, "schedule"),
             options.seed, accesses);
  const auto started = std::chrono::steady_clock::now();

  std::vector<Verdict> verdicts;
  std::vector<std::pair<const Example*, weft::ExploreResult>> bugs;
  for (const Example& e : examples) {
    weft::ExploreOptions named = options;
    named.name = e.name;  // its tokens name it: replayed for another example, they are refused
    weft::ExploreResult r = weft::explore(e.body, named);
    if (r.failure && r.failure->kind == weft::FailureKind::configuration)
      throw std::invalid_argument(r.failure->report);  // bad input: main exits 2
    Verdict v = judge(e, r);
    verdicts.push_back(v);
    if (v == Verdict::passed) {
      fmt::print(out, "ok    {:<{}}  ({})\n", e.name, width, plural(r.iterations, "iteration"));
    } else if (v == Verdict::bug_missed) {
      fmt::print(out, "MISS  {:<{}}  no {} in {}: the explorer did not find this bug\n", e.name,
                 width, expected_name(e.expect), plural(r.iterations, "iteration"));
    } else {
      print_header(e, v, r, out);
      print_replay_hint(e, r, out);
      fmt::print(out, "\n");
    }
    if (e.expect.is_bug()) bugs.emplace_back(&e, std::move(r));
  }

  // The summary.
  std::size_t correct = 0, passed = 0, found = 0;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    if (!examples[i].expect.is_bug()) {
      ++correct;
      passed += verdicts[i] == Verdict::passed;
    } else {
      found += verdicts[i] == Verdict::bug_found;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(out, "\nsummary ({:.1f}s)\n", seconds);
  if (correct > 0)
    fmt::print(out, "  correct examples: {} of {} passed every schedule tried\n", passed, correct);
  if (!bugs.empty())
    fmt::print(out, "  bug examples:     {} of {} found as expected\n", found, bugs.size());
  for (const auto& [e, r] : bugs) {
    std::string got = r.ok() ? std::string("not found")
                             : fmt::format("{} in iteration {}",
                                           weft::failure_kind_name(r.failure->kind),
                                           r.iteration + 1);
    fmt::print(out, "    {:<{}}  {}{}\n", e->name, width, got,
               judge(*e, r) == Verdict::bug_found
                   ? ""
                   : fmt::format("  (expected {})", expected_name(e->expect)));
  }
  if (!bugs.empty())
    fmt::print(out, "  replay a failure: weft-examples --replay NAME TOKEN\n");
  fmt::print(out, "{}\n",
             exit_code(verdicts) == 0 ? "every example behaved as expected"
                                      : "SOME EXAMPLES DID NOT BEHAVE AS EXPECTED");
  return verdicts;
}

Verdict replay_example(const Example& example, const std::string& token, std::ostream& out) {
  weft::ExploreOptions options;
  options.strategy = weft::StrategyKind::replay;
  options.replay = token;
  options.name = example.name;
  options.use_environment = false;  // the command line says exactly what to run
  weft::ExploreResult r = weft::explore(example.body, options);
  if (r.failure && r.failure->kind == weft::FailureKind::configuration)
    throw std::invalid_argument(r.failure->report);  // bad input: main exits 2
  Verdict v = judge(example, r);
  if (r.ok()) {
    fmt::print(out, "{}: the replayed schedule ran without failure{}\n", example.name,
               example.expect.is_bug()
                   ? fmt::format(" (expected {})", expected_name(example.expect))
                   : "");
  } else {
    print_header(example, v, r, out);
  }
  return v;
}

void list_examples(std::span<const Example> examples, std::ostream& out) {
  const std::size_t width = name_width(examples);
  for (const Example& e : examples) {
    fmt::print(out, "{:<{}}  {}{}\n", e.name, width, e.teaches,
               e.expect.is_bug() ? fmt::format(" [expect: {}]", expected_name(e.expect)) : "");
  }
}

}  // namespace weft_examples
