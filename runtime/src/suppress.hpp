// Race suppressions (ExploreOptions::race_suppressions, WEFT_SUPPRESS): which reports to
// ignore. An entry is one of five forms, chosen by its shape:
//   file:line   "src/cache.cpp:42"  a path suffix (below) and that line
//   directory   "third_party/"      ends with '/': a directory anywhere in the path, matched
//                                   whole ("third_party/" does not match "my_third_party/")
//   path        "src/cache.cpp"     contains '/' or '.': the file is that path, or ends with
//                                   '/' followed by it (so "cache.cpp" matches
//                                   "/x/src/cache.cpp" but not "/x/mycache.cpp")
//   scope       "LegacyPool::"      ends with "::": every function in that class or
//                                   namespace, matched at a "::" boundary
//   function    "kv::Cache::get"    the function's qualified name is that name, or ends with
//                                   "::" followed by it (return type and parameters ignored)
// Never a bare substring: "p" suppresses only a function named p.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::detail {

class Suppressions {
 public:
  // Parses the entries; throws std::invalid_argument naming a malformed one (`source` names
  // where it came from, e.g. "WEFT_SUPPRESS").
  static Suppressions parse(const std::vector<std::string>& entries, std::string_view source);
  bool empty() const noexcept { return rules_.empty(); }
  // Whether a frame at (file, function, line) is suppressed.
  bool matches(std::string_view file, std::string_view function, std::uint32_t line) const;

 private:
  enum class Form { file_line, directory, path, scope, function };
  struct Rule {
    Form form;
    std::string text;  // the path (without :line) or the function name
    std::uint32_t line = 0;
  };
  std::vector<Rule> rules_;
};

// The qualified name in a function signature: "void kv::Cache::get(int) const" ->
// "kv::Cache::get". Exposed for tests.
std::string_view qualified_name(std::string_view signature) noexcept;

}  // namespace weft::detail
