// What one run of the `weft` executable gave the end-to-end tests (cli_test.cpp,
// minimize_test.cpp): its exit code (128 + the signal's number when a signal ended it) and
// what it wrote to stdout and stderr. One definition for both files, so that a unity build
// can compile them together.
#pragma once

#include <string>

namespace weft_cli_test {

struct Result {
  int code = -1;
  std::string out, err;
};

}  // namespace weft_cli_test
