// The controlled scheduler; see controlled.hpp for its invariants.
//
// The loop runs on the OS thread's own stack. When a goroutine parks or is preempted at a
// visible operation, it makes the decision the loop would make (same strategy call, same
// order) and switches straight to the chosen goroutine: one context switch per decision.
// It returns to the loop when nothing else is runnable (timers, deadlock), when it dies,
// when the iteration fails, and after main has returned (the loop then counts the leak
// grace period, and a preempted goroutine leaves its successor in next_). Choosing the same
// goroutine costs no switch.
#include "controlled.hpp"

#include <fmt/format.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <map>
#include <new>

#include "crash.hpp"
#include "dcheck.hpp"
#include "hb.hpp"
#include "report.hpp"
#include "stack_compact.hpp"
#include "std_shim.hpp"
#include "weft/detail/wait_queue.hpp"
#include "weft/instr.hpp"
#include "weft/panic.hpp"

namespace weft::detail {

namespace {
// Unwinds a goroutine that is being torn down. Deliberately not a std::exception, so
// `catch (const std::exception&)` in user code lets it pass.
struct GoroutineExit {};

// After main returns, the others may still finish: they get this many steps and this much
// virtual time; whatever is alive then leaked (goleak's rule, with a virtual clock).
constexpr std::uint64_t kLeakGraceSteps = 10'000;
constexpr Duration kLeakGraceTime = std::chrono::minutes(1);
// A goroutine being torn down may run this many visible operations before it is abandoned.
constexpr std::uint64_t kTeardownSteps = 10'000;

// Point stamps: each thread's start at its own multiple of 2^44 (more points than a thread
// makes), so stamps of two threads never meet and a difference below 2^44 means "the same
// thread, later".
constexpr std::uint64_t kStampSpan = std::uint64_t{1} << 44;
// The most try-locks in a row that may fail as if before one release (fails_before_release).
constexpr std::uint32_t kFailStreakMax = 3;
std::atomic<std::uint64_t> next_stamp_base{0};
thread_local std::uint64_t tls_point_stamp = 0;

std::uint64_t take_point_stamp() {
  if (tls_point_stamp == 0)
    tls_point_stamp = (next_stamp_base.fetch_add(1, std::memory_order_relaxed) + 1) * kStampSpan;
  return tls_point_stamp;
}
}  // namespace

ControlledScheduler::ControlledScheduler(Strategy& strategy, StackPool& stacks, EventSink* sink,
                                         RaceSink* race, const ExploreOptions& options)
    : strategy_(strategy.deciding()),
      stacks_(stacks),
      sink_(sink),
      race_(race),
      options_(options),
      accesses_call_in_(sink != nullptr || options.schedule_accesses),
      stamp_(take_point_stamp()) {
  race_sink_ = race;
  if (race != nullptr && sink == race && !options.schedule_accesses) direct_race_ = race;
  runq_.watch(strategy.watcher());
}

ControlledScheduler::~ControlledScheduler() {
  for (G* g : live_) release(g);
  tls_point_stamp = stamp_;
}

G* ControlledScheduler::create(std::unique_ptr<Callable> fn, std::string name,
                               Location created_at, GoId parent, std::uint64_t identity) {
  auto* g = new G;
  g->id = next_id_++;
  g->parent = parent;
  g->identity = identity;
  g->name = std::move(name);
  g->created_at = created_at;
  g->fn = std::move(fn);
  g->state = GState::runnable;
  g->sched_data = live_.size();
  live_.push_back(g);
  if (live_.size() > out_.peak_goroutines) out_.peak_goroutines = live_.size();
  if (sink_) sink_->go_start({g->id, parent, g->name, created_at, identity});
  strategy_.on_spawn(*g);
  return g;
}

void ControlledScheduler::release(G* g) {
  WEFT_DCHECK(!runq_.contains(g), "a goroutine leaves the run queue before it is released");
  if (g->compact_pending) std::erase(compact_pending_, g);
  if (g->compacted) restore_stack(*g);
  if (g->stack.region) {
    if (race_) race_->stack_released(g->stack);
    if (g->abandoned)
      stacks_.bury(g->stack, g->ctx.lowest_sp);
    else
      stacks_.put(g->stack, g->ctx.lowest_sp);
  }
  std::size_t i = g->sched_data;
  live_[i] = live_.back();
  live_[i]->sched_data = i;
  live_.pop_back();
  delete g;
}

void ControlledScheduler::spawn(std::unique_ptr<Callable> fn, std::string name,
                                Location created_at) {
  visible(created_at);
  const std::uint64_t identity = identities_.child(cur_->identity, site_hash(created_at));
  G* g = create(std::move(fn), std::move(name), created_at, cur_->id, identity);
  if (tearing_down_) return;  // never started; released by teardown
  enqueue(g);
}

void ControlledScheduler::spawn_from_timer(std::unique_ptr<Callable> fn, std::string name) {
  const std::uint64_t identity = identities_.child(kTimerRootIdentity, name_hash(name));
  G* g = create(std::move(fn), std::move(name), Location{}, 0, identity);
  if (tearing_down_) return;
  enqueue(g);
}

std::size_t ControlledScheduler::pick(const RunQueue& runnable, const G* current) {
  if (runnable.size() < 2) return 0;
  std::size_t c = strategy_.pick_goroutine(runnable, current);
  record(c);
  count_decision();
  return c;
}

std::size_t ControlledScheduler::choose(std::size_t n) {
  if (n < 2 || tearing_down_) return 0;
  std::size_t c = strategy_.pick_value(n);
  record(c);
  count_decision();
  return c;
}

bool ControlledScheduler::fails_before_release(std::uint64_t released_at) {
  if (!cur_) return false;
  G& g = *cur_;
  // A goroutine whose previous operation was a try-lock that failed this way has done
  // nothing since that a release does not commute with: this one may be ordered from the
  // same point, so tries in a row can all fail inside one critical section. At most
  // kFailStreakMax of them: a loop that spins on a try-lock would otherwise have schedules
  // that fail it forever (the releaser never running again), an infinite tree for dfs and a
  // false livelock at the step limit.
  const bool streak = g.failed_at_ops + 1 == g.ops && g.failed_streak < kFailStreakMax;
  const std::uint64_t from = streak ? g.failed_from : g.at_point;
  // Released at or after that point (same thread: the difference is small).
  if (released_at - from >= kStampSpan) return false;
  if (choose(2) != 1) return false;
  g.failed_streak = streak ? g.failed_streak + 1 : 1;
  g.failed_from = from;
  g.failed_at_ops = g.ops;
  return true;
}

void ControlledScheduler::record(std::size_t c) {
  out_.schedule_hash = (out_.schedule_hash ^ (c + 1)) * 0x100000001b3ull;
  std::uint64_t seed = 0, index = 0;
  if (strategy_.last_drawn(seed, index))
    out_.schedule.push_drawn(seed, index);
  else
    out_.schedule.push(static_cast<std::uint32_t>(c));
}

// errno is the OS thread's, which every goroutine of a controlled run shares: each switch
// away keeps the goroutine's own on its stack and puts it back when it runs again, so a
// std::thread sees only the errno it set (as on a thread of its own).
void ControlledScheduler::switch_to_scheduler() {
  G* self = cur_;
  const int own_errno = errno;
  switch_to(self->ctx, loop_ctx_);
  // Back on this goroutine: the loop set cur_ = self before switching here.
  errno = own_errno;
}

void ControlledScheduler::visible(Location where) { visible_at(where); }

void ControlledScheduler::visible_at(const Location& where) {
  G* self = cur_;
  self->last_op = where;
  self->at_point = ++stamp_;
  ++self->ops;
  note_progress();
  if (self->killed) {
    if (++teardown_steps_ > kTeardownSteps) exit_killed();
    return;
  }
  if (++out_.steps > options_.max_steps) {
    const bool spinning = timers_.empty() && everyone_polls(self);
    fail_now(dump(FailureKind::step_limit,
                  fmt::format("step limit exceeded: {} scheduling steps without the iteration "
                              "ending ({})",
                              options_.max_steps,
                              spinning ? "a livelock: every runnable goroutine is spinning on a "
                                         "select default or a failed try operation and no timer "
                                         "is pending, so nothing can change"
                                       : "a livelock, or raise max_steps / WEFT_MAX_STEPS"),
                  live_sorted()));
    return;
  }
  if (!timers_.empty() && everyone_polls(self)) {
    // Nothing changes until a timer fires: let the loop advance the clock (issue 13).
    advance_clock_ = true;
    runq_.requeued(self);  // for the loop's decision
    off_cpu(self);
    switch_to_scheduler();
    return;
  }
  if (runq_.size() < 2) return;  // only self
  runq_.requeued(self);
  G* g = runq_[pick(runq_, self)];
  if (g == self) return;
  off_cpu(self);
  if (main_done_) {  // the loop counts the leak grace period
    next_ = g;
    switch_to_scheduler();
  } else {
    switch_direct(self, g);
  }
}

// weft::yield: a poll (first: the yield's own scheduling point already lets others run),
// then the scheduling point, with the yield as the pending operation.
void ControlledScheduler::yield(Location where) {
  G* self = cur_;
  polled(false);
  self->pending = OpKind::yield;
  self->pending_obj = nullptr;
  visible(where);
}

void ControlledScheduler::access_point(Location where) {
  if (options_.schedule_accesses) visible(where);
}

void ControlledScheduler::fail_now(FailureKind kind, std::string report) {
  fail_now(text_failure(kind, std::move(report)));
}

void ControlledScheduler::fail_now(Failure f) {
  fail(std::move(f));
  G* self = cur_;
  if (!self || self->killed || tearing_down_) return;
  off_cpu(self);
  switch_to_scheduler();  // resumed only for teardown
}

Wake ControlledScheduler::park(WaitReason reason, Location where, UnlockFn unlock, void* arg) {
  G* self = cur_;
  if (self->killed) {
    if (unlock) unlock(arg);
    return Wake::killed;
  }
  self->state = GState::blocked;
  self->reason = reason;
  self->blocked_at = where;
  self->last_op = where;
  note_progress();
  if (unlock) unlock(arg);
  ++out_.steps;
  if (compact_from_ != 0 && live_.size() >= compact_from_ && compaction_available(stacks_))
    want_compacted(self);
  unqueue(self);
  if (!main_done_ && !runq_.empty()) {  // what the loop would pick, without visiting it
    switch_direct(self, runq_[pick(runq_, nullptr)]);
  } else {
    switch_to_scheduler();
  }
  self->reason = WaitReason::none;
  return self->killed ? Wake::killed : Wake::ready;
}

void ControlledScheduler::ready(G* g) {
  if (g->state != GState::blocked) return;
  WEFT_DCHECK(!runq_.contains(g), "a blocked goroutine is not queued");
  g->state = GState::runnable;
  if (!g->killed) enqueue(g);
}

namespace {
// A poll loop: the probe, perhaps one more check, the probe again.
constexpr std::uint64_t kPollWindow = 2;
// Probes in a row before a goroutine counts as spinning: a few probes in a row (checking
// several contexts' Done) are not yet a wait.
constexpr std::uint32_t kSpinStreak = 8;
}  // namespace

void ControlledScheduler::polled(bool probe) {
  if (!cur_ || tearing_down_) return;
  if (probe) {
    G* g = cur_;
    const bool in_row = g->polled_at != ~std::uint64_t{0} && g->ops - g->polled_at <= kPollWindow;
    g->poll_streak = in_row ? g->poll_streak + 1 : 1;
    g->polled_at = g->ops;
  }
  strategy_.on_poll(*cur_);
}

namespace {
// Whether g is spinning on a probe: kSpinStreak probes in a row, the last one just now.
bool spins_on_probe(const G* g) noexcept {
  return g->poll_streak >= kSpinStreak && g->ops - g->polled_at <= kPollWindow;
}
}  // namespace

void ControlledScheduler::enqueue(G* g) {
  runq_.insert(g);
  spinning_queued_ += spins_on_probe(g);
}

void ControlledScheduler::unqueue(G* g) {
  if (runq_.contains(g)) runq_.take(runq_.index_of(g));  // not if killed: teardown cleared it
}

void ControlledScheduler::off_cpu(G* self) {
  self->state = GState::runnable;
  spinning_queued_ += spins_on_probe(self);
}

// Whether `self` (running, so queued) and every other runnable goroutine are spinning on
// probes, so that nothing can change until a timer fires. O(1): the others are counted as
// they leave the CPU or are queued.
bool ControlledScheduler::everyone_polls(const G* self) const {
  return spins_on_probe(self) && spinning_queued_ + 1 == runq_.size();
}

void ControlledScheduler::exit_killed() {
  if (std::uncaught_exceptions() == 0) throw GoroutineExit{};
  // Already unwinding: a second exception would terminate, so leave the stack as it is.
  abandon_killed();
}

void ControlledScheduler::abandon_killed() {
  G* self = cur_;
  self->abandoned = true;
  self->state = GState::dead;
  unqueue(self);
  if (sink_) sink_->go_end(self->id);
  switch_final(self->ctx, loop_ctx_);
}

void ControlledScheduler::fail(FailureKind kind, std::string report) {
  fail(text_failure(kind, std::move(report)));
}

void ControlledScheduler::fail(Failure f) {
  if (out_.failure || tearing_down_) return;  // the first failure wins
  out_.failure = std::move(f);
}

void ControlledScheduler::lock_held(const void* mutex, bool exclusive, Location where) {
  if (cur_) held_.acquired(*cur_, mutex, exclusive, where);
}

void ControlledScheduler::lock_dropped(const void* mutex) {
  if (cur_) held_.released(cur_->id, mutex);
}

namespace {
std::string out_of_memory_report(const G& g) {
  struct rlimit as {};
  std::string limit = "the system's memory, or its overcommit limit (vm.overcommit_memory)";
  std::string remedy = "free memory, or lower what the program allocates";
  if (::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    limit = fmt::format("the address-space limit (ulimit -v {} KiB)", as.rlim_cur / 1024);
    remedy = "raise the limit (`ulimit -v unlimited`), or lower stack_size: each goroutine "
             "reserves it as address space";
  }
  return fmt::format("out of memory: an allocation failed (std::bad_alloc escaped the "
                     "goroutine); the limit reached is {}\n\n{}\n{}\n",
                     limit, goroutine_dump(g, true), remedy);
}

// Main's body runs below this frame's gap, so the epilogue that follows its return (the
// final scheduling point, go_end, the switch away) runs inside the gap and leaves the
// bytes of main's destroyed locals as they were during the leak grace period. A goroutine
// that still reaches them is wrong in C++ terms (ASan reports it; guard_main_stack turns it
// into a diagnosed stop), but it no longer reads what the epilogue scribbled there.
constexpr std::size_t kMainEpilogueGap = 16 * 1024;

[[gnu::noinline]] void invoke_below_gap(Callable& fn) {
  char gap[kMainEpilogueGap];
  asm volatile("" : : "r"(gap) : "memory");  // the frame keeps its size
  fn.invoke();
  asm volatile("" : : "r"(gap) : "memory");
}
}  // namespace

void ControlledScheduler::fiber_entry(void* arg) {
  auto* self = static_cast<ControlledScheduler*>(current_scheduler());
  G* g = static_cast<G*>(arg);
  errno = 0;  // a new thread's errno starts at 0
  try {
    if (g == self->main_)
      invoke_below_gap(*g->fn);
    else
      g->fn->invoke();
    g->fn.reset();
    shim::end_goroutine_locals(g);  // its thread_locals, as a thread's end destroys them
    // Main's return ends the program, so let the strategy run others first once more.
    if (g == self->main_) self->visible(Location{"", "main returns", 0, 0});
  } catch (const GoroutineExit&) {
  } catch (const Panic& p) {
    self->fail(panic_failure(FailureKind::panic, *g, fmt::format("panic: {}", p.what()),
                             p.where(), &self->held_));
  } catch (const CheckFailure& c) {
    self->fail(panic_failure(FailureKind::assertion, *g,
                             fmt::format("assertion failed: {}", c.what()), c.where(),
                             &self->held_));
  } catch (const std::bad_alloc&) {
    self->out_of_memory(*g);
  } catch (const std::exception& e) {
    self->fail(exception_failure(*g, e.what(), &self->held_));
  } catch (...) {
    self->fail(exception_failure(*g, "unknown exception", &self->held_));
  }
  self->finish(g);
}

void ControlledScheduler::finish(G* g) {
  try {
    g->fn.reset();  // if the body threw, its closure dies here
  } catch (...) {
  }
  g->state = GState::dead;
  unqueue(g);
  if (g == main_) main_done_ = true;
  strategy_.on_exit(*g);
  if (sink_) sink_->go_end(g->id);
  switch_final(g->ctx, loop_ctx_);
}

// Queues self (blocking now) to be compacted once off the CPU; the first time, also every
// goroutine that blocked before the threshold was reached.
void ControlledScheduler::want_compacted(G* self) {
  if (!compact_swept_) {
    compact_swept_ = true;
    for (G* g : live_)
      if (g != self && g->started && g->state == GState::blocked && !g->compact_pending) {
        g->compact_pending = true;
        compact_pending_.push_back(g);
      }
  }
  if (!self->compact_pending) {
    self->compact_pending = true;
    compact_pending_.push_back(self);
  }
}

// Compacts the queued goroutines that are still blocked, except the one whose stack this
// runs on (cur_, kept for later) and `next`, about to run.
void ControlledScheduler::compact_off_cpu(const G* next) {
  std::size_t kept = 0;
  for (G* g : compact_pending_) {
    if (g == cur_) {
      compact_pending_[kept++] = g;
      continue;
    }
    g->compact_pending = false;
    if (g != next && g->state == GState::blocked) compact_stack(*g);
  }
  compact_pending_.resize(kept);
}

// Makes g the running goroutine, giving it a stack on its first run. False when the system
// refuses the stack: the iteration has then failed and g stays unstarted.
bool ControlledScheduler::enter(G* g) {
  if (!g->started) {
    try {
      g->stack = stacks_.get();
    } catch (const StackLimitReached& why) {
      stack_refused(g, why);
      return false;
    }
    g->started = true;
    fiber_make(g->ctx, g->stack, &fiber_entry, g);
  }
  if (!compact_pending_.empty()) compact_off_cpu(g);
  if (g->compacted) restore_stack(*g);
  if (spins_on_probe(g) && g->state == GState::runnable && runq_.contains(g)) --spinning_queued_;
  g->state = GState::running;
  cur_ = g;
  // Instrumented accesses call in when someone records them or they are scheduling points.
  instr::detail::active = accesses_call_in_ ? g : nullptr;
  if (direct_race_) direct_race_->bind(*g);
  return true;
}

namespace {
std::string with_commas(std::size_t n) {
  const std::string digits = std::to_string(n);
  std::string s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}
}  // namespace

void ControlledScheduler::stack_refused(G* g, const StackLimitReached& why) {
  if (out_.failure || tearing_down_) return;
  std::size_t with_stack = 0;
  for (const G* l : live_)
    if (l->started && l->state != GState::dead) ++with_stack;
  try {
    fail(FailureKind::resource_limit,
         fmt::format("could not reserve a goroutine stack: {} at {} live goroutine{}\n\n{}\n{}\n",
                     why.limit, with_commas(with_stack), with_stack == 1 ? "" : "s",
                     goroutine_dump(*g, false), why.remedy));
  } catch (const std::bad_alloc&) {
    out_.failure = Failure{FailureKind::resource_limit, std::string()};
    unformatted_limit_ = g->id;
  }
}

void ControlledScheduler::out_of_memory(const G& g) noexcept {
  if (out_.failure || tearing_down_) return;
  stacks_.release_reserve();  // room for the report and the teardown
  try {
    fail(FailureKind::resource_limit, out_of_memory_report(g));
  } catch (const std::bad_alloc&) {
    out_.failure = Failure{FailureKind::resource_limit, std::string()};
    unformatted_limit_ = g.id;
  }
}

void ControlledScheduler::resume(G* g) {
  note_progress();
  if (!enter(g)) return;
  switch_to(loop_ctx_, g->ctx);
  // Back on the loop: cur_ is whichever goroutine switched here (goroutines also switch
  // to each other directly, see switch_direct).
  G* back = cur_;
  instr::detail::active = nullptr;
  cur_ = nullptr;
  if (back->state == GState::dead && back != main_) release(back);  // main: see teardown
}

void ControlledScheduler::switch_direct(G* self, G* next) {
  if (!enter(next)) {
    switch_to_scheduler();  // the loop ends the iteration; self is resumed only for teardown
    return;
  }
  const int own_errno = errno;  // see switch_to_scheduler
  switch_to(self->ctx, next->ctx);
  errno = own_errno;
}

void ControlledScheduler::add_timer(TimerEntry* t) { timers_.push(t); }

bool ControlledScheduler::remove_timer(TimerEntry* t) { return timers_.remove(t); }

// Advances the clock to the earliest timer and fires every timer due then, in an order the
// strategy chooses. False when no timer is pending.
bool ControlledScheduler::fire_timers() {
  if (timers_.empty()) return false;
  Duration at = timers_.front()->when;
  if (at > clock_) clock_ = at;
  std::vector<TimerEntry*> due;
  while (!timers_.empty() && timers_.front()->when <= clock_) due.push_back(timers_.pop());
  ++out_.steps;  // a ticker nobody reads must still reach the step limit
  while (!due.empty()) {
    std::size_t i = choose(due.size());
    TimerEntry* t = due[i];
    due.erase(due.begin() + static_cast<std::ptrdiff_t>(i));
    t->fn(t->arg);
  }
  return true;
}

std::vector<G*> ControlledScheduler::live_sorted() const {
  std::vector<G*> gs;
  for (G* g : live_)
    if (g->state != GState::dead) gs.push_back(g);
  std::sort(gs.begin(), gs.end(), [](const G* a, const G* b) { return a->id < b->id; });
  return gs;
}

Failure ControlledScheduler::dump(FailureKind kind, std::string message,
                                  const std::vector<G*>& gs) const {
  return dump_failure(kind, std::move(message), gs, cur_, &held_);
}

// Main returned and the others had their grace period: whatever is still alive leaked.
void ControlledScheduler::check_leaks() {
  std::vector<G*> left = live_sorted();
  std::erase(left, main_);
  if (left.empty() || !options_.report_leaks) return;
  fail(dump(FailureKind::leak,
            fmt::format("goroutine leak: {} goroutine{} still alive after main returned",
                        left.size(), left.size() == 1 ? "" : "s"),
            left));
}

void ControlledScheduler::abandon(G* g) {
  if (g->compacted) restore_stack(*g);
  WaitQueue::unlink_all(g);
  g->fn.reset();
  g->state = GState::dead;
  if (sink_) sink_->go_end(g->id);
  stacks_.bury(g->stack, g->ctx.lowest_sp);
  g->stack = Stack{};
  release(g);
}

void ControlledScheduler::teardown() {
  tearing_down_ = true;
  runq_.clear();
  spinning_queued_ = 0;
  next_ = nullptr;
  while (!timers_.empty()) {
    TimerEntry* t = timers_.pop();
    if (t->drop) t->drop(t->arg);
  }
  // Newest first: a goroutine may still use objects on the stack of the one that started
  // it (its closure captured them by reference), so its creator unwinds after it.
  for (;;) {
    std::vector<G*> left = live_sorted();
    if (left.empty()) break;
    for (G* g : left) g->killed = true;
    for (auto it = left.rbegin(); it != left.rend(); ++it) {
      G* g = *it;
      if (!g->started) {
        g->fn.reset();
        g->state = GState::dead;
        if (sink_) sink_->go_end(g->id);
        if (g == main_) main_ = nullptr;  // main never got a stack (a resource limit)
        release(g);
        continue;
      }
      if (main_done_) {
        // Unwinding would run user code after main's locals are gone: leave it where it
        // stopped, as Go's exit does.
        abandon(g);
        continue;
      }
      teardown_steps_ = 0;
      resume(g);
    }
  }
  if (main_ && main_->state == GState::dead) {
    main_stack_guard_.release();
    release(main_);
  }
}

IterationOutcome ControlledScheduler::run(Callable& body) {
  struct BodyRef final : Callable {
    Callable& body;
    explicit BodyRef(Callable& b) : body(b) {}
    void invoke() override { body.invoke(); }
  };
  // SpinLocks are not taken while this thread runs the iteration (spinlock.hpp): every
  // goroutine operation runs on it, one at a time.
  struct NoSpinLocks {
    bool saved = tls_sole_processor;
    NoSpinLocks() noexcept { tls_sole_processor = true; }
    ~NoSpinLocks() { tls_sole_processor = saved; }
  } const no_spin_locks;
  Scheduler* outer = current_scheduler();
  set_current_scheduler(this);
  if (sink_) sink_->iteration_begin();
  main_ = create(std::make_unique<BodyRef>(body), "", Location{"", "main", 0, 0}, 0,
                 kMainIdentity);
  enqueue(main_);
  bool grace_started = false;
  std::uint64_t grace_steps_end = 0;
  Duration grace_clock_end{0};
  while (!out_.failure) {
    if (main_done_) {
      if (!options_.report_leaks) break;
      if (!grace_started) {
        grace_started = true;
        if (options_.guard_main_stack) main_stack_guard_.protect(main_->stack, main_->id);
        grace_steps_end = out_.steps + kLeakGraceSteps;
        grace_clock_end = clock_ + kLeakGraceTime;
      }
      if (out_.steps > grace_steps_end || clock_ > grace_clock_end) {
        check_leaks();
        break;
      }
    }
    if (advance_clock_) {  // every runnable goroutine polls: time passes (visible())
      advance_clock_ = false;
      fire_timers();
    }
    G* g = next_;
    next_ = nullptr;
    if (!g) {
      if (runq_.empty()) {
        if (out_.steps > options_.max_steps) {
          fail(dump(FailureKind::step_limit,
                    fmt::format("step limit exceeded: {} scheduling steps without the "
                                "iteration ending (only timers keep firing)",
                                options_.max_steps),
                    live_sorted()));
          break;
        }
        if (fire_timers()) continue;
        if (main_done_)
          check_leaks();
        else
          fail(dump(FailureKind::deadlock, "all goroutines are asleep - deadlock!",
                    live_sorted()));
        break;
      }
      ++out_.steps;  // running the next goroutine after one ended or blocked is a step
      g = runq_[pick(runq_, nullptr)];
    }
    resume(g);
  }
  // A divergence outranks whatever the run did after it: from there on the schedule was
  // not the token's, so a failure found then is not the one the token recorded.
  if (std::string why = strategy_.divergence(); !why.empty()) {
    std::string after = out_.failure ? fmt::format("; after that the run went on with the first "
                                                   "option at each choice and ended in a {}",
                                                   failure_kind_name(out_.failure->kind))
                                     : std::string();
    out_.failure.reset();
    fail(FailureKind::replay_diverged,
         fmt::format("replay diverged: {}{}\n\nThe token does not belong to this program (or "
                     "to this version of it, or its inputs changed); explore again to get a "
                     "fresh token.\n",
                     why, after));
  }
  teardown();
  std_iteration_end();
  if (unformatted_limit_ != 0)
    out_.failure->report = fmt::format(
        "out of memory: goroutine {} could not get memory (its stack, or an allocation), and "
        "the report could not be written then; the limit is the system's memory or the "
        "process's address space (ulimit -v), lower stack_size or raise the limit\n",
        unformatted_limit_);
  if (unformatted_limit_ != 0)
    out_.failure->message = out_.failure->report.substr(0, out_.failure->report.find('\n'));
  if (sink_) sink_->iteration_end();
  set_current_scheduler(outer);
  return std::move(out_);
}

}  // namespace weft::detail

namespace weft::detail {
void controlled_visible(Scheduler& s, const Location& where, OpKind kind, const void* obj) {
  auto& c = static_cast<ControlledScheduler&>(s);
  G* g = c.current();
  if (g == nullptr) {
    visible(where, kind, obj);  // not in a goroutine: its error
    return;
  }
  g->pending = kind;
  g->pending_obj = obj;
  c.visible_at(where);
}
}  // namespace weft::detail

namespace weft::detail::hb {
// Only under the controlled scheduler (hb.hpp), so `s` is one: direct calls, no dispatch.
void mutex_locked(Scheduler& s, const void* mutex, const Location& where) {
  static_cast<ControlledScheduler&>(s).mutex_locked(mutex, where);
}
std::uint64_t mutex_unlocking(Scheduler& s, const void* mutex, const Location& where) {
  return static_cast<ControlledScheduler&>(s).mutex_unlocking(mutex, where);
}
}  // namespace weft::detail::hb
