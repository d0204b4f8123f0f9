// A monitor goroutine that owns its state.
//
// "Do not communicate by sharing memory; share memory by communicating." Here only the
// monitor goroutine ever touches the balance: other goroutines send it requests over
// channels. A query carries its own reply channel, and the monitor answers on it. No lock
// is needed, because one goroutine handles one request at a time; closing `quit` stops it.
#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::monitor_goroutine {

namespace {

// The client side of the monitor: cheap to copy, safe to use from any goroutine.
class Account {
 public:
  Account() {
    weft::go_named("account monitor",
                   [deposits = deposits_, queries = queries_, quit = quit_] {
                     int balance = 0;  // owned by this goroutine alone
                     for (bool open = true; open;) {
                       weft::select(
                           weft::recv_case(deposits, [&](int amount) { balance += amount; }),
                           weft::recv_case(queries,
                                           [&](weft::Chan<int> reply) { reply.send(balance); }),
                           weft::recv_case(quit, [&] { open = false; }));
                     }
                   });
  }
  void deposit(int amount) const { deposits_.send(amount); }
  int balance() const {
    auto reply = weft::make_chan<int>();
    queries_.send(reply);
    return reply.recv();
  }
  void close() const { quit_.close(); }

 private:
  weft::Chan<int> deposits_ = weft::make_chan<int>();
  weft::Chan<weft::Chan<int>> queries_ = weft::make_chan<weft::Chan<int>>();
  weft::Chan<weft::Unit> quit_ = weft::make_chan<weft::Unit>();
};

}  // namespace

void run() {
  Account account;
  weft::WaitGroup wg;
  for (int amount : {10, 20, 30}) {
    wg.add(1);
    weft::go([account, amount, &wg] {
      account.deposit(amount);
      wg.done();
    });
  }
  wg.wait();
  weft::check(account.balance() == 60, "the monitor applied all three deposits");
  account.close();
}

}  // namespace weft_examples::monitor_goroutine
