// Locals are private unless their address escapes: address taken, bound to a reference,
// captured by reference (as in a lambda handed to weft::go), or an array decaying to a
// pointer. Passing to a const reference, copying and member calls do not make them escape.
template <class F>
void go(F&& f) { f(); }
void observe(const int&) {}
void keep(int*) {}
void touch(int&) {}

int run() {
  int quiet = 0;          // never escapes: left alone
  quiet += 1;
  observe(quiet);

  int shared = 0;         // captured by reference
  go([&] { shared++; });
  shared = shared + quiet;

  int pointed = 0;        // address taken
  keep(&pointed);
  pointed = 2;

  int bound = 0;          // bound to a non-const reference
  touch(bound);
  bound--;

  int arr[4] = {};        // decays to a pointer
  keep(arr);
  arr[1] = 5;

  int own[4] = {};        // only subscripted
  own[2] = 7;

  int copied = 1;         // captured by copy
  go([copied] { (void)copied; });
  return quiet + shared + pointed + bound + arr[1] + own[2] + copied;
}
