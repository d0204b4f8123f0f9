// Parsing and matching of race suppressions; the rules are in suppress.hpp.
#include "suppress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace weft::detail {

namespace {

bool ends_at_boundary(std::string_view s, std::string_view suffix, std::string_view boundary) {
  if (s == suffix) return true;
  if (s.size() < suffix.size() + boundary.size()) return false;
  return s.substr(s.size() - suffix.size()) == suffix &&
         s.substr(s.size() - suffix.size() - boundary.size(), boundary.size()) == boundary;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '~' || c == '$';
}

// A function name: identifiers joined by "::" (a template argument list or operator
// spelling is allowed too, as long as it has no path separator).
bool plausible_function(std::string_view s) {
  if (s.empty() || s.front() == ':' || s.back() == ':') return false;
  if (!is_name_char(s.front())) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ':') {
      if (i + 1 >= s.size() || s[i + 1] != ':') return false;
      ++i;
    }
  }
  return true;
}

}  // namespace

std::string_view qualified_name(std::string_view sig) noexcept {
  int depth = 0;
  std::size_t end = sig.size();
  for (std::size_t i = 0; i < sig.size(); ++i) {
    char c = sig[i];
    if (c == '<') ++depth;
    else if (c == '>' && depth > 0) --depth;
    else if (c == '(' && depth == 0) {
      // "operator()" names itself with a pair of parentheses.
      if (i >= 8 && sig.substr(i - 8, 8) == "operator" && i + 1 < sig.size() && sig[i + 1] == ')') {
        ++i;
        continue;
      }
      end = i;
      break;
    }
  }
  std::string_view head = sig.substr(0, end);
  depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < head.size(); ++i) {
    char c = head[i];
    if (c == '<') ++depth;
    else if (c == '>' && depth > 0) --depth;
    else if (c == ' ' && depth == 0) start = i + 1;
  }
  return head.substr(start);
}

Suppressions Suppressions::parse(const std::vector<std::string>& entries, std::string_view source) {
  Suppressions out;
  for (const std::string& raw : entries) {
    std::string_view e = raw;
    auto bad = [&](std::string_view why) {
      return std::invalid_argument(fmt::format(
          "{}: suppression '{}' {}; write a function name (kv::Cache::get), a path suffix "
          "(src/cache.cpp) or file:line (src/cache.cpp:42)",
          source, e, why));
    };
    if (e.empty()) continue;  // "a,,b" and a trailing comma are harmless
    if (e.find_first_of(" \t\n") != std::string_view::npos) throw bad("contains white space");
    const std::size_t colon = e.rfind(':');
    const bool has_path = e.find('/') != std::string_view::npos ||
                          e.substr(0, colon == std::string_view::npos ? e.size() : colon)
                                  .find('.') != std::string_view::npos;
    if (colon != std::string_view::npos && (colon == 0 || e[colon - 1] != ':')) {
      // file:line
      std::string_view file = e.substr(0, colon), line = e.substr(colon + 1);
      std::uint32_t n = 0;
      auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), n);
      if (file.empty()) throw bad("has no file before ':'");
      if (line.empty() || ec != std::errc() || p != line.data() + line.size() || n == 0)
        throw bad("has no line number after ':'");
      out.rules_.push_back({Form::file_line, std::string(file), n});
    } else if (e.size() > 2 && e.ends_with("::") && plausible_function(e.substr(0, e.size() - 2))) {
      out.rules_.push_back({Form::scope, std::string(e), 0});
    } else if (e.back() == '/') {
      std::string_view dir = e;
      while (dir.starts_with("./")) dir.remove_prefix(2);
      if (dir.find_first_not_of('/') == std::string_view::npos)
        throw bad("names no directory (it would match every file)");
      out.rules_.push_back({Form::directory, std::string(dir), 0});
    } else if (has_path) {
      std::string_view name = e.substr(e.rfind('/') == std::string_view::npos ? 0 : e.rfind('/') + 1);
      if (name.empty() || name.front() == '.')
        throw bad("is not a file name (a bare extension matches nothing)");
      out.rules_.push_back({Form::path, std::string(e), 0});
    } else {
      if (!plausible_function(e)) throw bad("is not a function name");
      out.rules_.push_back({Form::function, std::string(e), 0});
    }
  }
  return out;
}

bool Suppressions::matches(std::string_view file, std::string_view function,
                           std::uint32_t line) const {
  for (const Rule& r : rules_) {
    switch (r.form) {
      case Form::file_line:
        if (line == r.line && ends_at_boundary(file, r.text, "/")) return true;
        break;
      case Form::path:
        if (ends_at_boundary(file, r.text, "/")) return true;
        break;
      case Form::directory:
        if (r.text.front() == '/' ? file.starts_with(r.text)
                                  : file.starts_with(r.text) ||
                                        file.find("/" + r.text) != std::string_view::npos)
          return true;
        break;
      case Form::scope: {
        std::string_view q = qualified_name(function);
        if (!function.empty() &&
            (q.starts_with(r.text) || q.find("::" + r.text) != std::string_view::npos))
          return true;
        break;
      }
      case Form::function:
        if (!function.empty() && ends_at_boundary(qualified_name(function), r.text, "::"))
          return true;
        break;
    }
  }
  return false;
}

}  // namespace weft::detail
