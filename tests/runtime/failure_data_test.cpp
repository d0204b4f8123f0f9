// Failures as data (weft::Failure's fields) and reports a person can act on (issue 13): a
// deadlock, leak or step-limit dump names, per goroutine, where it is and its callers, the
// locks it holds with where each was taken, the channel a channel wait is on (its creation
// site) and who holds the mutex a lock wait is for; the JSON (ExploreResult::to_json)
// carries the same fields. Lines are checked exactly; columns are the compiler's choice.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <source_location>
#include <string>

#include "weft/instr.hpp"
#include "weft/weft.hpp"

namespace failure_data_test {  // this file's names, apart from the other tests' in a unity build

namespace {

weft::ExploreOptions opts(std::uint64_t iterations = 20) {
  weft::ExploreOptions o;
  o.iterations = iterations;
  o.use_environment = false;
  o.minimize_replays = 0;
  return o;
}

std::string strip_columns(const std::string& s) {
  static const std::regex re(R"((:\d+):\d+ in )");
  return std::regex_replace(s, re, "$1 in ");
}

std::string at(const std::source_location& l) {
  return std::string(l.file_name()) + ":" + std::to_string(l.line()) + " in " +
         l.function_name();
}

bool same_line(const weft::Location& l, const std::source_location& s) {
  return l.line == s.line() && std::string_view(l.file) == s.file_name();
}

const weft::FailureGoroutine* goroutine(const weft::Failure& f, weft::GoId id) {
  for (const auto& g : f.goroutines)
    if (g.id == id) return &g;
  return nullptr;
}

// A goroutine that takes a mutex and then waits on a channel nobody sends on, while main
// waits for the same mutex: a deadlock in every schedule where the worker locks first.
TEST(FailureData, DeadlockShowsHeldLocksTheirHoldersAndTheChannel) {
  std::source_location locked, waits, made, main_locks, spawned;
  weft::ExploreOptions o = opts(50);
  auto r = weft::explore([&] {
    weft::Mutex mu;
    made = std::source_location::current(); auto never = weft::make_chan<int>();
    auto started = weft::make_chan<int>(1);
    spawned = std::source_location::current(); weft::go_named("holder", [&, never, started] {
      locked = std::source_location::current(); mu.lock();
      started.send(1);
      waits = std::source_location::current(); never.recv();
    });
    started.recv();
    main_locks = std::source_location::current(); mu.lock();
  }, o);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  const weft::Failure& f = *r.failure;
  EXPECT_EQ(f.message, "all goroutines are asleep - deadlock!");

  const weft::FailureGoroutine* main = goroutine(f, 1);
  const weft::FailureGoroutine* holder = goroutine(f, 2);
  ASSERT_TRUE(main && holder) << r;
  EXPECT_EQ(main->state, "blocked");
  EXPECT_EQ(main->wait, "sync.Mutex.Lock");
  EXPECT_EQ(main->waits_for_mutex, "M1");
  EXPECT_EQ(main->mutex_held_by, std::vector<weft::GoId>{2});
  ASSERT_FALSE(main->stack.empty());
  EXPECT_TRUE(same_line(main->stack.front(), main_locks));

  EXPECT_EQ(holder->name, "holder");
  EXPECT_EQ(holder->wait, "chan receive");
  ASSERT_EQ(holder->locks.size(), 1u);
  EXPECT_EQ(holder->locks[0].mutex, "M1");
  EXPECT_TRUE(holder->locks[0].exclusive);
  ASSERT_FALSE(holder->locks[0].acquired_at.empty());
  EXPECT_TRUE(same_line(holder->locks[0].acquired_at.front(), locked));
  ASSERT_EQ(holder->channel_created_at.size(), 1u);
  EXPECT_TRUE(same_line(holder->channel_created_at.front(), made));
  ASSERT_EQ(holder->created_at.size(), 1u);
  EXPECT_TRUE(same_line(holder->created_at.front(), spawned));

  EXPECT_EQ(strip_columns(f.report),
            "all goroutines are asleep - deadlock!\n\n"
            "goroutine 1 [sync.Mutex.Lock]:\n"
            "    blocked at " + at(main_locks) + "\n"
            "    waiting for mutex M1, held by goroutine 2\n"
            "goroutine 2 \"holder\" [chan receive]:\n"
            "    blocked at " + at(waits) + "\n"
            "    on a channel made at " + at(made) + "\n"
            "    holds mutex M1, locked at " + at(locked) + "\n"
            "    created by goroutine 1 at " + at(spawned) + "\n");

  // The identifying locations: where each blocked, and where the holder was created.
  EXPECT_TRUE(same_line(f.locations.front(), main_locks));
  EXPECT_TRUE(std::any_of(f.locations.begin(), f.locations.end(),
                          [&](const weft::Location& l) { return same_line(l, waits); }));
}

TEST(FailureData, TheJsonCarriesTheSameFields) {
  std::source_location locked, made;
  auto r = weft::explore([&] {
    weft::Mutex mu;
    made = std::source_location::current(); auto never = weft::make_chan<int>();
    weft::go([&, never] {
      locked = std::source_location::current(); mu.lock();
      never.recv();
    });
  }, opts(20));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
  const nlohmann::json j = nlohmann::json::parse(r.to_json());
  const nlohmann::json& f = j["failure"];
  EXPECT_EQ(f["kind"], "goroutine leak");
  EXPECT_EQ(f["message"], "goroutine leak: 1 goroutine still alive after main returned");
  EXPECT_EQ(f["seed"], r.seed);
  EXPECT_EQ(f["token"], r.token);
  ASSERT_EQ(f["goroutines"].size(), 1u);
  const nlohmann::json& g = f["goroutines"][0];
  EXPECT_EQ(g["id"], 2);
  EXPECT_EQ(g["state"], "blocked");
  EXPECT_EQ(g["wait"], "chan receive");
  EXPECT_EQ(g["parent"], 1);
  EXPECT_EQ(g["channel_created_at"][0]["line"], made.line());
  EXPECT_EQ(g["channel_created_at"][0]["file"], made.file_name());
  ASSERT_EQ(g["locks"].size(), 1u);
  EXPECT_EQ(g["locks"][0]["mutex"], "M1");
  EXPECT_EQ(g["locks"][0]["acquired_at"][0]["line"], locked.line());
  EXPECT_GT(g["locks"][0]["acquired_at"][0]["column"].get<int>(), 0);
  EXPECT_GE(f["locations"].size(), 2u);  // where it blocked, where it was created
}

// A lock that was given back is not shown as held, and an unlock by another goroutine (Go
// allows it) ends the hold too.
TEST(FailureData, ReleasedLocksAreNotShown) {
  auto r = weft::explore([&] {
    weft::Mutex a, b;
    a.lock();
    a.unlock();
    b.lock();
    auto never = weft::make_chan<int>();
    auto done = weft::make_chan<int>();
    weft::go([&b, done] {
      b.unlock();
      done.send(1);
    });
    done.recv();
    never.recv();
  }, opts(20));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::deadlock) << r;
  ASSERT_EQ(r.failure->goroutines.size(), 1u) << r;
  EXPECT_TRUE(r.failure->goroutines[0].locks.empty()) << r;
  EXPECT_EQ(r.failure->report.find("holds mutex"), std::string::npos) << r;
}

// Calls that instrumented code marks (weft::instr::Call, as weft-instrument emits) give a
// blocked goroutine's call chain, and the chain at each lock it holds.
constexpr weft::instr::Site kOuterCall{__FILE__, "outer", 500, 7, "inner"};

void inner(weft::Mutex& mu, const weft::Chan<int>& never, std::source_location& locked,
           std::source_location& blocked) {
  locked = std::source_location::current(); mu.lock();
  blocked = std::source_location::current(); never.recv();
}

TEST(FailureData, CallChainsOfMarkedCalls) {
  std::source_location locked, blocked;
  auto r = weft::explore([&] {
    weft::Mutex mu;
    auto never = weft::make_chan<int>();
    weft::go([&, never] { (weft::instr::Call(kOuterCall), inner(mu, never, locked, blocked)); });
  }, opts(5));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::leak) << r;
  const weft::FailureGoroutine& g = r.failure->goroutines.at(0);
  ASSERT_EQ(g.stack.size(), 2u) << r;
  EXPECT_TRUE(same_line(g.stack[0], blocked));
  EXPECT_EQ(g.stack[1].line, 500u);
  EXPECT_EQ(std::string_view(g.stack[1].function), "outer");
  ASSERT_EQ(g.locks.size(), 1u);
  ASSERT_EQ(g.locks[0].acquired_at.size(), 2u);
  EXPECT_TRUE(same_line(g.locks[0].acquired_at[0], locked));
  EXPECT_EQ(g.locks[0].acquired_at[1].line, 500u);
  const std::string outer = std::string(__FILE__) + ":500:7 in outer";
  EXPECT_NE(r.failure->report.find("    blocked at "), std::string::npos);
  EXPECT_NE(r.failure->report.find("    called from " + outer + "\n"), std::string::npos) << r;
  EXPECT_NE(r.failure->report.find("        called from " + outer + "\n"), std::string::npos)
      << r;
}

// A step-limit dump shows where a runnable goroutine is, not only where it was created.
TEST(FailureData, RunnableGoroutinesShowWhereTheyAre) {
  std::source_location spins;
  weft::ExploreOptions o = opts(1);
  o.max_steps = 200;
  auto r = weft::explore([&] {
    for (;;) {
      spins = std::source_location::current(); weft::yield();
    }
  }, o);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::step_limit) << r;
  const weft::FailureGoroutine& g = r.failure->goroutines.at(0);
  EXPECT_EQ(g.state, "running");
  ASSERT_FALSE(g.stack.empty()) << r;
  EXPECT_TRUE(same_line(g.stack.front(), spins));
  EXPECT_NE(strip_columns(r.failure->report).find("goroutine 1 [running]:\n    at " + at(spins)),
            std::string::npos)
      << r;
}

TEST(FailureData, RunnableGoroutineInAStepLimitDump) {
  std::source_location spins;
  weft::ExploreOptions o = opts(1);
  o.max_steps = 300;
  auto r = weft::explore([&] {
    weft::go_named("spinner", [&] {
      for (;;) {
        spins = std::source_location::current(); weft::yield();
      }
    });
    for (;;) weft::yield();
  }, o);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::step_limit) << r;
  const weft::FailureGoroutine* g = goroutine(*r.failure, 2);
  ASSERT_NE(g, nullptr) << r;
  ASSERT_FALSE(g->stack.empty()) << r;
  EXPECT_TRUE(same_line(g->stack.front(), spins)) << r;
  // The spinner is runnable or running, and either way its place is shown.
  EXPECT_TRUE(std::regex_search(strip_columns(r.failure->report),
                                std::regex("goroutine 2 \"spinner\" \\[(runnable|running)\\]:\n"
                                           "    at [^\n]*:" + std::to_string(spins.line()) +
                                           " in ")))
      << r;
}

TEST(FailureData, PanicNamesWhereAndTheGoroutine) {
  std::source_location closed;
  auto r = weft::explore([&] {
    auto c = weft::make_chan<int>();
    c.close();
    closed = std::source_location::current(); c.close();
  }, opts(1));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::panic) << r;
  EXPECT_EQ(r.failure->message, "panic: close of closed channel");
  ASSERT_FALSE(r.failure->locations.empty());
  EXPECT_TRUE(same_line(r.failure->locations.front(), closed));
  ASSERT_EQ(r.failure->goroutines.size(), 1u);
  EXPECT_EQ(r.failure->goroutines[0].state, "running");
}

TEST(FailureData, DataRaceCarriesBothAccessesWithTheirStacks) {
  auto r = weft::explore([] {
    weft::Shared<int> counter{0};
    weft::WaitGroup wg;
    wg.add(2);
    for (int i = 0; i < 2; ++i)
      weft::go_named("incr", [&] {
        counter.write(counter.read() + 1);
        wg.done();
      });
    wg.wait();
  }, opts(10));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  const weft::Failure& f = *r.failure;
  ASSERT_EQ(f.accesses.size(), 2u);
  EXPECT_GT(f.accesses[0].size, 0u);
  EXPECT_NE(f.accesses[0].goroutine, f.accesses[1].goroutine);
  for (const auto& a : f.accesses) {
    EXPECT_TRUE(a.access == "read" || a.access == "write" || a.access == "update") << a.access;
    ASSERT_FALSE(a.stack.empty());
    EXPECT_GT(a.stack.front().line, 0u);
  }
  EXPECT_EQ(f.goroutines.size(), 2u);
  EXPECT_NE(f.message.find("data race"), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(r.to_json());
  ASSERT_EQ(j["failure"]["accesses"].size(), 2u);
  EXPECT_EQ(j["failure"]["accesses"][0]["stack"][0]["line"], f.accesses[0].stack.front().line);
}

// A race's goroutines carry who started each, as a dump's do: here a grandchild of main races
// with main, so its parent is the goroutine between them, not main; main is the only root.
TEST(FailureData, RaceGoroutinesCarryTheirParents) {
  static int value = 0;
  weft::GoId main_id = 0, middle_id = 0, inner_id = 0;
  auto r = weft::explore([&] {
    main_id = weft::goid();
    auto done = weft::make_chan<weft::Unit>(1);
    weft::go_named("middle", [&, done] {
      middle_id = weft::goid();
      weft::go_named("inner", [&, done] {
        inner_id = weft::goid();
        weft::race::write(&value, sizeof value);
        done.send({});
      });
    });
    weft::race::write(&value, sizeof value);  // not ordered with inner's write
    done.recv();
  }, opts(20));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::data_race) << r;
  ASSERT_NE(middle_id, main_id);
  std::map<weft::GoId, weft::GoId> parent;
  for (const weft::FailureGoroutine& g : r.failure->goroutines) parent[g.id] = g.parent;
  EXPECT_EQ(parent, (std::map<weft::GoId, weft::GoId>{{main_id, 0}, {inner_id, middle_id}})) << r;
  const std::string created = "Goroutine " + std::to_string(inner_id) +
                              " (\"inner\") created by goroutine " + std::to_string(middle_id) +
                              " at:\n";
  EXPECT_NE(r.failure->report.find(created), std::string::npos) << r;
  const nlohmann::json j = nlohmann::json::parse(r.to_json());
  std::map<weft::GoId, weft::GoId> in_json;
  for (const auto& g : j["failure"]["goroutines"])
    in_json[g["id"].get<weft::GoId>()] = g["parent"].get<weft::GoId>();
  EXPECT_EQ(in_json, parent) << j.dump(2);
}

TEST(FailureData, LockOrderInversionCarriesTheCycle) {
  auto r = weft::explore([] {
    weft::Mutex a, b;
    a.lock();
    b.lock();
    b.unlock();
    a.unlock();
    b.lock();
    a.lock();
    a.unlock();
    b.unlock();
  }, opts(1));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.failure->kind, weft::FailureKind::lock_order) << r;
  ASSERT_EQ(r.failure->cycle.size(), 2u);
  EXPECT_EQ(r.failure->cycle[0].acquired, r.failure->cycle[1].held);
  EXPECT_EQ(r.failure->cycle[1].acquired, r.failure->cycle[0].held);
  EXPECT_FALSE(r.failure->cycle[0].acquired_at.empty());
  EXPECT_GE(r.failure->locations.size(), 2u);
}

}  // namespace

}  // namespace failure_data_test
