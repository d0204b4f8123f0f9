// weft-examples: explores every example program under weft's controlled scheduler and
// shows what it finds: the correct programs pass every schedule tried, and the bug
// examples fail with a report (deadlock, leak, lost update) and a replay token.
//
//   weft-examples                          explore all, 1000 schedules each, seed 1
//   weft-examples --only pipeline          one example (repeatable)
//   weft-examples --list                   names and what each teaches
//   weft-examples --replay NAME TOKEN      re-run one failing schedule
//
// Exit status: 0 when every example behaved as expected, 1 otherwise, 2 on bad input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "registry.hpp"
#include "runner.hpp"

namespace {

constexpr int kBadInput = 2;

std::vector<std::string> example_names() {
  std::vector<std::string> names;
  for (const auto& e : weft_examples::all_examples()) names.emplace_back(e.name);
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Explores weft's example programs under the controlled scheduler: correct ones must pass "
      "every schedule tried, bug examples must fail with the expected kind of report.\n"
      "WEFT_* environment variables (WEFT_SEED, WEFT_ITERATIONS, ...) override the options, as "
      "in weft::explore.",
      "weft-examples"};
  std::uint64_t iterations = 1000;
  std::uint64_t seed = 1;
  std::vector<std::string> only;
  std::vector<std::string> replay;
  bool list = false;
  // A whole number from `least` up, within 64 bits: CLI11 itself would take -1 and a number
  // past 2^64 - 1 as 2^64 - 1.
  auto whole = [](std::uint64_t least) {
    return CLI::Validator(
        [least](const std::string& s) {
          std::uint64_t n = 0;
          if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
            return least ? fmt::format("must be a whole number of at least {}", least)
                         : std::string("must be a whole number");
          if (std::from_chars(s.data(), s.data() + s.size(), n).ec != std::errc())
            return fmt::format("'{}' is too large: at most 18446744073709551615", s);
          return n < least ? fmt::format("must be a whole number of at least {}", least)
                           : std::string();
        },
        "N");
  };
  app.add_option("--iterations,-n", iterations, "schedules to explore per example")
      ->check(whole(1))
      ->capture_default_str();
  app.add_option("--seed,-s", seed, "seed of the random strategy")->check(whole(0))->capture_default_str();
  auto* only_opt = app.add_option("--only", only, "explore only this example (repeatable)")
                       ->check(CLI::IsMember(example_names()))
                       ->option_text("NAME");
  auto* list_opt = app.add_flag("--list", list, "list the examples and what each teaches");
  auto* replay_opt = app.add_option("--replay", replay, "re-run one schedule of one example")
                         ->expected(2)
                         ->option_text("NAME TOKEN");
  replay_opt->excludes(only_opt)->excludes(list_opt);
  list_opt->excludes(only_opt);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and succeeds; every real parse error is bad input (exit 2).
    int code = app.exit(e);
    return code == 0 ? 0 : kBadInput;
  }

  // The command; then stdout must have taken all it was given (a --list the weft CLI reads
  // from a full disk would otherwise look like a program with no examples).
  const int code = [&]() -> int {
    try {
      if (list) {
        weft_examples::list_examples(weft_examples::all_examples(), std::cout);
        return 0;
      }
      if (!replay.empty()) {
        const auto* e = weft_examples::find_example(replay[0]);
        if (!e) {
          std::cerr << fmt::format("--replay: no example named '{}' (see --list)\n", replay[0]);
          return kBadInput;
        }
        auto v = weft_examples::replay_example(*e, replay[1], std::cout);
        return weft_examples::as_expected(v) ? 0 : 1;
      }

      std::vector<weft_examples::Example> chosen;
      for (const auto& e : weft_examples::all_examples())
        if (only.empty() || std::find(only.begin(), only.end(), e.name) != only.end())
          chosen.push_back(e);
      weft::ExploreOptions options;
      options.iterations = iterations;
      options.seed = seed;
      weft::apply_environment(options);  // so the banner shows what will really run
      auto verdicts = weft_examples::run_examples(chosen, options, std::cout);
      return weft_examples::exit_code(verdicts);
    } catch (const std::invalid_argument& e) {
      std::cerr << "weft-examples: " << e.what() << (std::string_view(e.what()).ends_with("\n") ? "" : "\n");
      return kBadInput;
    }
  }();
  if (!std::cout.flush()) {
    std::cerr << "weft-examples: the output could not be written to stdout (a full disk, or a "
                 "closed pipe?)\n";
    return kBadInput;
  }
  return code;
}
