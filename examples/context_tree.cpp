// Context cancellation across a tree of goroutines.
//
// A Context carries a cancellation signal down a tree: with_cancel(parent) makes a child
// that is cancelled when its own cancel function is called or when any ancestor is
// cancelled, never the other way round. Each worker watches its context's done() channel
// and returns when it closes; ctx.err() and ctx.cause() say why. Here one branch of the
// tree is shut down on its own, then cancelling the root stops everything that is left.
#include <chrono>
#include <string>

#include "bodies.hpp"
#include "weft/weft.hpp"

namespace weft_examples::context_tree {

using namespace std::chrono_literals;

namespace {

struct Exit {
  std::string branch;
  weft::ContextError err = weft::ContextError::none;
};

// Works in 10ms ticks until ctx is done, then reports on `exits`.
void worker(weft::Context ctx, std::string branch, weft::Chan<Exit> exits) {
  for (;;) {
    if (weft::select(weft::recv_case(ctx.done()), weft::recv_case(weft::after(10ms))) == 0) {
      exits.send({branch, ctx.err()});
      return;
    }
  }
}

}  // namespace

void run() {
  auto [root, cancel_root] = weft::with_cancel(weft::background());
  auto [a, cancel_a] = weft::with_cancel(root);  // branch a: two workers
  auto [b, cancel_b] = weft::with_cancel(root);  // branch b: a worker, and one a level down
  auto [b_child, cancel_b_child] = weft::with_cancel(b);
  auto exits = weft::make_chan<Exit>();
  weft::go(worker, a, "a", exits);
  weft::go(worker, a, "a", exits);
  weft::go(worker, b, "b", exits);
  weft::go(worker, b_child, "b", exits);

  weft::sleep(25ms);
  cancel_a("branch a shut down");
  for (int i = 0; i < 2; ++i) {
    Exit e = exits.recv();
    weft::check(e.branch == "a" && e.err == weft::ContextError::canceled,
                "cancelling a stops only a's workers");
  }
  weft::check(a.cause() == "branch a shut down", "the cause travels with the cancellation");
  weft::check(root.err() == weft::ContextError::none && b.err() == weft::ContextError::none,
              "cancelling a child leaves its parent and its siblings running");

  cancel_root();
  for (int i = 0; i < 2; ++i) {
    Exit e = exits.recv();
    weft::check(e.branch == "b" && e.err == weft::ContextError::canceled,
                "cancelling the root reaches every descendant");
  }
  weft::check(b_child.err() == weft::ContextError::canceled, "grandchildren are cancelled too");
  cancel_b();  // already cancelled through the root; calling it is harmless and tidy
  cancel_b_child();
}

}  // namespace weft_examples::context_tree
