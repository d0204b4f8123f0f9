// Expected findings (`weft explore --expect FILE`, `weft report --expect FILE`): a list of
// the bugs a run is meant to find, so that a suite with known bugs (weft's own examples, or
// a project's baseline while its bugs are being fixed) passes CI exactly when it finds those
// and nothing else.
//
// The file, one exploration per line ('#' starts a comment):
//
//   bug-lost-update          data race
//   bug-lock-order-deadlock  deadlock | lock-order inversion
//
// the exploration's name (as `weft list` prints it), then the finding kinds that count as
// its bug, separated by '|'. The judgement:
//  - a finding is *expected* when its exploration is listed with its kind; any other
//    finding is *new* (exit 1);
//  - a listed exploration with no finding of a listed kind is *missing* (exit 1), judged
//    only when the result covers every shard's iterations (a single shard's result cannot
//    tell: merge the shards with `weft report --expect`);
//  - a listed name that the binary does not have is a usage error (exit 2); one the run
//    did not explore (`-e` chose others) is ignored.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "run_result.hpp"

namespace weft::cli {

struct Expectation {
  std::string exploration;
  std::set<std::string> kinds;  // "*" accepts any kind
  std::size_t line = 0;         // in the file, for messages
};

struct Expectations {
  std::string source;  // the file's path
  std::vector<Expectation> entries;
};

// The finding kinds a file may name (weft's failure kinds and the CLI's own).
const std::vector<std::string>& known_finding_kinds();

// Parses the file's text; throws UsageError naming `source`, the line and what to write.
Expectations parse_expectations(const std::string& text, const std::string& source);
Expectations read_expectations(const std::string& path);

// Throws UsageError when `e` lists a name not in `names` (`where` says whose names).
void check_names(const Expectations& e, const std::vector<std::string>& names,
                 const std::string& where);

// Marks each finding of `r` expected or new, records the missing ones, and makes
// r.exit_code() follow the judgement. `known_names` are the explorations the binary has
// (empty: take the ones in `r`); a listed name outside them throws UsageError.
void judge(RunResult& r, const Expectations& e, const std::vector<std::string>& known_names = {});

// An expectations file that accepts exactly the findings of `r` (for a first baseline).
std::string expectations_text(const RunResult& r);

}  // namespace weft::cli
