// The server (worker pool, janitor, stats collector, shutdown) under weft::explore.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "explore_util.hpp"
#include "kvcache/server.hpp"
#include "weft/weft.hpp"

namespace kvcache {
namespace {

using namespace std::chrono_literals;
using testing::expect_clean;

ServerOptions small(std::size_t workers) {
  ServerOptions o;
  o.workers = workers;
  o.cache = {.shards = 2, .capacity_per_shard = 16};
  o.janitor_period = 0ms;
  return o;
}

TEST(Server, AnswersEveryCommand) {
  expect_clean([] {
    Server server(small(1));
    server.start();
    weft::check(server.call("PING") == "PONG", "ping");
    weft::check(server.call("SET greeting hello%20world") == "STORED", "set");
    weft::check(server.call("SET greeting hi") == "UPDATED", "update");
    weft::check(server.call("GET greeting") == "VALUE hi", "get");
    weft::check(server.call("APPEND greeting !") == "LENGTH 3", "append");
    weft::check(server.call("DEL greeting") == "DELETED", "del");
    weft::check(server.call("GET greeting") == "NOT_FOUND", "gone");
    weft::check(server.call("FROB x") == "ERROR unknown command 'FROB'", "error");
    weft::check(server.call("STATS").rfind("STATS hits=1 misses=1", 0) == 0, "stats");
    ServerReport r = server.shutdown();
    weft::check(r.served == 9 && r.errors == 1, "report counts: " + r.summary());
  }, 50);
}

TEST(Server, ManyClientsManyWorkers) {
  expect_clean([] {
    Server server(small(3));
    server.start();
    weft::WaitGroup clients;
    std::vector<int> ok(3, 0);
    for (int c = 0; c < 3; ++c) {
      clients.add(1);
      weft::go([&, c] {
        std::string key = "client" + std::to_string(c);
        if (server.call("SET " + key + " " + std::to_string(c)) == "STORED") ok[c]++;
        if (server.call("GET " + key) == "VALUE " + std::to_string(c)) ok[c]++;
        if (server.call("APPEND shared " + std::to_string(c)).rfind("LENGTH ", 0) == 0) ok[c]++;
        clients.done();
      });
    }
    clients.wait();
    weft::check(server.call("GET shared").size() == std::string("VALUE 012").size(),
                "three appends landed");
    ServerReport r = server.shutdown();
    weft::check(ok[0] + ok[1] + ok[2] == 9, "every client got its answers");
    weft::check(r.served == 10, "served " + r.summary());
    std::uint64_t per_worker = 0;
    for (auto n : r.per_worker) per_worker += n;
    weft::check(per_worker == r.served, "per-worker counts add up");
  }, 150);
}

TEST(Server, JanitorSweepsExpiredEntriesOnItsTicker) {
  expect_clean([] {
    ServerOptions o = small(2);
    o.janitor_period = 20ms;
    Server server(o);
    server.start();
    server.call("SET a 1 10");
    server.call("SET b 2 10");
    server.call("SET c 3");
    weft::sleep(50ms);
    ServerReport r = server.shutdown();
    weft::check(r.janitor_sweeps >= 2, "ticker fired: " + r.summary());
    weft::check(r.janitor_expired == 2, "two entries swept: " + r.summary());
    weft::check(server.cache().stats().entries == 1, "the entry without a ttl stays");
  }, 50);
}

TEST(Server, ShutdownWhileClientsAreCalling) {
  expect_clean([] {
    Server server(small(2));
    server.start();
    weft::WaitGroup clients;
    std::vector<std::string> last(2);
    for (int c = 0; c < 2; ++c) {
      clients.add(1);
      weft::go([&, c] {
        for (int i = 0; i < 3; ++i) last[c] = server.call("SET k" + std::to_string(c) + " v");
        clients.done();
      });
    }
    server.shutdown();
    clients.wait();
    for (const std::string& s : last)
      weft::check(s == "STORED" || s == "UPDATED" || s == "ERROR shutting down", "reply: " + s);
    weft::check(server.call("PING") == "ERROR shutting down", "refused after shutdown");
  }, 200);
}

TEST(Server, ParentContextCancellationStopsTheWorkers) {
  expect_clean([] {
    auto [parent, cancel] = weft::with_cancel(weft::background());
    ServerOptions o = small(2);
    o.janitor_period = 5ms;
    Server server(o, parent);
    server.start();
    weft::check(server.call("PING") == "PONG", "up");
    cancel();
    // A worker that has not yet noticed the cancellation may still serve one more request.
    std::string racing = server.call("PING");
    weft::check(racing == "PONG" || racing == "ERROR shutting down", "reply: " + racing);
    server.shutdown();
    weft::check(server.call("PING") == "ERROR shutting down", "down with the parent");
  }, 100);
}

TEST(Server, ShutdownIsIdempotent) {
  expect_clean([] {
    Server server(small(1));
    server.start();
    server.call("SET x 1");
    ServerReport a = server.shutdown();
    ServerReport b = server.shutdown();
    weft::check(a.served == 1 && b.served == 1, "same report");
    weft::check(!server.running(), "stopped");
  }, 20);
}

}  // namespace
}  // namespace kvcache
