// race_rss.cpp — one workload of race_workloads.hpp, run inside weft::explore (or with
// --run 1 on weft::run at --procs processors, 2 by default) with the race detector on or off, in a process of its own, so its peak RSS can be compared (the memory
// half of bench/compare_race.sh). Prints, like bench/tsan/race_threads.cpp:
//   <workload>.ns <median wall time of the reps>
//   <workload>.cpu_ns <median CPU time (user + system) of the reps>
//   <workload>.accesses <recorded accesses per run>
//   maxrss_kb <peak resident set size, getrusage ru_maxrss>
//
// Usage: race_rss --workload histogram|lookup --detect 0|1 [--run 0|1] [--procs P]
//                 [--reps K] [--workers N]
//                 [--items M] [--bins B] [--table T] [--reads R]
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "race_weft.hpp"

int main(int argc, char** argv) {
  using namespace weft_bench;
  Params p;
  std::string workload = "histogram";
  bool detect = true;
  unsigned reps = 1;
  bool parallel = false;
  unsigned procs = 2;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (i + 1 >= argc) throw std::invalid_argument("missing value after " + a);
      std::string v = argv[++i];
      if (a == "--workload") workload = v;
      else if (a == "--detect") detect = v != "0";
      else if (a == "--run") parallel = v != "0";
      else if (a == "--procs") procs = static_cast<unsigned>(std::stoul(v));
      else if (a == "--reps") reps = static_cast<unsigned>(std::stoul(v));
      else if (a == "--workers") p.workers = static_cast<unsigned>(std::stoul(v));
      else if (a == "--items") p.items = std::stoull(v);
      else if (a == "--bins") p.bins = static_cast<unsigned>(std::stoul(v));
      else if (a == "--table") p.table = std::stoull(v);
      else if (a == "--reads") p.reads = std::stoull(v);
      else throw std::invalid_argument("unknown option " + a);
    }
    const Workload w = parse_workload(workload);
    std::vector<double> ns, cpu;
    std::uint64_t accesses = 0;
    for (unsigned r = 0; r < std::max(reps, 1u); ++r) {
      WeftRun run = parallel ? run_weft_parallel(w, p, detect, procs) : run_weft(w, p, detect);
      if (!run.error.empty()) {
        std::fprintf(stderr, "race_rss: %s\n", run.error.c_str());
        return 1;
      }
      ns.push_back(run.ns);
      cpu.push_back(run.cpu_ns);
      accesses = run.outcome.accesses;
    }
    std::sort(ns.begin(), ns.end());
    std::sort(cpu.begin(), cpu.end());
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const char* wl = workload.c_str();
    std::printf("%s.ns %.0f\n%s.cpu_ns %.0f\n%s.accesses %llu\nmaxrss_kb %ld\n", wl,
                ns[ns.size() / 2], wl, cpu[cpu.size() / 2], wl,
                static_cast<unsigned long long>(accesses), ru.ru_maxrss);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "race_rss: %s\n", e.what());
    return 2;
  }
}
