// Atomicity, order and data-race kernels: lost updates, check-then-act across two critical
// sections, publication without synchronisation, double-checked locking with a plain flag,
// loop variables captured by reference, maps written concurrently, invariants observed
// between two critical sections.
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "kernel.hpp"
#include "weft/weft.hpp"

namespace weft_bugs {
namespace {

// A lost update (data race, depth 2: both read before either writes back). Fix: a mutex.
void lost_update(bool fixed) {
  weft::Mutex mu;
  weft::Shared<int> hits{0};
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&] {
      if (fixed) mu.lock();
      hits.write(hits.read() + 1);
      if (fixed) mu.unlock();
      wg.done();
    });
  wg.wait();
  weft::check(hits.read() == 2, "an increment was lost");
}
void lost_update_bug() { lost_update(false); }
void lost_update_fix() { lost_update(true); }

// The same lost update with the detector off: the explorer must find the lost increment
// itself (atomicity, depth 2).
void lost_update_unseen_bug() { lost_update(false); }

// Check-then-act across two critical sections (atomicity, depth 2: both check before either
// acts). Each section is locked, so there is no data race, yet the key is inserted twice.
// Fix: check and act in one critical section.
void check_then_act(bool fixed) {
  weft::Mutex mu;
  std::map<int, int> cache;
  int loads = 0;
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&] {
      std::unique_lock l(mu);
      bool present = cache.count(1) > 0;
      if (!fixed) {
        l.unlock();
        l.lock();
      }
      if (!present) {
        cache[1] = 10;
        ++loads;
      }
      wg.done();
    });
  wg.wait();
  std::scoped_lock l(mu);
  weft::check(loads == 1, "the value was loaded twice");
}
void check_then_act_bug() { check_then_act(false); }
void check_then_act_fix() { check_then_act(true); }

// Publication without synchronisation (data race, depth 1): the writer fills the record,
// then raises a plain flag the reader polls. Under sequential consistency the reader never
// sees a half-filled record, but C++ and Go give no such order: only the race detector
// finds it. Fix: an Atomic flag (release/acquire).
void publication(bool fixed) {
  weft::Shared<int> record{0};
  weft::Shared<bool> plain_ready{false};
  weft::Atomic<int> ready{0};
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    record.write(42);
    if (fixed) ready.store(1); else plain_ready.write(true);
    wg.done();
  });
  const bool seen = fixed ? ready.load() == 1 : plain_ready.read();
  if (seen) weft::check(record.read() == 42, "a half-published record");
  wg.wait();
}
void publication_bug() { publication(false); }
void publication_fix() { publication(true); }

// Double-checked locking with a plain flag (data race, depth 1): the unlocked first check
// reads the flag while another goroutine writes it under the lock. Fix: an Atomic flag
// (or Once).
struct Lazy {
  weft::Mutex mu;
  weft::Shared<bool> plain_init{false};
  weft::Atomic<int> init{0};
  weft::Shared<int> value{0};
  int get(bool fixed) {
    const bool ready = fixed ? init.load() == 1 : plain_init.read();
    if (!ready) {
      std::scoped_lock l(mu);
      const bool again = fixed ? init.load() == 1 : plain_init.read();
      if (!again) {
        value.write(99);
        if (fixed) init.store(1); else plain_init.write(true);
      }
    }
    return value.read();
  }
};
void double_checked(bool fixed) {
  Lazy lazy;
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&] {
      weft::check(lazy.get(fixed) == 99, "an uninitialised value");
      wg.done();
    });
  wg.wait();
}
void double_checked_bug() { double_checked(false); }
void double_checked_fix() { double_checked(true); }

// A loop variable captured by reference (data race, depth 1; Go's classic before 1.22):
// each goroutine reads `i` while the loop goes on changing it. Fix: capture by value.
void loop_capture(bool fixed) {
  weft::Shared<int> i{0};
  weft::Mutex mu;
  std::vector<int> seen;
  weft::WaitGroup wg;
  wg.add(3);
  for (; i.read() < 3; i.write(i.read() + 1)) {
    auto body = [&](int mine) {
      std::scoped_lock l(mu);
      seen.push_back(mine);
      wg.done();
    };
    if (fixed) weft::go(body, i.read());
    else weft::go([&, body] { body(i.read()); });
  }
  wg.wait();
}
void loop_capture_bug() { loop_capture(false); }
void loop_capture_fix() { loop_capture(true); }

// A map written by two goroutines (data race, depth 1). Fix: a mutex around the map.
void map_writes(bool fixed) {
  weft::Shared<std::map<int, int>> m;
  weft::Mutex mu;
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&, g] {
      if (fixed) mu.lock();
      m.with_mut([g](std::map<int, int>& x) { x[g] = g; });
      if (fixed) mu.unlock();
      wg.done();
    });
  wg.wait();
}
void map_writes_bug() { map_writes(false); }
void map_writes_fix() { map_writes(true); }

// Load-then-store on an atomic (atomicity, depth 2: no data race, but an increment is lost
// between the load and the store). Fix: fetch_add.
void atomic_load_store(bool fixed) {
  weft::Atomic<int> n{0};
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&] {
      if (fixed) n.fetch_add(1); else n.store(n.load() + 1);
      wg.done();
    });
  wg.wait();
  weft::check(n.load() == 2, "an atomic increment was lost");
}
void atomic_load_store_bug() { atomic_load_store(false); }
void atomic_load_store_fix() { atomic_load_store(true); }

// Check-then-act on an atomic limit (atomicity, depth 2): both goroutines see room for one
// more connection. Fix: compare_exchange in a loop.
void atomic_limit(bool fixed) {
  weft::Atomic<int> open{1};
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&] {
      if (fixed) {
        int cur = open.load();
        while (cur < 2 && !open.compare_exchange(cur, cur + 1)) {}
      } else if (open.load() < 2) {
        open.fetch_add(1);
      }
      wg.done();
    });
  wg.wait();
  weft::check(open.load() <= 2, "more connections than the limit");
}
void atomic_limit_bug() { atomic_limit(false); }
void atomic_limit_fix() { atomic_limit(true); }

// A decision on a value read under RLock, acted on under Lock (atomicity, depth 2): two
// withdrawals both see enough money. Fix: read and write under one Lock.
void stale_read_withdraw(bool fixed) {
  weft::RWMutex rw;
  int balance = 100;
  weft::WaitGroup wg;
  wg.add(2);
  for (int g = 0; g < 2; ++g)
    weft::go([&] {
      if (fixed) {
        std::unique_lock l(rw);
        if (balance >= 80) balance -= 80;
      } else {
        int seen;
        {
          std::shared_lock r(rw);
          seen = balance;
        }
        if (seen >= 80) {
          std::unique_lock l(rw);
          balance -= 80;
        }
      }
      wg.done();
    });
  wg.wait();
  weft::check(balance >= 0, "the balance went negative");
}
void stale_read_withdraw_bug() { stale_read_withdraw(false); }
void stale_read_withdraw_fix() { stale_read_withdraw(true); }

// An invariant observed between two critical sections (atomicity, depth 2: the auditor
// runs between the debit and the credit). A transfer locks each account separately. Fix:
// the transfer holds both locks (in a fixed order), as the auditor does.
void transfer_audit(bool fixed) {
  weft::Mutex ma, mb;
  int a = 50, b = 50;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    if (fixed) {
      std::scoped_lock l(ma, mb);
      a -= 10;
      b += 10;
    } else {
      { std::scoped_lock l(ma); a -= 10; }
      { std::scoped_lock l(mb); b += 10; }
    }
    wg.done();
  });
  weft::go([&] {
    std::scoped_lock l(ma, mb);
    weft::check(a + b == 100, "money vanished mid-transfer");
    wg.done();
  });
  wg.wait();
}
void transfer_audit_bug() { transfer_audit(false); }
void transfer_audit_fix() { transfer_audit(true); }

// Size, then index, under separate locks (atomicity, depth 2): the last element is taken
// by another goroutine between the two. Fix: one critical section.
void size_then_index(bool fixed) {
  weft::Mutex mu;
  std::vector<int> stack{1, 2};
  weft::Atomic<int> bad{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    std::scoped_lock l(mu);
    stack.pop_back();
    stack.pop_back();
    wg.done();
  });
  weft::go([&] {
    std::unique_lock l(mu);
    const std::size_t n = stack.size();
    if (!fixed) {
      l.unlock();
      l.lock();
    }
    if (n > 0 && stack.size() < n) bad.store(1);  // stack[n - 1] would be out of range
    wg.done();
  });
  wg.wait();
  weft::check(bad.load() == 0, "indexed past the end after another goroutine popped");
}
void size_then_index_bug() { size_then_index(false); }
void size_then_index_fix() { size_then_index(true); }

// A flag raised before the data it announces (order violation, depth 2: the reader runs
// between the flag and the data). The detector is off: the wrong value must be seen.
// Fix: write the data first.
void flag_before_data(bool fixed) {
  weft::Atomic<int> ready{0};
  weft::Atomic<int> data{0};
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    if (fixed) data.store(7);
    ready.store(1);
    if (!fixed) data.store(7);
    wg.done();
  });
  if (ready.load() == 1) weft::check(data.load() == 7, "announced data not there");
  wg.wait();
}
void flag_before_data_bug() { flag_before_data(false); }
void flag_before_data_fix() { flag_before_data(true); }

// A struct field written by two goroutines that each lock a different mutex (data race,
// depth 1: "wrong lock"). Fix: the same mutex.
void wrong_lock(bool fixed) {
  weft::Mutex m1, m2;
  weft::Shared<int> total{0};
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    std::scoped_lock l(m1);
    total.write(total.read() + 1);
    wg.done();
  });
  weft::go([&] {
    std::scoped_lock l(fixed ? m1 : m2);
    total.write(total.read() + 1);
    wg.done();
  });
  wg.wait();
}
void wrong_lock_bug() { wrong_lock(false); }
void wrong_lock_fix() { wrong_lock(true); }

// A result read after the goroutine was started but before it was joined (data race,
// depth 1): main reads the slot its worker writes, without waiting. Fix: wait first.
void read_before_join(bool fixed) {
  weft::Shared<int> result{0};
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    result.write(5);
    wg.done();
  });
  if (fixed) wg.wait();
  const int r = result.read();
  if (!fixed) wg.wait();
  (void)r;
}
void read_before_join_bug() { read_before_join(false); }
void read_before_join_fix() { read_before_join(true); }

}  // namespace

void add_atomicity_kernels(std::vector<Kernel>& out) {
  using K = weft::FailureKind;
  out.insert(out.end(), {
      {"lost_update", kDataRace, 2, lost_update_bug, lost_update_fix, K::data_race, true},
      {"lost_update_no_detector", kAtomicity, 2, lost_update_unseen_bug, lost_update_fix, K::assertion, false},
      {"check_then_act_two_sections", kAtomicity, 2, check_then_act_bug, check_then_act_fix, K::assertion, true},
      {"publication_without_sync", kDataRace, 1, publication_bug, publication_fix, K::data_race, true},
      {"double_checked_plain_flag", kDataRace, 1, double_checked_bug, double_checked_fix, K::data_race, true},
      {"loop_variable_by_reference", kDataRace, 1, loop_capture_bug, loop_capture_fix, K::data_race, true},
      {"concurrent_map_writes", kDataRace, 1, map_writes_bug, map_writes_fix, K::data_race, true},
      {"atomic_load_then_store", kAtomicity, 2, atomic_load_store_bug, atomic_load_store_fix, K::assertion, true},
      {"atomic_check_then_add", kAtomicity, 2, atomic_limit_bug, atomic_limit_fix, K::assertion, true},
      {"rlock_read_lock_write", kAtomicity, 2, stale_read_withdraw_bug, stale_read_withdraw_fix, K::assertion, true},
      {"transfer_seen_midway", kAtomicity, 2, transfer_audit_bug, transfer_audit_fix, K::assertion, true},
      {"size_then_index", kAtomicity, 2, size_then_index_bug, size_then_index_fix, K::assertion, true},
      {"flag_before_data", kOrder, 2, flag_before_data_bug, flag_before_data_fix, K::assertion, true},
      {"wrong_lock", kDataRace, 1, wrong_lock_bug, wrong_lock_fix, K::data_race, true},
      {"read_before_join", kDataRace, 1, read_before_join_bug, read_before_join_fix, K::data_race, true},
  });
}

}  // namespace weft_bugs
