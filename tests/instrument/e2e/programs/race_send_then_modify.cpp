// Racy: the sender hands a buffer over a channel, then keeps writing to it.
#include <cstdio>

#include "e2e_main.hpp"
#include "weft/weft.hpp"

struct Message {
  char text[8] = "hello";
  int seq = 0;
};

void producer(weft::Chan<Message*> out, Message* m) {
  m->seq = 1;
  out.send(m);
  m->seq = 2;  // RACE: producer
}

int consumer(weft::Chan<Message*> in) {
  Message* m = in.recv();
  return m->seq;  // RACE: consumer
}

void program() {
  Message msg;
  auto ch = weft::make_chan<Message*>();
  auto done = weft::make_chan<int>(1);
  weft::go([ch, done] { done.send(consumer(ch)); });
  producer(ch, &msg);
  std::printf("got=%d text=%s\n", done.recv(), msg.text);
}

WEFT_E2E_MAIN(program)
