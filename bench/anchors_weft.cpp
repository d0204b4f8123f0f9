// weft's side of the anchor workloads (../shared/anchors): `weft_anchors -n SCALE [workload...]`
// prints `<workload>.<metric> <value> <unit>` lines for `anchors/compare`.
//
// Today every workload runs under weft::explore, one iteration, race detection off (the
// anchors have no detector; `idle_detect` is the same as idle with detection on, for
// reference). WEFT_PROCS is read and printed, but the controlled scheduler runs one goroutine
// at a time whatever it says. Workloads not written yet print `<name>.<metric> unsupported -`,
// which compare skips.
#include <weft/weft.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

double g_scale = 1.0;
long count(long base) { return static_cast<long>(static_cast<double>(base) * g_scale); }

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

weft::ExploreOptions one_iteration(bool detect) {
  weft::ExploreOptions o;
  o.iterations = 1;
  o.detect_races = detect;
  o.use_environment = false;
  o.report_leaks = false;
  o.max_steps = ~std::uint64_t{0};
  return o;
}

void run_or_die(const char* name, std::function<void()> body, weft::ExploreOptions o) {
  weft::ExploreResult r = weft::explore(std::move(body), std::move(o));
  if (!r.ok()) {
    std::fprintf(stderr, "%s failed:\n%s", name, r.to_string().c_str());
    std::exit(1);
  }
}

// N goroutines blocked on one channel receive; resident bytes per goroutine, measured as the
// Go anchor does (VmRSS after all have started, minus VmRSS before, over N).
void idle_with(const char* name, bool detect) {
  const long n = count(100000);
  long before = 0, after = 0;
  run_or_die(name, [&] {
    before = rss_kib();
    auto block = weft::make_chan<weft::Unit>();
    weft::WaitGroup wg;
    wg.add(n);
    for (long i = 0; i < n; ++i)
      weft::go([&wg, block] {
        wg.done();
        block.recv();
      });
    wg.wait();
    after = rss_kib();
    block.close();
  }, one_iteration(detect));
  std::printf("%s.bytes_per_goroutine %.0f B\n", name,
              static_cast<double>(after - before) * 1024 / static_cast<double>(n));
}

void idle() { idle_with("idle", false); }
void idle_detect() { idle_with("idle_detect", true); }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
      char* end = nullptr;
      g_scale = std::strtod(argv[++i], &end);
      if (*end != '\0' || g_scale <= 0) {
        std::fprintf(stderr, "-n wants a positive number, such as 1 or 0.1\n");
        return 2;
      }
    } else {
      names.emplace_back(argv[i]);
    }
  }
  const std::vector<std::string> order = {"spawn", "pingpong", "buffered", "select",
                                          "mutex", "pipeline", "idle"};
  const std::map<std::string, void (*)()> all = {{"idle", idle}, {"idle_detect", idle_detect}};
  if (names.empty()) names = order;
  const char* procs = std::getenv("WEFT_PROCS");
  std::printf("# weft explore (controlled scheduler, one goroutine at a time) WEFT_PROCS=%s\n",
              procs && *procs ? procs : "1");
  for (const std::string& name : names) {
    auto it = all.find(name);
    if (it != all.end()) {
      it->second();
    } else if (std::find(order.begin(), order.end(), name) != order.end()) {
      std::printf("%s.ns_per_op unsupported -\n", name.c_str());
    } else {
      std::fprintf(stderr, "unknown workload %s; known: spawn pingpong buffered select mutex "
                   "pipeline idle idle_detect\n", name.c_str());
      return 2;
    }
    std::fflush(stdout);
  }
}
