// Bit-fields have no address: accesses record the bytes of their memory location (the run
// of adjacent bit-fields) through the enclosing object, with read_range/write_range.
struct Flags {
  int id;
  unsigned ready : 1;
  unsigned mode : 3;
  int tail;
  unsigned later : 4;
  void arm() { ready = 1; }
};

Flags global_flags;

int bitfields(Flags* f) {
  global_flags.mode = 2;
  f->later++;
  f->arm();
  Flags mine{};
  mine.mode = 1;          // private: left alone
  return global_flags.ready + f->mode + mine.mode;
}
