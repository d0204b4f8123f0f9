// examples/runner.hpp — what weft-examples does, apart from parsing its command line:
// explore examples, judge each result against the example's Expect, print the reports and
// a summary, and turn the verdicts into an exit code.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "registry.hpp"
#include "weft/explore.hpp"

namespace weft_examples {

// How an explored example compares with what it should do.
enum class Verdict {
  passed,         // a correct example: no schedule failed
  bug_found,      // a bug example failed with the expected kind
  failed,         // a correct example failed
  bug_missed,     // a bug example did not fail in the schedules tried
  wrong_kind,     // a bug example failed, but not in the expected way
};

Verdict judge(const Example& example, const weft::ExploreResult& result);
bool as_expected(Verdict v) noexcept;
// 0 when every verdict is as expected, 1 otherwise.
int exit_code(std::span<const Verdict> verdicts) noexcept;

// Explores each example with `options` (so WEFT_* apply if options.use_environment),
// prints one line per passing example, the full report of every failure, and a summary.
// Throws std::invalid_argument on a malformed WEFT_* variable, as weft::explore does.
std::vector<Verdict> run_examples(std::span<const Example> examples,
                                  const weft::ExploreOptions& options, std::ostream& out);

// Runs `example` once on the schedule in `token` and prints what happened. Throws
// std::invalid_argument on a malformed token.
Verdict replay_example(const Example& example, const std::string& token, std::ostream& out);

// Prints each example's name and what it teaches.
void list_examples(std::span<const Example> examples, std::ostream& out);

}  // namespace weft_examples
