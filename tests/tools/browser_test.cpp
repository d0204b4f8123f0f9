// The HTML trace in a real browser: `weft explore --trace-dir` writes the timeline of a data
// race and of a deadlock from the bundled examples; headless Chromium (Debian's `chromium`,
// installed by cmake/install-deps.sh) loads each page, its inline script measures what was
// drawn and writes it on <body> (trace_export.cpp), and --dump-dom shows that: the goroutine
// lanes, the operation dots, and the red ones the report names (the racing accesses; where
// each deadlocked goroutine waits). A screenshot of each page is kept as a CI artifact in
// WEFT_ARTIFACT_DIR (its path printed). Skipped when no chromium is installed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using weft::cli::Environment;
using weft::cli::TempDir;

// $WEFT_CHROMIUM, or chromium / chromium-browser on PATH; "" when none.
std::string find_chromium() {
  if (const char* c = std::getenv("WEFT_CHROMIUM"); c && *c) return c;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t at = 0; at <= dirs.size();) {
    std::size_t colon = dirs.find(':', at);
    std::string dir = dirs.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
    at = colon == std::string::npos ? dirs.size() + 1 : colon + 1;
    for (const char* name : {"chromium", "chromium-browser"}) {
      fs::path p = fs::path(dir.empty() ? "." : dir) / name;
      if (::access(p.c_str(), X_OK) == 0) return p.string();
    }
  }
  return {};
}

struct Ran {
  int code = -1;
  std::string out, err;
};

Ran run(const std::vector<std::string>& argv, const fs::path& scratch) {
  const std::string out = (scratch / "out.txt").string(), err = (scratch / "err.txt").string();
  weft::cli::ExitStatus st =
      weft::cli::wait_for(weft::cli::spawn(argv, Environment::inherited(), out, err));
  return {st.signaled ? 128 + st.signal : st.code, weft::cli::read_file(out), weft::cli::read_file(err)};
}

// Headless Chromium as root on a CI machine: no sandbox, no GPU, nothing fetched in the
// background, a fresh profile; `timeout` ends it if it ever hangs.
std::vector<std::string> chromium(const std::string& exe, const fs::path& profile,
                                  std::vector<std::string> extra) {
  std::vector<std::string> a{"/usr/bin/timeout", "120", exe, "--headless", "--no-sandbox", "--disable-gpu",
                             "--disable-quic", "--no-first-run", "--disable-background-networking",
                             "--disable-component-update", "--disable-sync",
                             "--disable-dev-shm-usage", "--user-data-dir=" + profile.string()};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// data-drawn-* attributes on <body> in a --dump-dom output.
std::map<std::string, int> drawn(const std::string& dom) {
  std::map<std::string, int> out;
  static const std::regex attr(R"re(data-drawn-(\w+)="(\d+)")re");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), attr); it != std::sregex_iterator(); ++it)
    out[(*it)[1]] = std::stoi((*it)[2]);
  return out;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(TraceInBrowser, LanesAndTheFindingAreDrawn) {
  const std::string exe = find_chromium();
  if (exe.empty())
    GTEST_SKIP() << "no chromium on PATH (cmake/install-deps.sh installs Debian's; or set "
                    "WEFT_CHROMIUM)";
  TempDir tmp;
  const fs::path traces = tmp.path() / "traces";
  Ran ex = run({WEFT_CLI, "explore", "-n", "3", "-j", "1", "--max-findings", "1", "--progress", "never",
                "-e", "bug-lost-update", "-e", "bug-lock-order-deadlock", "--trace-dir",
                traces.string(), "--", WEFT_EXAMPLES},
               tmp.path());
  ASSERT_EQ(ex.code, 1) << ex.out << ex.err;

  const fs::path artifacts = WEFT_ARTIFACT_DIR;
  fs::create_directories(artifacts);
  std::size_t pages = 0;
  for (const auto& entry : fs::directory_iterator(traces)) {
    const fs::path page = entry.path();
    if (page.extension() != ".html") continue;
    ++pages;
    const std::string html = weft::cli::read_file(page);
    const std::size_t lanes = count(html, "<g class=\"lane\"");
    const std::size_t events = count(html, "<circle class=\"ev");
    const std::size_t findings = count(html, "<circle class=\"ev finding\"");
    ASSERT_GE(lanes, 2u) << page;
    ASSERT_GE(findings, 2u) << page;  // two racing accesses, or two goroutines in the cycle

    // The DOM after the page's script ran: what the browser laid out.
    Ran dom = run(chromium(exe, tmp.path() / "profile-dom",
                           {"--dump-dom", "file://" + page.string()}),
                  tmp.path());
    ASSERT_EQ(dom.code, 0) << page << "\n" << dom.err;
    auto d = drawn(dom.out);
    ASSERT_EQ(d.size(), 3u) << "the page's script did not run in " << page << ":\n" << dom.out.substr(0, 2000);
    EXPECT_EQ(d["lanes"], static_cast<int>(lanes)) << page;
    EXPECT_EQ(d["events"], static_cast<int>(events)) << page;
    EXPECT_EQ(d["findings"], static_cast<int>(findings)) << page;

    // A picture of it, for a person (kept as a CI artifact).
    const fs::path shot = artifacts / (page.stem().string() + ".png");
    fs::remove(shot);
    Ran png = run(chromium(exe, tmp.path() / "profile-shot",
                           {"--hide-scrollbars", "--window-size=1280,900",
                            "--screenshot=" + shot.string(), "file://" + page.string()}),
                  tmp.path());
    ASSERT_EQ(png.code, 0) << page << "\n" << png.err;
    ASSERT_TRUE(fs::exists(shot)) << png.err;
    EXPECT_GT(fs::file_size(shot), 10'000u) << shot;  // a drawn page, not a blank one
    EXPECT_EQ(weft::cli::read_file(shot).substr(1, 3), "PNG") << shot;
    std::printf("screenshot: %s\n", shot.c_str());
  }
  EXPECT_EQ(pages, 2u) << "expected the race's and the deadlock's traces";
}

}  // namespace
