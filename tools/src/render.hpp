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

// The source locations a report's text names (for findings without failure data) ("file.cpp:12:7 in f"), first mention first, each once.
std::vector<SourceLocation> report_locations(const std::string& report);

// The call chains a finding's data holds, innermost frame first: a race's two accesses, a
// lock-order cycle's acquisitions, or each goroutine's position (deadlock, leak, panic).
struct FailureStack {
  std::string title;  // "goroutine 2 "worker" [chan send]", "current write by goroutine 3"
  std::vector<SourceLocation> frames;
};
std::vector<FailureStack> failure_stacks(const Finding& f);

struct RenderOptions {
  std::string source_root;  // SARIF: URIs relative to it (uriBaseId SRCROOT) where possible
};

std::string render(const RunResult& r, Format f, const RenderOptions& opt = {});
std::string render_text(const RunResult& r);
std::string render_sarif(const RunResult& r, const RenderOptions& opt);
std::string render_junit(const RunResult& r);

}  // namespace weft::cli
