// kvcache_bench — the same kvcache workload, for comparing the plain build with the
// weft_instrument()ed build (bench/RESULTS.md, section "weft-instrument").
//
//   kvcache_bench core   [rounds]             the cache core (LruMap + protocol) on the
//                                             calling thread, outside any weft run
//   kvcache_bench server [requests] [detect]  the whole server (4 workers, 4 clients,
//                                             janitor, stats) in one weft::explore
//                                             iteration; detect: 0 = detector off
//                                             (default), 1 = on (accesses are scheduling
//                                             points too), 2 = on, accesses not scheduled
// Prints the best of 5 runs in milliseconds and a checksum (identical in both builds).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kvcache/lru.hpp"
#include "kvcache/protocol.hpp"
#include "kvcache/server.hpp"
#include "weft/weft.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Lcg {
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(s >> 33);
  }
};

// One request line of a read-mostly workload over 512 keys.
std::string request(Lcg& rng) {
  std::uint32_t r = rng.next();
  std::string key = "key:" + std::to_string(r % 512);
  switch ((r >> 9) % 10) {
    case 0:
    case 1: return "SET " + key + " value-" + std::to_string(r % 97) + " " + std::to_string(r % 50);
    case 2: return "APPEND " + key + " +";
    case 3: return "DEL " + key;
    default: return "GET " + key;
  }
}

std::uint64_t run_core(int rounds) {
  kvcache::LruMap map(256);
  Lcg rng{42};
  std::uint64_t checksum = 0;
  for (int i = 0; i < rounds; ++i) {
    kvcache::Command cmd = kvcache::parse_command(request(rng));
    kvcache::Reply reply;
    kvcache::Nanos now = i;
    switch (cmd.op) {
      case kvcache::Op::get:
        if (auto v = map.get(cmd.key, now)) reply = {kvcache::Status::value, *v};
        else reply = {kvcache::Status::not_found, ""};
        break;
      case kvcache::Op::set:
        reply.status = map.put(cmd.key, cmd.value, cmd.ttl_ms ? now + cmd.ttl_ms * 100 : 0)
                           ? kvcache::Status::stored
                           : kvcache::Status::updated;
        break;
      case kvcache::Op::append: {
        std::string v = map.get(cmd.key, now).value_or("") + cmd.value;
        if (v.size() > 64) v.resize(8);
        reply = {kvcache::Status::length, std::to_string(v.size())};
        map.put(cmd.key, std::move(v), 0);
        break;
      }
      case kvcache::Op::del:
        reply.status = map.erase(cmd.key) ? kvcache::Status::deleted : kvcache::Status::not_found;
        break;
      default: break;
    }
    if (i % 1000 == 0) map.expire(now);
    checksum = checksum * 31 + kvcache::format_reply(reply).size();
  }
  return checksum + map.size();
}

std::uint64_t run_server(int requests, int detect) {
  std::uint64_t checksum = 0;
  weft::ExploreOptions opt;
  opt.iterations = 1;
  opt.seed = 3;
  opt.detect_races = detect != 0;
  opt.schedule_accesses = detect != 2;
  opt.max_steps = 100'000'000;
  opt.use_environment = false;
  weft::ExploreResult r = weft::explore(
      [&] {
        kvcache::ServerOptions o;
        o.workers = 4;
        o.cache = {.shards = 8, .capacity_per_shard = 64};
        o.janitor_period = std::chrono::milliseconds(1);
        kvcache::Server server(o);
        server.start();
        weft::WaitGroup wg;
        std::vector<std::uint64_t> sums(4, 0);
        for (int c = 0; c < 4; ++c) {
          wg.add(1);
          weft::go([&, c] {
            Lcg rng{static_cast<std::uint64_t>(c) + 1};
            for (int i = c; i < requests; i += 4) sums[c] += server.call(request(rng)).size();
            wg.done();
          });
        }
        wg.wait();
        kvcache::ServerReport rep = server.shutdown();
        checksum = sums[0] + sums[1] + sums[2] + sums[3] + rep.served;
      },
      opt);
  if (!r.ok()) {
    std::fprintf(stderr, "%s", r.to_string().c_str());
    std::exit(1);
  }
  return checksum;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "core";
  int n = argc > 2 ? std::atoi(argv[2]) : (mode == "core" ? 300000 : 4000);
  int detect = argc > 3 ? std::atoi(argv[3]) : 0;
  double best = 1e300;
  std::uint64_t checksum = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = Clock::now();
    checksum = mode == "core" ? run_core(n) : run_server(n, detect);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    best = std::min(best, ms);
  }
  std::printf("%s n=%d detect=%d best_ms=%.2f checksum=%llu\n", mode.c_str(), n, detect,
              best, static_cast<unsigned long long>(checksum));
  return 0;
}
