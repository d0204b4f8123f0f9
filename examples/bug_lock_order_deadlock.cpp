// BUG: a deadlock from taking two mutexes in opposite orders.
//
// A transfer between two accounts locks both. If one goroutine moves money from x to y
// (locking x, then y) while another moves money from y to x (locking y, then x), each can
// end up holding the lock the other needs next: both wait forever, and so does main, which
// waits for them. Most schedules get lucky. The explorer finds the bug in one of two ways:
// it runs a schedule that deadlocks and reports "all goroutines are asleep - deadlock!"
// with where each goroutine is stuck, or the race detector's lock-order graph sees x taken
// before y in one goroutine and y before x in another, and reports a lock-order inversion
// (a potential deadlock) even from a schedule that got lucky. Which comes first depends on
// the seed. The fix: always take the locks in one global order (say, by account id).

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::bug_lock_order_deadlock {

namespace {

struct Account {
  weft::Mutex mu;
  int balance = 100;  // guarded by mu
};

void transfer(Account& from, Account& to, int amount) {
  from.mu.lock();
  to.mu.lock();  // the other transfer may hold this one, waiting for the one we hold
  from.balance -= amount;
  to.balance += amount;
  to.mu.unlock();
  from.mu.unlock();
}

}  // namespace

void run() {
  Account x, y;
  weft::WaitGroup wg;
  wg.add(2);
  weft::go_named("x to y", [&] {
    transfer(x, y, 10);
    wg.done();
  });
  weft::go_named("y to x", [&] {
    transfer(y, x, 20);
    wg.done();
  });
  wg.wait();
  weft::check(x.balance + y.balance == 200, "money is neither made nor lost");
}

}  // namespace weft_examples::bug_lock_order_deadlock
