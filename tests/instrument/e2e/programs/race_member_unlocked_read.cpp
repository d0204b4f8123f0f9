// Racy: deposit() takes the account's mutex, peek() reads the member without it.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

class Account {
 public:
  void deposit(int amount) {
    mu_.lock();
    balance_ += amount;  // RACE: Account::deposit
    mu_.unlock();
  }
  int peek() const {
    return balance_;  // RACE: Account::peek
  }

 private:
  weft::Mutex mu_;
  int balance_ = 0;
};

void program() {
  Account acct;
  auto done = weft::make_chan<int>(1);
  weft::go([&acct, done] {
    acct.deposit(50);
    done.send(1);
  });
  int seen = acct.peek();
  done.recv();
  std::printf("seen=%d final=%d\n", seen == 0 ? 0 : 1, acct.peek());
}

WEFT_E2E_MAIN(program)
