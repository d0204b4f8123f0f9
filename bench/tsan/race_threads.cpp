// race_threads.cpp — the std::thread side of the race detector vs ThreadSanitizer comparison
// (bench/compare_race.sh): the workloads of ../race_workloads.hpp with std::thread, std::mutex
// and plain memory. Built twice by bench/CMakeLists.txt: race_threads (-O2) and
// race_threads_tsan (-O2 -fsanitize=thread). Prints:
//   <workload>.ns <median wall time of the reps>
//   <workload>.cpu_ns <median CPU time (user + system, all threads) of the reps>
//   maxrss_kb <peak resident set size, getrusage ru_maxrss>
//
// Usage: race_threads [--workload histogram|lookup|all] [--reps K] [--serial 0|1]
//                     [--workers N] [--items M] [--bins B] [--table T] [--reads R]
//   --serial 1  join each worker as soon as it is spawned: one thread runs at a time, as in
//               weft's controlled scheduler.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "../race_workloads.hpp"

namespace {

using namespace weft_bench;

double cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)) *
         1e3;
}

template <class F>
bool measure(const char* name, unsigned reps, std::uint64_t expected, F run) {
  std::vector<double> ns, cpu;
  for (unsigned r = 0; r < std::max(reps, 1u); ++r) {
    const double c0 = cpu_ns();
    const auto t0 = std::chrono::steady_clock::now();
    const Outcome out = run();
    ns.push_back(
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count());
    cpu.push_back(cpu_ns() - c0);
    if (out.checksum != expected) {
      std::fprintf(stderr, "race_threads: %s: checksum mismatch\n", name);
      return false;
    }
  }
  std::sort(ns.begin(), ns.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("%s.ns %.0f\n%s.cpu_ns %.0f\n", name, ns[ns.size() / 2], name,
              cpu[cpu.size() / 2]);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Params p;
  std::string workload = "all";
  unsigned reps = 1;
  bool serial = false;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (i + 1 >= argc) throw std::invalid_argument("missing value after " + a);
      std::string v = argv[++i];
      if (a == "--workload") workload = v;
      else if (a == "--reps") reps = static_cast<unsigned>(std::stoul(v));
      else if (a == "--serial") serial = v != "0";
      else if (a == "--workers") p.workers = static_cast<unsigned>(std::stoul(v));
      else if (a == "--items") p.items = std::stoull(v);
      else if (a == "--bins") p.bins = static_cast<unsigned>(std::stoul(v));
      else if (a == "--table") p.table = std::stoull(v);
      else if (a == "--reads") p.reads = std::stoull(v);
      else throw std::invalid_argument("unknown option " + a);
    }
    if (workload != "all" && workload != "histogram" && workload != "lookup")
      throw std::invalid_argument("unknown workload '" + workload + "'");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "race_threads: %s\n", e.what());
    return 2;
  }
  bool ok = true;
  if (workload == "all" || workload == "histogram")
    ok &= measure("histogram", reps, std::uint64_t{p.workers} * p.items, [&] {
      ThreadsEnv env;
      env.serial = serial;
      return histogram(env, p);
    });
  if (workload == "all" || workload == "lookup")
    ok &= measure("lookup", reps, lookup_expected(p), [&] {
      ThreadsEnv env;
      env.serial = serial;
      return lookup(env, p);
    });
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("maxrss_kb %ld\n", ru.ru_maxrss);
  return ok ? 0 : 1;
}
