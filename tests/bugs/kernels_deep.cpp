// Deep ordering kernels, in the spirit of the SCTBench programs that random walk misses
// (reorder, two-stage, wrong-lock, safe-stack), written for weft: each bug needs one
// goroutine to run many steps, or to be preempted at one exact step, while another that is
// runnable from the start waits. Explored with the race detector off: what must be found
// is the assertion or deadlock itself, not a racy access on the way.
#include <memory>

#include "kernel.hpp"
#include "weft/weft.hpp"

namespace weft_bugs {
namespace {

constexpr int kPrefix = 20;  // steps of unrelated work before the bug's window

// Reorder (order violation, depth 2: the checker reads between one setter's two writes).
// Four setters write a = 1 then b = -1; the checker expects both or neither. Fix: each
// setter writes both under a lock the checker takes too.
void reorder(bool fixed) {
  constexpr int setters = 4;
  weft::Mutex mu;
  weft::Shared<int> a{0}, b{0};
  weft::WaitGroup wg;
  wg.add(setters + 1);
  for (int s = 0; s < setters; ++s)
    weft::go([&] {
      if (fixed) mu.lock();
      a.write(1);
      b.write(-1);
      if (fixed) mu.unlock();
      wg.done();
    });
  weft::go([&] {
    if (fixed) mu.lock();
    const int va = a.read(), vb = b.read();
    if (fixed) mu.unlock();
    weft::check((va == 0 && vb == 0) || (va == 1 && vb == -1), "a and b out of step");
    wg.done();
  });
  wg.wait();
}
void reorder_bug() { reorder(false); }
void reorder_fix() { reorder(true); }

// Two stages after a long prefix (atomicity, depth 2, deep): the writer does kPrefix steps
// of other work, then sets a in one critical section and b = a + 1 in a second; the reader
// must run exactly between the two stages. Fix: both stages in one critical section.
void two_stage(bool fixed) {
  weft::Mutex mu;
  weft::Shared<int> scratch{0}, a{0}, b{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    for (int i = 0; i < kPrefix; ++i) scratch.write(i);
    mu.lock();
    a.write(1);
    if (!fixed) {
      mu.unlock();
      mu.lock();
    }
    b.write(a.read() + 1);
    mu.unlock();
    wg.done();
  });
  weft::go([&] {
    mu.lock();
    if (a.read() == 1) weft::check(b.read() == 2, "saw stage one without stage two");
    mu.unlock();
    wg.done();
  });
  wg.wait();
}
void two_stage_bug() { two_stage(false); }
void two_stage_fix() { two_stage(true); }

// Wrong lock after a long prefix (atomicity, depth 2, deep): the owner fills a buffer with
// kPrefix writes under m1 and checks the last one; the intruder writes under m2 and must
// land exactly between the owner's last write and its check. Fix: the intruder takes m1.
void wrong_lock_deep(bool fixed) {
  weft::Mutex m1, m2;
  weft::Shared<int> x{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    std::scoped_lock l(m1);
    for (int i = 1; i <= kPrefix; ++i) x.write(i);
    weft::check(x.read() == kPrefix, "another goroutine wrote under a different lock");
    wg.done();
  });
  weft::go([&] {
    std::scoped_lock l(fixed ? m1 : m2);
    x.write(-1);
    wg.done();
  });
  wg.wait();
}
void wrong_lock_deep_bug() { wrong_lock_deep(false); }
void wrong_lock_deep_fix() { wrong_lock_deep(true); }

// A lock-order deadlock after a long prefix (resource deadlock, depth 2, deep): `late`
// must stay unscheduled while `busy` does kPrefix steps, then take its first lock between
// busy's two. Fix: one lock order.
void late_inversion(bool fixed) {
  weft::Mutex a, b;
  weft::Shared<int> work{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    for (int i = 0; i < kPrefix; ++i) work.write(i);
    std::scoped_lock la(a);
    std::scoped_lock lb(b);
    wg.done();
  });
  weft::go([&] {
    weft::Mutex& first = fixed ? a : b;
    weft::Mutex& second = fixed ? b : a;
    std::scoped_lock l1(first);
    std::scoped_lock l2(second);
    wg.done();
  });
  wg.wait();
}
void late_inversion_bug() { late_inversion(false); }
void late_inversion_fix() { late_inversion(true); }

// A transient state seen (order violation, depth 2, deep): a loader counts progress up to
// kPrefix, then resets it to 0 when finished; a monitor reads once and must not see the
// "finished but not reset" value. The monitor must wait kPrefix of the loader's steps and
// then run before its reset. Fix: the loader publishes the final value under a lock that
// covers the reset too.
void transient_state(bool fixed) {
  weft::Mutex mu;
  weft::Shared<int> progress{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    if (fixed) mu.lock();
    for (int i = 1; i <= kPrefix; ++i) progress.write(i);
    progress.write(0);
    if (fixed) mu.unlock();
    wg.done();
  });
  weft::go([&] {
    if (fixed) mu.lock();
    weft::check(progress.read() != kPrefix, "saw the loader finished but not reset");
    if (fixed) mu.unlock();
    wg.done();
  });
  wg.wait();
}
void transient_state_bug() { transient_state(false); }
void transient_state_fix() { transient_state(true); }

// A lock-free stack with the ABA problem (atomicity, depth 3): the popper reads head and
// its next, is preempted while another goroutine pops two nodes and pushes the first back,
// then its compare-and-swap succeeds on the recycled head and installs a node that is
// owned elsewhere. Nodes are indices; a node popped twice fails. Fix: a version tag in the
// head word, bumped by every successful swap.
struct Stack {
  static constexpr int kNodes = 3;
  weft::Atomic<int> head{0};  // (tag << 8) | (index + 1); index + 1 == 0: empty
  weft::Atomic<int> next[kNodes];
  weft::Atomic<int> owned[kNodes];
  bool tagged;
  explicit Stack(bool t) : tagged(t) {
    for (int i = 0; i < kNodes; ++i) next[i].store(i + 1 < kNodes ? i + 2 : 0);
    head.store(1);
  }
  int swap_word(int old, int index_plus_one) {
    return tagged ? ((((old >> 8) + 1) & 0xffff) << 8) | index_plus_one : index_plus_one;
  }
  int pop() {
    for (;;) {
      int h = head.load();
      const int top = h & 0xff;
      if (top == 0) return -1;
      const int n = next[top - 1].load();
      if (head.compare_exchange(h, swap_word(h, n))) {
        weft::check(owned[top - 1].exchange(1) == 0, "a node was popped twice (ABA)");
        return top - 1;
      }
    }
  }
  void push(int i) {
    owned[i].store(0);
    for (;;) {
      int h = head.load();
      next[i].store(h & 0xff);
      if (head.compare_exchange(h, swap_word(h, i + 1))) return;
    }
  }
};
void aba_stack(bool tagged) {
  Stack s(tagged);
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    const int x = s.pop();
    if (x >= 0) s.push(x);
    wg.done();
  });
  weft::go([&] {
    const int a = s.pop();
    const int b = s.pop();
    if (a >= 0) s.push(a);
    (void)b;  // kept
    wg.done();
  });
  wg.wait();
  while (s.pop() >= 0) {}
}
void aba_stack_bug() { aba_stack(false); }
void aba_stack_fix() { aba_stack(true); }

}  // namespace

void add_deep_kernels(std::vector<Kernel>& out) {
  using K = weft::FailureKind;
  out.insert(out.end(), {
      {"reorder_4", kOrder, 2, reorder_bug, reorder_fix, K::assertion, false},
      {"two_stage_deep", kDeepOrder, 2, two_stage_bug, two_stage_fix, K::assertion, false, true},
      {"wrong_lock_deep", kDeepOrder, 2, wrong_lock_deep_bug, wrong_lock_deep_fix, K::assertion, false, true},
      {"late_lock_inversion", kDeepOrder, 2, late_inversion_bug, late_inversion_fix, K::deadlock, false, true},
      {"transient_state_seen", kDeepOrder, 2, transient_state_bug, transient_state_fix, K::assertion, false, true},
      {"aba_lock_free_stack", kAtomicity, 3, aba_stack_bug, aba_stack_fix, K::assertion, false},
  });
}

}  // namespace weft_bugs
