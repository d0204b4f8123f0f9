// The nondeterminism check and the schedule shrinker; see shrink.hpp for the model.
#include "shrink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace weft::detail {

std::string failure_key(const Failure& f) {
  std::set<std::string> places;
  if (!f.locations.empty()) {  // a failure as data: the places it names
    for (const Location& l : f.locations) places.insert(fmt::format("{}:{}", l.file, l.line));
    std::string key(failure_kind_name(f.kind));
    for (const std::string& p : places) key += "|" + p;
    return key;
  }
  // A failure known only as text: every "file:line" it names.
  const std::string& r = f.report;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (r[i] != ':' || i + 1 >= r.size() || !std::isdigit(static_cast<unsigned char>(r[i + 1])))
      continue;
    std::size_t b = i;
    while (b > 0 && !std::isspace(static_cast<unsigned char>(r[b - 1])) && r[b - 1] != '(')
      --b;
    std::size_t e = i + 1;
    while (e < r.size() && std::isdigit(static_cast<unsigned char>(r[e]))) ++e;
    if (b < i) places.insert(r.substr(b, e - b));
  }
  std::string key(failure_kind_name(f.kind));
  for (const std::string& p : places) key += "|" + p;
  return key;
}

std::uint64_t Trace::preemptions() const noexcept {
  std::uint64_t n = 0;
  for (const TracedChoice& c : choices) n += !c.value && c.current != 0 && c.chosen_id != c.current;
  return n;
}

namespace {

std::string_view base_name(const char* file) {
  std::string_view f = file ? file : "";
  auto slash = f.rfind('/');
  return slash == std::string_view::npos ? f : f.substr(slash + 1);
}

}  // namespace

std::string Trace::describe(std::size_t k) const {
  const TracedChoice& c = choices[k];
  if (c.value)
    return fmt::format("a choice among {} values (a select's ready cases or timers due "
                       "together) while goroutine {} ran; value {} was taken",
                       c.n, c.running, c.chosen);
  std::string s;
  for (std::size_t i = 0; i < c.stored; ++i) {
    const RunnableAt& r = runnable[c.first + i];
    if (!s.empty()) s += ", ";
    s += fmt::format("goroutine {}", r.id);
    if (r.where.line != 0) s += fmt::format(" at {}:{}", base_name(r.where.file), r.where.line);
  }
  if (c.stored < c.n) s += fmt::format(" and {} more goroutines", c.n - c.stored);
  return fmt::format("{} could run; goroutine {} ran", s, c.chosen_id);
}

namespace {

// A deviation from the default rule, keyed by (running goroutine, its choice count).
struct Deviation {
  bool value;
  std::uint64_t target;  // a goroutine id, or a value
  bool preemption;
};
using Key = std::tuple<GoId, std::uint64_t, std::uint32_t>;  // TracedChoice's running, ops, sub
using Deviations = std::map<Key, Deviation>;

// Traces a run: follows `inner` (a strict replay) when given, else `guide` leniently.
class TracingStrategy final : public Strategy {
 public:
  TracingStrategy(std::unique_ptr<Strategy> inner, Deviations guide)
      : inner_(std::move(inner)), guide_(std::move(guide)) {}

  bool begin_iteration(std::uint64_t i) override {
    return inner_ ? inner_->begin_iteration(i) : i == 0;
  }
  std::size_t pick_goroutine(const RunQueue& runnable, const G* current) override {
    TracedChoice c = current ? start(current->id, current->ops, runnable.size(), false)
                             : start(last_, last_ops_, runnable.size(), false);
    c.current = current ? current->id : 0;
    c.first = trace_.runnable.size();
    c.stored = std::min<std::uint32_t>(c.n, kTracedRunnable);
    for (std::size_t i = 0; i < c.stored; ++i)
      trace_.runnable.push_back({runnable[i]->id, runnable[i]->last_op});
    std::size_t pick;
    if (inner_) {
      pick = inner_->pick_goroutine(runnable, current);
    } else {
      pick = current ? runnable.index_of(current) : 0;
      auto it = guide_.find({c.running, c.ops, c.sub});
      if (it != guide_.end() && !it->second.value) {
        bool found = false;
        for (std::size_t i = 0; i < runnable.size(); ++i)
          if (runnable[i]->id == it->second.target) pick = i, found = true;
        // A preemption whose goroutine cannot run here (not created yet, or blocked, in
        // this candidate) still preempts: to the lowest id that can.
        if (!found && current && it->second.preemption) pick = pick == 0 ? 1 : 0;
      }
    }
    if (pick >= runnable.size()) pick = 0;  // a diverged replay answers 0 (ReplayStrategy)
    c.chosen = static_cast<std::uint32_t>(pick);
    c.chosen_id = runnable[pick]->id;
    last_ = c.chosen_id;
    last_ops_ = runnable[pick]->ops;
    trace_.choices.push_back(c);
    return pick;
  }
  std::size_t pick_value(std::size_t n) override {
    TracedChoice c = start(last_, last_ops_, n, true);
    std::size_t pick = 0;
    if (inner_) {
      pick = inner_->pick_value(n);
    } else if (auto it = guide_.find({c.running, c.ops, c.sub});
               it != guide_.end() && it->second.value && it->second.target < n) {
      pick = it->second.target;
    }
    c.chosen = static_cast<std::uint32_t>(pick);
    trace_.choices.push_back(c);
    return pick;
  }
  void on_spawn(const G& g) override {
    if (inner_) inner_->on_spawn(g);
  }
  void on_poll(const G& g) override {
    if (inner_) inner_->on_poll(g);
  }
  void end_iteration(std::uint64_t steps) override {
    if (inner_) inner_->end_iteration(steps);
  }
  std::string divergence() const override { return inner_ ? inner_->divergence() : std::string(); }
  bool last_drawn(std::uint64_t& seed, std::uint64_t& index) const override {
    return inner_ && inner_->last_drawn(seed, index);
  }

  const Trace& trace() const noexcept { return trace_; }

 private:
  TracedChoice start(GoId running, std::uint64_t ops, std::size_t n, bool value) {
    TracedChoice c;
    c.value = value;
    c.n = static_cast<std::uint32_t>(n);
    c.running = running;
    c.ops = ops;
    c.sub = subs_[{running, ops}]++;
    return c;
  }

  std::unique_ptr<Strategy> inner_;
  Deviations guide_;
  Trace trace_;
  GoId last_ = 1;                // the goroutine picked last (main runs first)
  std::uint64_t last_ops_ = 0;    // its visible operations when it was picked
  std::map<std::pair<GoId, std::uint64_t>, std::uint32_t> subs_;  // choices made at each point
};

Deviations deviations_of(const Trace& t) {
  Deviations d;
  for (const TracedChoice& c : t.choices) {
    if (c.value) {
      if (c.chosen != 0) d[{c.running, c.ops, c.sub}] = {true, c.chosen, false};
      continue;
    }
    const GoId def = c.current != 0 ? c.current : t.runnable[c.first].id;
    if (c.chosen_id != def) d[{c.running, c.ops, c.sub}] = {false, c.chosen_id, c.current != 0};
  }
  return d;
}

// A run: its trace, outcome and deviations.
struct Run {
  Trace trace;
  IterationOutcome out;
  Deviations devs;
  std::uint64_t preemptions = 0;
};

Run traced(const RunIteration& run, std::unique_ptr<Strategy> inner, Deviations guide) {
  TracingStrategy s(std::move(inner), std::move(guide));
  (void)s.begin_iteration(0);
  Run r;
  r.out = run(s);
  r.trace = s.trace();
  r.devs = deviations_of(r.trace);
  r.preemptions = r.trace.preemptions();
  return r;
}

Run strict_replay(const RunIteration& run, const std::string& token) {
  return traced(run, make_replay_strategy(decode_schedule(token)), {});
}

bool same_failure(const IterationOutcome& out, const std::string& key) {
  return out.failure && out.failure->kind != FailureKind::replay_diverged &&
         failure_key(*out.failure) == key;
}

// How a replay that did not reproduce `original` ended.
std::string how_it_ended(const IterationOutcome& out, const Failure& original) {
  if (!out.failure) return "the replay ran to the end without failing";
  if (out.failure->kind == FailureKind::replay_diverged)
    return fmt::format("the {}", out.failure->report.substr(0, out.failure->report.find('\n')));
  if (out.failure->kind != original.kind)
    return fmt::format("the replay failed with a {} instead of a {}",
                       failure_kind_name(out.failure->kind), failure_kind_name(original.kind));
  return fmt::format("the replay failed with a {} too, but at other source locations",
                     failure_kind_name(out.failure->kind));
}

// Where two traces of the same token part: the first choice whose options differ.
std::string where_parted(const Trace& a, const Trace& b) {
  const std::size_t n = std::min(a.choices.size(), b.choices.size());
  for (std::size_t k = 0; k < n; ++k) {
    const TracedChoice& x = a.choices[k];
    const TracedChoice& y = b.choices[k];
    bool differ = x.value != y.value || x.n != y.n || x.current != y.current;
    for (std::size_t i = 0; !differ && !x.value && i < x.stored; ++i)
      differ = a.runnable[x.first + i].id != b.runnable[y.first + i].id;
    if (differ)
      return fmt::format("two replays of the same token parted at choice {}: in the first, {}; "
                         "in the second, {}",
                         k + 1, a.describe(k), b.describe(k));
  }
  if (a.choices.size() != b.choices.size())
    return fmt::format("two replays of the same token made {} and {} choices (the same ones as "
                       "far as both went)",
                       a.choices.size(), b.choices.size());
  return "two further replays agree with each other choice for choice, so what changed is state "
         "the earlier runs left behind (a global or static variable that survives iterations, "
         "a cache, a file)";
}

std::string nondeterminism_report(const RunIteration& run, const std::string& token,
                                  const Failure& original, const Run& first) {
  std::string last;
  if (first.out.failure && first.out.failure->kind == FailureKind::replay_diverged &&
      !first.trace.choices.empty()) {
    const std::size_t k = first.trace.choices.size() - 1;
    last = fmt::format(" At the replay's last choice ({}), {}.", k + 1, first.trace.describe(k));
  }
  Run second = strict_replay(run, token);
  return fmt::format("{}.{} Then {}. The program depends on something weft does not control: "
                     "real time, addresses, an unseeded random source, a thread weft does not "
                     "run, or state kept across iterations; the token may not reproduce this "
                     "failure.",
                     how_it_ended(first.out, original), last,
                     where_parted(first.trace, second.trace));
}

// Lexicographic: fewer preemptions, then fewer deviations, then fewer steps.
bool smaller(const Run& a, const Run& b) {
  if (a.preemptions != b.preemptions) return a.preemptions < b.preemptions;
  if (a.devs.size() != b.devs.size()) return a.devs.size() < b.devs.size();
  return a.out.steps < b.out.steps;
}

class Shrinker {
 public:
  Shrinker(const RunIteration& run, std::string key, Run start, unsigned budget)
      : run_(run), key_(std::move(key)), best_(std::move(start)), budget_(budget) {}

  // Drops deviations, then tries pairs of the preemptions left, then moves the preemptions
  // left earlier. A non-preemptive deviation (who runs after a goroutine blocked) can be
  // what forces a preemption later on, so both kinds are dropped together.
  void shrink() {
    drop();
    pairs();
    move_earlier();
  }
  unsigned used() const noexcept { return used_; }
  Run& best() noexcept { return best_; }
  bool improved() const noexcept { return improved_; }

 private:
  // Keeps `guide`'s run if it fails the same way and is smaller; false when it does not.
  bool attempt(Deviations guide, Run* keep = nullptr) {
    if (used_ >= budget_) return false;
    ++used_;
    Run r = traced(run_, nullptr, std::move(guide));
    if (keep) *keep = r;
    if (!same_failure(r.out, key_) || !smaller(r, best_)) return false;
    best_ = std::move(r);
    improved_ = true;
    return true;
  }

  std::vector<Key> keys(bool only_preemptions) const {
    std::vector<Key> k;
    for (const auto& [key, d] : best_.devs)
      if (d.preemption || !only_preemptions) k.push_back(key);
    return k;
  }

  // Delta debugging (Zeller's ddmin) over the deviations: split them into n chunks; keep
  // only one chunk, else drop one; on success go on from what the run really deviated by,
  // else split finer. The empty set (the default schedule) is tried first.
  void drop() {
    Run plain;  // the default schedule
    if (!best_.devs.empty() && attempt({}, &plain)) return;
    single_preemptions(plain);
    {
      std::size_t n = 2;
      while (best_.devs.size() >= 1 && used_ < budget_) {
        std::vector<Key> ks = keys(false);
        n = std::min(n, ks.size());
        if (try_chunks(ks, n, true) || (n > 1 && try_chunks(ks, n, false))) {
          n = std::max<std::size_t>(n - 1, 2);
          continue;
        }
        if (n >= ks.size()) break;
        n = std::min(n * 2, ks.size());
      }
    }
  }

  // Most bugs need one preemption at the right point (a bug of depth 2): the default
  // schedule with just one of the failing run's preemptions, the latest first (the one
  // nearest the failure), switching to the goroutine that was running when the failure
  // happened (an ordering bug: it must run there), else to the one the run switched to.
  // Within half the budget.
  //
  // The failing run's preemptions may sit where the default schedule never passes (they
  // preempted goroutines the default runs later), so then: the default schedule with one
  // preemption to the failing goroutine, at each point of the default schedule where it
  // could run, the latest first. Within two thirds of the budget.
  void single_preemptions(const Run& plain) {
    if (best_.preemptions < 2) return;
    const Trace& t = best_.trace;
    const GoId failing = t.choices.empty() ? 0 : t.choices.back().chosen_id;
    std::vector<std::pair<Key, Deviation>> tries;
    for (auto c = t.choices.rbegin(); c != t.choices.rend(); ++c) {
      if (c->value || c->current == 0 || c->chosen_id == c->current) continue;
      const Key k{c->running, c->ops, c->sub};
      for (std::size_t i = 0; i < c->stored; ++i)
        if (GoId id = t.runnable[c->first + i].id; id == failing && id != c->chosen_id && id != c->current)
          tries.push_back({k, {false, failing, true}});
      tries.push_back({k, {false, c->chosen_id, true}});
    }
    const Trace& d = plain.trace;
    for (auto c = d.choices.rbegin(); c != d.choices.rend(); ++c) {
      if (c->value || c->current == 0 || c->current == failing) continue;
      for (std::size_t i = 0; i < c->stored; ++i)
        if (d.runnable[c->first + i].id == failing)
          tries.push_back({{c->running, c->ops, c->sub}, {false, failing, true}});
    }
    const unsigned stop = used_ + (budget_ - used_) * 2 / 3;
    for (std::size_t i = 0; i < tries.size() && used_ < stop; ++i)
      if (attempt({tries[i]})) return;
  }

  // A bug of depth 3 needs two preemptions, and dropping deviations can stop above two:
  // when each preemption left is what lets another one happen, no single one can go. Then
  // the default schedule with just two of the run's preemptions, the pair nearest the
  // failure first, within what is left of the budget.
  void pairs() {
    if (best_.preemptions < 3) return;
    std::vector<std::pair<Key, Deviation>> ps;  // the preemptions, in the run's order
    for (const TracedChoice& c : best_.trace.choices)
      if (!c.value && c.current != 0 && c.chosen_id != c.current)
        ps.push_back({{c.running, c.ops, c.sub}, {false, c.chosen_id, true}});
    for (std::size_t j = ps.size(); j-- > 1;)
      for (std::size_t i = j; i-- > 0;) {
        if (used_ >= budget_) return;
        if (attempt({ps[i], ps[j]})) return;
      }
  }

  // Runs each of the n chunks of `ks` alone (keep) or each complement (!keep); true at the
  // first one kept.
  bool try_chunks(const std::vector<Key>& ks, std::size_t n, bool keep) {
    for (std::size_t i = 0; i < n && used_ < budget_; ++i) {
      const std::size_t from = ks.size() * i / n, to = ks.size() * (i + 1) / n;
      Deviations g;
      if (keep) {
        for (std::size_t j = from; j < to; ++j) g[ks[j]] = best_.devs.at(ks[j]);
      } else {
        g = best_.devs;
        for (std::size_t j = from; j < to; ++j) g.erase(ks[j]);
      }
      if (attempt(std::move(g))) return true;
    }
    return false;
  }

  // A preemption that must stay may still come sooner, so fewer steps run before the bug.
  void move_earlier() {
    for (const Key& k : keys(true)) {
      const std::uint64_t ops = std::get<1>(k);
      for (std::uint64_t to : {std::uint64_t{1}, ops / 2, ops - 1}) {
        if (used_ >= budget_ || to == 0 || to >= ops || !best_.devs.count(k)) break;
        Deviations g = best_.devs;
        Deviation d = g[k];
        g.erase(k);
        const Key earlier{std::get<0>(k), to, 0};
        if (g.count(earlier)) continue;
        g[earlier] = d;
        if (attempt(std::move(g))) break;
      }
    }
  }

  const RunIteration& run_;
  std::string key_;
  Run best_;
  unsigned budget_;
  unsigned used_ = 0;
  bool improved_ = false;
};

}  // namespace

void check_and_shrink(const RunIteration& run, Failure& failure, std::string& token,
                      ScheduleCheck& check, const ShrinkSettings& settings) {
  if (token.empty() || (!settings.check_determinism && settings.max_replays == 0)) return;
  const std::string key = failure_key(failure);
  Run first = strict_replay(run, token);
  check.replayed = true;
  if (!same_failure(first.out, key)) {
    if (settings.check_determinism)
      check.nondeterminism = nondeterminism_report(run, token, failure, first);
    return;  // a schedule that does not reproduce cannot be shrunk
  }
  check.preemptions_before = check.preemptions_after = first.preemptions;
  check.steps_before = check.steps_after = first.out.steps;
  if (settings.max_replays < 2) return;  // one for a candidate, one to check the result

  Shrinker s(run, key, std::move(first), settings.max_replays - 1);
  s.shrink();
  check.replays = s.used();
  if (!s.improved()) return;
  const std::string shrunk = s.best().out.schedule.token();
  // The kept run chose by index, so its token replays strictly; check that once more.
  Run again = strict_replay(run, shrunk);
  ++check.replays;
  if (!same_failure(again.out, key) || again.out.failure->report != s.best().out.failure->report)
    return;
  check.shrunk = true;
  check.original_token = token;
  check.preemptions_after = again.preemptions;
  check.steps_after = again.out.steps;
  failure = *again.out.failure;
  token = shrunk;
}

}  // namespace weft::detail
