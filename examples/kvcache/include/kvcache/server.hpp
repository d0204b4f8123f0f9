// kvcache/server.hpp — the cache server: a request channel served by a pool of worker
// goroutines, a janitor that sweeps expired entries on a ticker, a stats collector, and a
// graceful shutdown through a context.
//
//   kvcache::Server server({.workers = 4});
//   server.start();
//   server.call("SET greeting hello 500");    // "STORED"
//   server.call("GET greeting");              // "VALUE hello"
//   kvcache::ServerReport report = server.shutdown();
//
// Requests go over an unbuffered channel, so a request is either taken by a worker or
// refused ("ERROR shutting down"); none is stranded by a shutdown. Replies come back on a
// per-request channel of capacity 1, so a worker never blocks on a client that gave up.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>

#include "kvcache/cache.hpp"
#include "kvcache/protocol.hpp"
#include "kvcache/stats.hpp"
#include "weft/chan.hpp"
#include "weft/context.hpp"
#include "weft/sync.hpp"
#include "weft/time.hpp"

namespace kvcache {

struct ServerOptions {
  std::size_t workers = 4;
  CacheOptions cache;
  // How often the janitor sweeps expired entries; 0 disables it.
  weft::Duration janitor_period = std::chrono::milliseconds(50);
  std::size_t stats_buffer = 32;
};

struct Request {
  std::string line;
  weft::Chan<std::string> reply;
};

class Server {
 public:
  explicit Server(ServerOptions options = {}, weft::Context parent = weft::background());
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Spawns the workers, the janitor and the stats collector.
  void start();
  // Sends one command line and waits for its reply, at most `timeout`.
  std::string call(const std::string& line,
                   weft::Duration timeout = std::chrono::seconds(1));
  // Cancels the server's context, waits for the workers and the janitor to stop, drains
  // the stats collector and returns its report. Idempotent.
  ServerReport shutdown();
  // Handles one command in the caller's goroutine (what a worker does per request).
  Reply execute(const Command& cmd);

  Cache& cache() { return cache_; }
  bool running() const { return started_ && !stopped_; }

 private:
  void worker(std::size_t id);
  void janitor();

  ServerOptions options_;
  Cache cache_;
  // The server's context and its cancel function (with_cancel of the parent).
  std::pair<weft::Context, weft::CancelFunc> scope_;
  weft::Chan<Request> requests_;
  StatsCollector stats_;
  weft::WaitGroup running_;
  bool started_ = false;
  bool stopped_ = false;
  ServerReport report_;
};

}  // namespace kvcache
