// kvcache/server.cpp — Server: workers, request handling, the client call, shutdown.
#include "kvcache/server.hpp"

#include <stdexcept>

#include "weft/go.hpp"
#include "weft/select.hpp"

namespace kvcache {

Server::Server(ServerOptions options, weft::Context parent)
    : options_(options),
      cache_(options.cache),
      scope_(weft::with_cancel(parent)),
      requests_(weft::make_chan<Request>()),
      stats_(options.workers, options.stats_buffer) {
  if (options_.workers == 0) throw std::invalid_argument("Server: at least one worker");
}

void Server::start() {
  if (started_) throw std::logic_error("Server: started twice");
  started_ = true;
  stats_.start();
  for (std::size_t id = 0; id < options_.workers; ++id) {
    running_.add(1);
    weft::go_named("worker " + std::to_string(id), [this, id] { worker(id); });
  }
  if (options_.janitor_period.count() > 0) {
    running_.add(1);
    weft::go_named("janitor", [this] { janitor(); });
  }
}

void Server::worker(std::size_t id) {
  weft::SendChan<Event> events = stats_.events();
  weft::RecvChan<weft::Unit> done = scope_.first.done();
  bool running = true;
  while (running) {
    weft::select(
        weft::recv_case(requests_,
                        // requests_ is never closed: shutdown goes through the context.
                        [&](Request req) {
                          auto t0 = weft::Clock::now();
                          Command cmd = parse_command(req.line);
                          Reply r = execute(cmd);
                          req.reply.send(format_reply(r));
                          Event e;
                          e.worker = id;
                          e.op = cmd.op;
                          e.status = r.status;
                          e.latency = weft::Clock::now() - t0;
                          events.send(e);
                        }),
        weft::recv_case(done, [&] { running = false; }));
  }
  running_.done();
}

void Server::janitor() {
  weft::Ticker tick(options_.janitor_period);
  weft::SendChan<Event> events = stats_.events();
  weft::RecvChan<weft::Unit> done = scope_.first.done();
  bool running = true;
  while (running) {
    weft::select(weft::recv_case(done, [&] { running = false; }),
                 weft::recv_case(tick.c(), [&] {
                   Event e;
                   e.source = Event::Source::janitor;
                   e.expired = cache_.expire_now();
                   events.send(e);
                 }));
  }
  tick.stop();
  running_.done();
}

Reply Server::execute(const Command& cmd) {
  Reply r;
  switch (cmd.op) {
    case Op::get:
      if (auto v = cache_.get(cmd.key)) {
        r.status = Status::value;
        r.body = std::move(*v);
      } else {
        r.status = Status::not_found;
      }
      break;
    case Op::set: {
      bool fresh = cache_.set(cmd.key, cmd.value, std::chrono::milliseconds(cmd.ttl_ms));
      r.status = fresh ? Status::stored : Status::updated;
      break;
    }
    case Op::del:
      r.status = cache_.del(cmd.key) ? Status::deleted : Status::not_found;
      break;
    case Op::append:
      r.status = Status::length;
      r.body = std::to_string(cache_.append(cmd.key, cmd.value));
      break;
    case Op::stats: {
      CacheStats s = cache_.stats();
      r.status = Status::stats;
      r.body = "hits=" + std::to_string(s.hits) + " misses=" + std::to_string(s.misses) +
               " entries=" + std::to_string(s.entries) + " evicted=" +
               std::to_string(s.evicted) + " expired=" + std::to_string(s.expired);
      break;
    }
    case Op::ping:
      r.status = Status::pong;
      break;
    case Op::invalid:
      r.status = Status::error;
      r.body = cmd.error;
      break;
  }
  return r;
}

std::string Server::call(const std::string& line, weft::Duration timeout) {
  if (!started_) throw std::logic_error("Server: call before start");
  Request req{line, weft::make_chan<std::string>(1)};
  weft::Chan<std::string> reply = req.reply;
  bool sent = false;
  weft::select(weft::send_case(requests_, std::move(req), [&] { sent = true; }),
               weft::recv_case(scope_.first.done()));
  if (!sent) return "ERROR shutting down";
  std::string answer = "ERROR timeout";
  weft::select(weft::recv_case(reply, [&](std::string v) { answer = std::move(v); }),
               weft::recv_case(weft::after(timeout)));
  return answer;
}

ServerReport Server::shutdown() {
  if (!started_ || stopped_) return report_;
  stopped_ = true;
  scope_.second("server shutdown");
  running_.wait();
  report_ = stats_.finish();
  return report_;
}

}  // namespace kvcache
