// Rendering a run result: text for people, JSON (weft.run/1) for tools and merging, SARIF
// 2.1.0 for code-scanning annotations, JUnit XML for CI test tabs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "run_result.hpp"

namespace weft::cli {

enum class Format { text, json, sarif, junit };
// Throws UsageError on an unknown name.
Format parse_format(const std::string& name);

struct SourceLocation {
  std::string file;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
};
// The source locations a report names ("file.cpp:12:7 in f"), first mention first, each once.
std::vector<SourceLocation> report_locations(const std::string& report);

struct RenderOptions {
  std::string source_root;  // SARIF: URIs relative to it (uriBaseId SRCROOT) where possible
};

std::string render(const RunResult& r, Format f, const RenderOptions& opt = {});
std::string render_text(const RunResult& r);
std::string render_sarif(const RunResult& r, const RenderOptions& opt);
std::string render_junit(const RunResult& r);

}  // namespace weft::cli
