// Globals, statics, static locals and thread_locals are shared; constants never race.
int counter;
static long total;
thread_local int per_thread;
const int kLimit = 8;
constexpr int kStep = 2;
namespace ns {
int nested;
}

int next_id() {
  static int last = 0;
  return ++last;
}

void accumulate(int n) {
  counter = counter + n;    // read and write
  total += n * kStep;       // read-modify-write; kStep is a constant
  ns::nested = kLimit;      // kLimit is a constant
  per_thread++;
  if (counter > kLimit) counter = 0;
}
